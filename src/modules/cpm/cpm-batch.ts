import { DataSource } from 'typeorm';
import { storeCpmBatch } from './cpm.queries';

/**
 * The CPM of every operating CLUES × authorised clave of the network for one month, set-based: one SQL
 * statement per chunk of locations (each its own transaction), so a national run reports progress
 * and can be stopped and run again.
 */
export async function runCpmBatch(
  db: DataSource,
  opts: { month: string; lookback?: number; chunkSize?: number; onProgress?(done: number, total: number): void },
): Promise<{ locations: number; calculations: number; withValue: number }> {
  // A closed CLUES (out of operation: a re-keyed unit's old CLUES, say) has no CPM to compute.
  const ids: number[] = (await db.query(`SELECT id FROM establishment WHERE in_network AND operating ORDER BY id`)).map((r: { id: number }) => r.id);
  const chunk = opts.chunkSize ?? 100;
  let calculations = 0;
  for (let i = 0; i < ids.length; i += chunk) {
    calculations += await storeCpmBatch(db, ids.slice(i, i + chunk), `${opts.month}-01`, opts.lookback ?? 6);
    opts.onProgress?.(Math.min(i + chunk, ids.length), ids.length);
  }
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM cpm_calculation WHERE month = $1 AND value IS NOT NULL`, [`${opts.month}-01`]);
  return { locations: ids.length, calculations, withValue: n };
}
