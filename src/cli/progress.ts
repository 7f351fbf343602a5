import cliProgress from 'cli-progress';
import { ImportSummary } from '../db/importer';
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { countDataRows } from '../base/tabular';
import { csvRecord } from '../domain/spreadsheet-cell';

/**
 * A progress bar on stderr. For a CSV it is sized from a count of the file's lines (a fast byte scan);
 * a workbook is not read twice to size it (the national DGIS one is 25 MB of zipped XML), so its bar
 * counts the rows read.
 */
export async function progressFor(file: string, label: string): Promise<{ tick(n: number): void; stop(): void }> {
  if (extname(file).toLowerCase() === '.xlsx') {
    const bar = new cliProgress.SingleBar(
      { format: `${label} | {value} filas leídas | {duration_formatted}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(0, 0);
    return {
      tick: (n) => bar.update(n),
      stop: () => bar.stop(),
    };
  }
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

/**
 * Every rejected row, and every imported row with something to check (summary.notes), to a CSV a user
 * opens in Excel (UTF-8 with a byte-order mark so accents show; cells neutralised, so nothing a file said
 * becomes a formula): `--rejects FILE.csv`, else `<input name>.rechazos.csv` beside the input file.
 * Written only when there is something to say (or when asked for by name); returns the path written, if any.
 */
export function writeRejections(summary: ImportSummary, input: string, requested: string | undefined): string | null {
  const notes = summary.notes ?? [];
  if (!summary.rejections.length && !notes.length && !requested) return null;
  const path = resolve(requested ?? join(dirname(input), `${basename(input, extname(input))}.rechazos.csv`));
  const lines = [
    csvRecord(['linea', 'clave_o_clues', 'codigo', 'mensaje', 'resultado']),
    ...summary.rejections.map((r) => csvRecord([r.line, r.clues ?? '', r.code, r.message, 'rechazada'])),
    ...notes.map((r) => csvRecord([r.line, r.clues ?? '', r.code, r.message, 'importada; revisar'])),
  ];
  writeFileSync(path, `\uFEFF${lines.join('\r\n')}\r\n`);
  return path;
}

/** The summary on stdout, and every rejection and note in a file the summary names (see writeRejections). */
export function reportImport(summary: ImportSummary, input: string, flags: Map<string, string | true>): void {
  const requested = flags.get('rejects');
  if (requested === true) throw new Error('--rejects necesita el nombre del archivo, p. ej. --rejects rechazos.csv');
  const path = writeRejections(summary, input, requested);
  printSummary(summary, 10);
  if (!path) return;
  const notes = summary.notes?.length ?? 0;
  const what = [
    summary.rejections.length === 0 && notes === 0 ? 'ninguna fila rechazada' : null,
    summary.rejections.length ? `las ${summary.rejections.length} filas rechazadas` : null,
    notes ? `las ${notes} filas importadas con algo que revisar` : null,
  ].filter(Boolean);
  console.log(`${what.join(' y ')}, con su línea y el motivo: ${path}`);
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
  if (summary.notes?.length) {
    const byCode = new Map<string, number>();
    for (const n of summary.notes) byCode.set(n.code, (byCode.get(n.code) ?? 0) + 1);
    console.log(`importadas con algo que revisar: ${[...byCode].map(([code, n]) => `${code} ${n}`).join(' · ')}`);
  }
}
