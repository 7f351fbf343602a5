import { DataSource } from 'typeorm';
import { REJECTION_REASONS, rejectedColumn } from '../../domain/enums';

export interface FillCheck {
  orders: number;
  differing: string[];
  repaired: boolean;
  /** Summary rows (migration OrderFillSummary) that differ from `order_fill` added up, before any repair. */
  summaryDiffering: number;
}

const MEASURES = ['lines', 'full_lines', 'approved', 'dispatched', 'accepted', 'rejected', ...REJECTION_REASONS.map(rejectedColumn)];
/** Rows whose measures are all zero say nothing; the triggers drop them, and the comparison ignores them on both sides. */
const NONZERO = MEASURES.map((m) => `${m} <> 0`).join(' OR ');

/**
 * Compares the summary with what it must hold (the view `order_fill_summed`, migration
 * OrderFillSummary); with `repair`, rebuilds it from there. Writers of the rollup are
 * held off meanwhile (SHARE lock on order_fill), so the two are compared at one moment.
 */
export async function checkFillSummary(db: DataSource, repair: boolean): Promise<number> {
  return db.transaction(async (em) => {
    await em.query('LOCK TABLE order_fill IN SHARE MODE');
    const [{ n }] = await em.query(`
      SELECT count(*) AS n FROM (
        (SELECT * FROM order_fill_summed WHERE ${NONZERO} EXCEPT ALL SELECT * FROM order_fill_summary WHERE ${NONZERO})
        UNION ALL
        (SELECT * FROM order_fill_summary WHERE ${NONZERO} EXCEPT ALL SELECT * FROM order_fill_summed WHERE ${NONZERO})
      ) d`);
    if (repair && Number(n) > 0) {
      await em.query('DELETE FROM order_fill_summary');
      await em.query('INSERT INTO order_fill_summary SELECT * FROM order_fill_summed');
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
