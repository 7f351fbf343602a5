import { DataSource, EntityManager } from 'typeorm';
import { CPM_IN_FORCE, positionPartsSql } from '../stock/stock.position';

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
  /** The CENTRAL warehouses' usable pieces and open purchases of the clave (the whole network's). */
  nationalStock: number;
  /** This row's share of it (national row: all that was shared). */
  fromNationalStock: number;
  need: number;
  maximum: number;
  minimum: number;
  minimumRatio: number;
}

/**
 * The procurement plan for fiscal year Y, set-based over the whole network (SPEC §4), always worked
 * out state by state:
 *   Σ CPM over the state's units (FIXED and MOBILE, operating, in the network; warehouses excluded, as
 *   their CPM is what they pass on): each unit's CPM in force, as its stock position has it
 *   (src/modules/stock/stock.position.ts: the plan reads the position's parts and adds them up by state) — the line of its RATIFIED submission for Y, else its latest
 *   stored calculation (of a month up to the current one, within Y), flagged;
 *   the state's own need = ⌈Σ CPM × (12 + safety months) − usable stock at the state's locations (their
 *   positions' usable pieces) − pieces
 *   on the open PURCHASE orders of its warehouses⌉;
 *   the national stock — usable pieces at the CENTRAL warehouses and their open purchases, which serve
 *   every state — is shared among the states that need the clave, in proportion to their need, in whole
 *   pieces (largest remainder), never beyond a state's need;
 *   need = own need − its share of the national stock; maximum = max(0, need); minimum = ⌈ratio × maximum⌉.
 * A national figure is the sum of the states' figures: one state's surplus does not cover another's
 * need (moving stock between states is the redistribution's job), so the national maximum is the sum of
 * the states' maxima — the same total whether the plan is exported by state or nationally.
 * Every state is worked out whatever `stateCodes` asks, so a state's figures never depend on which
 * others were asked for.
 *
 * Parameters: $1 year, $2 states, $3 claves, $4 by state, $5 safety months, $6 ratio, $7 today.
 */
const PLAN_SQL = `
  WITH items AS (SELECT id FROM supply_item WHERE $3::text[] IS NULL OR clave = ANY ($3::text[])),
  -- the stock position's parts, for every location: the units and the locations in the network are chosen below
  ${positionPartsSql({
    where: (_e, i) => `${i} IN (SELECT id FROM items)`,
    day: '$7::date',
    year: '$1::int',
    month: "LEAST(date_trunc('month', $7::date)::date, make_date($1, 12, 1))",
  })},
  cpm_in_force AS (${CPM_IN_FORCE}),
  units AS (
    SELECT e.id, e.state_code FROM establishment e
     WHERE e.kind IN ('FIXED', 'MOBILE') AND e.operating AND e.in_network
       AND NOT EXISTS (SELECT 1 FROM warehouse w WHERE w.establishment_id = e.id)
  ),
  demand AS (
    SELECT u.state_code, c.supply_item_id,
           coalesce(sum(c.cpm) FILTER (WHERE c.cpm_source = 'RATIFIED'), 0) AS ratified,
           coalesce(sum(c.cpm) FILTER (WHERE c.cpm_source = 'CALCULATED'), 0) AS calculated,
           count(*) FILTER (WHERE c.cpm_source = 'RATIFIED') AS units_ratified,
           count(*) FILTER (WHERE c.cpm_source = 'CALCULATED') AS units_calculated
      FROM cpm_in_force c JOIN units u ON u.id = c.establishment_id
     WHERE c.cpm > 0
     GROUP BY 1, 2
  ),
  central AS (SELECT establishment_id AS id FROM warehouse WHERE tier = 'CENTRAL'),
  usable_stock AS (
    SELECT p.establishment_id, e.state_code, p.supply_item_id, p.usable AS quantity
      FROM pos_b p JOIN establishment e ON e.id = p.establishment_id
     WHERE e.in_network AND p.usable > 0 AND p.supply_item_id IN (SELECT supply_item_id FROM demand)
  ),
  open_purchases AS (
    SELECT o.requesting_id AS establishment_id, e.state_code, ol.supply_item_id, greatest(0, ol.approved - ol.accepted) AS pieces
      FROM supply_order o JOIN supply_order_line ol ON ol.order_id = o.id JOIN establishment e ON e.id = o.requesting_id
     WHERE o.kind = 'PURCHASE' AND o.status IN ('APPROVED', 'PARTIALLY_FULFILLED')
       AND ol.supply_item_id IN (SELECT supply_item_id FROM demand)
  ),
  stock AS (
    SELECT state_code, supply_item_id, sum(quantity) AS usable FROM usable_stock
     WHERE establishment_id NOT IN (SELECT id FROM central) GROUP BY 1, 2
  ),
  open_po AS (
    SELECT state_code, supply_item_id, sum(pieces) AS pieces FROM open_purchases
     WHERE establishment_id NOT IN (SELECT id FROM central) GROUP BY 1, 2
  ),
  national AS (
    SELECT supply_item_id, sum(pieces) AS pieces FROM (
      SELECT supply_item_id, quantity AS pieces FROM usable_stock WHERE establishment_id IN (SELECT id FROM central)
      UNION ALL
      SELECT supply_item_id, pieces FROM open_purchases WHERE establishment_id IN (SELECT id FROM central)
    ) x GROUP BY 1
  ),
  own AS (
    SELECT d.*, coalesce(s.usable, 0) AS usable, coalesce(p.pieces, 0) AS open_po, coalesce(n.pieces, 0) AS national_stock,
           ceil((d.ratified + d.calculated) * (12 + $5::numeric) - coalesce(s.usable, 0) - coalesce(p.pieces, 0)) AS own_need
      FROM demand d
      LEFT JOIN stock s ON s.supply_item_id = d.supply_item_id AND s.state_code = d.state_code
      LEFT JOIN open_po p ON p.supply_item_id = d.supply_item_id AND p.state_code = d.state_code
      LEFT JOIN national n ON n.supply_item_id = d.supply_item_id
  ),
  shares AS (
    SELECT o.*, sum(greatest(0, own_need)) OVER w AS wanted, least(national_stock, sum(greatest(0, own_need)) OVER w) AS shared
      FROM own o WINDOW w AS (PARTITION BY supply_item_id)
  ),
  split AS (
    SELECT s.*, CASE WHEN wanted > 0 THEN floor(shared * greatest(0, own_need) / wanted) ELSE 0 END AS whole,
           CASE WHEN wanted > 0 THEN (shared * greatest(0, own_need)) % wanted ELSE 0 END AS remainder
      FROM shares s
  ),
  by_state AS (
    SELECT x.*, own_need - from_national AS need FROM (
      SELECT s.*, whole + CASE WHEN row_number() OVER (PARTITION BY supply_item_id ORDER BY remainder DESC, state_code)
                                    <= shared - sum(whole) OVER (PARTITION BY supply_item_id) THEN 1 ELSE 0 END AS from_national
        FROM split s
    ) x
     WHERE $2::text[] IS NULL OR state_code = ANY ($2::text[])
  ),
  plan AS (
    SELECT state_code, supply_item_id, ratified, calculated, units_ratified, units_calculated, usable, open_po,
           national_stock, from_national, need, greatest(0, need) AS maximum, ceil($6::numeric * greatest(0, need)) AS minimum
      FROM by_state WHERE $4
    UNION ALL
    SELECT NULL, supply_item_id, sum(ratified), sum(calculated), sum(units_ratified), sum(units_calculated), sum(usable), sum(open_po),
           max(national_stock), sum(from_national), sum(need), sum(greatest(0, need)), sum(ceil($6::numeric * greatest(0, need)))
      FROM by_state WHERE NOT $4 GROUP BY supply_item_id
  )
  SELECT p.state_code AS "stateCode", p.supply_item_id AS "supplyItemId", si.clave, si.description,
         p.ratified::bigint AS "ratifiedCpm", p.calculated::bigint AS "calculatedCpm", (p.ratified + p.calculated)::bigint AS cpm,
         p.units_ratified::int AS "unitsRatified", p.units_calculated::int AS "unitsCalculated", p.usable::bigint AS usable,
         p.open_po::bigint AS "onOpenPurchaseOrders", p.national_stock::bigint AS "nationalStock", p.from_national::bigint AS "fromNationalStock",
         p.need::bigint AS need, p.maximum::bigint AS maximum, p.minimum::bigint AS minimum
    FROM plan p JOIN supply_item si ON si.id = p.supply_item_id`;

const NUMERIC = ['ratifiedCpm', 'calculatedCpm', 'cpm', 'usable', 'onOpenPurchaseOrders', 'nationalStock', 'fromNationalStock', 'need', 'maximum', 'minimum'] as const;

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
export const planKey = (r: Pick<PlanRow, 'stateCode' | 'clave'>): PlanKey => [r.stateCode ?? '', r.clave];

/** One page of the plan in (state, clave) order, after `after`. */
export async function planPage(db: Db, q: PlanQuery, after: PlanKey | undefined, limit: number): Promise<PlanRow[]> {
  const rows = await db.query(
    `SELECT * FROM (${PLAN_SQL}) x WHERE ($8::text IS NULL OR (coalesce("stateCode", ''), clave COLLATE "C") > ($8::text, $9::text COLLATE "C"))
      ORDER BY coalesce("stateCode", ''), clave COLLATE "C" LIMIT $10`,
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
  const rows = await db.query(`SELECT * FROM (${PLAN_SQL}) x ORDER BY coalesce("stateCode", ''), clave COLLATE "C"`, params(q));
  return rows.map((r: Record<string, unknown>) => toRow(q, r));
}
