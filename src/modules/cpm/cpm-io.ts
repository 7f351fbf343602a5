import fs from 'node:fs';
import { ImportSummary } from '../../db/importer';
import { readTable, requireColumns, RowRejection } from '../../base/tabular';
import { normalizeClues } from '../../domain/clues';
import { csvRecord } from '../../domain/spreadsheet-cell';
import { Context } from '../../base/context';
import { UserInputError } from '../../base/errors';
import { propose, update } from './cpm.service';

/**
 * CPM as CSV (`clues,clave,cpm`, optionally `justificacion`). An import goes through the same use
 * cases as the API, per CLUES: the year's submission is proposed from the calculation when there is
 * none, then its lines are set; a CLUES whose lines break a rule (or whose CPM is ratified) is
 * rejected whole, with the reasons, and the rest are kept.
 */
export async function importCpm(ctx: Context, file: string, year: number, onProgress?: (rows: number) => void): Promise<ImportSummary> {
  const summary: ImportSummary = { read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, skipped: 0, rejections: [] };
  const byClues = new Map<string, Array<{ line: number; clave: string; cpm: number; justification: string | null }>>();
  let header = false;
  for await (const row of readTable(file)) {
    if (!header) {
      const missing = requireColumns([...row.values.keys()], ['CLUES', 'CLAVE', 'CPM']);
      if (missing.length) throw new Error(`Faltan columnas en ${file}: ${missing.join(', ')}`);
      header = true;
    }
    summary.read++;
    onProgress?.(summary.read);
    const clues = normalizeClues(row.values.get('CLUES') ?? '');
    const cpm = Number(row.values.get('CPM'));
    if (!Number.isInteger(cpm) || cpm < 0) {
      summary.rejected++;
      summary.rejections.push({ line: row.line, clues, code: 'INVALID_CPM', message: `CPM inválido: ${JSON.stringify(row.values.get('CPM'))}` });
      continue;
    }
    const justification = row.values.get('JUSTIFICACION') || row.values.get('JUSTIFICATION') || null;
    const lines = byClues.get(clues) ?? [];
    lines.push({ line: row.line, clave: (row.values.get('CLAVE') ?? '').trim(), cpm, justification });
    byClues.set(clues, lines);
  }
  for (const [clues, lines] of byClues) {
    try {
      const existing = await ctx.db.query(
        `SELECT 1 FROM cpm_submission s JOIN establishment e ON e.id = s.establishment_id WHERE e.clues = $1 AND s.year = $2`,
        [clues, year],
      );
      if (!existing.length) await propose(ctx, { clues, year });
      await update(ctx, { clues, year, lines });
      if (existing.length) summary.updated += lines.length;
      else summary.created += lines.length;
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      summary.rejected += lines.length;
      for (const e of err.errors) {
        const index = e.field[1] === 'lines' ? Number(e.field[2]) : -1;
        const rejection: RowRejection = { line: lines[index]?.line ?? lines[0].line, clues, code: e.code, message: e.message };
        summary.rejections.push(rejection);
      }
    }
  }
  return summary;
}

/** The year's CPM as CSV rows: ratified submissions only, unless `all`. */
export async function exportCpm(ctx: Context, year: number, file: string | null, all = false): Promise<number> {
  const rows: Array<{ clues: string; clave: string; cpm: number; status: string }> = await ctx.db.query(
    `SELECT e.clues, s.clave, l.cpm, cs.status FROM cpm_submission cs
       JOIN establishment e ON e.id = cs.establishment_id
       JOIN cpm_submission_line l ON l.submission_id = cs.id
       JOIN supply_item s ON s.id = l.supply_item_id
      WHERE cs.year = $1 AND ($2 OR cs.status = 'RATIFIED')
      ORDER BY e.clues, s.clave`,
    [year, all],
  );
  const csv = ['clues,clave,cpm', ...rows.map((r) => csvRecord([r.clues, r.clave, r.cpm]))].join('\n') + '\n';
  if (file) fs.writeFileSync(file, csv);
  else process.stdout.write(csv);
  return rows.length;
}
