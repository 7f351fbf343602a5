import cliProgress from 'cli-progress';
import { ImportSummary } from '../db/importer';
import { countDataRows } from '../base/tabular';

/** A progress bar on stderr sized from a quick count of the file's rows. */
export async function progressFor(file: string, label: string): Promise<{ tick(n: number): void; stop(): void }> {
  const total = await countDataRows(file);
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} filas | {duration_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0);
  return {
    tick: (n) => bar.update(Math.min(n, total)),
    stop: () => {
      bar.update(total);
      bar.stop();
    },
  };
}

export function printSummary(summary: ImportSummary, maxRejections = 50): void {
  console.log(
    `leídas ${summary.read} · creadas ${summary.created} · actualizadas ${summary.updated} · sin cambios ${summary.unchanged} · ` +
      `rechazadas ${summary.rejected} · omitidas ${summary.skipped}`,
  );
  if (summary.missingColumns?.length)
    console.log(`columnas que el archivo no trae (lo guardado para ellas no se tocó): ${summary.missingColumns.map((c) => c.split('|')[0]).join(', ')}`);
  for (const r of summary.rejections.slice(0, maxRejections)) {
    console.log(`  línea ${r.line}${r.clues ? ` (${r.clues})` : ''}: ${r.code} — ${r.message}`);
  }
  if (summary.rejections.length > maxRejections) console.log(`  … y ${summary.rejections.length - maxRejections} rechazos más`);
}
