import { DataSource, EntityManager } from 'typeorm';

type Db = DataSource | EntityManager;

export interface PlanQuery {
  year: number;
  /** Rows per state and clave (true when states are named); otherwise one national row per clave. */
  byState: boolean;
  stateCodes: string[] | null;
  claves: string[] | null;
  safetyMonths: number;
  minimumRatio: number;
  /** The day stock is read at (usable = not expired that day). */
  today: string;
}

/** One row of the plan with every input it was computed from (SPEC §4). */
export interface PlanRow {
  stateCode: string | null;
  supplyItemId: number;
  clave: string;
  description: string;
  ratifiedCpm: number;
  calculatedCpm: number;
  cpm: number;
  unitsRatified: number;
  unitsCalculated: number;
  months: number;
  safetyMonths: number;
  usable: number;
  onOpenPurchaseOrders: number;
  need: number;
  maximum: number;
  minimum: number;
  minimumRatio: number;
}

/**
 * The procurement plan for fiscal year Y, set-based over the whole network:
 *   Σ CPM over the network's units (FIXED and MOBILE, operating, in the network; warehouses excluded, as
 *   their CPM is what they pass on): a unit with a RATIFIED submission for Y counts its ratified lines;
 *   a unit without one counts its latest stored calculation, flagged;
 *   need = Σ CPM × 12 + safety months × Σ CPM − usable stock in the network − pieces on open PURCHASE
 *   orders not yet accepted; maximum = max(0, need); minimum = ⌈ratio × maximum⌉.
 * Per state, stock is the state's locations' and open purchases are those of its warehouses.
 *
 * Parameters: $1 year, $2 states, $3 claves, $4 by state, $5 safety months, $6 ratio, $7 today.
 */
const PLAN_SQL = `
  WITH units AS (
    SELECT e.id, e.state_code FROM establishment e
     WHERE e.kind IN ('FIXED', 'MOBILE') AND e.operating AND e.in_network
       AND NOT EXISTS (SELECT 1 FROM warehouse w WHERE w.establishment_id = e.id)
       AND ($2::text[] IS NULL OR e.state_code = ANY ($2::text[]))
  ),
  items AS (SELECT id FROM supply_item WHERE $3::text[] IS NULL OR clave = ANY ($3::text[])),
  ratified_units AS (
    SELECT cs.id AS submission_id, cs.establishment_id FROM cpm_submission cs
     WHERE cs.year = $1 AND cs.status = 'RATIFIED' AND cs.establishment_id IN (SELECT id FROM units)
  ),
  calculated AS (
    SELECT DISTINCT ON (c.establishment_id, c.supply_item_id) c.establishment_id, c.supply_item_id, c.value
      FROM cpm_calculation c
     WHERE c.establishment_id IN (SELECT id FROM units) AND c.establishment_id NOT IN (SELECT establishment_id FROM ratified_units)
       AND c.supply_item_id IN (SELECT id FROM items) AND c.value IS NOT NULL
       AND c.month <= LEAST(date_trunc('month', $7::date)::date, make_date($1, 12, 1))
     ORDER BY c.establishment_id, c.supply_item_id, c.month DESC
  ),
  cpm AS (
    SELECT CASE WHEN $4 THEN u.state_code END AS state_code, l.supply_item_id,
           sum(l.cpm) AS ratified, 0 AS calculated, count(*) AS units_ratified, 0 AS units_calculated
      FROM ratified_units r JOIN cpm_submission_line l ON l.submission_id = r.submission_id JOIN units u ON u.id = r.establishment_id
     WHERE l.supply_item_id IN (SELECT id FROM items) AND l.cpm > 0
     GROUP BY 1, 2
    UNION ALL
    SELECT CASE WHEN $4 THEN u.state_code END, c.supply_item_id, 0, sum(c.value), 0, count(*)
      FROM calculated c JOIN units u ON u.id = c.establishment_id
     WHERE c.value > 0
     GROUP BY 1, 2
  ),
  demand AS (
    SELECT state_code, supply_item_id, sum(ratified) AS ratified, sum(calculated) AS calculated,
           sum(units_ratified) AS units_ratified, sum(units_calculated) AS units_calculated
      FROM cpm GROUP BY 1, 2
  ),
  stock AS (
    SELECT CASE WHEN $4 THEN e.state_code END AS state_code, b.supply_item_id, sum(b.quantity) AS usable
      FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN establishment e ON e.id = b.establishment_id
     WHERE e.in_network AND (l.expires_on IS NULL OR l.expires_on >= $7::date) AND b.quantity > 0
       AND ($2::text[] IS NULL OR e.state_code = ANY ($2::text[]))
       AND b.supply_item_id IN (SELECT supply_item_id FROM demand)
     GROUP BY 1, 2
  ),
  open_po AS (
    SELECT CASE WHEN $4 THEN e.state_code END AS state_code, ol.supply_item_id, sum(greatest(0, ol.approved - ol.accepted)) AS pieces
      FROM supply_order o JOIN supply_order_line ol ON ol.order_id = o.id JOIN establishment e ON e.id = o.requesting_id
     WHERE o.kind = 'PURCHASE' AND o.status IN ('APPROVED', 'PARTIALLY_FULFILLED')
       AND ($2::text[] IS NULL OR e.state_code = ANY ($2::text[]))
       AND ol.supply_item_id IN (SELECT supply_item_id FROM demand)
     GROUP BY 1, 2
  ),
  plan AS (
    SELECT d.state_code, d.supply_item_id, si.clave, si.description,
           d.ratified::bigint AS ratified_cpm, d.calculated::bigint AS calculated_cpm, (d.ratified + d.calculated)::bigint AS cpm,
           d.units_ratified::int, d.units_calculated::int,
           coalesce(s.usable, 0)::bigint AS usable, coalesce(p.pieces, 0)::bigint AS open_po,
           ((d.ratified + d.calculated) * (12 + $5::numeric) - coalesce(s.usable, 0) - coalesce(p.pieces, 0)) AS need
      FROM demand d JOIN supply_item si ON si.id = d.supply_item_id
      LEFT JOIN stock s ON s.supply_item_id = d.supply_item_id AND s.state_code IS NOT DISTINCT FROM d.state_code
      LEFT JOIN open_po p ON p.supply_item_id = d.supply_item_id AND p.state_code IS NOT DISTINCT FROM d.state_code
  )
  SELECT state_code AS "stateCode", supply_item_id AS "supplyItemId", clave, description,
         ratified_cpm AS "ratifiedCpm", calculated_cpm AS "calculatedCpm", cpm, units_ratified AS "unitsRatified",
         units_calculated AS "unitsCalculated", usable, open_po AS "onOpenPurchaseOrders", ceil(need)::bigint AS need,
         greatest(0, ceil(need))::bigint AS maximum, ceil($6::numeric * greatest(0, ceil(need)))::bigint AS minimum
    FROM plan`;

const NUMERIC = ['ratifiedCpm', 'calculatedCpm', 'cpm', 'usable', 'onOpenPurchaseOrders', 'need', 'maximum', 'minimum'] as const;

function params(q: PlanQuery): unknown[] {
  return [q.year, q.stateCodes, q.claves, q.byState, q.safetyMonths, q.minimumRatio, q.today];
}

function toRow(q: PlanQuery, r: Record<string, unknown>): PlanRow {
  const row = { ...r, months: 12, safetyMonths: q.safetyMonths, minimumRatio: q.minimumRatio } as unknown as PlanRow;
  for (const k of NUMERIC) (row as unknown as Record<string, number>)[k] = Number(r[k]);
  row.stateCode = (r.stateCode as string | null) ?? null;
  return row;
}

/** Key of a row in plan order: state ('' nationally), then clave. */
export type PlanKey = [string, string];
export const planKey = (r: PlanRow): PlanKey => [r.stateCode ?? '', r.clave];

/** One page of the plan in (state, clave) order, after `after`. */
export async function planPage(db: Db, q: PlanQuery, after: PlanKey | undefined, limit: number): Promise<PlanRow[]> {
  const rows = await db.query(
    `${PLAN_SQL} WHERE ($8::text IS NULL OR (coalesce(state_code, ''), clave COLLATE "C") > ($8::text, $9::text COLLATE "C"))
      ORDER BY coalesce(state_code, ''), clave COLLATE "C" LIMIT $10`,
    [...params(q), after?.[0] ?? null, after?.[1] ?? null, limit],
  );
  return rows.map((r: Record<string, unknown>) => toRow(q, r));
}

export async function planCount(db: Db, q: PlanQuery): Promise<number> {
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM (${PLAN_SQL}) x`, params(q));
  return n;
}

/** The whole plan, for exports. */
export async function planRows(db: Db, q: PlanQuery): Promise<PlanRow[]> {
  const rows = await db.query(`${PLAN_SQL} ORDER BY coalesce(state_code, ''), clave COLLATE "C"`, params(q));
  return rows.map((r: Record<string, unknown>) => toRow(q, r));
}
