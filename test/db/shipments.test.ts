import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { balances, codes, dayFromToday, mutation, noonOf, ok, send, written } from '../support/clerk';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * A clerk's shipments in one call each (issue 17): receiving by exception, dispatching what is available,
 * and the list of shipments a caller may see. Every figure by hand.
 *
 * Guerrero: the state warehouse GRSSA000010 supplies Tixtla (GRSSA000001) and Iguala (GRSSA000002).
 * Oaxaca: a state warehouse OCSSA000010 is added here, supplying Etla (OCSSA000001).
 */
let tdb: TestDatabase;
let api: TestApi;
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const ASPIRINA = '010.000.0101.00';
const METFORMINA = '010.000.5165.00';
const T: Record<string, string> = {};

const SHIPMENT = 'shipment { number status fromClues toClues lines { clave lotNumber quantity acceptedQuantity rejectedQuantity rejectionReason } leftBehind { clave requested sent left reason } }';
const DISPATCH = mutation('shipmentDispatch', 'ShipmentDispatchInput', `${SHIPMENT} leftBehind { clave requested sent left reason message } userWarnings { code }`);
const RECEIVE = mutation('shipmentReceive', 'ShipmentReceiveInput', `${SHIPMENT} userWarnings { code }`);
const ORDER_LINES = (number: string) => `{ order(number: "${number}") { status lines { clave approved dispatched accepted rejected inTransit remaining } } }`;
const FAR = dayFromToday(200);
const FARTHER = dayFromToday(300);

async function approvedOrder(requester: string, approver: string, requestingClues: string, key: string, lines: Array<{ clave: string; quantity: number }>): Promise<string> {
  const { order } = await ok(api, mutation('orderCreate', 'OrderCreateInput', 'order { number }'), { idempotencyKey: key, kind: 'REPLENISHMENT', requestingClues, lines }, requester);
  await ok(api, mutation('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: order.number }, requester);
  await ok(api, mutation('orderApprove', 'OrderApproveInput', 'order { status }'), { number: order.number }, approver);
  return order.number;
}

const receive = (token: string, key: string, clues: string, lines: unknown[], receivedAt?: string) =>
  ok(api, mutation('stockReceive', 'StockReceiveInput', 'receipt { id }'), { idempotencyKey: key, clues, receivedAt, lines }, token);

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  T.admin = await api.token(Role.ADMIN);
  const central = await api.token(Role.CENTRAL);
  for (const [clave, description] of [[ASPIRINA, 'Ácido acetilsalicílico. Tableta 500 mg'], [METFORMINA, 'Metformina. Tableta 850 mg']]) {
    await api.mutate(central, 'supplyItemUpsert', 'SupplyItemUpsertInput', { clave, description, kind: 'MEDICINE', authorizedLevels: ['FIRST', 'SECOND', 'THIRD'] });
  }
  await api.mutate(T.admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'OCSSA000010', name: 'Almacén Estatal Oaxaca', kind: 'SUPPORT', supplyingWarehouseClues: 'DFSSA004936' });
  await api.mutate(T.admin, 'warehouseUpsert', 'WarehouseUpsertInput', { clues: 'OCSSA000010', tier: 'STATE' });
  await api.mutate(T.admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'OCSSA000001', supplyingWarehouseClues: 'OCSSA000010' });
  T.whGR = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  T.whOC = await api.token(Role.WAREHOUSE, { clues: 'OCSSA000010' });
  T.central = await api.token(Role.WAREHOUSE, { clues: 'DFSSA004936' });
  T.tixtla = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  T.iguala = await api.token(Role.PHARMACY, { clues: 'GRSSA000002' });
  T.etla = await api.token(Role.PHARMACY, { clues: 'OCSSA000001' });
  T.coordGR = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  T.coordOC = await api.token(Role.STATE_COORDINATOR, { state: '20' });
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

const numbers: Record<string, string> = {};

describe('receipt by exception: acceptAllAsShipped and only the lots with differences', () => {
  let order: string;
  let shipment: string;

  test('a shipment of three lots', async () => {
    await receive(T.whGR, 'in-gr', 'GRSSA000010', [
      { clave: PARA, lotNumber: 'R-A', expiresOn: FAR, acceptedQuantity: 40 },
      { clave: PARA, lotNumber: 'R-B', expiresOn: FARTHER, acceptedQuantity: 60 },
      { clave: GASA, lotNumber: 'R-G', acceptedQuantity: 100 },
    ]);
    order = await approvedOrder(T.tixtla, T.coordGR, 'GRSSA000001', 'o-tixtla', [{ clave: PARA, quantity: 90 }, { clave: GASA, quantity: 50 }]);
    // 90 paracetamol FEFO: all 40 of R-A, 50 of R-B; 50 gasa from R-G.
    const p = await ok(api, DISPATCH, { idempotencyKey: 'd-tixtla', orderNumber: order, lines: [{ clave: PARA, quantity: 90 }, { clave: GASA, quantity: 50 }] }, T.whGR);
    shipment = numbers.S1 = p.shipment.number;
    expect(p.shipment.lines.map((l: any) => [l.clave, l.lotNumber, l.quantity])).toEqual([[PARA, 'R-A', 40], [PARA, 'R-B', 50], [GASA, 'R-G', 50]]);
    expect(p.shipment.leftBehind).toBeNull();
  });

  test('the differences are checked against what was shipped, every one at once, and nothing is written', async () => {
    const before = await written(tdb.db);
    const bad = await send(api, RECEIVE, {
      idempotencyKey: 'r-bad', shipmentNumber: shipment, acceptAllAsShipped: true,
      lines: [
        { clave: PARA, lotNumber: 'R-B', acceptedQuantity: 45 },
        { clave: GASA, lotNumber: 'R-G', acceptedQuantity: 51, rejectionReason: 'DAMAGED' },
        { clave: PARA, lotNumber: 'OTRO', acceptedQuantity: 1 },
      ],
    }, T.tixtla);
    expect(codes(bad)).toEqual([
      ['REQUIRED', 'lines.0.rejectionReason'],
      ['QUANTITY_MISMATCH', 'lines.1.acceptedQuantity'],
      ['INCONSISTENT', 'lines.1.rejectionReason'],
      ['NOT_IN_SHIPMENT', 'lines.2.lotNumber'],
    ]);
    expect(bad.userErrors[0].message).toBe('Indique el motivo del rechazo de 5 piezas del lote R-B.');
    expect(bad.userErrors[1].message).toBe('Se enviaron 50 piezas del lote R-G: no pueden aceptarse 51.');
    expect(await written(tdb.db)).toEqual(before);
    // Without acceptAllAsShipped every lot is still needed.
    expect(codes(await send(api, RECEIVE, { idempotencyKey: 'r-bad2', shipmentNumber: shipment, lines: [{ clave: PARA, lotNumber: 'R-B', acceptedQuantity: 45, rejectedQuantity: 5, rejectionReason: 'DAMAGED' }] }, T.tixtla))).toEqual([
      ['MISSING_LINE', 'lines'],
      ['MISSING_LINE', 'lines'],
    ]);
  });

  test('one call: one damaged lot named, the two others accepted as shipped', async () => {
    const input = { idempotencyKey: 'r-tixtla', shipmentNumber: shipment, acceptAllAsShipped: true, lines: [{ clave: PARA, lotNumber: 'R-B', acceptedQuantity: 45, rejectionReason: 'DAMAGED' }] };
    const p = await ok(api, RECEIVE, input, T.tixtla);
    expect(p.shipment.status).toBe('RECEIVED');
    expect(p.shipment.lines).toEqual([
      { clave: PARA, lotNumber: 'R-A', quantity: 40, acceptedQuantity: 40, rejectedQuantity: 0, rejectionReason: null },
      { clave: PARA, lotNumber: 'R-B', quantity: 50, acceptedQuantity: 45, rejectedQuantity: 5, rejectionReason: 'DAMAGED' },
      { clave: GASA, lotNumber: 'R-G', quantity: 50, acceptedQuantity: 50, rejectedQuantity: 0, rejectionReason: null },
    ]);
    expect(p.userWarnings).toEqual([]);
    // Warehouse: R-A 40 − 40 = 0, R-B 60 − 50 = 10, R-G 100 − 50 = 50. Tixtla: 40, 45 (5 damaged), 50.
    const after = await balances(tdb.db);
    expect(after).toEqual({ 'GRSSA000010 R-A': 0, 'GRSSA000010 R-B': 10, 'GRSSA000010 R-G': 50, 'GRSSA000001 R-A': 40, 'GRSSA000001 R-B': 45, 'GRSSA000001 R-G': 50 });
    // Paracetamol: 90 approved and sent, 85 accepted, 5 rejected: 5 may be sent again. Gasa in full.
    const o = (await api.gql(ORDER_LINES(order), {}, T.tixtla)).data.order;
    expect(o).toEqual({
      status: 'PARTIALLY_FULFILLED',
      lines: [
        { clave: PARA, approved: 90, dispatched: 90, accepted: 85, rejected: 5, inTransit: 0, remaining: 5 },
        { clave: GASA, approved: 50, dispatched: 50, accepted: 50, rejected: 0, inTransit: 0, remaining: 0 },
      ],
    });
    // Idempotent as before: the same request answers the same, writes nothing; other input with the key is refused.
    const before = await written(tdb.db);
    expect((await ok(api, RECEIVE, input, T.tixtla)).shipment).toEqual(p.shipment);
    expect(await written(tdb.db)).toEqual(before);
    expect(codes(await send(api, RECEIVE, { ...input, lines: [] }, T.tixtla))).toEqual([['IDEMPOTENCY_KEY_REUSED', 'idempotencyKey']]);
    const check = await api.gql('{ ledgerCheck { mismatches { clues } } }', {}, T.admin);
    expect(check.data.ledgerCheck.mismatches).toEqual([]);
  });

  test('the 5 rejected pieces are not pending: "what is available" sends nothing more (a warehouse names them to send them again)', async () => {
    // pending = approved − dispatched = 90 − 90 = 0 (SPEC §4): the pieces capToAvailable counts against the
    // warehouse's stock; a dispatch of what is available must not take more than that
    const none = await send(api, DISPATCH, { idempotencyKey: 'd-tixtla-again', orderNumber: order, fromAvailable: true }, T.whGR);
    expect(codes(none)).toEqual([['NOTHING_TO_DISPATCH', 'orderNumber']]);
  });
});

describe('dispatch what is available: fromAvailable, FEFO, and what stayed behind', () => {
  let order: string;

  test('the approved remainder of every line as far as usable stock allows', async () => {
    // Oaxaca's warehouse: paracetamol P-A 30 (expires first) and P-B 90; gasa G-1 15; aspirina only in a lot that has expired.
    await receive(T.whOC, 'in-oc', 'OCSSA000010', [
      { clave: PARA, lotNumber: 'P-A', expiresOn: FAR, acceptedQuantity: 30 },
      { clave: PARA, lotNumber: 'P-B', expiresOn: FARTHER, acceptedQuantity: 90 },
      { clave: GASA, lotNumber: 'G-1', acceptedQuantity: 15 },
    ]);
    await receive(T.whOC, 'in-oc-old', 'OCSSA000010', [{ clave: ASPIRINA, lotNumber: 'AS-X', expiresOn: dayFromToday(-30), acceptedQuantity: 20 }], noonOf(dayFromToday(-200)));
    order = await approvedOrder(T.etla, T.coordOC, 'OCSSA000001', 'o-etla', [
      { clave: ASPIRINA, quantity: 10 },
      { clave: PARA, quantity: 100 },
      { clave: METFORMINA, quantity: 60 },
      { clave: GASA, quantity: 40 },
    ]);
    expect(codes(await send(api, DISPATCH, { idempotencyKey: 'd-x', orderNumber: order, fromAvailable: true, lines: [{ clave: PARA, quantity: 1 }] }, T.whOC))).toEqual([
      ['INCONSISTENT', 'fromAvailable'],
    ]);
    // an empty list of lines is a mistake, not "everything": refused, nothing sent
    expect(codes(await send(api, DISPATCH, { idempotencyKey: 'd-empty', orderNumber: order, lines: [] }, T.whOC))).toEqual([['REQUIRED', 'lines']]);

    const input = { idempotencyKey: 'd-etla-1', orderNumber: order, fromAvailable: true };
    const p = await ok(api, DISPATCH, input, T.whOC);
    numbers.S3 = p.shipment.number;
    // Paracetamol 100: FEFO all 30 of P-A, then 70 of P-B (20 stay). Gasa: the 15 there are, of 40.
    expect(p.shipment.lines.map((l: any) => [l.clave, l.lotNumber, l.quantity])).toEqual([[PARA, 'P-A', 30], [PARA, 'P-B', 70], [GASA, 'G-1', 15]]);
    expect(p.leftBehind).toEqual([
      { clave: ASPIRINA, requested: 10, sent: 0, left: 10, reason: 'ONLY_EXPIRED_STOCK', message: 'Las 20 piezas de 010.000.0101.00 en existencia están caducadas y no se envían; quedan 10 aprobadas por enviar.' },
      { clave: METFORMINA, requested: 60, sent: 0, left: 60, reason: 'NO_STOCK', message: 'No hay piezas de 010.000.5165.00 en existencia; quedan 60 aprobadas por enviar.' },
      { clave: GASA, requested: 40, sent: 15, left: 25, reason: 'PARTIAL_STOCK', message: 'Se enviaron las 15 piezas utilizables de 060.066.0028.00; quedan 25 de 40 aprobadas por enviar.' },
    ]);
    expect(p.shipment.leftBehind).toEqual(p.leftBehind.map(({ message: _m, ...s }: any) => s));
    expect(await balances(tdb.db)).toMatchObject({ 'OCSSA000010 P-A': 0, 'OCSSA000010 P-B': 20, 'OCSSA000010 G-1': 0, 'OCSSA000010 AS-X': 20 });
    const o = (await api.gql(ORDER_LINES(order), {}, T.etla)).data.order;
    expect(o.lines.map((l: any) => [l.clave, l.dispatched, l.remaining])).toEqual([[ASPIRINA, 0, 10], [PARA, 100, 0], [METFORMINA, 0, 60], [GASA, 15, 25]]);

    // A retry answers the same shipment and the same shortfalls.
    const again = await ok(api, DISPATCH, input, T.whOC);
    expect(again.shipment).toEqual(p.shipment);
    expect(again.leftBehind).toEqual(p.leftBehind);
  });

  test('nothing usable left: refused, nothing written; new stock goes out with no lines at all', async () => {
    const before = await written(tdb.db);
    const none = await send(api, DISPATCH, { idempotencyKey: 'd-etla-2', orderNumber: order, fromAvailable: true }, T.whOC);
    expect(codes(none)).toEqual([['NOTHING_TO_DISPATCH', 'fromAvailable']]);
    expect(none.userErrors[0].message).toMatch(/^No hay existencia utilizable de ninguna clave pendiente de la orden OS-\d{4}-\d{6} \(010.000.0101.00, 010.000.5165.00, 060.066.0028.00\)/);
    expect(await written(tdb.db)).toEqual(before);

    await receive(T.whOC, 'in-oc-2', 'OCSSA000010', [{ clave: GASA, lotNumber: 'G-2', expiresOn: dayFromToday(20), acceptedQuantity: 10 }]);
    const p = await ok(api, DISPATCH, { idempotencyKey: 'd-etla-3', orderNumber: order }, T.whOC);
    numbers.S4 = p.shipment.number;
    expect(p.shipment.lines.map((l: any) => [l.clave, l.lotNumber, l.quantity])).toEqual([[GASA, 'G-2', 10]]);
    // a lot with 20 days left goes first (FEFO), and the dispatch says so
    expect(p.userWarnings).toEqual([{ code: 'LOT_EXPIRES_SOON' }]);
    expect(p.leftBehind.map((s: any) => [s.clave, s.requested, s.sent, s.left, s.reason])).toEqual([
      [ASPIRINA, 10, 0, 10, 'ONLY_EXPIRED_STOCK'],
      [METFORMINA, 60, 0, 60, 'NO_STOCK'],
      [GASA, 25, 10, 15, 'PARTIAL_STOCK'],
    ]);
    expect(await balances(tdb.db)).toMatchObject({ 'OCSSA000010 G-1': 0, 'OCSSA000010 G-2': 0, 'OCSSA000010 AS-X': 20, 'OCSSA000010 P-B': 20 });
  });
});

describe('shipments: what a caller may see', () => {
  const LIST = `query($f: ShipmentFilter, $first: Int, $after: String) {
    shipments(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { number toClues fromClues status } } } }`;
  const list = async (token: string, f?: Record<string, unknown>, first?: number, after?: string) => {
    const r = await api.gql(LIST, { f, first, after }, token);
    expect(r.errors).toBeUndefined();
    return { total: r.data.shipments.totalCount, numbers: r.data.shipments.edges.map((e: any) => e.node.number), page: r.data.shipments };
  };

  beforeAll(async () => {
    // One more, on its way to Iguala: 5 of the 10 paracetamol left in R-B.
    const order = await approvedOrder(T.iguala, T.coordGR, 'GRSSA000002', 'o-iguala', [{ clave: PARA, quantity: 5 }]);
    numbers.S2 = (await ok(api, DISPATCH, { idempotencyKey: 'd-iguala', orderNumber: order, lines: [{ clave: PARA, quantity: 5 }] }, T.whGR)).shipment.number;
  });

  test('national roles see all four, in number order', async () => {
    const { S1, S2, S3, S4 } = numbers;
    expect(await list(T.admin)).toMatchObject({ total: 4, numbers: [S1, S3, S4, S2] });
    const r = await api.gql(`{ shipments(filter: { statuses: [IN_TRANSIT] }) { totalCount edges { node { number toClues fromClues status lines { lotNumber quantity } } } } }`, {}, T.admin);
    expect(r.data.shipments.totalCount).toBe(3);
    expect(r.data.shipments.edges.map((e: any) => e.node)).toEqual([
      { number: S3, toClues: 'OCSSA000001', fromClues: 'OCSSA000010', status: 'IN_TRANSIT', lines: [{ lotNumber: 'P-A', quantity: 30 }, { lotNumber: 'P-B', quantity: 70 }, { lotNumber: 'G-1', quantity: 15 }] },
      { number: S4, toClues: 'OCSSA000001', fromClues: 'OCSSA000010', status: 'IN_TRANSIT', lines: [{ lotNumber: 'G-2', quantity: 10 }] },
      { number: S2, toClues: 'GRSSA000002', fromClues: 'GRSSA000010', status: 'IN_TRANSIT', lines: [{ lotNumber: 'R-B', quantity: 5 }] },
    ]);
  });

  test('a coordinator, a warehouse and a unit see their own; never another state’s, whatever the filter', async () => {
    const { S1, S2, S3, S4 } = numbers;
    expect(await list(T.coordGR)).toMatchObject({ total: 2, numbers: [S1, S2] });
    expect(await list(T.coordOC)).toMatchObject({ total: 2, numbers: [S3, S4] });
    expect(await list(T.coordOC, { toClues: 'GRSSA000001' })).toMatchObject({ total: 0, numbers: [] });
    expect(await list(T.coordOC, { fromClues: 'GRSSA000010' })).toMatchObject({ total: 0, numbers: [] });
    expect(await list(T.etla)).toMatchObject({ total: 2, numbers: [S3, S4] });
    expect(await list(T.whGR)).toMatchObject({ total: 2, numbers: [S1, S2] });
    expect(await list(T.whOC, { statuses: ['RECEIVED'] })).toMatchObject({ total: 0, numbers: [] });
    expect(await list(T.tixtla)).toMatchObject({ total: 1, numbers: [S1] });
    expect(await list(T.iguala, { toClues: 'GRSSA000002', statuses: ['IN_TRANSIT'] })).toMatchObject({ total: 1, numbers: [S2] });
    expect(await list(T.iguala, { toClues: 'GRSSA000001' })).toMatchObject({ total: 0, numbers: [] });
    expect(await list(T.central)).toMatchObject({ total: 0, numbers: [] });
  });

  test('by order; a page at a time; one statement for the lines of a whole page', async () => {
    const { S1, S2, S3, S4 } = numbers;
    const etlaOrder = (await api.gql(`{ shipment(number: "${S3}") { orderNumber } }`, {}, T.admin)).data.shipment.orderNumber;
    expect(await list(T.admin, { orderNumber: etlaOrder })).toMatchObject({ total: 2, numbers: [S3, S4] });
    const first = await list(T.admin, undefined, 2);
    expect(first).toMatchObject({ total: 4, numbers: [S1, S3] });
    expect(first.page.pageInfo.hasNextPage).toBe(true);
    const second = await list(T.admin, undefined, 2, first.page.pageInfo.endCursor);
    expect(second.numbers).toEqual([S4, S2]);
    expect(second.page.pageInfo.hasNextPage).toBe(false);

    const page = (n: number) => api.gql(`{ shipments(first: ${n}) { edges { node { number lines { clave lotNumber quantity acceptedQuantity } } } } }`, {}, T.admin);
    const one = await api.countSql(() => page(1));
    const four = await api.countSql(() => page(4));
    expect(four).toBe(one);
  });
});
