import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { codes, dayFromToday, mutation, noonOf, ok, send, written } from '../support/clerk';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * A draft order edited line by line (orderUpdate), and the supplying warehouse's stock beside every line
 * that asks for it (issue 17). By hand:
 *
 *   Tixtla (GRSSA000001, first level), paracetamol CPM 40 ratified, holds nothing: suggested ⌈40 × 3⌉ = 120.
 *   Its warehouse GRSSA000010 holds paracetamol P-W 150 usable and P-X 30 expired; Iguala's order for 100
 *   is approved and not yet sent (pending out 100):
 *     supplierUsable = 150, supplierAvailable = max(0, 150 − 100) = 50.
 */
let tdb: TestDatabase;
let api: TestApi;
const { paracetamol: PARA, gasa: GASA, trastuzumab: TRAS } = CLAVES;
const YEAR = Number(businessDay().slice(0, 4));
const T: Record<string, string> = {};

const ORDER = 'order { number status lines { clave requested approved } }';
const CREATE = mutation('orderCreate', 'OrderCreateInput', ORDER);
const UPDATE = mutation('orderUpdate', 'OrderUpdateInput', ORDER);
const SUBMIT = mutation('orderSubmit', 'OrderNumberInput', ORDER);
const APPROVE = mutation('orderApprove', 'OrderApproveInput', ORDER);
const lines = (p: any) => p.order.lines.map((l: any) => [l.clave, l.requested]);

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  const central = await api.token(Role.CENTRAL);
  T.warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  T.tixtla = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  T.iguala = await api.token(Role.PHARMACY, { clues: 'GRSSA000002' });
  T.coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  await api.mutate(central, 'cpmSubmissionPropose', 'CpmSubmissionKeyInput', { clues: 'GRSSA000001', year: YEAR });
  await api.mutate(central, 'cpmSubmissionUpdate', 'CpmSubmissionUpdateInput', { clues: 'GRSSA000001', year: YEAR, lines: [{ clave: PARA, cpm: 40, justification: 'consumo observado' }] });
  await api.mutate(central, 'cpmSubmissionRatify', 'CpmSubmissionKeyInput', { clues: 'GRSSA000001', year: YEAR });
  const receive = (key: string, l: Record<string, unknown>, receivedAt?: string) =>
    api.mutate(T.warehouse, 'stockReceive', 'StockReceiveInput', { idempotencyKey: key, clues: 'GRSSA000010', receivedAt, lines: [l] });
  await receive('in-w', { clave: PARA, lotNumber: 'P-W', expiresOn: dayFromToday(400), acceptedQuantity: 150 });
  await receive('in-x', { clave: PARA, lotNumber: 'P-X', expiresOn: dayFromToday(-10), acceptedQuantity: 30 }, noonOf(dayFromToday(-100)));
  const { order } = await ok(api, CREATE, { idempotencyKey: 'o-iguala', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000002', lines: [{ clave: PARA, quantity: 100 }] }, T.iguala);
  await ok(api, SUBMIT, { number: order.number }, T.iguala);
  await ok(api, APPROVE, { number: order.number }, T.coordinator);
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

let number: string;

test('the suggestion carries the supply item and, for whoever covers the supplying warehouse, what it has', async () => {
  const query = `{ suggestedOrder(clues: "GRSSA000001") { clave supplyItem { clave description } cpm usable quantity supplierUsable supplierAvailable } }`;
  const line = { clave: PARA, supplyItem: { clave: PARA, description: 'Paracetamol. Tableta 500 mg' }, cpm: 40, usable: 0, quantity: 120 };
  const coordinator = await api.gql(query, {}, T.coordinator);
  expect(coordinator.errors).toBeUndefined();
  expect(coordinator.data.suggestedOrder).toEqual([{ ...line, supplierUsable: 150, supplierAvailable: 50 }]);
  // the unit itself may not read its warehouse's stock (stockLevels of GRSSA000010 is FORBIDDEN to it)
  const unit = await api.gql(query, {}, T.tixtla);
  expect(unit.data.suggestedOrder).toEqual([{ ...line, supplierUsable: null, supplierAvailable: null }]);
  expect((await api.gql(`{ stockLevels(clues: "GRSSA000010") { totalCount } }`, {}, T.tixtla)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});

describe('orderUpdate: a draft edited line by line', () => {
  test('set, change and take off lines while DRAFT', async () => {
    number = (await ok(api, CREATE, { idempotencyKey: 'o-tixtla', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', fromSuggestion: true }, T.tixtla)).order.number;
    // Add gasa, cut paracetamol to 80.
    let p = await ok(api, UPDATE, { number, lines: [{ clave: GASA, quantity: 30 }, { clave: PARA, quantity: 80 }] }, T.tixtla);
    expect(p.order.status).toBe('DRAFT');
    expect(lines(p)).toEqual([[PARA, 80], [GASA, 30]]);
    // The same request again changes nothing more.
    expect(lines(await ok(api, UPDATE, { number, lines: [{ clave: GASA, quantity: 30 }, { clave: PARA, quantity: 80 }] }, T.tixtla))).toEqual([[PARA, 80], [GASA, 30]]);
    // Gasa off with quantity 0, then back on and off again with remove.
    p = await ok(api, UPDATE, { number, lines: [{ clave: GASA, quantity: 0 }] }, T.tixtla);
    expect(lines(p)).toEqual([[PARA, 80]]);
    await ok(api, UPDATE, { number, lines: [{ clave: GASA, quantity: 12 }] }, T.tixtla);
    p = await ok(api, UPDATE, { number, lines: [{ clave: GASA, remove: true }] }, T.tixtla);
    expect(lines(p)).toEqual([[PARA, 80]]);
  });

  test('checked as orderCreate checks: every problem at once, nothing written', async () => {
    const before = await tdb.db.query('SELECT supply_item_id, requested FROM supply_order_line l JOIN supply_order o ON o.id = l.order_id WHERE o.number = $1', [number]);
    const bad = await send(api, UPDATE, {
      number,
      lines: [
        { clave: TRAS, quantity: 1 },
        { clave: '010.000.9999.00', quantity: 5 },
        { clave: GASA, remove: true },
        { clave: PARA, quantity: 0 },
        { clave: '060.066.0028.0' },
      ],
    }, T.tixtla);
    expect(codes(bad)).toEqual([['INVALID_CLAVE', 'lines.4.clave'], ['REQUIRED', 'lines.4.quantity']]);
    const bad2 = await send(api, UPDATE, { number, lines: [{ clave: TRAS, quantity: 1 }, { clave: '010.000.9999.00', quantity: 5 }, { clave: GASA, remove: true }, { clave: PARA, quantity: 0 }, { clave: PARA, quantity: 3 }] }, T.tixtla);
    expect(codes(bad2)).toEqual([
      ['NOT_AUTHORIZED_FOR_LEVEL', 'lines.0.clave'],
      ['UNKNOWN_CLAVE', 'lines.1.clave'],
      ['DUPLICATE_LINE', 'lines.4'],
      ['NOT_ON_ORDER', 'lines.2.clave'],
    ]);
    expect(codes(await send(api, UPDATE, { number, lines: [{ clave: PARA, remove: true }] }, T.tixtla))).toEqual([['EMPTY_ORDER', 'lines']]);
    expect(codes(await send(api, UPDATE, { number, lines: [{ clave: PARA, quantity: 5, remove: true }] }, T.tixtla))).toEqual([['INCONSISTENT', 'lines.0.remove']]);
    expect(codes(await send(api, UPDATE, { number, lines: [{ clave: PARA, quantity: 5 }] }, T.iguala))).toEqual(['FORBIDDEN']);
    const after = await tdb.db.query('SELECT supply_item_id, requested FROM supply_order_line l JOIN supply_order o ON o.id = l.order_id WHERE o.number = $1', [number]);
    expect(after).toEqual(before);
  });

  test('refused once submitted, saying the status in Spanish', async () => {
    await ok(api, SUBMIT, { number }, T.tixtla);
    const p = await send(api, UPDATE, { number, lines: [{ clave: PARA, quantity: 90 }] }, T.tixtla);
    expect(codes(p)).toEqual([['INVALID_STATUS', 'number']]);
    expect(p.userErrors[0].message).toBe(`La orden ${number} está enviada; esta acción requiere que esté en borrador.`);
  });
});

describe('approving with the supplier’s stock', () => {
  test('an order line shows supplierUsable to whoever approves; one statement for a page of orders', async () => {
    const q = (n: number) => api.gql(`{ orders(filter: { supplyingClues: "GRSSA000010" }, first: ${n}) { edges { node { number lines { clave requested approved supplierUsable supplierAvailable } } } } }`, {}, T.coordinator);
    const r = await q(10);
    expect(r.errors).toBeUndefined();
    const byNumber = Object.fromEntries(r.data.orders.edges.map((e: any) => [e.node.number, e.node.lines]));
    expect(byNumber[number]).toEqual([{ clave: PARA, requested: 80, approved: null, supplierUsable: 150, supplierAvailable: 50 }]);
    expect(await api.countSql(() => q(1))).toBe(await api.countSql(() => q(2)));
  });

  test('capToAvailable: 80 asked, 50 available (150 usable − 100 promised to Iguala)', async () => {
    const p = await ok(api, APPROVE, { number, capToAvailable: true }, T.coordinator);
    expect(p.order).toMatchObject({ status: 'APPROVED', lines: [{ clave: PARA, requested: 80, approved: 50 }] });
    // Now 150 are promised: nothing left for another order, and an approval capped to nothing is refused.
    const w = await api.gql(`{ order(number: "${number}") { lines { supplierUsable supplierAvailable } } }`, {}, T.warehouse);
    expect(w.data.order.lines).toEqual([{ supplierUsable: 150, supplierAvailable: 0 }]);
    // the requesting unit reads its order, not its supplier's stock
    const u = await api.gql(`{ order(number: "${number}") { lines { supplierUsable supplierAvailable } } }`, {}, T.tixtla);
    expect(u.data.order.lines).toEqual([{ supplierUsable: null, supplierAvailable: null }]);
    const { order } = await ok(api, CREATE, { idempotencyKey: 'o-iguala-2', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000002', lines: [{ clave: PARA, quantity: 10 }] }, T.iguala);
    await ok(api, SUBMIT, { number: order.number }, T.iguala);
    const before = await written(tdb.db);
    const none = await send(api, APPROVE, { number: order.number, capToAvailable: true }, T.coordinator);
    expect(codes(none)).toEqual([['NOTHING_AVAILABLE', 'capToAvailable']]);
    expect(await written(tdb.db)).toEqual(before);
    // A cut below what is available stands; without the cap the order is approved as asked.
    expect((await ok(api, APPROVE, { number: order.number, lines: [{ clave: PARA, approvedQuantity: 4 }] }, T.coordinator)).order.lines).toEqual([{ clave: PARA, requested: 10, approved: 4 }]);
  });
});
