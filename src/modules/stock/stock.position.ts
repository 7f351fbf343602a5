import { onHoldSql, stateOf } from './stock.holds';
/**
 * THE stock position of a location × clave (SPEC §4), the one definition the stock page,
 * `suggestedOrder`, the redistribution and the procurement plan read:
 *
 *   on_hand      pieces on the shelf, expired and held included (Σ balances)
 *   usable       pieces in lots not expired on the day asked about (no expiry date: usable) and not on hold
 *   held         pieces in lots on hold after an alerta sanitaria (stock.holds.ts), expired or not
 *   in_transit   pieces on shipments to the location not yet received (view stock_in_transit)
 *   pending_in   pieces approved on open replenishment orders to it, not yet dispatched (view stock_pending)
 *   pending_out  the same, from it
 *   cpm          the CPM in force: the year's RATIFIED submission line, else the latest CALCULATED value
 *                of a month up to the month asked about (`cpm_source` says which)
 *   min_months, max_months   the location's band (warehouses and units have their own)
 *   status       stock_status(usable, cpm, min, max) (SQL function, migration Cpm)
 *
 * and the per-row arithmetic in src/domain/stock.ts (months of stock, suggested quantity).
 *
 * It is set-based SQL for any set of locations and claves, composed as a CTE into the statement of
 * the consumer: the consumer's restriction is written into every relation the position reads, so one
 * location's page reads that location's rows only and a national plan reads the tables once each
 * (a view or function taking the restriction from outside is planned without it: with parameters, the
 * generic plan of the stock page could not use the (location, clave) indexes).
 *
 * Which positions: `keys: 'held'` — every clave a location holds: a balance (even of 0), a line of the
 * year's ratified CPM, or pieces in transit or pending to it; or `keys: SQL` yielding
 * (establishment_id, supply_item_id) pairs — exactly those positions, even where nothing is. A CPM
 * calculated above 0 needs no arm of its own: it is consumption at the location (cpm_months reads the
 * location's DISPENSE, CONSUMPTION or DISPATCH movements), and every movement leaves its lot's balance
 * row, never deleted (test/db/stock-pipeline.test.ts holds this on the ledger). Reading every
 * calculation of a location to find them tripled the cost of the stock page.
 */

export interface PositionSql {
  /**
   * The restriction, as an SQL condition on a location column and a clave column of any relation the
   * position reads, e.g. `(e, i) => \`${e} = $1\``. It must hold for every key.
   */
  where: (location: string, item: string) => string;
  /** 'held', or SQL yielding (establishment_id, supply_item_id). */
  keys: 'held' | string;
  /** SQL of the day (date) usable stock is read at, the fiscal year (int) and the month (date) of the CPM in force. */
  day: string;
  year: string;
  month: string;
  /** SQL of the band: one for every location, or one for units and one for warehouses. */
  band: { min: string; max: string } | { unit: { min: string; max: string }; warehouse: { min: string; max: string } };
  /**
   * Columns the statement does not read, left out (NULL) so they cost nothing: on a page of 100, reading
   * columns no field shows cost the server a third of its time.
   */
  omit?: ReadonlyArray<'onHand' | 'source' | 'inTransit' | 'pending'>;
  /**
   * The lots holding pieces as a JSON array of [lotNumber, expiresOn, quantity, expired] (column `lots`),
   * built only when this SQL boolean holds (a compact array costs PostgreSQL much less than an object).
   */
  lots?: string;
}

/**
 * A (location, clave)'s lots holding pieces, over balances `b` joined to lots `l`, as a JSON array of
 * compact arrays [lotNumber, expiresOn, quantity, expired on `day`] (building an array costs
 * PostgreSQL much less than an object with its keys); only when the SQL boolean `when` holds.
 */
export const lotTuplesSql = (day: string, when = 'true') => `
  coalesce(json_agg(json_build_array(l.lot_number, l.expires_on::text, b.quantity, coalesce(l.expires_on < ${day}, false), ${HELD}))
           FILTER (WHERE ${when} AND b.quantity > 0), '[]')`;

/** Whether a balance `b` of lot `l` is on hold (stock.holds.ts, the one definition). */
const HELD = onHoldSql('l.id', stateOf('b.establishment_id'));

/** A calculation that may be in force for `month`: of that month or before, with a value. */
const calculationInForce = (month: string) => `month <= ${month} AND value IS NOT NULL`;

/** The latest calculation of each (location, clave) `where` keeps, of a month up to `month` (column `calculated`). */
function latestCalculationSql(p: Pick<PositionSql, 'where' | 'month'>): string {
  return `
      SELECT DISTINCT ON (establishment_id, supply_item_id) establishment_id, supply_item_id, value AS calculated
        FROM cpm_calculation
       WHERE ${calculationInForce(p.month)} AND ${p.where('establishment_id', 'supply_item_id')}
       ORDER BY establishment_id, supply_item_id, month DESC`;
}

/**
 * The same, for one (location, clave) given as columns: a LATERAL lookup through the (location,
 * clave, month) index. For a page of given keys, PostgreSQL's generic plan read every calculation of
 * the location rather than one per key (a third of the page's time).
 */
const latestCalculationOf = (location: string, item: string, month: string) => `
      SELECT value AS calculated FROM cpm_calculation
       WHERE establishment_id = ${location} AND supply_item_id = ${item} AND ${calculationInForce(month)}
       ORDER BY month DESC LIMIT 1`;

/** The ways a location holds a clave, each as SQL of its supply_item_id at the locations `where` keeps. */
function heldArms(p: Pick<PositionSql, 'where' | 'year'>): string[] {
  return [
    `SELECT supply_item_id FROM stock_balance WHERE ${p.where('establishment_id', 'supply_item_id')}`,
    `SELECT l.supply_item_id FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id
      WHERE cs.year = ${p.year} AND cs.status = 'RATIFIED' AND ${p.where('cs.establishment_id', 'l.supply_item_id')}`,
    `SELECT supply_item_id FROM stock_in_transit WHERE ${p.where('establishment_id', 'supply_item_id')}`,
    `SELECT supply_item_id FROM stock_pending WHERE ${p.where('requesting_id', 'supply_item_id')}`,
  ];
}

/**
 * The claves held at the one location `where` keeps (the position's `keys: 'held'`), as a UNION read
 * through the (location, clave) indexes: what the stock page counts.
 */
export function heldSql(p: Pick<PositionSql, 'where' | 'year'>): string {
  return heldArms(p).join('\n      UNION ');
}

/**
 * Whether the supply item `id` is held at the one location `where` keeps: the same arms, each a hashed
 * set tested in turn, which lets the stock page walk the catalogue in clave order and stop at its size
 * (a UNION must be read whole and de-duplicated first, which cost the page as much again).
 */
export function heldTest(p: Pick<PositionSql, 'where' | 'year'>, id: string): string {
  return `(${heldArms(p).map((arm) => `${id} IN (${arm})`).join('\n       OR ')})`;
}

/**
 * The position's parts, as entries of a WITH list, each a relation keyed by (establishment_id,
 * supply_item_id) read once with the restriction: the balances added up (pos_b: on_hand, usable[, lots]),
 * the year's ratified lines (pos_r: ratified), the latest calculation (pos_c: calculated), in transit
 * (pos_t: in_transit), pending in and out (pos_in: pending_in, pos_out: pending_out). A statement that
 * adds positions up by state reads the parts it needs (the plan: `pos_b` and `CPM_IN_FORCE`) rather than
 * every position whole; a part not referenced is not read.
 */
export function positionPartsSql(p: Pick<PositionSql, 'where' | 'day' | 'year' | 'month' | 'lots'>): string {
  const w = p.where;
  return `
    pos_b AS (
      SELECT b.establishment_id, b.supply_item_id, sum(b.quantity) AS on_hand,
             coalesce(sum(b.quantity) FILTER (WHERE (l.expires_on IS NULL OR l.expires_on >= ${p.day}) AND NOT ${HELD}), 0) AS usable,
             coalesce(sum(b.quantity) FILTER (WHERE ${HELD}), 0) AS held
             ${p.lots ? `, ${lotTuplesSql(p.day, p.lots)} AS lots` : ''}
        FROM stock_balance b JOIN lot l ON l.id = b.lot_id
       WHERE ${w('b.establishment_id', 'b.supply_item_id')}
       GROUP BY 1, 2
    ),
    pos_r AS (
      SELECT cs.establishment_id, l.supply_item_id, l.cpm AS ratified
        FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id
       WHERE cs.year = ${p.year} AND cs.status = 'RATIFIED' AND ${w('cs.establishment_id', 'l.supply_item_id')}
    ),
    pos_c AS (${latestCalculationSql(p)}),
    pos_t AS (
      SELECT establishment_id, supply_item_id, pieces AS in_transit FROM stock_in_transit WHERE ${w('establishment_id', 'supply_item_id')}
    ),
    pos_in AS (
      SELECT requesting_id AS establishment_id, supply_item_id, sum(pieces) AS pending_in FROM stock_pending
       WHERE ${w('requesting_id', 'supply_item_id')} GROUP BY 1, 2
    ),
    pos_out AS (
      SELECT supplying_id AS establishment_id, supply_item_id, sum(pieces) AS pending_out FROM stock_pending
       WHERE ${w('supplying_id', 'supply_item_id')} GROUP BY 1, 2
    )`;
}

/** The CPM in force over the parts: the year's ratified line, else the latest calculation; with its source. */
const cpmInForce = (k: string) => `coalesce(${k}.ratified, ${k}.calculated)::int`;
const cpmSource = (k: string) => `CASE WHEN ${k}.ratified IS NOT NULL THEN 'RATIFIED' WHEN ${k}.calculated IS NOT NULL THEN 'CALCULATED' END`;

/** Every (location, clave) with a CPM in force, over the parts: columns establishment_id, supply_item_id, cpm, cpm_source. */
export const CPM_IN_FORCE = `
    SELECT establishment_id, supply_item_id, ${cpmInForce('x')} AS cpm, ${cpmSource('x')} AS cpm_source
      FROM pos_r FULL JOIN pos_c USING (establishment_id, supply_item_id), LATERAL (SELECT pos_r.ratified, pos_c.calculated) x`;

/**
 * The positions as one SELECT (columns establishment_id, supply_item_id, on_hand, usable, in_transit,
 * pending_in, pending_out, cpm, cpm_source, min_months, max_months, status[, lots]): with `keys: 'held'`
 * the parts that hold FULL JOINed, the calculation LEFT JOINed; with given keys, the keys LEFT JOINed
 * to each part whose columns are read.
 */
export function positionSql(p: PositionSql): string {
  const omit = new Set(p.omit ?? []);
  const band =
    'unit' in p.band
      ? {
          join: 'LEFT JOIN warehouse wh ON wh.establishment_id = k.establishment_id',
          min: `CASE WHEN wh.establishment_id IS NULL THEN ${p.band.unit.min} ELSE ${p.band.warehouse.min} END`,
          max: `CASE WHEN wh.establishment_id IS NULL THEN ${p.band.unit.max} ELSE ${p.band.warehouse.max} END`,
        }
      : { join: '', min: p.band.min, max: p.band.max };
  const held = p.keys === 'held';
  const by = 'USING (establishment_id, supply_item_id)';
  const pending = !omit.has('pending');
  // the held set is where a part that holds has a row (the calculation is only looked up); given keys
  // are joined only to the parts whose columns are read
  const read = ['pos_b', 'pos_r', ...(omit.has('inTransit') ? [] : ['pos_t']), ...(pending ? ['pos_in'] : [])];
  const from = held
    ? `pos_b FULL JOIN pos_r ${by} FULL JOIN pos_t ${by} FULL JOIN pos_in ${by} LEFT JOIN pos_c ${by}`
    : `(${p.keys}) keys (establishment_id, supply_item_id) ${read.map((t) => `LEFT JOIN ${t} ${by}`).join(' ')}
        LEFT JOIN LATERAL (${latestCalculationOf('keys.establishment_id', 'keys.supply_item_id', p.month)}) pos_c ON true`;
  return `
    WITH ${positionPartsSql(p)}
    SELECT k.establishment_id, k.supply_item_id,
           ${omit.has('onHand') ? 'NULL::bigint' : 'coalesce(k.on_hand, 0)'} AS on_hand,
           coalesce(k.usable, 0) AS usable,
           ${omit.has('onHand') ? 'NULL::bigint' : 'coalesce(k.held, 0)'} AS held,
           ${omit.has('inTransit') ? 'NULL::bigint' : 'coalesce(k.in_transit, 0)'} AS in_transit,
           ${pending ? 'coalesce(k.pending_in, 0)' : 'NULL::bigint'} AS pending_in,
           ${pending ? 'coalesce(o.pending_out, 0)' : 'NULL::bigint'} AS pending_out,
           ${cpmInForce('k')} AS cpm,
           ${omit.has('source') ? 'NULL::text' : cpmSource('k')} AS cpm_source,
           m.min_months, m.max_months,
           stock_status(coalesce(k.usable, 0)::bigint, ${cpmInForce('k')}, m.min_months, m.max_months) AS status
           ${p.lots ? ", coalesce(k.lots, '[]') AS lots" : ''}
      FROM (SELECT * FROM ${from}) k
      ${pending ? 'LEFT JOIN pos_out o ON o.establishment_id = k.establishment_id AND o.supply_item_id = k.supply_item_id' : ''}
      ${band.join}
      CROSS JOIN LATERAL (SELECT (${band.min})::numeric AS min_months, (${band.max})::numeric AS max_months) m
 `;
}
