import { GraphQLInterfaceType } from 'graphql';
import { Role } from '../../src/domain/enums';
import { getSchema } from '../../src/graphql/schema';
import { NODE_TYPES } from '../../src/modules/viewer/viewer.resolver';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Relay's object identification: every type that implements Node resolves through `node(id:)`. The
 * types are enumerated from the built schema, one object of each is made through the API on the small
 * network, its id read where the API shows it and resolved again. A new Node type with no example here
 * (or no resolver in nodeLoaders) fails the first test.
 */

let tdb: TestDatabase;
let api: TestApi;
let admin: string;
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const YEAR = Number(new Date().toISOString().slice(0, 4));
const TODAY = new Date().toISOString().slice(0, 10);

/** One id of each Node type, read through the API. */
const ids: Record<string, string> = {};

async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const r = await api.gql(query, variables, token);
  expect(r.errors).toBeUndefined();
  const payload = Object.values(r.data)[0] as { userErrors?: unknown[] };
  if (payload && 'userErrors' in payload) expect(payload.userErrors).toEqual([]);
  return payload;
}

const mutation = (name: string, type: string, body: string) => `mutation($i: ${type}!) { ${name}(input: $i) { ${body} userErrors { code field message } } }`;

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  admin = await api.token(Role.ADMIN);
  const central = await api.token(Role.CENTRAL);

  ids.State = (await ok(admin, `{ states { id code } }`)).find((s: any) => s.code === '12').id;
  ids.Establishment = (await ok(admin, `{ establishment(clues: "GRSSA000001") { id } }`)).id;
  ids.Warehouse = (await ok(admin, `{ warehouses(first: 1) { edges { node { id } } } }`)).edges[0].node.id;
  ids.SupplyItem = (await ok(admin, `{ supplyItem(clave: "${PARA}") { id } }`)).id;

  // 200 paracetamol and 80 gasa at the state warehouse: a receipt, its movements, the levels it changed.
  const received = await ok(admin, mutation('stockReceive', 'StockReceiveInput', 'receipt { id } movements { id } stockLevels { id clave onHand }'), {
    i: {
      idempotencyKey: 'node-receive',
      clues: 'GRSSA000010',
      lines: [
        { clave: PARA, lotNumber: 'N-1', expiresOn: '2030-01-31', acceptedQuantity: 200 },
        { clave: GASA, lotNumber: 'N-G', acceptedQuantity: 80 },
      ],
    },
  });
  ids.Receipt = received.receipt.id;
  ids.StockMovement = received.movements[0].id;
  ids.StockLevel = received.stockLevels[0].id;

  // An order to the Tixtla health centre, approved and dispatched: an order and a shipment.
  const order = (await ok(admin, mutation('orderCreate', 'OrderCreateInput', 'order { id number }'), {
    i: { idempotencyKey: 'node-order', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', lines: [{ clave: PARA, quantity: 30 }] },
  })).order;
  ids.Order = order.id;
  await ok(admin, mutation('orderSubmit', 'OrderNumberInput', 'order { status }'), { i: { number: order.number } });
  await ok(admin, mutation('orderApprove', 'OrderApproveInput', 'order { status }'), { i: { number: order.number } });
  ids.Shipment = (await ok(admin, mutation('shipmentDispatch', 'ShipmentDispatchInput', 'shipment { id }'), {
    i: { idempotencyKey: 'node-dispatch', orderNumber: order.number, lines: [{ clave: PARA, quantity: 30 }] },
  })).shipment.id;

  ids.Prescription = (await ok(admin, mutation('prescriptionDispense', 'PrescriptionDispenseInput', 'prescription { id }'), {
    i: { idempotencyKey: 'node-rx', clues: 'GRSSA000001', folio: 'RX-1', issuedOn: TODAY, lines: [{ clave: PARA, prescribed: 10, dispensed: 0 }] },
  })).prescription.id;
  // The year's CPM at Tixtla: proposed (nothing calculated), gasa set to 40 and ratified, so the plan has a gasa row.
  ids.CpmSubmission = (await ok(admin, mutation('cpmSubmissionPropose', 'CpmSubmissionKeyInput', 'submission { id }'), { i: { clues: 'GRSSA000001', year: YEAR } })).submission.id;
  await ok(admin, mutation('cpmSubmissionUpdate', 'CpmSubmissionUpdateInput', 'submission { id }'), { i: { clues: 'GRSSA000001', year: YEAR, lines: [{ clave: GASA, cpm: 40, justification: 'prueba' }] } });
  await ok(admin, mutation('cpmSubmissionRatify', 'CpmSubmissionKeyInput', 'submission { status }'), { i: { clues: 'GRSSA000001', year: YEAR } });
  ids.ProcurementContract = (await ok(central, mutation('procurementContractCreate', 'ProcurementContractCreateInput', 'contract { id }'), {
    i: { idempotencyKey: 'node-contract', supplier: 'Laboratorios del Sur', clave: GASA, minPieces: 400, maxPieces: 1000, unitPrice: 2.5, validFrom: TODAY, validTo: `${YEAR + 1}-12-31` },
  })).contract.id;
  const plan = await ok(central, `{ procurementPlan(year: ${YEAR}, first: 1) { edges { node { id clave state { code } } } } }`);
  expect(plan.edges[0].node).toMatchObject({ clave: GASA, state: null });
  ids.ProcurementPlanRow = plan.edges[0].node.id;
}, 120_000);
afterAll(() => stopNetworkApi(api, tdb));

test('every implementation of Node in the schema has a resolver and an example here', async () => {
  const schema = await getSchema();
  const implementations = schema
    .getPossibleTypes(schema.getType('Node') as GraphQLInterfaceType)
    .map((t) => t.name)
    .sort();
  expect(implementations).toEqual(expect.arrayContaining(['CpmSubmission', 'Prescription', 'ProcurementPlanRow', 'StockLevel']));
  expect([...NODE_TYPES].sort()).toEqual(implementations);
  expect(Object.keys(ids).sort()).toEqual(implementations);
});

test('each id read from the API resolves to its object through node(id:), typed by `... on Type`', async () => {
  const schema = await getSchema();
  for (const type of schema.getPossibleTypes(schema.getType('Node') as GraphQLInterfaceType).map((t) => t.name)) {
    const r = await api.gql(`query($id: ID!) { node(id: $id) { __typename id ... on ${type} { id } } }`, { id: ids[type] }, admin);
    expect([type, r.errors]).toEqual([type, undefined]);
    expect([type, r.data.node]).toEqual([type, { __typename: type, id: ids[type] }]);
  }
});

test('a StockLevel id is its location × clave, read again at today’s date; an unknown one is null', async () => {
  const LEVEL = `query($id: ID!) { node(id: $id) { ... on StockLevel { id clave onHand usable establishment { clues name } } } }`;
  const level = (clues: string, clave: string) => Buffer.from(`StockLevel:${clues}:${clave}`).toString('base64url');
  // 200 received, 30 dispatched to Tixtla.
  let r = await api.gql(LEVEL, { id: level('GRSSA000010', PARA) }, admin);
  expect(r.data.node).toEqual({ id: level('GRSSA000010', PARA), clave: PARA, onHand: 170, usable: 170, establishment: { clues: 'GRSSA000010', name: 'Almacén Estatal Guerrero' } });
  // A clave the location never held, a CLUES that does not exist, a key that is no location × clave.
  for (const id of [level('GRSSA000010', CLAVES.trastuzumab), level('GRSSA999999', PARA), Buffer.from('StockLevel:nada').toString('base64url')]) {
    r = await api.gql(LEVEL, { id }, admin);
    expect(r).toMatchObject({ data: { node: null } });
    expect(r.errors).toBeUndefined();
  }
});

test('node(id:) keeps each list’s authorisation: another unit’s stock, a prescription or a plan row are FORBIDDEN to a pharmacy', async () => {
  const oaxaca = await api.token(Role.PHARMACY, { clues: 'OCSSA000001' });
  for (const type of ['StockLevel', 'Prescription', 'CpmSubmission', 'ProcurementPlanRow', 'Receipt', 'StockMovement']) {
    const r = await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: ids[type] }, oaxaca);
    expect([type, r.data.node, r.errors?.map((e) => e.extensions?.code)]).toEqual([type, null, ['FORBIDDEN']]);
  }
  // The Tixtla pharmacy reads its own prescription and submission, not the warehouse's stock.
  const tixtla = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  const own = await api.gql(`query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } }`, { a: ids.Prescription, b: ids.CpmSubmission }, tixtla);
  expect(own).toMatchObject({ data: { a: { id: ids.Prescription }, b: { id: ids.CpmSubmission } } });
  // A coordinator reads its own state's plan rows only, and not the national row.
  const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  const row = (state: string) => Buffer.from(`ProcurementPlanRow:${YEAR}:${state}:${GASA}`).toString('base64url');
  const plan = await api.gql(`query($a: ID!, $b: ID!, $c: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } c: node(id: $c) { id } }`, { a: row('12'), b: row('20'), c: row('') }, coordinator);
  expect(plan.data).toEqual({ a: { id: row('12') }, b: null, c: null });
  expect(plan.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
});

test('stock mutations answer the stock levels they changed, with their ids, in one statement per location', async () => {
  const CONSUME = mutation('stockConsume', 'StockConsumeInput', 'stockLevels { id clave onHand usable establishment { clues } }');
  const before = await api.countSql(async () => {
    await ok(admin, mutation('stockConsume', 'StockConsumeInput', 'movements { id }'), { i: { idempotencyKey: 'node-consume-0', clues: 'GRSSA000010', lines: [{ clave: PARA, quantity: 1 }] } });
  });
  let payload: any;
  const after = await api.countSql(async () => {
    payload = await ok(admin, CONSUME, { i: { idempotencyKey: 'node-consume', clues: 'GRSSA000010', lines: [{ clave: PARA, quantity: 20 }, { clave: GASA, quantity: 5 }] } });
  });
  // 170 − 1 − 20 = 149 paracetamol; 80 − 5 = 75 gasa; in clave order (010… before 060…).
  expect(payload.stockLevels).toEqual([
    { id: Buffer.from(`StockLevel:GRSSA000010:${PARA}`).toString('base64url'), clave: PARA, onHand: 149, usable: 149, establishment: { clues: 'GRSSA000010' } },
    { id: Buffer.from(`StockLevel:GRSSA000010:${GASA}`).toString('base64url'), clave: GASA, onHand: 75, usable: 75, establishment: { clues: 'GRSSA000010' } },
  ]);
  // The levels cost two statements for the location, whatever the number of claves: its establishment (scope, band) and its page.
  expect(after - before).toBeLessThanOrEqual(2);
  // With a user error: no levels.
  const bad = await api.gql(CONSUME, { i: { idempotencyKey: 'node-consume-x', clues: 'GRSSA000010', lines: [{ clave: PARA, quantity: 100000 }] } }, admin);
  expect(bad.data.stockConsume.stockLevels).toEqual([]);
  expect(bad.data.stockConsume.userErrors.length).toBeGreaterThan(0);
});
