import { seedNational } from '../../seeds/national';
import { Role } from '../../src/domain/enums';
import { checkOrderFill } from '../../src/modules/orders/order-fill';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The national generator at 1 % scale: the network in the 2023 proportions, a CPM for every CLUES ×
 * authorised clave, orders whose documents, ledger and rollup agree, and an API that reads it.
 */
let tdb: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  tdb = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await tdb.drop();
});

test('scale 0.01: proportions, consistency, and an API on top', async () => {
  const r = await seedNational(tdb.db, { scale: 0.01, months: 12, prescriptionsPerUnitMonth: 2 });
  // 89 + 5 + 1 + 10 units, 32 state warehouses and the central one.
  expect(r.establishments).toBe(89 + 5 + 1 + 10 + 33);
  expect(r.warehouses).toBe(33);
  expect(r.claves).toBe(60);
  const byLevel = await tdb.db.query(`SELECT kind, level_of_care AS level, count(*)::int AS n FROM establishment WHERE kind <> 'SUPPORT' GROUP BY 1, 2 ORDER BY 1, 2`);
  expect(byLevel).toEqual([
    { kind: 'FIXED', level: 'FIRST', n: 89 },
    { kind: 'FIXED', level: 'SECOND', n: 5 },
    { kind: 'FIXED', level: 'THIRD', n: 1 },
    { kind: 'MOBILE', level: null, n: 10 },
  ]);
  expect(await tdb.db.query(`SELECT count(DISTINCT state_code)::int AS n FROM establishment`)).toEqual([{ n: 32 }]);
  // A CPM for every unit × authorised clave (plus each warehouse's).
  const [{ pairs }] = await tdb.db.query(`
    SELECT count(*)::int AS pairs FROM establishment e JOIN supply_item si ON e.care_level = ANY (si.authorized_levels) WHERE e.kind IN ('FIXED', 'MOBILE')`);
  const [{ unitCpm }] = await tdb.db.query(`SELECT count(*)::int AS "unitCpm" FROM cpm_calculation c JOIN establishment e ON e.id = c.establishment_id WHERE e.kind <> 'SUPPORT'`);
  expect(unitCpm).toBe(pairs);
  // Twelve months of one order per unit.
  expect(r.orders).toBe(105 * 12);
  expect(r.orderLines).toBeGreaterThan(r.orders * 5);
  // The ledger: balances are the sum of their movements, none negative; documents and rollup agree.
  api = await startTestApi(tdb.db);
  const admin = await api.token(Role.ADMIN);
  const check = await api.gql(`{ ledgerCheck { checked mismatches { clues } } }`, {}, admin);
  expect(check.errors).toBeUndefined();
  expect(check.data.ledgerCheck.mismatches).toEqual([]);
  expect(await tdb.db.query(`SELECT count(*)::int AS n FROM stock_balance WHERE quantity < 0`)).toEqual([{ n: 0 }]);
  expect((await checkOrderFill(tdb.db, { repair: false })).differing).toEqual([]);
  const [{ mismatched }] = await tdb.db.query(`
    SELECT count(*)::int AS mismatched FROM supply_order_line l
      LEFT JOIN (SELECT sh.order_id, sl.supply_item_id, sum(sl.quantity) AS sent, sum(coalesce(sl.accepted, 0)) AS accepted
                   FROM shipment sh JOIN shipment_line sl ON sl.shipment_id = sh.id GROUP BY 1, 2) s USING (order_id, supply_item_id)
     WHERE l.dispatched <> coalesce(s.sent, 0) OR l.accepted <> coalesce(s.accepted, 0)`);
  expect(mismatched).toBe(0);
  // Every indicator has something to say.
  for (const code of ['CPM_RATIFICATION', 'SAI_ROLLOUT', 'PIECES_ISSUED_DELIVERED', 'QUANTITY_FILL_RATE', 'ON_TIME_IN_FULL', 'PRESCRIPTION_COMPLETE_FILL']) {
    const ind = await api.gql(`{ indicator(code: ${code}) { total { numerator denominator value } } }`, {}, admin);
    expect(ind.errors).toBeUndefined();
    expect(ind.data.indicator.total.denominator).toBeGreaterThan(0);
  }
  // Rutas de la Salud: nine in ten first-level centres on routes of up to eight stops from their state's
  // warehouse; a kit of the first-level claves (9 of the 60 at this scale); a round for this month.
  const [routes] = await tdb.db.query(`
    SELECT (SELECT count(*) FROM route)::int AS routes, (SELECT count(*) FROM route_stop)::int AS stops,
           (SELECT max(position) FROM route_stop)::int AS longest,
           (SELECT count(*) FROM route_stop s JOIN route r ON r.id = s.route_id JOIN warehouse w ON w.id = r.warehouse_id
              JOIN establishment we ON we.id = w.establishment_id JOIN establishment e ON e.id = s.establishment_id
             WHERE we.state_code <> e.state_code)::int AS crossing,
           (SELECT count(*) FROM kit_template_line)::int AS claves,
           (SELECT sum(kits)::int FROM establishment_kits k JOIN route_stop s ON s.establishment_id = k.establishment_id) AS kits`);
  expect(routes.stops).toBeGreaterThan(89 * 0.8);
  expect(routes.stops).toBeLessThanOrEqual(89);
  expect(routes.longest).toBeLessThanOrEqual(8);
  expect(routes.crossing).toBe(0);
  expect(routes.claves).toBe(9);
  expect(routes.kits).toBeGreaterThanOrEqual(routes.stops);
  const round = await api.gql(
    `mutation($i: DistributionRoundCreateInput!) { distributionRoundCreate(input: $i) { round { units kits claves { planned allocated } } userErrors { code message } } }`,
    { i: { idempotencyKey: 'ronda-nacional', month: new Date().toISOString().slice(0, 7), kitTemplate: 'KIT-PN', mode: 'FULL_KIT' } },
    await api.token(Role.CENTRAL),
  );
  expect(round.errors).toBeUndefined();
  expect(round.data.distributionRoundCreate.userErrors).toEqual([]);
  const made = round.data.distributionRoundCreate.round;
  expect([made.units, made.kits]).toEqual([routes.stops, routes.kits]);
  for (const c of made.claves) expect(c.allocated).toBeLessThanOrEqual(c.planned);
  // Not twice.
  await expect(seedNational(tdb.db, { scale: 0.01, months: 12, prescriptionsPerUnitMonth: 2 })).rejects.toThrow(/no establishments/);
}, 120_000);
