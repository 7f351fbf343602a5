import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { balances, dayFromToday, mutation, noonOf, ok } from '../support/clerk';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * The pick list of an order (Order.pickList, issue 18): which lots the supplying warehouse pulls from
 * the shelf before "send what is available", planned by the very rule the dispatch applies — so what
 * the dispatch then ships equals it lot by lot. Every figure by hand.
 *
 * Guerrero: the state warehouse GRSSA000010 supplies Tixtla (GRSSA000001).
 */
let tdb: TestDatabase;
let api: TestApi;
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const ASPIRINA = '010.000.0101.00';
const METFORMINA = '010.000.5165.00';
const T: Record<string, string> = {};
const PICK = `pickList { asOf lines { clave lotNumber expiresOn quantity onHand expiresSoon supplyItem { clave } } leftBehind { clave requested sent left reason message } }`;
const pickOf = async (number: string, token: string) => {
  const r = await api.gql(`{ order(number: "${number}") { status ${PICK} } }`, {}, token);
  expect(r.errors).toBeUndefined();
  return r.data.order.pickList;
};
const SOON = dayFromToday(60);
const FAR = dayFromToday(200);
const FARTHER = dayFromToday(300);
const PAST = dayFromToday(-10);

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  const central = await api.token(Role.CENTRAL);
  for (const [clave, description] of [[ASPIRINA, 'Ácido acetilsalicílico. Tableta 500 mg'], [METFORMINA, 'Metformina. Tableta 850 mg']]) {
    await api.mutate(central, 'supplyItemUpsert', 'SupplyItemUpsertInput', { clave, description, kind: 'MEDICINE', authorizedLevels: ['FIRST', 'SECOND', 'THIRD'] });
  }
  T.wh = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  T.tixtla = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  T.coordGR = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  T.admin = await api.token(Role.ADMIN);
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

describe('Order.pickList: the lots "send what is available" takes, before it is sent', () => {
  let order: string;

  test('before approval there is nothing to pick; once approved, FEFO over the usable lots and what stays behind', async () => {
    const receive = mutation('stockReceive', 'StockReceiveInput', 'receipt { id }');
    // received long ago: paracetamol K-0 (7) and aspirina A-0 (4), both expired 10 days ago
    await ok(api, receive, { idempotencyKey: 'in-old', clues: 'GRSSA000010', receivedAt: noonOf(dayFromToday(-200)), lines: [
      { clave: PARA, lotNumber: 'K-0', expiresOn: PAST, acceptedQuantity: 7 },
      { clave: ASPIRINA, lotNumber: 'A-0', expiresOn: PAST, acceptedQuantity: 4 },
    ] }, T.wh);
    // today: paracetamol K-2 (25, in 200 days), K-1 (10, in 60 days), K-3 (100, in 300 days); gasa G-1 (5, no expiry)
    await ok(api, receive, { idempotencyKey: 'in-new', clues: 'GRSSA000010', lines: [
      { clave: PARA, lotNumber: 'K-2', expiresOn: FAR, acceptedQuantity: 25 },
      { clave: PARA, lotNumber: 'K-1', expiresOn: SOON, acceptedQuantity: 10 },
      { clave: PARA, lotNumber: 'K-3', expiresOn: FARTHER, acceptedQuantity: 100 },
      { clave: GASA, lotNumber: 'G-1', acceptedQuantity: 5 },
    ] }, T.wh);
    const created = await ok(api, mutation('orderCreate', 'OrderCreateInput', 'order { number }'), {
      idempotencyKey: 'o-tixtla', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001',
      lines: [{ clave: PARA, quantity: 50 }, { clave: GASA, quantity: 8 }, { clave: ASPIRINA, quantity: 6 }, { clave: METFORMINA, quantity: 12 }],
    }, T.tixtla);
    order = created.order.number;
    await ok(api, mutation('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: order }, T.tixtla);
    expect(await pickOf(order, T.wh)).toEqual({ asOf: dayFromToday(0), lines: [], leftBehind: [] });
    await ok(api, mutation('orderApprove', 'OrderApproveInput', 'order { status }'), { number: order }, T.coordGR);

    const pick = await pickOf(order, T.wh);
    // Paracetamol 50 of the 135 usable (K-0 has expired): K-1 10 (expires first), K-2 25, K-3 15.
    // Gasa 8 of the 5 there are: G-1 5, 3 stay. Aspirina: only the 4 expired pieces. Metformina: none.
    // (The order's lines, and so what stays behind, come in clave order.)
    expect(pick.lines).toEqual([
      { clave: PARA, lotNumber: 'K-1', expiresOn: SOON, quantity: 10, onHand: 10, expiresSoon: true, supplyItem: { clave: PARA } },
      { clave: PARA, lotNumber: 'K-2', expiresOn: FAR, quantity: 25, onHand: 25, expiresSoon: false, supplyItem: { clave: PARA } },
      { clave: PARA, lotNumber: 'K-3', expiresOn: FARTHER, quantity: 15, onHand: 100, expiresSoon: false, supplyItem: { clave: PARA } },
      { clave: GASA, lotNumber: 'G-1', expiresOn: null, quantity: 5, onHand: 5, expiresSoon: false, supplyItem: { clave: GASA } },
    ]);
    expect(pick.leftBehind).toEqual([
      { clave: ASPIRINA, requested: 6, sent: 0, left: 6, reason: 'ONLY_EXPIRED_STOCK', message: 'Las 4 piezas de 010.000.0101.00 en existencia están caducadas y no se envían; quedan 6 aprobadas por enviar.' },
      { clave: METFORMINA, requested: 12, sent: 0, left: 12, reason: 'NO_STOCK', message: 'No hay piezas de 010.000.5165.00 en existencia; quedan 12 aprobadas por enviar.' },
      { clave: GASA, requested: 8, sent: 5, left: 3, reason: 'PARTIAL_STOCK', message: 'Se enviaron las 5 piezas utilizables de 060.066.0028.00; quedan 3 de 8 aprobadas por enviar.' },
    ]);
    // reading it takes nothing off the shelf
    expect(await balances(tdb.db)).toMatchObject({ 'GRSSA000010 K-1': 10, 'GRSSA000010 K-2': 25, 'GRSSA000010 K-3': 100, 'GRSSA000010 G-1': 5 });
  });

  test('only callers whose scope covers the supplying warehouse see it: the requesting unit gets null', async () => {
    expect(await pickOf(order, T.tixtla)).toBeNull();
    expect((await pickOf(order, T.coordGR)).lines).toHaveLength(4);
    expect((await pickOf(order, T.admin)).lines).toHaveLength(4);
  });

  test('the dispatch from what is available ships the pick list, lot by lot, and leaves behind what it said', async () => {
    const pick = await pickOf(order, T.wh);
    const p = await ok(
      api,
      mutation('shipmentDispatch', 'ShipmentDispatchInput', 'shipment { number lines { clave lotNumber expiresOn quantity } } leftBehind { clave requested sent left reason message } userWarnings { code }'),
      { idempotencyKey: 'd-tixtla', orderNumber: order, fromAvailable: true },
      T.wh,
    );
    expect(p.shipment.lines).toEqual(pick.lines.map((l: any) => ({ clave: l.clave, lotNumber: l.lotNumber, expiresOn: l.expiresOn, quantity: l.quantity })));
    expect(p.leftBehind).toEqual(pick.leftBehind);
    // K-1 has 60 days left: the one lot the pick list marked expiresSoon
    expect(p.userWarnings).toEqual([{ code: 'LOT_EXPIRES_SOON' }]);
    const [{ n }] = await tdb.db.query(
      `SELECT count(*)::int AS n FROM shipment_line sl JOIN shipment s ON s.id = sl.shipment_id WHERE s.number = $1`,
      [p.shipment.number],
    );
    expect(n).toBe(4);
    expect(await balances(tdb.db)).toMatchObject({ 'GRSSA000010 K-0': 7, 'GRSSA000010 K-1': 0, 'GRSSA000010 K-2': 0, 'GRSSA000010 K-3': 85, 'GRSSA000010 G-1': 0, 'GRSSA000010 A-0': 4 });
  });

  test('afterwards the pick list has only what is still pending and cannot be sent', async () => {
    const pick = await pickOf(order, T.wh);
    expect(pick.lines).toEqual([]);
    expect(pick.leftBehind.map((s: any) => [s.clave, s.requested, s.sent, s.left, s.reason])).toEqual([
      [ASPIRINA, 6, 0, 6, 'ONLY_EXPIRED_STOCK'],
      [METFORMINA, 12, 0, 12, 'NO_STOCK'],
      [GASA, 3, 0, 3, 'NO_STOCK'],
    ]);
  });
});
