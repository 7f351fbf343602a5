import { DataSource, EntityManager } from 'typeorm';
import { importTable, ImportSummary } from '../../db/importer';
import { RowRejection, TableRow } from '../../base/tabular';
import { isCluesFormat, normalizeClues } from '../../domain/clues';
import { businessDay } from '../../domain/dates';
import { SaiStatus } from '../../domain/enums';
import { normalizeLabel } from '../../domain/text';
import { isCalendarDate } from '../../base/scalars';

export interface SaiChange {
  line: number;
  clues: string;
  status: SaiStatus;
  effectiveOn: string;
}

/** Status names as the rollout team writes them, English or Spanish, with or without accents. */
const STATUSES = new Map<string, SaiStatus>([
  ['NOT_STARTED', SaiStatus.NOT_STARTED],
  ['NO INICIADO', SaiStatus.NOT_STARTED],
  ['SIN INICIAR', SaiStatus.NOT_STARTED],
  ['IMPLEMENTING', SaiStatus.IMPLEMENTING],
  ['EN IMPLEMENTACION', SaiStatus.IMPLEMENTING],
  ['IMPLEMENTANDO', SaiStatus.IMPLEMENTING],
  ['IN_OPERATION', SaiStatus.IN_OPERATION],
  ['EN OPERACION', SaiStatus.IN_OPERATION],
  ['OPERANDO', SaiStatus.IN_OPERATION],
]);

export const SAI_REQUIRED_COLUMNS = ['CLUES', 'STATUS|ESTATUS', 'EFFECTIVE_ON|FECHA'];

/** A date as ISO (2025-03-01) or as Mexican spreadsheets write it (01/03/2025, day first). */
export function parseSheetDate(value: string): string | null {
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value.trim());
  const iso = dmy ? `${dmy[3]}-${dmy[2].padStart(2, '0')}-${dmy[1].padStart(2, '0')}` : value.trim();
  return isCalendarDate(iso) ? iso : null;
}

export function mapSaiRow(row: TableRow, known: Set<string>, today: string): { ok: true; value: SaiChange } | { ok: false; error: RowRejection } {
  const text = (...columns: string[]) => columns.map((c) => row.values.get(c)).find((v) => v !== undefined && v !== '') ?? '';
  const clues = normalizeClues(text('CLUES'));
  const reject = (code: string, message: string) => ({ ok: false, error: { line: row.line, clues: clues || null, code, message } }) as const;
  if (!isCluesFormat(clues)) return reject('INVALID_CLUES', `CLUES "${text('CLUES')}" con formato inválido`);
  if (!known.has(clues)) return reject('UNKNOWN_CLUES', `No existe la CLUES ${clues} en el registro`);
  const status = STATUSES.get(normalizeLabel(text('STATUS', 'ESTATUS')));
  if (!status) return reject('INVALID_STATUS', `estatus "${text('STATUS', 'ESTATUS')}" desconocido; se espera NOT_STARTED, IMPLEMENTING o IN_OPERATION (o NO INICIADO, EN IMPLEMENTACION, EN OPERACION)`);
  const effectiveOn = parseSheetDate(text('EFFECTIVE_ON', 'FECHA'));
  if (!effectiveOn) return reject('INVALID_DATE', `fecha "${text('EFFECTIVE_ON', 'FECHA')}" inválida; use AAAA-MM-DD o DD/MM/AAAA`);
  if (effectiveOn > today) return reject('DATE_IN_FUTURE', `la fecha ${effectiveOn} es posterior a hoy`);
  return { ok: true, value: { line: row.line, clues, status, effectiveOn } };
}

/**
 * Imports SAI rollout statuses (`clues,status,effective_on`) into the status history, one change per
 * CLUES and date: running it again changes nothing, a corrected row replaces the status of that date.
 */
export async function importSai(db: DataSource, file: string, opts: { actor?: string; onProgress?(rows: number): void } = {}): Promise<ImportSummary> {
  const known = new Set<string>((await db.query('SELECT clues FROM establishment')).map((r: { clues: string }) => r.clues));
  const today = businessDay();
  return importTable<SaiChange>(db, file, {
    requiredColumns: SAI_REQUIRED_COLUMNS,
    mapRow: (row) => mapSaiRow(row, known, today),
    keyOf: (c) => `${c.clues}|${c.effectiveOn}`,
    writeBatch: (em, rows) => writeChanges(em, rows, opts.actor ?? 'import:sai'),
    onProgress: opts.onProgress,
  });
}

async function writeChanges(em: EntityManager, rows: SaiChange[], actor: string): Promise<{ created: number; updated: number }> {
  const result: Array<{ inserted: boolean }> = await em.query(
    `INSERT INTO sai_status_change (establishment_id, status, effective_on, actor)
     SELECT e.id, i.status, i.effective_on, $4 FROM unnest($1::text[], $2::text[], $3::date[]) AS i(clues, status, effective_on)
       JOIN establishment e ON e.clues = i.clues
     ON CONFLICT (establishment_id, effective_on) DO UPDATE SET status = EXCLUDED.status, actor = EXCLUDED.actor, recorded_at = now()
      WHERE sai_status_change.status IS DISTINCT FROM EXCLUDED.status
     RETURNING (xmax = 0) AS inserted`,
    [rows.map((r) => r.clues), rows.map((r) => r.status), rows.map((r) => r.effectiveOn), actor],
  );
  const created = result.filter((r) => r.inserted).length;
  return { created, updated: result.length - created };
}
