import { DataSource, EntityManager } from 'typeorm';
import { readTable, requireColumns, RowRejection, TableRow } from '../base/tabular';

export interface ImportSummary {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Rows left out on purpose (another institution, say), not errors. */
  skipped: number;
  rejections: RowRejection[];
  /**
   * Rows imported with something to check (a presentation whose pieces could not be read, a clave listed
   * twice): reported beside the rejections, never silent. Present only when there is one.
   */
  notes?: RowRejection[];
  /** Known columns the file lacks (`A|B`: any of its names): what is stored for them was left alone. */
  missingColumns?: string[];
}

export interface ImportPlan<T> {
  requiredColumns: string[];
  /** Worksheets of a workbook never to read (the DGIS workbook's HORARIOS_YYYYMM, say). */
  skipSheets?: RegExp;
  /** Optional columns the importer reads; the summary names those the file lacks. */
  knownColumns?: string[];
  /**
   * The columns a file's header requires and the optional ones it reads, when they depend on the header
   * (a catalogue in the Compendio's layout or the project's); else requiredColumns and knownColumns.
   */
  columnsFor?(header: string[]): { required: string[]; known?: string[] };
  mapRow(row: TableRow): { ok: true; value: T; notes?: RowRejection[] } | { ok: false; error: RowRejection };
  /**
   * Two rows with the same key: what to keep, and what to tell the user. Without it the later row
   * replaces the earlier one. Rows are merged within a batch only: a plan with merge reads its whole file
   * as one batch (batchSize).
   */
  merge?(earlier: T, later: T): { value: T; notes: RowRejection[] };
  /** False for rows to leave out without complaint. */
  keep?(value: T): boolean;
  /** The row's natural key: a later row with the same key replaces an earlier one in the batch. */
  keyOf(value: T): string;
  /** Upserts one batch in its transaction; returns how many rows it created and updated. */
  writeBatch(em: EntityManager, rows: T[]): Promise<{ created: number; updated: number }>;
  batchSize?: number;
  onProgress?(rowsRead: number): void;
  /** Write every batch in this caller's transaction instead of one transaction per batch. */
  transaction?: EntityManager;
}

/**
 * Reads a table and upserts it in batches, each batch one transaction: killed halfway, the
 * database holds whole batches only, and running the import again finishes the job (the
 * upserts are idempotent). Bad rows are reported with their line and skipped.
 */
export async function importTable<T>(db: DataSource, file: string, plan: ImportPlan<T>): Promise<ImportSummary> {
  const summary: ImportSummary = { read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, skipped: 0, rejections: [] };
  const batchSize = plan.batchSize ?? 500;
  let batch = new Map<string, T>();
  let checkedHeader = false;

  const flush = async () => {
    if (!batch.size) return;
    const rows = [...batch.values()];
    batch = new Map();
    const { created, updated } = plan.transaction
      ? await plan.writeBatch(plan.transaction, rows)
      : await db.transaction((em) => plan.writeBatch(em, rows));
    summary.created += created;
    summary.updated += updated;
    summary.unchanged += rows.length - created - updated;
  };

  for await (const row of readTable(file, { required: plan.requiredColumns, skip: plan.skipSheets })) {
    if (!checkedHeader) {
      const header = [...row.values.keys()];
      const columns = plan.columnsFor?.(header) ?? { required: plan.requiredColumns, known: plan.knownColumns };
      const missing = requireColumns(header, columns.required);
      if (missing.length) throw new Error(`Faltan columnas obligatorias en ${file}: ${missing.join(', ')}`);
      if (columns.known) summary.missingColumns = requireColumns(header.map((k) => k.replace(/_/g, ' ')), columns.known.map((k) => k.replace(/_/g, ' ')));
      checkedHeader = true;
    }
    summary.read++;
    const mapped = plan.mapRow(row);
    if (!mapped.ok) {
      summary.rejected++;
      summary.rejections.push(mapped.error);
    } else if (plan.keep && !plan.keep(mapped.value)) {
      summary.skipped++;
    } else {
      if (mapped.notes?.length) (summary.notes ??= []).push(...mapped.notes);
      const key = plan.keyOf(mapped.value);
      const earlier = batch.get(key);
      let value = mapped.value;
      if (earlier !== undefined) {
        summary.unchanged++; // two rows, one written: flush counts only the one kept
        if (plan.merge) {
          const merged = plan.merge(earlier, value);
          value = merged.value;
          if (merged.notes.length) (summary.notes ??= []).push(...merged.notes);
        }
      }
      batch.set(key, value);
      if (batch.size >= batchSize) await flush();
    }
    plan.onProgress?.(summary.read);
  }
  await flush();
  return summary;
}

/**
 * A step of an import that must be whole (linking what a file's rows imply, after its batches): in the
 * caller's transaction when given one, else in one of its own. Imports open their transactions here, as
 * mutations do in runMutation (test/unit/write-path.test.ts).
 */
export function importStep<T>(db: DataSource | EntityManager, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return db instanceof DataSource ? db.transaction(work) : work(db);
}
