import { DEMO_USERS, demoTokens, loadDemoDataIfEmpty } from '../../seeds/demo';
import { parseConfig } from '../../src/config';
import { checkOrderFill } from '../../src/modules/orders/order-fill';
import { createTestDatabase, TestDatabase } from '../support/database';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

test('a database without the demo network gets no demo tokens for its CLUES', async () => {
  const auth = { ...parseConfig({}).auth, secret: 'x'.repeat(32) };
  const before = await demoTokens(auth, tdb.db);
  expect(before.map((t) => t.label)).toEqual(DEMO_USERS.filter((u) => !u.clues).map((u) => (u.note ? `${u.label} — ${u.note}` : u.label)));
  expect(before.some((t) => /PHARMACY|WAREHOUSE/.test(t.label))).toBe(false);
});

test('the demo network loads once, through the importers, with routes and SAI history', async () => {
  expect(await loadDemoDataIfEmpty(tdb.db)).toBe(true);
  expect(await loadDemoDataIfEmpty(tdb.db)).toBe(false); // a second start reuses the data
  // with it, every demo user has a token
  expect((await demoTokens({ ...parseConfig({}).auth, secret: 'x'.repeat(32) }, tdb.db)).length).toBe(DEMO_USERS.length);

  const [counts] = await tdb.db.query(`
    SELECT (SELECT count(*)::int FROM establishment) AS establishments,
           (SELECT count(DISTINCT state_code)::int FROM establishment) AS states,
           (SELECT count(*)::int FROM supply_item) AS claves,
           (SELECT count(*)::int FROM warehouse) AS warehouses,
           (SELECT count(*)::int FROM establishment WHERE kind <> 'SUPPORT' AND supplying_warehouse_id IS NULL) AS unsupplied_units`);
  expect(counts).toEqual({ establishments: 320, states: 7, claves: 213, warehouses: 10, unsupplied_units: 0 });

  const byKind = await tdb.db.query(`SELECT kind, level_of_care AS level, count(*)::int AS n FROM establishment GROUP BY 1, 2 ORDER BY 1, 2`);
  expect(byKind).toEqual([
    { kind: 'FIXED', level: 'FIRST', n: 247 },
    { kind: 'FIXED', level: 'SECOND', n: 25 },
    { kind: 'FIXED', level: 'THIRD', n: 4 },
    { kind: 'MOBILE', level: null, n: 30 },
    { kind: 'SUPPORT', level: null, n: 14 },
  ]);

  // The real support CLUES of the 2023 report, the almacenes as warehouses.
  const real = await tdb.db.query(`
    SELECT e.clues, e.kind, w.tier FROM establishment e LEFT JOIN warehouse w ON w.establishment_id = e.id
     WHERE e.clues IN ('DFSSA004936', 'DFSSA017735', 'DFSSA017711', 'SPSSA003610') ORDER BY e.clues`);
  expect(real).toEqual([
    { clues: 'DFSSA004936', kind: 'SUPPORT', tier: 'CENTRAL' },
    { clues: 'DFSSA017711', kind: 'SUPPORT', tier: null },
    { clues: 'DFSSA017735', kind: 'SUPPORT', tier: 'STATE' },
    { clues: 'SPSSA003610', kind: 'MOBILE', tier: null },
  ]);

  // High-cost claves are never authorised for the first level.
  const [catalog] = await tdb.db.query(`
    SELECT count(*) FILTER (WHERE high_cost)::int AS high_cost,
           count(*) FILTER (WHERE high_cost AND 'FIRST' = ANY(authorized_levels))::int AS high_cost_first_level,
           count(*) FILTER (WHERE kind = 'HEALING_MATERIAL')::int AS healing_material
      FROM supply_item`);
  expect(catalog).toEqual({ high_cost: 12, high_cost_first_level: 0, healing_material: 47 });

  // A regional warehouse serves its jurisdiction and is itself supplied by its state warehouse.
  const [montana] = await tdb.db.query(`
    SELECT count(*)::int AS served FROM establishment e JOIN warehouse w ON w.id = e.supplying_warehouse_id
      JOIN establishment we ON we.id = w.establishment_id WHERE we.clues = 'GRSSA019622'`);
  expect(montana.served).toBeGreaterThan(0);
  const [route] = await tdb.db.query(`
    SELECT s.clues FROM establishment e JOIN warehouse w ON w.id = e.supplying_warehouse_id
      JOIN establishment s ON s.id = w.establishment_id WHERE e.clues = 'GRSSA019622'`);
  expect(route.clues).toBe('GRSSA019419');

  const [sai] = await tdb.db.query(`SELECT count(DISTINCT establishment_id)::int AS n FROM sai_status_change WHERE status = 'IN_OPERATION'`);
  expect(sai.n).toBeGreaterThan(0);

  // Demo stock: a consistent ledger with six months of history, expired lots and stock-outs to look at.
  const [stock] = await tdb.db.query(`
    SELECT (SELECT count(*)::int FROM stock_movement) AS movements,
           (SELECT count(*)::int FROM stock_balance b JOIN lot l ON l.id = b.lot_id WHERE b.quantity > 0 AND l.expires_on < current_date) AS expired_lots,
           (SELECT count(*)::int FROM (SELECT 1 FROM stock_balance b JOIN lot l ON l.id = b.lot_id GROUP BY b.establishment_id, b.supply_item_id
              HAVING coalesce(sum(b.quantity) FILTER (WHERE l.expires_on >= current_date), 0) = 0) x) AS stocked_out,
           (SELECT count(*)::int FROM stock_balance WHERE quantity < 0) AS negative`);
  expect(stock.movements).toBeGreaterThan(10_000);
  expect(stock.expired_lots).toBeGreaterThan(0);
  expect(stock.stocked_out).toBeGreaterThan(0);
  expect(stock.negative).toBe(0);
  const [{ mismatches }] = await tdb.db.query(`
    SELECT count(*)::int AS mismatches FROM stock_balance b
      LEFT JOIN (SELECT establishment_id, lot_id, sum(quantity) AS s FROM stock_movement GROUP BY 1, 2) m USING (establishment_id, lot_id)
     WHERE b.quantity <> coalesce(m.s, 0)`);
  expect(mismatches).toBe(0);

  // This month's CPM for every CLUES × authorised clave, and ratified submissions for indicator 51.
  const [cpm] = await tdb.db.query(`
    SELECT (SELECT count(*)::int FROM cpm_calculation WHERE value IS NOT NULL) AS with_value,
           (SELECT count(*)::int FROM cpm_submission WHERE status = 'RATIFIED') AS ratified`);
  expect(cpm.with_value).toBeGreaterThan(1000);
  expect(cpm.ratified).toBeGreaterThan(10);

  // Ten weeks of orders through the use cases: every status, shipments on the road, rejections.
  const statuses = await tdb.db.query(`SELECT status, count(*)::int AS n FROM supply_order GROUP BY 1 ORDER BY 1`);
  const by = Object.fromEntries(statuses.map((r: any) => [r.status, r.n]));
  for (const s of ['APPROVED', 'PARTIALLY_FULFILLED', 'FULFILLED', 'CLOSED', 'CANCELLED']) expect(by[s]).toBeGreaterThan(0);
  const [docs] = await tdb.db.query(`
    SELECT (SELECT count(*)::int FROM shipment WHERE status = 'IN_TRANSIT') AS in_transit,
           (SELECT count(*)::int FROM shipment WHERE status = 'RECEIVED') AS received,
           (SELECT count(*)::int FROM supply_order WHERE kind = 'PURCHASE') AS purchases,
           (SELECT coalesce(sum(rejected), 0)::int FROM supply_order_line) AS rejected,
           (SELECT count(DISTINCT to_char(approved_at, 'YYYY-MM'))::int FROM supply_order) AS months,
           (SELECT count(*)::int FROM prescription) AS prescriptions`);
  expect(docs.in_transit).toBeGreaterThan(0);
  expect(docs.received).toBeGreaterThan(20);
  expect(docs.purchases).toBe(6);
  const [{ contracts }] = await tdb.db.query(`SELECT count(*)::int AS contracts FROM procurement_contract c WHERE EXISTS (SELECT 1 FROM supply_order o WHERE o.contract_id = c.id)`);
  expect(contracts).toBe(3);
  expect(docs.rejected).toBeGreaterThan(0);
  expect(docs.months).toBeGreaterThanOrEqual(2);
  expect(docs.prescriptions).toBeGreaterThan(20);
  expect((await checkOrderFill(tdb.db, { repair: false })).differing).toEqual([]);

  // Rutas de la Salud: this month's round in progress on two Guerrero routes.
  const routes = await tdb.db.query(`
    SELECT ro.code, count(*)::int AS units, sum(u.kits)::int AS kits,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM shipment sh WHERE sh.order_id = u.order_id))::int AS dispatched,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM shipment sh WHERE sh.order_id = u.order_id AND sh.status = 'RECEIVED'))::int AS received
      FROM distribution_round_unit u JOIN route ro ON ro.id = u.route_id GROUP BY ro.code ORDER BY ro.code`);
  // kits: GRO-CENTRO RU 1 + RU 1 + RD 2 + UR 3 + CESSA 4 (its typology's rule); GRO-NORTE UR 3 + UR 3 + RU 1 + RU 1
  expect(routes).toEqual([
    { code: 'GRO-CENTRO', units: 5, kits: 11, dispatched: 5, received: 3 },
    { code: 'GRO-NORTE', units: 4, kits: 8, dispatched: 0, received: 0 },
  ]);
  const [{ short, rejected }] = await tdb.db.query(`
    SELECT (SELECT count(*)::int FROM distribution_round_clave WHERE short_units > 0) AS short,
           (SELECT coalesce(sum(l.rejected), 0)::int FROM supply_order o JOIN supply_order_line l ON l.order_id = o.id WHERE o.origin = 'DISTRIBUTION') AS rejected`);
  expect(short).toBeGreaterThan(0); // one clave shared out
  expect(rejected).toBeGreaterThan(0); // one centre rejected a damaged lot
  const [waiting] = await tdb.db.query(
    `SELECT sh.status FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN establishment e ON e.id = o.requesting_id WHERE e.clues = 'GRSSA003288' AND o.origin = 'DISTRIBUTION'`,
  );
  expect(waiting).toEqual({ status: 'IN_TRANSIT' }); // the demo centre's kit is on the road
});
