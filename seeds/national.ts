import { DataSource } from 'typeorm';
import { seedNationalDistribution } from './national-distribution';

/** One session for the whole run: the generator's temporary tables live in it. */
type Q = (sql: string, params?: unknown[]) => Promise<any>;

export interface NationalOptions {
  /** 1 = the 2023 network (10,486 CLUES, 2,000 claves); 0.1 for quick runs. */
  scale: number;
  /** Prescriptions per unit per month. */
  prescriptionsPerUnitMonth: number;
  /** Orders of how many months back, one per unit a month. */
  months: number;
  onStep?: (done: number, total: number, label: string) => void;
}

export interface NationalSummary {
  establishments: number;
  warehouses: number;
  claves: number;
  cpmCalculations: number;
  ratifiedSubmissions: number;
  orders: number;
  orderLines: number;
  shipments: number;
  movements: number;
  prescriptions: number;
  seconds: number;
}

/** The 2023 network (SPEC §1, data/clues_by_level_2023.csv). */
const NETWORK = { first: 8905, second: 510, third: 59, mobile: 1012, claves: 2000 };
/** Order lines per unit a month, by level: a health centre asks for ~20 claves, a third-level hospital for ~120. */
const LINES_PER_ORDER = { FIRST: 20, SECOND: 60, THIRD: 120 };

/**
 * The national data set, generated inside PostgreSQL with set-based statements (no row leaves the
 * server): the network and its routes, the catalogue, a CPM for every CLUES × authorised clave, this
 * year's ratified submissions at 60 % of units, the SAI rollout, and `months` months of monthly
 * replenishment orders with their shipments, receipts, stock movements (warehouse receipts, dispatches,
 * transfers in, ward consumption, dispensing) and prescriptions. Balances are the sum of the movements,
 * so `ledgerCheck` is clean; the fill-rate rollup is built by the same function the use cases call.
 * Deterministic: the same scale gives the same data. Expects a database without establishments.
 */
export async function seedNational(db: DataSource, opts: NationalOptions): Promise<NationalSummary> {
  const started = Date.now();
  const s = opts.scale;
  const n = {
    first: Math.max(4, Math.round(NETWORK.first * s)),
    second: Math.max(2, Math.round(NETWORK.second * s)),
    third: Math.max(1, Math.round(NETWORK.third * s)),
    mobile: Math.max(1, Math.round(NETWORK.mobile * s)),
    claves: Math.max(60, Math.round(NETWORK.claves * Math.min(1, s))),
  };
  const runner = db.createQueryRunner();
  await runner.connect();
  const q: Q = (sql, params) => runner.query(sql, params);
  try {
  const [{ empty }] = await q('SELECT NOT EXISTS (SELECT 1 FROM establishment) AS empty');
  if (!empty) throw new Error('seed:national needs a database with no establishments: point DATABASE_URL (or DATA_DIR) at a fresh one');

  const steps: Array<[string, () => Promise<unknown>]> = [
    ['establishments and warehouses', () => establishments(q, n)],
    ['catalogue', () => catalogue(q, n.claves)],
    ['CPM for every CLUES × authorised clave', () => cpm(q)],
    ['ratified CPM submissions and SAI rollout', () => submissions(q)],
    ['lots', () => lots(q, opts.months)],
    ['orders and order lines', () => orders(q, opts.months)],
    ['shipments and receipts', () => shipments(q)],
    ['stock movements', () => movements(q)],
    ['prescriptions', () => prescriptions(q, opts.prescriptionsPerUnitMonth)],
    ['stock balances', () => balances(q)],
    ['fill-rate rollup', () => rollup(q)],
    ['Rutas de la Salud: kit, sizes and routes', () => seedNationalDistribution(q)],
    // VACUUM as well as ANALYZE: what autovacuum leaves in a database that has run for a while
    // (visibility map set, so index-only scans skip the heap), not a table freshly written.
    ['vacuum and statistics', () => q('VACUUM (ANALYZE)')],
  ];
  for (const [i, [label, run]] of steps.entries()) {
    opts.onStep?.(i, steps.length, label);
    await run();
  }
  opts.onStep?.(steps.length, steps.length, 'done');
  const [c] = await q(`
    SELECT (SELECT count(*) FROM establishment)::int AS establishments, (SELECT count(*) FROM warehouse)::int AS warehouses,
           (SELECT count(*) FROM supply_item)::int AS claves, (SELECT count(*) FROM cpm_calculation)::int AS cpm,
           (SELECT count(*) FROM cpm_submission WHERE status = 'RATIFIED')::int AS ratified,
           (SELECT count(*) FROM supply_order)::int AS orders, (SELECT count(*) FROM supply_order_line)::int AS lines,
           (SELECT count(*) FROM shipment)::int AS shipments, (SELECT count(*) FROM stock_movement)::int AS movements,
           (SELECT count(*) FROM prescription)::int AS prescriptions`);
  return {
    establishments: c.establishments,
    warehouses: c.warehouses,
    claves: c.claves,
    cpmCalculations: c.cpm,
    ratifiedSubmissions: c.ratified,
    orders: c.orders,
    orderLines: c.lines,
    shipments: c.shipments,
    movements: c.movements,
    prescriptions: c.prescriptions,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  } finally {
    await runner.release();
  }
}

/** A deterministic number in [0, m) from any text. */
const H = (expr: string, m: number) => `(abs(hashtext(${expr})) % ${m})`;

async function establishments(db: Q, n: { first: number; second: number; third: number; mobile: number }): Promise<void> {
  const a = n.first;
  const b = a + n.second;
  const c = b + n.third;
  const total = c + n.mobile;
  await db(`SELECT set_config('abasto.actor', 'seed:national', false)`);
  // Warehouses: the central one, and one per state supplied by it.
  await db(`
    INSERT INTO establishment (clues, name, state_code, kind, typology_code, typology_name, in_network, in_network_since)
    SELECT s.clues_prefix || 'IMB9' || lpad(s.code, 5, '0'), 'Almacén Estatal ' || s.name, s.code, 'SUPPORT', 'ALM', 'ALMACEN', true, '2022-01-01'::date
      FROM state s
    UNION ALL
    SELECT 'DFIMB900000', 'Almacén Central Nacional', '09', 'SUPPORT', 'ALM', 'ALMACEN', true, '2022-01-01'::date`);
  await db(`
    INSERT INTO warehouse (establishment_id, tier)
    SELECT id, CASE WHEN clues = 'DFIMB900000' THEN 'CENTRAL' ELSE 'STATE' END FROM establishment WHERE kind = 'SUPPORT'`);
  await db(`
    UPDATE establishment e SET supplying_warehouse_id = (SELECT w.id FROM warehouse w JOIN establishment c ON c.id = w.establishment_id WHERE c.clues = 'DFIMB900000')
     WHERE e.kind = 'SUPPORT' AND e.clues <> 'DFIMB900000'`);
  // Units, spread over the 32 states; kinds and levels in the 2023 proportions.
  await db(
    `INSERT INTO establishment (clues, name, state_code, municipality, jurisdiction, kind, level_of_care, typology_code, typology_name,
                                in_network, in_network_since, supplying_warehouse_id)
     SELECT s.clues_prefix || 'IMB' || lpad(i::text, 6, '0'),
            CASE WHEN i <= $1 THEN 'Centro de Salud ' WHEN i <= $2 THEN 'Hospital General ' WHEN i <= $3 THEN 'Hospital de Alta Especialidad ' ELSE 'Unidad Médica Móvil ' END || i,
            s.code, 'Municipio ' || (i % 50 + 1), 'Jurisdicción ' || (i % 8 + 1),
            CASE WHEN i <= $3 THEN 'FIXED' ELSE 'MOBILE' END,
            CASE WHEN i <= $1 THEN 'FIRST' WHEN i <= $2 THEN 'SECOND' WHEN i <= $3 THEN 'THIRD' END,
            CASE WHEN i <= $1 THEN 'CS' WHEN i <= $2 THEN 'HG' WHEN i <= $3 THEN 'HAE' ELSE 'UMM' END,
            CASE WHEN i <= $1 THEN 'CENTRO DE SALUD' WHEN i <= $2 THEN 'HOSPITAL GENERAL' WHEN i <= $3 THEN 'HOSPITAL DE ALTA ESPECIALIDAD' ELSE 'UNIDAD MOVIL' END,
            true, '2022-01-01'::date, w.id
       FROM generate_series(1, $4) AS i
       JOIN state s ON s.code = lpad(((i * 7) % 32 + 1)::text, 2, '0')
       JOIN establishment we ON we.clues = s.clues_prefix || 'IMB9' || lpad(s.code, 5, '0')
       JOIN warehouse w ON w.establishment_id = we.id`,
    [a, b, c, total],
  );
}

async function catalogue(db: Q, claves: number): Promise<void> {
  // 70 % medicines, 25 % healing material, 5 % vaccines. First level may use 15 %, second 50 %,
  // third all; one in fifty (third level only) is high-cost.
  await db(
    `INSERT INTO supply_item (clave, description, kind, presentation, pieces_per_package, high_cost, cold_chain, authorized_levels, authorized_from_year)
     SELECT CASE WHEN j <= $1 * 0.70 THEN '010.000.' WHEN j <= $1 * 0.95 THEN '060.100.' ELSE '020.000.' END || lpad(j::text, 4, '0') || '.00',
            CASE WHEN j <= $1 * 0.70 THEN 'Medicamento ' WHEN j <= $1 * 0.95 THEN 'Material de curación ' ELSE 'Vacuna ' END || j,
            CASE WHEN j <= $1 * 0.70 THEN 'MEDICINE' WHEN j <= $1 * 0.95 THEN 'HEALING_MATERIAL' ELSE 'VACCINE' END,
            'Caja con ' || (j % 5 + 1) * 10 || ' piezas', (j % 5 + 1) * 10,
            j % 50 = 49, j > $1 * 0.95,
            CASE WHEN j % 50 = 49 THEN ARRAY['THIRD'] WHEN j % 20 < 3 THEN ARRAY['FIRST', 'SECOND', 'THIRD'] WHEN j % 20 < 10 THEN ARRAY['SECOND', 'THIRD'] ELSE ARRAY['THIRD'] END,
            2024
       FROM generate_series(1, $2) AS j`,
    [claves, claves],
  );
}

async function cpm(db: Q): Promise<void> {
  // Every unit × authorised clave: a CPM by level of care; one in twenty without data (NO_DATA).
  await db(`
    INSERT INTO cpm_calculation (establishment_id, supply_item_id, month, lookback_months, value, reason, months)
    SELECT e.id, si.id, date_trunc('month', now() AT TIME ZONE 'America/Mexico_City')::date, 6,
           CASE WHEN ${H(`e.id || ':' || si.id`, 20)} = 0 THEN NULL
                ELSE 1 + ${H(`si.id || ':' || e.id`, 1000)} * CASE e.care_level WHEN 'FIRST' THEN 30 WHEN 'SECOND' THEN 120 ELSE 300 END / 1000 END,
           CASE WHEN ${H(`e.id || ':' || si.id`, 20)} = 0 THEN 'NO_DATA' END,
           '[]'::jsonb
      FROM establishment e JOIN supply_item si ON e.care_level = ANY (si.authorized_levels)
     WHERE e.kind IN ('FIXED', 'MOBILE')`);
  // A warehouse's CPM: what its units consume.
  await db(`
    INSERT INTO cpm_calculation (establishment_id, supply_item_id, month, lookback_months, value, reason, months)
    SELECT w.establishment_id, c.supply_item_id, c.month, 6, sum(c.value), NULL, '[]'::jsonb
      FROM cpm_calculation c JOIN establishment e ON e.id = c.establishment_id JOIN warehouse w ON w.id = e.supplying_warehouse_id
     WHERE c.value IS NOT NULL
     GROUP BY 1, 2, 3`);
}

async function submissions(db: Q): Promise<void> {
  const year = `extract(year FROM now() AT TIME ZONE 'America/Mexico_City')::int`;
  await db(`
    INSERT INTO cpm_submission (establishment_id, year, status, calculated_from, proposed_by, ratified_at, ratified_by)
    SELECT e.id, ${year}, 'RATIFIED', date_trunc('month', now())::date, 'seed:national', now() - (${H(`e.clues`, 200)} || ' days')::interval, 'seed:national'
      FROM establishment e WHERE e.kind IN ('FIXED', 'MOBILE') AND ${H(`'r' || e.clues`, 10)} < 6`);
  await db(`
    INSERT INTO cpm_submission_line (submission_id, supply_item_id, cpm, calculated)
    SELECT cs.id, c.supply_item_id, c.value, c.value FROM cpm_submission cs JOIN cpm_calculation c ON c.establishment_id = cs.establishment_id
     WHERE c.value IS NOT NULL`);
  await db(`
    INSERT INTO cpm_submission_event (submission_id, action, actor, at, lines_changed)
    SELECT id, 'RATIFIED', 'seed:national', ratified_at, 0 FROM cpm_submission`);
  // SAI: four in ten units in operation since some day of the last two years, two in ten implementing.
  await db(`
    INSERT INTO sai_status_change (establishment_id, status, effective_on, actor)
    SELECT e.id, CASE WHEN ${H(`'sai' || e.clues`, 10)} < 4 THEN 'IN_OPERATION' ELSE 'IMPLEMENTING' END,
           (now() AT TIME ZONE 'America/Mexico_City')::date - ${H(`'day' || e.clues`, 730)}, 'seed:national'
      FROM establishment e WHERE e.kind IN ('FIXED', 'MOBILE') AND ${H(`'sai' || e.clues`, 10)} < 6`);
}

async function lots(db: Q, months: number): Promise<void> {
  // One lot per clave a month (the month it was bought), usable 18 months.
  await db(
    `INSERT INTO lot (supply_item_id, lot_number, expires_on)
     SELECT si.id, 'L' || to_char(m, 'YYYYMM'), (m + interval '18 months')::date
       FROM supply_item si, generate_series(date_trunc('month', now()) - ($1 || ' months')::interval, date_trunc('month', now()), interval '1 month') AS m
`,
    [months],
  );
}

async function orders(db: Q, months: number): Promise<void> {
  // One replenishment order a unit a month, approved on a day of that month; its lines are some of
  // the claves it has a CPM for (about 20 / 60 / 120 a month by level), asked at one to three CPM.
  await db(
    `CREATE TEMP TABLE nat_order ON COMMIT PRESERVE ROWS AS
     SELECT e.id AS establishment_id, e.supplying_warehouse_id, we.establishment_id AS supplying_id, e.care_level, m.k,
            (date_trunc('month', now() AT TIME ZONE 'America/Mexico_City') - (m.k || ' months')::interval
              + ((1 + ${H(`'o' || e.id || ':' || m.k`, 20)}) || ' days')::interval + interval '10 hours') AT TIME ZONE 'America/Mexico_City' AS approved_at
       FROM establishment e JOIN warehouse we ON we.id = e.supplying_warehouse_id, generate_series(1, $1) AS m(k)
      WHERE e.kind IN ('FIXED', 'MOBILE')`,
    [months],
  );
  await db(`
    INSERT INTO idempotency_key (key, operation, subject, request_hash)
    SELECT 'nat-o-' || establishment_id || '-' || k, 'orderCreate', 'seed:national', 'seed' FROM nat_order`);
  await db(`
    INSERT INTO supply_order (number, kind, status, origin, requesting_id, supplying_id, promised_on, created_at, created_by, submitted_at, approved_at, approved_by, idempotency_key)
    SELECT 'OS-' || to_char(approved_at AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('order_number_seq')::text, 7, '0'),
           'REPLENISHMENT', 'APPROVED', 'REQUEST', establishment_id, supplying_id, (approved_at AT TIME ZONE 'America/Mexico_City')::date + 10,
           approved_at - interval '1 day', 'seed:national', approved_at - interval '20 hours', approved_at, 'seed:national',
           'nat-o-' || establishment_id || '-' || k
      FROM nat_order ORDER BY approved_at, establishment_id`);
  await db(`
    WITH per_level AS (
      SELECT lvl, count(*) AS claves FROM unnest(ARRAY['FIRST', 'SECOND', 'THIRD']) AS lvl JOIN supply_item si ON lvl = ANY (si.authorized_levels) GROUP BY lvl
    )
    INSERT INTO supply_order_line (order_id, supply_item_id, requested, approved)
    SELECT o.id, c.supply_item_id, q.requested, CASE WHEN ${H(`'cut' || o.id || ':' || c.supply_item_id`, 10)} = 0 THEN q.requested * 8 / 10 ELSE q.requested END
      FROM supply_order o
      JOIN establishment e ON e.id = o.requesting_id
      JOIN per_level pl ON pl.lvl = e.care_level
      JOIN cpm_calculation c ON c.establishment_id = o.requesting_id AND c.value IS NOT NULL
      CROSS JOIN LATERAL (SELECT greatest(1, c.value * (1 + ${H(`'q' || o.id || ':' || c.supply_item_id`, 3)})) AS requested) q
     WHERE ${H(`'l' || o.id || ':' || c.supply_item_id`, 10000)} <
           10000 * (CASE e.care_level WHEN 'FIRST' THEN ${LINES_PER_ORDER.FIRST} WHEN 'SECOND' THEN ${LINES_PER_ORDER.SECOND} ELSE ${LINES_PER_ORDER.THIRD} END)::numeric
           / pl.claves`);
  // 3 lines in 100 are never sent; the rest in full (what arrives, and when, comes with the shipments).
  await db(`
    UPDATE supply_order_line l SET
      dispatched = CASE WHEN ${H(`'nd' || l.order_id || ':' || l.supply_item_id`, 100)} < 3 THEN 0 ELSE l.approved END`);
}

async function shipments(db: Q): Promise<void> {
  await db(`
    CREATE TEMP TABLE nat_shipment ON COMMIT PRESERVE ROWS AS
    SELECT o.id AS order_id, o.approved_at + interval '2 days' AS dispatched_at,
           CASE WHEN o.approved_at > now() - interval '40 days' AND ${H(`'t' || o.id`, 10)} < 3 THEN NULL ELSE o.approved_at + interval '5 days' END AS received_at
      FROM supply_order o
     WHERE EXISTS (SELECT 1 FROM supply_order_line l WHERE l.order_id = o.id AND l.dispatched > 0) AND o.approved_at + interval '2 days' < now()`);
  await db(`UPDATE nat_shipment SET received_at = NULL WHERE received_at > now()`);
  await db(`UPDATE supply_order_line l SET dispatched = 0 WHERE NOT EXISTS (SELECT 1 FROM nat_shipment s WHERE s.order_id = l.order_id)`);
  await db(`
    INSERT INTO idempotency_key (key, operation, subject, request_hash)
    SELECT 'nat-d-' || order_id, 'shipmentDispatch', 'seed:national', 'seed' FROM nat_shipment
    UNION ALL
    SELECT 'nat-r-' || order_id, 'shipmentReceive', 'seed:national', 'seed' FROM nat_shipment WHERE received_at IS NOT NULL`);
  await db(`
    INSERT INTO shipment (number, order_id, status, dispatched_at, dispatched_by, received_at, received_by, idempotency_key, receipt_key)
    SELECT 'REM-' || to_char(dispatched_at AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('shipment_number_seq')::text, 7, '0'),
           order_id, CASE WHEN received_at IS NULL THEN 'IN_TRANSIT' ELSE 'RECEIVED' END, dispatched_at, 'seed:national',
           received_at, CASE WHEN received_at IS NOT NULL THEN 'seed:national' END, 'nat-d-' || order_id,
           CASE WHEN received_at IS NOT NULL THEN 'nat-r-' || order_id END
      FROM nat_shipment ORDER BY dispatched_at, order_id`);
  // One shipment line per order line sent, from the lot bought the month the order was approved.
  await db(`
    INSERT INTO shipment_line (shipment_id, line, supply_item_id, lot_id, quantity, accepted, rejected, rejection_reason)
    SELECT sh.id, row_number() OVER (PARTITION BY sh.id ORDER BY l.supply_item_id), l.supply_item_id, lt.id, l.dispatched,
           CASE WHEN sh.received_at IS NOT NULL THEN l.dispatched - r.rejected END,
           CASE WHEN sh.received_at IS NOT NULL THEN r.rejected END,
           CASE WHEN sh.received_at IS NOT NULL AND r.rejected > 0 THEN (ARRAY['DAMAGED', 'SHORT_SHIPPED', 'WRONG_ITEM', 'LOST_IN_TRANSIT'])[1 + ${H(`'why' || sh.id || ':' || l.supply_item_id`, 4)}] END
      FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN supply_order_line l ON l.order_id = o.id AND l.dispatched > 0
      JOIN lot lt ON lt.supply_item_id = l.supply_item_id AND lt.lot_number = 'L' || to_char(o.approved_at AT TIME ZONE 'America/Mexico_City', 'YYYYMM')
      CROSS JOIN LATERAL (SELECT CASE WHEN ${H(`'rj' || sh.id || ':' || l.supply_item_id`, 100)} < 2 THEN greatest(1, l.dispatched / 10) ELSE 0 END AS rejected) r`);
  await db(`
    UPDATE supply_order_line l SET accepted = x.accepted, rejected = x.rejected
      FROM (SELECT sh.order_id, sl.supply_item_id, sum(coalesce(sl.accepted, 0)) AS accepted, sum(coalesce(sl.rejected, 0)) AS rejected
              FROM shipment sh JOIN shipment_line sl ON sl.shipment_id = sh.id GROUP BY 1, 2) x
     WHERE l.order_id = x.order_id AND l.supply_item_id = x.supply_item_id`);
  // Status from what was accepted; older orders with a shortfall were short-closed.
  await db(`
    UPDATE supply_order o SET status = s.status, ended_at = CASE WHEN s.status IN ('FULFILLED', 'CLOSED') THEN o.approved_at + interval '6 days' END,
                              ended_by = CASE WHEN s.status = 'CLOSED' THEN 'seed:national' END,
                              end_reason = CASE WHEN s.status = 'CLOSED' THEN 'sin existencias para completar' END
      FROM (SELECT l.order_id,
                   CASE WHEN bool_and(l.accepted >= l.approved) THEN 'FULFILLED'
                        WHEN bool_and(l.dispatched = l.accepted + l.rejected) AND max(o2.approved_at) < now() - interval '60 days' THEN 'CLOSED'
                        WHEN sum(l.accepted) > 0 THEN 'PARTIALLY_FULFILLED' ELSE 'APPROVED' END AS status
              FROM supply_order_line l JOIN supply_order o2 ON o2.id = l.order_id GROUP BY l.order_id) s
     WHERE o.id = s.order_id`);
}

async function movements(db: Q): Promise<void> {
  // Warehouses bought what they sent, and a fifth more, when each lot arrived.
  await db(`
    INSERT INTO idempotency_key (key, operation, subject, request_hash)
    SELECT DISTINCT 'nat-buy-' || o.supplying_id || '-' || sl.lot_id, 'stockReceive', 'seed:national', 'seed'
      FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN shipment_line sl ON sl.shipment_id = sh.id`);
  await db(`
    INSERT INTO stock_movement (establishment_id, supply_item_id, lot_id, quantity, kind, reason, document, occurred_at, actor, idempotency_key)
    SELECT o.supplying_id, sl.supply_item_id, sl.lot_id, sum(sl.quantity) + sum(sl.quantity) / 5 + 10, 'RECEIPT', 'PURCHASE', 'compra ' || lt.lot_number,
           (to_date(substr(lt.lot_number, 2), 'YYYYMM')::timestamp + interval '1 day') AT TIME ZONE 'America/Mexico_City', 'seed:national',
           'nat-buy-' || o.supplying_id || '-' || sl.lot_id
      FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN shipment_line sl ON sl.shipment_id = sh.id JOIN lot lt ON lt.id = sl.lot_id
     GROUP BY o.supplying_id, sl.supply_item_id, sl.lot_id, lt.lot_number`);
  await db(`
    INSERT INTO stock_movement (establishment_id, supply_item_id, lot_id, quantity, kind, document, occurred_at, actor, idempotency_key)
    SELECT o.supplying_id, sl.supply_item_id, sl.lot_id, -sl.quantity, 'DISPATCH', o.number, sh.dispatched_at, 'seed:national', sh.idempotency_key
      FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN shipment_line sl ON sl.shipment_id = sh.id`);
  await db(`
    INSERT INTO stock_movement (establishment_id, supply_item_id, lot_id, quantity, kind, document, occurred_at, actor, idempotency_key)
    SELECT o.requesting_id, sl.supply_item_id, sl.lot_id, sl.accepted, 'TRANSFER_IN', sh.number, sh.received_at, 'seed:national', sh.receipt_key
      FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN shipment_line sl ON sl.shipment_id = sh.id
     WHERE sh.received_at IS NOT NULL AND sl.accepted > 0`);
  // The wards use seven tenths of what arrived over the following weeks.
  await db(`
    INSERT INTO idempotency_key (key, operation, subject, request_hash)
    SELECT 'nat-use-' || sh.id, 'stockConsume', 'seed:national', 'seed' FROM shipment sh WHERE sh.received_at < now() - interval '10 days'`);
  await db(`
    INSERT INTO stock_movement (establishment_id, supply_item_id, lot_id, quantity, kind, occurred_at, actor, idempotency_key)
    SELECT o.requesting_id, sl.supply_item_id, sl.lot_id, -(sl.accepted * 7 / 10), 'CONSUMPTION', sh.received_at + interval '10 days', 'seed:national', 'nat-use-' || sh.id
      FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN shipment_line sl ON sl.shipment_id = sh.id
     WHERE sh.received_at < now() - interval '10 days' AND sl.accepted * 7 / 10 > 0`);
}

async function prescriptions(db: Q, perUnitMonth: number): Promise<void> {
  if (perUnitMonth <= 0) return;
  // Each prescription dispenses from a line the unit received: a few pieces, all prescribed 9 times in 10.
  await db(
    `CREATE TEMP TABLE nat_rx ON COMMIT PRESERVE ROWS AS
     SELECT * FROM (
       SELECT o.requesting_id AS establishment_id, sl.supply_item_id, sl.lot_id, sh.id AS shipment_id, sl.line,
              sh.received_at + interval '3 days' AS dispensed_at,
              1 + ${H(`'p' || sh.id || ':' || sl.line`, 20)} AS prescribed,
              row_number() OVER (PARTITION BY o.requesting_id, date_trunc('month', sh.received_at) ORDER BY ${H(`'rx' || sh.id || ':' || sl.line`, 1000000)}) AS n,
              sl.accepted
         FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN shipment_line sl ON sl.shipment_id = sh.id
        WHERE sh.received_at < now() - interval '3 days' AND sl.accepted >= 40
     ) x WHERE n <= $1`,
    [perUnitMonth],
  );
  await db(`ALTER TABLE nat_rx ADD COLUMN dispensed int`);
  await db(`UPDATE nat_rx SET dispensed = CASE WHEN ${H(`'full' || shipment_id || ':' || line`, 10)} = 0 THEN prescribed / 2 ELSE least(prescribed, accepted / 20) END`);
  await db(`
    INSERT INTO idempotency_key (key, operation, subject, request_hash)
    SELECT 'nat-rx-' || shipment_id || '-' || line, 'prescriptionDispense', 'seed:national', 'seed' FROM nat_rx`);
  await db(`
    INSERT INTO prescription (establishment_id, folio, issued_on, dispensed_at, actor, idempotency_key, complete)
    SELECT establishment_id, 'R' || shipment_id || '-' || line, (dispensed_at AT TIME ZONE 'America/Mexico_City')::date, dispensed_at, 'seed:national',
           'nat-rx-' || shipment_id || '-' || line, dispensed >= prescribed
      FROM nat_rx`);
  await db(`
    INSERT INTO prescription_line (prescription_id, supply_item_id, prescribed, dispensed)
    SELECT p.id, r.supply_item_id, r.prescribed, r.dispensed FROM nat_rx r JOIN prescription p ON p.idempotency_key = 'nat-rx-' || r.shipment_id || '-' || r.line`);
  await db(`
    INSERT INTO stock_movement (establishment_id, supply_item_id, lot_id, quantity, kind, document, occurred_at, actor, idempotency_key)
    SELECT establishment_id, supply_item_id, lot_id, -dispensed, 'DISPENSE', 'receta R' || shipment_id || '-' || line, dispensed_at, 'seed:national',
           'nat-rx-' || shipment_id || '-' || line
      FROM nat_rx WHERE dispensed > 0`);
}

async function balances(db: Q): Promise<void> {
  await db(`
    INSERT INTO stock_balance (establishment_id, lot_id, supply_item_id, quantity)
    SELECT establishment_id, lot_id, supply_item_id, sum(quantity) FROM stock_movement GROUP BY 1, 2, 3`);
}

async function rollup(db: Q): Promise<void> {
  const ids: number[] = (await db('SELECT id FROM supply_order ORDER BY id')).map((r: { id: number }) => r.id);
  for (let i = 0; i < ids.length; i += 5000) await db('SELECT order_fill_refresh($1::int[])', [ids.slice(i, i + 5000)]);
}
