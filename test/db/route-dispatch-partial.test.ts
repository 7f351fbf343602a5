import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * A stop of a route refused part-way leaves nothing behind (review of issue 20): the ledger refuses a
 * back-dated dispatch only after it has taken the pieces off the balance, and a shipment is already
 * written by then. Each stop runs in a savepoint, so the stop is skipped whole.
 *
 * Kit KIT-PN: paracetamol 10. Route GRO-P from GRSSA000010: GRIMB000101, GRIMB000102 (1 kit each).
 * The warehouse receives 20 of lot P-1 (so the round approves 10 + 10), then 10 are consumed at t1 and 10
 * more received at t2. Dispatched "at D" (t1 < D < t2): there were 10 pieces then, so the first stop's 10
 * go and the second stop is refused with INSUFFICIENT_STOCK_AT_DATE — and nothing of it is written.
 */

let tdb: TestDatabase;
let api: TestApi;
const PARA = CLAVES.paracetamol;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

test('a stop refused part-way is skipped whole: no shipment, no pieces off the balance, the ledger equal to the balances', async () => {
  const central = await api.token(Role.CENTRAL);
  const admin = await api.token(Role.ADMIN);
  const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  const ok = api.mutate;
  for (const clues of ['GRIMB000101', 'GRIMB000102']) {
    await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues, name: `Centro ${clues}`, kind: 'FIXED', levelOfCare: 'FIRST', supplyingWarehouseClues: 'GRSSA000010' });
  }
  const today = new Date().toISOString().slice(0, 7);
  await ok(central, 'kitTemplateCreate', 'KitTemplateCreateInput', { code: 'KIT-PN', name: 'Kit', levelOfCare: 'FIRST', validFrom: `${today}-01`, lines: [{ clave: PARA, pieces: 10 }] }, 'kitTemplate { code } userErrors { code }');
  await ok(central, 'routeUpsert', 'RouteUpsertInput', { code: 'GRO-P', name: 'P', warehouseClues: 'GRSSA000010', carrier: 'Birmex', deliveryWeek: 5, kitTemplateCode: 'KIT-PN', stops: ['GRIMB000101', 'GRIMB000102'] }, 'route { code } userErrors { code }');
  await ok(warehouse, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'in-1', clues: 'GRSSA000010', lines: [{ clave: PARA, lotNumber: 'P-1', expiresOn: '2031-01-31', acceptedQuantity: 20 }] });
  const month = (() => {
    const [y, m] = today.split('-').map(Number);
    return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 7);
  })();
  const made = await ok(central, 'distributionRoundCreate', 'DistributionRoundCreateInput', { idempotencyKey: 'r', month, kitTemplate: 'KIT-PN', mode: 'FULL_KIT' }, 'round { number orders { lines { approved } } } userErrors { code }');
  expect(made.round.orders.map((o: any) => o.lines[0].approved)).toEqual([10, 10]);
  await sleep(20);
  await ok(warehouse, 'stockConsume', 'StockConsumeInput', { idempotencyKey: 'c-1', clues: 'GRSSA000010', lines: [{ clave: PARA, quantity: 10 }] });
  await sleep(20);
  const at = new Date().toISOString();
  await sleep(20);
  await ok(warehouse, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'in-2', clues: 'GRSSA000010', lines: [{ clave: PARA, lotNumber: 'P-1', expiresOn: '2031-01-31', acceptedQuantity: 10 }] });

  const r = await api.gql(
    `mutation($i: RouteDispatchInput!) { routeDispatch(input: $i) { shipments { toClues lines { quantity } } skipped { clues code } userErrors { code } } }`,
    { i: { idempotencyKey: 'ruta', round: made.round.number, route: 'GRO-P', dispatchedAt: at } },
    warehouse,
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.routeDispatch).toEqual({
    shipments: [{ toClues: 'GRIMB000101', lines: [{ quantity: 10 }] }],
    skipped: [{ clues: 'GRIMB000102', code: 'INSUFFICIENT_STOCK_AT_DATE' }],
    userErrors: [],
  });
  // the skipped stop: no shipment, nothing dispatched on its order, its pieces still on the shelf
  const [{ shipments, dispatched }] = await tdb.db.query(
    `SELECT (SELECT count(*)::int FROM shipment sh WHERE sh.order_id = o.id) AS shipments, (SELECT sum(dispatched)::int FROM supply_order_line WHERE order_id = o.id) AS dispatched
       FROM supply_order o JOIN establishment e ON e.id = o.requesting_id WHERE e.clues = 'GRIMB000102' AND o.distribution_round_id IS NOT NULL`,
  );
  expect({ shipments, dispatched }).toEqual({ shipments: 0, dispatched: 0 });
  const [{ quantity }] = await tdb.db.query(`SELECT b.quantity FROM stock_balance b JOIN establishment e ON e.id = b.establishment_id WHERE e.clues = 'GRSSA000010'`);
  expect(quantity).toBe(20 - 10 + 10 - 10);
  const check = await api.gql(`{ ledgerCheck { mismatches { clues } } }`, {}, central);
  expect(check.data.ledgerCheck.mismatches).toEqual([]);
  // the replay answers the same
  const again = await api.gql(
    `mutation($i: RouteDispatchInput!) { routeDispatch(input: $i) { shipments { toClues } skipped { clues code } } }`,
    { i: { idempotencyKey: 'ruta', round: made.round.number, route: 'GRO-P', dispatchedAt: at } },
    warehouse,
  );
  expect(again.data.routeDispatch).toEqual({ shipments: [{ toClues: 'GRIMB000101' }], skipped: [{ clues: 'GRIMB000102', code: 'INSUFFICIENT_STOCK_AT_DATE' }] });
}, 60_000);
