import { DataSource } from 'typeorm';

export interface FillCheck {
  orders: number;
  differing: string[];
  repaired: boolean;
  /** Summary rows (migration OrderFillSummary) that differ from `order_fill` added up, before any repair. */
  summaryDiffering: number;
}

const SUMMARY_KEYS = 'approved_on, state_code, warehouse_id, supply_kind, "on"';
const SUMMARY_MEASURES = 'lines, full_lines, approved, dispatched, accepted, rejected, r_damaged, r_expired, r_short_shipped, r_wrong_item, r_lost_in_transit, r_other';

/** `order_fill` added up under the summary's keys (rows whose measures are all zero left out, on both sides). */
const SUMMED = `
  SELECT (o.approved_at AT TIME ZONE 'America/Mexico_City')::date AS approved_on, r.state_code, coalesce(o.supplying_id, o.requesting_id) AS warehouse_id,
         f.supply_kind, f."on", ${SUMMARY_MEASURES.split(', ').map((m) => `sum(f.${m})::bigint AS ${m}`).join(', ')}
    FROM order_fill f JOIN supply_order o ON o.id = f.order_id JOIN establishment r ON r.id = o.requesting_id
   GROUP BY 1, 2, 3, 4, 5`;
const NONZERO = SUMMARY_MEASURES.split(', ').map((m) => `${m} <> 0`).join(' OR ');

/**
 * Compares the summary with the rollup it adds up; with `repair`, rebuilds it. Writers of the rollup are
 * held off meanwhile (SHARE lock on order_fill), so the two are compared at one moment.
 */
export async function checkFillSummary(db: DataSource, repair: boolean): Promise<number> {
  return db.transaction(async (em) => {
    await em.query('LOCK TABLE order_fill IN SHARE MODE');
    const [{ n }] = await em.query(`
      WITH summed AS (${SUMMED}), kept AS (SELECT ${SUMMARY_KEYS}, ${SUMMARY_MEASURES} FROM order_fill_summary)
      SELECT count(*) AS n FROM (
        (SELECT * FROM summed WHERE ${NONZERO} EXCEPT ALL SELECT * FROM kept WHERE ${NONZERO})
        UNION ALL
        (SELECT * FROM kept WHERE ${NONZERO} EXCEPT ALL SELECT * FROM summed WHERE ${NONZERO})
      ) d`);
    if (repair && Number(n) > 0) {
      await em.query('DELETE FROM order_fill_summary');
      await em.query(`INSERT INTO order_fill_summary (${SUMMARY_KEYS}, ${SUMMARY_MEASURES}) SELECT * FROM (${SUMMED}) s`);
    }
    return Number(n);
  });
}

/**
 * Recomputes the fill-rate rollup of every approved order from its documents and compares it with
 * what the write use cases left. Batch by batch, each order row is locked the way a writer locks it,
 * so the check never races a dispatch or a receipt. With `repair` the recomputed rows are kept;
 * without it every batch is rolled back and only the differing order numbers are reported.
 */
export async function checkOrderFill(db: DataSource, opts: { repair: boolean; batchSize?: number; onProgress?: (done: number, total: number) => void }): Promise<FillCheck> {
  const ids: number[] = (await db.query(`SELECT id FROM supply_order WHERE approved_at IS NOT NULL OR id IN (SELECT order_id FROM order_fill) ORDER BY id`)).map(
    (r: { id: number }) => r.id,
  );
  const size = opts.batchSize ?? 2000;
  const differing: string[] = [];
  for (let i = 0; i < ids.length; i += size) {
    const batch = ids.slice(i, i + size);
    const runner = db.createQueryRunner();
    await runner.connect();
    let found: string[];
    try {
      await runner.startTransaction('READ COMMITTED');
      await runner.query('SELECT id FROM supply_order WHERE id = ANY ($1::int[]) ORDER BY id FOR UPDATE', [batch]);
      await runner.query('CREATE TEMP TABLE order_fill_before ON COMMIT DROP AS SELECT * FROM order_fill WHERE order_id = ANY ($1::int[])', [batch]);
      await runner.query('SELECT order_fill_refresh($1::int[])', [batch]);
      const rows: Array<{ number: string }> = await runner.query(
        `SELECT DISTINCT o.number FROM (
           (SELECT * FROM order_fill_before EXCEPT ALL SELECT * FROM order_fill WHERE order_id = ANY ($1::int[]))
           UNION ALL
           (SELECT * FROM order_fill WHERE order_id = ANY ($1::int[]) EXCEPT ALL SELECT * FROM order_fill_before)
         ) d JOIN supply_order o ON o.id = d.order_id ORDER BY 1`,
        [batch],
      );
      found = rows.map((r) => r.number);
      if (opts.repair) await runner.commitTransaction();
      else await runner.rollbackTransaction();
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw err;
    } finally {
      await runner.release();
    }
    differing.push(...found);
    opts.onProgress?.(Math.min(i + size, ids.length), ids.length);
  }
  // After the orders: a repair above has already put the summary's share of them right.
  const summaryDiffering = await checkFillSummary(db, opts.repair);
  return { orders: ids.length, differing, summaryDiffering, repaired: opts.repair && (differing.length > 0 || summaryDiffering > 0) };
}
