import { DataSource, EntityManager } from 'typeorm';
import { CpmExclusion, CpmMonth } from './cpm.types';
import { authorizedSql } from '../catalog/authorization';

type Db = DataSource | EntityManager;

export interface CpmResult {
  establishmentId: number;
  supplyItemId: number;
  value: number | null;
  monthsKept: number;
  adjustedTotal: number;
  months: CpmMonth[];
}

/**
 * The CPM of (location, clave) pairs for `month` (first day, YYYY-MM-01) through the one SQL
 * definition, cpm_months + cpm_value: per month its inputs, and the value.
 */
const CALCULATION_SQL = `
  SELECT establishment_id AS "establishmentId", supply_item_id AS "supplyItemId",
         cpm_value(array_agg(consumption ORDER BY month), array_agg(stock_out_days ORDER BY month),
                   array_agg(days ORDER BY month), array_agg(excluded_reason IS NULL ORDER BY month)) AS value,
         count(*) FILTER (WHERE excluded_reason IS NULL)::int AS "monthsKept",
         coalesce(sum(round(consumption::numeric * days / (days - stock_out_days), 4)) FILTER (WHERE excluded_reason IS NULL), 0)::float8 AS "adjustedTotal",
         json_agg(json_build_object(
           'month', to_char(month, 'YYYY-MM'), 'consumption', consumption, 'stockOutDays', stock_out_days, 'days', days,
           'adjusted', CASE WHEN excluded_reason IS NULL THEN round(consumption::numeric * days / (days - stock_out_days), 4) END,
           'included', excluded_reason IS NULL, 'excludedReason', excluded_reason) ORDER BY month) AS months
    FROM cpm_months($1::int[], $2::int[], $3::date, $4::int, $5::date[])
   GROUP BY 1, 2`;

export async function calculateCpm(
  db: Db,
  pairs: Array<{ establishmentId: number; supplyItemId: number }>,
  month: string,
  lookback: number,
  excluded: string[],
): Promise<CpmResult[]> {
  const rows: Array<CpmResult & { months: Array<CpmMonth & { adjusted: string | number | null }> }> = await db.query(CALCULATION_SQL, [
    pairs.map((p) => p.establishmentId),
    pairs.map((p) => p.supplyItemId),
    month,
    lookback,
    excluded,
  ]);
  return rows.map((r) => ({
    ...r,
    months: r.months.map((m) => ({ ...m, adjusted: m.adjusted === null ? null : Number(m.adjusted), excludedReason: m.excludedReason as CpmExclusion | null })),
  }));
}

/** The pairs the batch covers for some locations: every clave authorised for the location's level that year (all, at a warehouse). */
const PAIRS_SQL = `
  SELECT e.id AS est, s.id AS item
    FROM establishment e
    JOIN supply_item s ON ${authorizedSql('e', 's', '$2')}
   WHERE e.id = ANY ($1::int[])`;

/** Computes and stores the CPM of every authorised clave at these locations, in one statement. */
export async function storeCpmBatch(db: Db, establishmentIds: number[], month: string, lookback: number): Promise<number> {
  const [{ n }] = await db.query(
    `WITH pairs AS (${PAIRS_SQL}),
          calc AS (${CALCULATION_SQL.replace('cpm_months($1::int[], $2::int[], $3::date, $4::int, $5::date[])',
            'cpm_months((SELECT array_agg(est) FROM pairs), (SELECT array_agg(item) FROM pairs), $3::date, $4::int, ARRAY[]::date[])')})
     , stored AS (
     INSERT INTO cpm_calculation (establishment_id, supply_item_id, month, lookback_months, excluded_months, value, reason, months, computed_at)
     SELECT "establishmentId", "supplyItemId", $3::date, $4, '{}', value, CASE WHEN value IS NULL THEN 'NO_DATA' END, months, now() FROM calc
     ON CONFLICT (establishment_id, supply_item_id, month) DO UPDATE
       SET lookback_months = EXCLUDED.lookback_months, excluded_months = EXCLUDED.excluded_months, value = EXCLUDED.value,
           reason = EXCLUDED.reason, months = EXCLUDED.months, computed_at = EXCLUDED.computed_at
     RETURNING 1)
     SELECT count(*)::int AS n FROM stored`,
    [establishmentIds, Number(month.slice(0, 4)), month, lookback],
  );
  return n;
}
