/**
 * THE stock position of a location × clave (SPEC §4), the one definition the stock page,
 * `suggestedOrder`, the redistribution and the procurement plan read:
 *
 *   on_hand      pieces on the shelf, expired included (Σ balances)
 *   usable       pieces in lots not expired on the day asked about (no expiry date: usable)
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
 * year's ratified CPM, pieces in transit or pending to it, or a stored CPM calculation; or `keys: SQL`
 * yielding (establishment_id, supply_item_id) pairs — exactly those positions, even where nothing is.
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
  coalesce(json_agg(json_build_array(l.lot_number, l.expires_on::text, b.quantity, coalesce(l.expires_on < ${day}, false)))
           FILTER (WHERE ${when} AND b.quantity > 0), '[]')`;

/** The relation of the claves held at the locations `where` keeps: a UNION, each arm read through its index. */
export function heldSql(p: Pick<PositionSql, 'where' | 'year' | 'month'>): string {
  return `
      SELECT establishment_id, supply_item_id FROM stock_balance WHERE ${p.where('establishment_id', 'supply_item_id')}
      UNION SELECT cs.establishment_id, l.supply_item_id FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id
             WHERE cs.year = ${p.year} AND cs.status = 'RATIFIED' AND ${p.where('cs.establishment_id', 'l.supply_item_id')}
      UNION SELECT establishment_id, supply_item_id FROM stock_in_transit WHERE ${p.where('establishment_id', 'supply_item_id')}
      UNION SELECT requesting_id, supply_item_id FROM stock_pending WHERE ${p.where('requesting_id', 'supply_item_id')}
      UNION SELECT establishment_id, supply_item_id FROM cpm_calculation
             WHERE month <= ${p.month} AND value IS NOT NULL AND ${p.where('establishment_id', 'supply_item_id')}`;
}

/**
 * The positions as one SELECT (columns establishment_id, supply_item_id, on_hand, usable, in_transit,
 * pending_in, pending_out, cpm, cpm_source, min_months, max_months, status[, lots]).
 */
export function positionSql(p: PositionSql): string {
  const omit = new Set(p.omit ?? []);
  const w = p.where;
  const band =
    'unit' in p.band
      ? {
          join: 'LEFT JOIN warehouse wh ON wh.establishment_id = k.establishment_id',
          min: `CASE WHEN wh.establishment_id IS NULL THEN ${p.band.unit.min} ELSE ${p.band.warehouse.min} END`,
          max: `CASE WHEN wh.establishment_id IS NULL THEN ${p.band.unit.max} ELSE ${p.band.warehouse.max} END`,
        }
      : { join: '', min: p.band.min, max: p.band.max };
  const keys = p.keys === 'held' ? heldSql(p) : p.keys;
  return `
    SELECT k.establishment_id, k.supply_item_id,
           ${omit.has('onHand') ? 'NULL::bigint' : 'coalesce(b.on_hand, 0)'} AS on_hand,
           coalesce(b.usable, 0) AS usable,
           ${omit.has('inTransit') ? 'NULL::bigint' : 'coalesce(t.pieces, 0)'} AS in_transit,
           ${omit.has('pending') ? 'NULL::bigint' : 'coalesce(pin.pieces, 0)'} AS pending_in,
           ${omit.has('pending') ? 'NULL::bigint' : 'coalesce(pout.pieces, 0)'} AS pending_out,
           c.cpm, ${omit.has('source') ? 'NULL::text' : 'c.source'} AS cpm_source,
           m.min_months, m.max_months,
           stock_status(coalesce(b.usable, 0)::bigint, c.cpm, m.min_months, m.max_months) AS status
           ${p.lots ? ", coalesce(b.lots, '[]') AS lots" : ''}
      FROM (${keys}) k (establishment_id, supply_item_id)
      LEFT JOIN (
        SELECT b.establishment_id, b.supply_item_id, sum(b.quantity) AS on_hand,
               coalesce(sum(b.quantity) FILTER (WHERE l.expires_on IS NULL OR l.expires_on >= ${p.day}), 0) AS usable
               ${p.lots ? `, ${lotTuplesSql(p.day, p.lots)} AS lots` : ''}
          FROM stock_balance b JOIN lot l ON l.id = b.lot_id
         WHERE ${w('b.establishment_id', 'b.supply_item_id')}
         GROUP BY 1, 2
      ) b ON b.establishment_id = k.establishment_id AND b.supply_item_id = k.supply_item_id
      LEFT JOIN (
        SELECT cs.establishment_id, l.supply_item_id, l.cpm FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id
         WHERE cs.year = ${p.year} AND cs.status = 'RATIFIED' AND ${w('cs.establishment_id', 'l.supply_item_id')}
      ) r ON r.establishment_id = k.establishment_id AND r.supply_item_id = k.supply_item_id
      -- the latest calculation, looked up only where no ratified line is in force
      LEFT JOIN LATERAL (
        SELECT calc.value FROM cpm_calculation calc
         WHERE r.cpm IS NULL AND calc.establishment_id = k.establishment_id AND calc.supply_item_id = k.supply_item_id
           AND calc.month <= ${p.month} AND calc.value IS NOT NULL
         ORDER BY calc.month DESC LIMIT 1
      ) latest ON true
      CROSS JOIN LATERAL (
        SELECT coalesce(r.cpm, latest.value) AS cpm,
               CASE WHEN r.cpm IS NOT NULL THEN 'RATIFIED' WHEN latest.value IS NOT NULL THEN 'CALCULATED' END AS source
      ) c
      ${
        omit.has('inTransit')
          ? ''
          : `LEFT JOIN (SELECT establishment_id, supply_item_id, pieces FROM stock_in_transit WHERE ${w('establishment_id', 'supply_item_id')}) t
         ON t.establishment_id = k.establishment_id AND t.supply_item_id = k.supply_item_id`
      }
      ${
        omit.has('pending')
          ? ''
          : `LEFT JOIN (SELECT requesting_id, supply_item_id, sum(pieces) AS pieces FROM stock_pending WHERE ${w('requesting_id', 'supply_item_id')} GROUP BY 1, 2) pin
         ON pin.requesting_id = k.establishment_id AND pin.supply_item_id = k.supply_item_id
      LEFT JOIN (SELECT supplying_id, supply_item_id, sum(pieces) AS pieces FROM stock_pending WHERE ${w('supplying_id', 'supply_item_id')} GROUP BY 1, 2) pout
         ON pout.supplying_id = k.establishment_id AND pout.supply_item_id = k.supply_item_id`
      }
      ${band.join}
      CROSS JOIN LATERAL (SELECT (${band.min})::numeric AS min_months, (${band.max})::numeric AS max_months) m`;
}
