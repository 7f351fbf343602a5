import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * What client tooling needs of the contract (issue 17): PageInfo as Relay has it, root fields that fail
 * alone, the establishments a document names by CLUES as objects, reversal links as objects, enums
 * where values are enums, and a purchase order that takes its contract by global id.
 */

let tdb: TestDatabase;
let api: TestApi;
let admin: string;
let pharmacy: string;
let warehouse: string;
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const TODAY = new Date().toISOString().slice(0, 10);
const YEAR = Number(TODAY.slice(0, 4));
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
const m = (name: string, type: string, body: string) => `mutation($i: ${type}!) { ${name}(input: $i) { ${body} userErrors { code field message } } }`;

async function ok(token: string, query: string, i: Record<string, unknown>): Promise<any> {
  const r = await api.gql(query, { i }, token);
  expect(r.errors).toBeUndefined();
  const payload = Object.values(r.data)[0] as { userErrors: unknown[] };
  expect(payload.userErrors).toEqual([]);
  return payload;
}

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  admin = await api.token(Role.ADMIN);
  pharmacy = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  await ok(warehouse, m('stockReceive', 'StockReceiveInput', 'receipt { id }'), {
    idempotencyKey: 'cc-stock',
    clues: 'GRSSA000010',
    lines: [{ clave: PARA, lotNumber: 'CC-A', expiresOn: '2030-06-30', acceptedQuantity: 100 }],
  });
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

describe('PageInfo (Relay): hasPreviousPage and startCursor', () => {
  const PAGE = `query($first: Int, $after: String) { establishments(first: $first, after: $after) {
    totalCount edges { cursor node { clues } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
  const page = async (first: number, after?: string) => (await api.gql(PAGE, { first, after }, admin)).data.establishments;

  test('the first page has no previous page; a page after a cursor has one; cursors are the first and last edges’', async () => {
    // The nine establishments in CLUES order: DFSSA004936, GRIMB000004, GRSSA000001, GRSSA000002, GRSSA000003, GRSSA000010, JCSSA…, OCSSA…, OCSSA….
    const first = await page(2);
    expect(first.totalCount).toBe(9);
    expect(first.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: cursor('DFSSA004936'), endCursor: cursor('GRIMB000004') });
    expect(first.edges.map((e: any) => e.cursor)).toEqual([first.pageInfo.startCursor, first.pageInfo.endCursor]);
    const second = await page(3, first.pageInfo.endCursor);
    expect(second.edges.map((e: any) => e.node.clues)).toEqual(['GRSSA000001', 'GRSSA000002', 'GRSSA000003']);
    expect(second.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true, startCursor: cursor('GRSSA000001'), endCursor: cursor('GRSSA000003') });
    const last = await page(5, cursor('JCSSA000001'));
    expect(last.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: cursor('OCSSA000001'), endCursor: cursor('OCSSA000002') });
    // An empty page has no cursors.
    expect((await page(0)).pageInfo).toMatchObject({ hasPreviousPage: false, startCursor: null, endCursor: null });
  });
});

describe('root fields are nullable: one FORBIDDEN does not null its siblings', () => {
  test('a batched mutation document: the forbidden field is null with its error, the allowed one commits and answers', async () => {
    const r = await api.gql(
      `mutation($c: ProcurementContractCreateInput!, $s: StockReceiveInput!) {
        procurementContractCreate(input: $c) { contract { id } userErrors { code } }
        stockReceive(input: $s) { receipt { clues } stockLevels { clave onHand } userErrors { code } } }`,
      {
        c: { idempotencyKey: 'cc-contract-x', supplier: 'X', clave: PARA, minPieces: 40, maxPieces: 100, unitPrice: 1, validFrom: TODAY, validTo: TODAY },
        s: { idempotencyKey: 'cc-batched', clues: 'GRSSA000001', lines: [{ clave: GASA, lotNumber: 'CC-G', acceptedQuantity: 12 }] },
      },
      pharmacy,
    );
    expect(r.status).toBe(200);
    expect(r.data).toEqual({
      procurementContractCreate: null,
      stockReceive: { receipt: { clues: 'GRSSA000001' }, stockLevels: [{ clave: GASA, onHand: 12 }], userErrors: [] },
    });
    expect(r.errors).toEqual([expect.objectContaining({ path: ['procurementContractCreate'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    // It committed: the pharmacy holds the 12 pieces.
    const [{ quantity }] = await tdb.db.query(`SELECT b.quantity FROM stock_balance b JOIN lot l ON l.id = b.lot_id WHERE l.lot_number = 'CC-G'`);
    expect(quantity).toBe(12);
  });

  test('a query document: `me` answers beside a plan the pharmacy may not read', async () => {
    const r = await api.gql(`{ me { role clues } procurementPlan(year: ${YEAR}) { totalCount } }`, {}, pharmacy);
    expect(r.data).toEqual({ me: { role: 'PHARMACY', clues: 'GRSSA000001' }, procurementPlan: null });
    expect(r.errors?.map((e: any) => [e.path, e.extensions.code])).toEqual([[['procurementPlan'], 'FORBIDDEN']]);
  });
});

describe('the establishments a document names by CLUES, as objects beside the codes', () => {
  test('order (requesting, supplying), shipment (from, to), receipt, prescription and CPM submission', async () => {
    const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
    const { order } = await ok(pharmacy, m('orderCreate', 'OrderCreateInput', 'order { number }'), {
      idempotencyKey: 'cc-order', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', lines: [{ clave: PARA, quantity: 20 }],
    });
    await ok(pharmacy, m('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: order.number });
    await ok(coordinator, m('orderApprove', 'OrderApproveInput', 'order { status }'), { number: order.number });
    const { shipment } = await ok(warehouse, m('shipmentDispatch', 'ShipmentDispatchInput', 'shipment { number }'), {
      idempotencyKey: 'cc-dispatch', orderNumber: order.number, lines: [{ clave: PARA, quantity: 20 }],
    });
    const r = await api.gql(
      `query($n: String!, $s: String!) {
        order(number: $n) { requestingClues requesting { clues name } supplyingClues supplying { clues name } }
        shipment(number: $s) { fromClues from { name } toClues to { name } } }`,
      { n: order.number, s: shipment.number },
      pharmacy,
    );
    expect(r.data).toEqual({
      order: { requestingClues: 'GRSSA000001', requesting: { clues: 'GRSSA000001', name: 'Centro de Salud Tixtla' }, supplyingClues: 'GRSSA000010', supplying: { clues: 'GRSSA000010', name: 'Almacén Estatal Guerrero' } },
      shipment: { fromClues: 'GRSSA000010', from: { name: 'Almacén Estatal Guerrero' }, toClues: 'GRSSA000001', to: { name: 'Centro de Salud Tixtla' } },
    });

    const received = await ok(pharmacy, m('stockReceive', 'StockReceiveInput', 'receipt { clues establishment { name } }'), {
      idempotencyKey: 'cc-donation', clues: 'GRSSA000001', source: 'DONATION', lines: [{ clave: GASA, lotNumber: 'CC-D', acceptedQuantity: 3 }],
    });
    expect(received.receipt).toEqual({ clues: 'GRSSA000001', establishment: { name: 'Centro de Salud Tixtla' } });
    const rx = await ok(pharmacy, m('prescriptionDispense', 'PrescriptionDispenseInput', 'prescription { clues establishment { name } }'), {
      idempotencyKey: 'cc-rx', clues: 'GRSSA000001', folio: 'CC-1', issuedOn: TODAY, lines: [{ clave: GASA, prescribed: 2, dispensed: 2 }],
    });
    expect(rx.prescription).toEqual({ clues: 'GRSSA000001', establishment: { name: 'Centro de Salud Tixtla' } });
    const sub = await ok(pharmacy, m('cpmSubmissionPropose', 'CpmSubmissionKeyInput', 'submission { clues establishment { name } history { action } }'), { clues: 'GRSSA000001', year: YEAR });
    expect(sub.submission).toEqual({ clues: 'GRSSA000001', establishment: { name: 'Centro de Salud Tixtla' }, history: [{ action: 'PROPOSED' }] });
  });
});

test('a reversal and the movement it undoes point at each other as objects; the deprecated ids still answer', async () => {
  const adjusted = await ok(warehouse, m('stockAdjust', 'StockAdjustInput', 'movements { id }'), {
    idempotencyKey: 'cc-adjust', clues: 'GRSSA000010', clave: PARA, lotNumber: 'CC-A', quantity: 5, reason: 'FOUND',
  });
  const original = adjusted.movements[0].id;
  const reversal = (await ok(warehouse, m('stockMovementReverse', 'StockMovementReverseInput', 'movements { id }'), { idempotencyKey: 'cc-reverse', movementId: original, reason: 'error de captura' })).movements[0].id;
  const r = await api.gql(
    `query($a: ID!, $b: ID!) {
      a: node(id: $a) { ... on StockMovement { quantity reversedBy reversedByMovement { id kind quantity } reversesMovement { id } } }
      b: node(id: $b) { ... on StockMovement { reverses reversesMovement { id kind quantity reversedByMovement { id } } } } }`,
    { a: original, b: reversal },
    warehouse,
  );
  expect(r.data).toEqual({
    a: { quantity: 5, reversedBy: reversal, reversedByMovement: { id: reversal, kind: 'REVERSAL', quantity: -5 }, reversesMovement: null },
    b: { reverses: original, reversesMovement: { id: original, kind: 'ADJUSTMENT', quantity: 5, reversedByMovement: { id: reversal } } },
  });
});

test('enums where values are enums: the CPM source, a calculation with no value', async () => {
  const r = await api.gql(
    `{ stockLevels(clues: "GRSSA000010", filter: { claves: ["${PARA}"] }) { edges { node { clave cpmSource } } }
       cpmCalculation(clues: "OCSSA000001", clave: "${PARA}", month: "${TODAY.slice(0, 7)}") { value reason } }`,
    {},
    admin,
  );
  // Nothing consumed anywhere: no CPM in force at the warehouse, no month kept at Etla.
  expect(r.data).toEqual({ stockLevels: { edges: [{ node: { clave: PARA, cpmSource: null } }] }, cpmCalculation: { value: null, reason: 'NO_DATA' } });
});

describe('orderCreate takes the contract by its global id', () => {
  const CREATE = m('orderCreate', 'OrderCreateInput', 'order { supplier contract { id number } }');
  let contract: { id: string; number: string; contractId: number };
  const purchase = (key: string, extra: Record<string, unknown>) => ({
    idempotencyKey: key, kind: 'PURCHASE', requestingClues: 'DFSSA004936', lines: [{ clave: GASA, quantity: 100 }], ...extra,
  });
  let central: string;

  beforeAll(async () => {
    central = await api.token(Role.CENTRAL);
    contract = (await ok(central, m('procurementContractCreate', 'ProcurementContractCreateInput', 'contract { id number contractId minPieces maxPieces }'), {
      idempotencyKey: 'cc-contract', supplier: 'Laboratorios del Sur', clave: GASA, minPieces: 400, maxPieces: 1000, unitPrice: 2.5, validFrom: TODAY, validTo: `${YEAR + 1}-12-31`,
    })).contract;
  });

  test('by `contract` (its id): the supplier comes from the contract', async () => {
    const p = await ok(central, CREATE, purchase('cc-po-1', { contract: contract.id }));
    expect(p.order).toEqual({ supplier: 'Laboratorios del Sur', contract: { id: contract.id, number: contract.number } });
  });

  test('by the deprecated `contractId` as before', async () => {
    const p = await ok(central, CREATE, purchase('cc-po-2', { contractId: contract.contractId }));
    expect(p.order.contract).toEqual({ id: contract.id, number: contract.number });
  });

  test('both, or an id that is no contract’s: a user error on `contract`, in Spanish, nothing written', async () => {
    const codes = async (i: Record<string, unknown>) => (await api.gql(CREATE, { i }, central)).data.orderCreate.userErrors;
    expect(await codes(purchase('cc-po-3', { contract: contract.id, contractId: contract.contractId }))).toEqual([
      { code: 'INCONSISTENT', field: ['input', 'contract'], message: 'Indique el contrato una vez: contract (su id), no también contractId.' },
    ]);
    const item = Buffer.from(`SupplyItem:${GASA}`).toString('base64url');
    for (const id of [item, 'no-es-un-id', Buffer.from('ProcurementContract:CA-0000-999999').toString('base64url')]) {
      expect(await codes(purchase(`cc-po-${id}`, { contract: id }))).toEqual([
        { code: 'UNKNOWN_CONTRACT', field: ['input', 'contract'], message: 'No existe el contrato: use el id de un contrato (ProcurementContract.id).' },
      ]);
    }
    const [{ n }] = await tdb.db.query(`SELECT count(*)::int AS n FROM supply_order WHERE kind = 'PURCHASE'`);
    expect(n).toBe(2);
  });
});
