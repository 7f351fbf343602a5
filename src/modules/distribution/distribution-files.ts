import ExcelJS from 'exceljs';
import { EntityManager } from 'typeorm';
import { Context } from '../../base/context';
import { UserError, UserInputError } from '../../base/errors';
import { isCalendarDate } from '../../base/scalars';
import { readTable, requireColumns, RowRejection, TableRow } from '../../base/tabular';
import { ImportSummary } from '../../db/importer';
import { claveProblem, isClaveFormat } from '../../domain/clave';
import { isCluesFormat, normalizeClues } from '../../domain/clues';
import { groupBy } from '../../domain/collections';
import { addDays } from '../../domain/dates';
import { LevelOfCare } from '../../domain/enums';
import { csvRecord, neutralizeCell, SpreadsheetCell } from '../../domain/spreadsheet-cell';
import { normalizeLabel } from '../../domain/text';
import type { ExportFormatName } from '../procurement/plan-export';
import { codeField, KitTemplate, KitTemplateCreateInput, Route, RouteUpsertInput } from './distribution.types';
import { createKitTemplate, kitTemplates } from './kits';
import { routesFor, upsertRoute } from './routes';

/**
 * Kits and routes of Rutas de la Salud as spreadsheets (issue 20). The procurement analyst keeps the kits
 * in Excel and logistics (Birmex, Correos de México) sends the routes as CSV or XLSX. A file goes through
 * the API's own use cases, one kit version or one route at a time (createKitTemplate, upsertRoute), so
 * what a file may do is exactly what the mutations allow; a re-run of the same file changes nothing.
 *
 * Kit file, one row per clave of a kit:
 *   KIT, NOMBRE, NIVEL, VIGENTE_DESDE, [VIGENTE_HASTA], CLAVE, PIEZAS_POR_KIT  (DESCRIPCION: read, ignored)
 * Route file, one row per stop:
 *   RUTA, NOMBRE, ALMACEN, TRANSPORTISTA, SEMANA, KIT, PARADA, CLUES
 *
 * In both, a row may leave a kit's or a route's own columns (NOMBRE, NIVEL, VIGENTE_*, ALMACEN…) blank
 * when another row of it says them, as people do when they fill a spreadsheet by hand.
 */

type Db = Pick<EntityManager, 'query'>;

// ---------------------------------------------------------------------------------------------
// Cells

/** A column and the other names it is known by (compared as readTable's headers: upper case, no accents). */
interface Column {
  /** The name the files Abasto writes use, and the one messages name. */
  name: string;
  aliases?: string[];
}

const requirement = (c: Column): string => [c.name, ...(c.aliases ?? [])].join('|');

function cell(row: TableRow, c: Column): string {
  for (const name of [c.name, ...(c.aliases ?? [])]) {
    const v = row.values.get(normalizeLabel(name));
    if (v !== undefined) return v;
  }
  return '';
}

/**
 * Text as the person typed it: the files Abasto writes put a ' before text a spreadsheet would take for a
 * formula (neutralizeCell), and reading one back takes it off again, so an export imports unchanged.
 */
export function restoreCell(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

/** A level of care as people write it: 1, 2, 3, "PRIMER NIVEL", "2do. nivel", "Nivel 3", "tercero", FIRST… */
export function parseLevelOfCare(value: string): LevelOfCare | undefined {
  const words = normalizeLabel(value)
    .replace(/[°º.]/g, '')
    .replace(/\b(NIVEL|DE|ATENCION)\b/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
  if (/^(1|1ER|1ERO|1RO|1O|I|PRIMER|PRIMERO|FIRST)$/.test(words)) return LevelOfCare.FIRST;
  if (/^(2|2DO|2O|II|SEGUNDO|SECOND)$/.test(words)) return LevelOfCare.SECOND;
  if (/^(3|3ER|3ERO|3RO|3O|III|TERCER|TERCERO|THIRD)$/.test(words)) return LevelOfCare.THIRD;
  return undefined;
}

/**
 * A day as it comes from a spreadsheet: AAAA-MM-DD (also what an Excel date cell reads as), DD/MM/AAAA
 * (Excel's CSV with a Mexican locale; - or . also separate), or an Excel serial number in a cell not
 * formatted as a date (45901 is 2025-09-01). null when blank; undefined when it is not a day.
 */
export function parseSheetDate(value: string): string | null | undefined {
  const v = value.trim();
  if (v === '') return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return isCalendarDate(v) ? v : undefined;
  const dmy = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(v);
  if (dmy) {
    const day = `${dmy[3]}-${dmy[2].padStart(2, '0')}-${dmy[1].padStart(2, '0')}`;
    return isCalendarDate(day) ? day : undefined;
  }
  const serial = /^(\d{5})(\.0+)?$/.exec(v);
  if (serial) {
    // Excel's 1900 date system counts from 1899-12-30 (its phantom 1900-02-29 included)
    const day = addDays('1899-12-30', Number(serial[1]));
    return isCalendarDate(day) ? day : undefined;
  }
  return undefined;
}

/** A whole number of at least 1 (Excel may write 10 as 10.0), else undefined. */
function positiveInteger(value: string): number | undefined {
  const m = /^(\d+)(\.0+)?$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

const LEVEL_NUMBER: Record<LevelOfCare, number> = { FIRST: 1, SECOND: 2, THIRD: 3 };
const LEVEL_BY_NUMBER = new Map(Object.entries(LEVEL_NUMBER).map(([level, n]) => [String(n), level as LevelOfCare]));

const lineList = (lines: number[]): string => (lines.length === 1 ? `la línea ${lines[0]}` : `las líneas ${lines.join(', ')}`);

/** A file's code of a kit or route: trimmed and upper-cased as the API does, or why it is not one. */
function parseCode(value: string, column: string): { code: string } | { error: { code: string; message: string } } {
  if (value.trim() === '') return { error: { code: 'REQUIRED', message: `Falta el código en la columna ${column}.` } };
  const parsed = codeField.safeParse(value);
  if (!parsed.success) return { error: { code: 'INVALID_CODE', message: `${column}: ${parsed.error.issues[0].message} Se leyó «${value}».` } };
  return { code: parsed.data };
}

/**
 * The value of a kit's or a route's own column among its rows: the first row that says it; a later row
 * that says something else is an error on that row.
 */
function shared<R extends { line: number; problems: RowRejection[] }>(rows: R[], read: (r: R) => string, column: string, label: string): string {
  let first: R | undefined;
  for (const r of rows) {
    const v = read(r);
    if (v === '') continue;
    if (!first) first = r;
    else if (v !== read(first)) {
      r.problems.push({
        line: r.line,
        clues: null,
        code: 'INCONSISTENT',
        message: `${column} «${v}» distinto del de la línea ${first.line} («${read(first)}»): todas las filas de ${label} llevan el mismo.`,
      });
    }
  }
  return first ? read(first) : '';
}

/**
 * Rows of a kit or a route that was not written: each row's own problems, and every other row the reason
 * (`notSaved`, given the lines with problems), so each line of the file is accounted for.
 */
function rejectAll<R extends { line: number; problems: RowRejection[] }>(
  summary: ImportSummary,
  rows: R[],
  clues: (r: R) => string | null,
  notSaved: (lines: number[]) => { code: string; message: string },
): void {
  const reason = notSaved(rows.filter((r) => r.problems.length).map((r) => r.line));
  for (const r of rows) {
    if (r.problems.length) summary.rejections.push(...r.problems.map((p) => ({ ...p, clues: p.clues ?? clues(r) })));
    else summary.rejections.push({ line: r.line, clues: clues(r), ...reason });
  }
  summary.rejected += rows.length;
}

function emptySummary(): ImportSummary {
  return { read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, skipped: 0, rejections: [] };
}

/** Rows of a file with its columns checked (readTable picks the workbook sheet that has them). */
async function* rowsOf(file: string, columns: Column[]): AsyncGenerator<TableRow> {
  const required = columns.map(requirement);
  let checked = false;
  for await (const row of readTable(file, { required })) {
    if (!checked) {
      const missing = requireColumns([...row.values.keys()], required);
      if (missing.length) throw new Error(`Faltan columnas obligatorias en ${file}: ${missing.map((m) => m.split('|')[0]).join(', ')}`);
      checked = true;
    }
    yield row;
  }
}

function finish<S extends ImportSummary>(summary: S): S {
  summary.rejections.sort((a, b) => a.line - b.line);
  summary.notes?.sort((a, b) => a.line - b.line);
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Kits

export const KIT_FILE = {
  code: { name: 'KIT' },
  name: { name: 'NOMBRE' },
  level: { name: 'NIVEL', aliases: ['NIVEL DE ATENCION', 'NIVEL_DE_ATENCION'] },
  validFrom: { name: 'VIGENTE_DESDE', aliases: ['VIGENTE DESDE'] },
  validTo: { name: 'VIGENTE_HASTA', aliases: ['VIGENTE HASTA'] },
  clave: { name: 'CLAVE' },
  pieces: { name: 'PIEZAS_POR_KIT', aliases: ['PIEZAS POR KIT'] },
  description: { name: 'DESCRIPCION' },
} satisfies Record<string, Column>;

const KIT_REQUIRED: Column[] = [KIT_FILE.code, KIT_FILE.name, KIT_FILE.level, KIT_FILE.validFrom, KIT_FILE.clave, KIT_FILE.pieces];

/** Where a kit's user error points, as the file's column. */
const KIT_FIELD_COLUMN: Record<string, string> = {
  code: KIT_FILE.code.name,
  name: KIT_FILE.name.name,
  levelOfCare: KIT_FILE.level.name,
  validFrom: KIT_FILE.validFrom.name,
  validTo: KIT_FILE.validTo.name,
  pieces: KIT_FILE.pieces.name,
};

interface KitRow {
  line: number;
  code: string;
  name: string;
  levelText: string;
  fromText: string;
  toText: string;
  clave: string;
  pieces: number;
  problems: RowRejection[];
}

export type KitOutcome = 'CREATED' | 'NEW_VERSION' | 'UNCHANGED' | 'REJECTED';

/** What became of one kit version of the file. */
export interface KitImportResult {
  code: string;
  /** VIGENTE_DESDE of the rows (null when they do not say a day). */
  validFrom: string | null;
  /** The version created, or the stored one it equals; null when rejected. */
  version: number | null;
  outcome: KitOutcome;
  lines: number;
}

/** Counts are of rows (kit lines): created for a new code, updated for a new version, as the CLI prints them. */
export interface KitImportSummary extends ImportSummary {
  kits: KitImportResult[];
}

/**
 * Imports a kit file. The rows of a KIT code with one VIGENTE_DESDE make one version, created with
 * createKitTemplate's rules (claves known and authorised for the level, at least one, no clave twice,
 * starting after the code's latest version); rows of a code with several days make one version each, in
 * order (as an export with every version has). A version whose name, level, claves and pieces are those
 * of the stored version of the same day — or, for a day not stored, of the code's latest version — is
 * "sin cambios": nothing is written, and when only the dates differ a note says so. A code with a row
 * the file gets wrong (a clave's format, pieces, level, a day) is not sent at all; a version the service
 * refuses is not created; in both cases every row of it is reported.
 */
export async function importKitTemplates(ctx: Context, file: string, onProgress?: (rows: number) => void): Promise<KitImportSummary> {
  const summary: KitImportSummary = { ...emptySummary(), kits: [] };
  const rows: KitRow[] = [];
  for await (const row of rowsOf(file, KIT_REQUIRED)) {
    summary.read++;
    onProgress?.(summary.read);
    const parsed = kitRow(row);
    if ('error' in parsed) {
      summary.rejected++;
      summary.rejections.push(parsed.error);
    } else rows.push(parsed);
  }
  for (const [code, codeRows] of groupBy(rows, (r) => r.code)) {
    // A row that leaves VIGENTE_DESDE blank belongs to the version of the row above it.
    let previous = '';
    for (const r of codeRows) {
      if (r.fromText === '') r.fromText = previous;
      previous = r.fromText;
    }
    const versions = [...groupBy(codeRows, (r) => parseSheetDate(r.fromText) ?? '')].map(([from, vRows]) => checkKitVersion(code, from, vRows));
    if (codeRows.some((r) => r.problems.length)) {
      rejectAll(summary, codeRows, (r) => r.clave || null, (lines) => ({
        code: 'KIT_NOT_CREATED',
        message: `El kit ${code} no se creó: corrija ${lineList(lines)} del archivo.`,
      }));
      summary.kits.push({ code, validFrom: null, version: null, outcome: 'REJECTED', lines: codeRows.length });
      continue;
    }
    versions.sort((a, b) => (a.input.validFrom ?? '').localeCompare(b.input.validFrom ?? ''));
    for (const v of versions) summary.kits.push(await importKitVersion(ctx, summary, v.input, v.rows));
  }
  return finish(summary);
}

function kitRow(row: TableRow): KitRow | { error: RowRejection } {
  const clave = cell(row, KIT_FILE.clave).trim();
  const code = parseCode(cell(row, KIT_FILE.code), KIT_FILE.code.name);
  if ('error' in code) return { error: { line: row.line, clues: clave || null, ...code.error } };
  const r: KitRow = {
    line: row.line,
    code: code.code,
    name: restoreCell(cell(row, KIT_FILE.name)).trim(),
    levelText: cell(row, KIT_FILE.level),
    fromText: cell(row, KIT_FILE.validFrom),
    toText: cell(row, KIT_FILE.validTo),
    clave,
    pieces: 0,
    problems: [],
  };
  const problem = (code: string, message: string) => r.problems.push({ line: row.line, clues: clave || null, code, message });
  if (!isClaveFormat(clave)) problem('INVALID_CLAVE', `${KIT_FILE.clave.name} «${clave}»: ${claveProblem(clave)}.`);
  const pieces = positiveInteger(cell(row, KIT_FILE.pieces));
  if (pieces === undefined) {
    problem('INVALID_PIECES', `${KIT_FILE.pieces.name} «${cell(row, KIT_FILE.pieces)}» no es un número entero de piezas de 1 o más.`);
  } else r.pieces = pieces;
  if (r.levelText !== '' && !parseLevelOfCare(r.levelText)) {
    problem('INVALID_LEVEL', `${KIT_FILE.level.name} «${r.levelText}» no es un nivel de atención: use 1, 2 o 3 (o PRIMER, SEGUNDO, TERCER NIVEL).`);
  }
  for (const [text, column] of [[r.fromText, KIT_FILE.validFrom.name], [r.toText, KIT_FILE.validTo.name]] as const) {
    if (parseSheetDate(text) === undefined) problem('INVALID_DATE', `${column} «${text}» no es una fecha: use AAAA-MM-DD o DD/MM/AAAA.`);
  }
  return r;
}

/** One version's input from its rows; rows that disagree on the kit's own columns get a problem. */
function checkKitVersion(code: string, from: string, rows: KitRow[]): { input: KitTemplateCreateInput; rows: KitRow[] } {
  const label = `la versión del kit ${code}${from ? ` del ${from}` : ''}`;
  const name = shared(rows, (r) => r.name, KIT_FILE.name.name, label);
  const levelNumber = (r: KitRow) => {
    const l = parseLevelOfCare(r.levelText);
    return l ? String(LEVEL_NUMBER[l]) : r.levelText;
  };
  const level = LEVEL_BY_NUMBER.get(shared(rows, levelNumber, KIT_FILE.level.name, label));
  const to = shared(rows, (r) => parseSheetDate(r.toText) ?? r.toText, KIT_FILE.validTo.name, label);
  return {
    // what is missing (a name, a level, a day) goes to the service as missing: its message says so
    input: {
      code,
      name,
      levelOfCare: level as LevelOfCare,
      validFrom: (from || undefined) as string,
      validTo: to || null,
      lines: rows.map((r) => ({ clave: r.clave, pieces: r.pieces })),
    },
    rows,
  };
}

/** Same name, level, claves and pieces (the dates aside). */
function sameKit(t: KitTemplate, input: KitTemplateCreateInput): boolean {
  if (t.name !== input.name || t.levelOfCare !== input.levelOfCare || t.lines.length !== input.lines.length) return false;
  const stored = new Map(t.lines.map((l) => [l.clave, l.pieces]));
  return new Set(input.lines.map((l) => l.clave)).size === input.lines.length && input.lines.every((l) => stored.get(l.clave) === l.pieces);
}

async function importKitVersion(ctx: Context, summary: KitImportSummary, input: KitTemplateCreateInput, rows: KitRow[]): Promise<KitImportResult> {
  const result = (outcome: KitOutcome, version: number | null): KitImportResult => ({ code: input.code, validFrom: input.validFrom ?? null, version, outcome, lines: rows.length });
  const stored = await kitTemplates(ctx.db, input.code); // newest first
  if (input.validFrom && input.levelOfCare) {
    const sameDay = stored.find((t) => t.validFrom === input.validFrom);
    const match = sameDay ? (sameKit(sameDay, input) ? sameDay : undefined) : stored[0] && sameKit(stored[0], input) ? stored[0] : undefined;
    if (match) {
      summary.unchanged += rows.length;
      if (match.validFrom !== input.validFrom || (match.validTo ?? null) !== (input.validTo ?? null)) {
        (summary.notes ??= []).push({
          line: rows[0].line,
          clues: null,
          code: 'SAME_AS_STORED',
          message:
            `${input.code}: las claves y piezas son las de su versión ${match.version} (vigente del ${match.validFrom} ${match.validTo ? `al ${match.validTo}` : 'sin fecha de término'}); ` +
            'no se creó otra versión ni cambió su vigencia.',
        });
      }
      return result('UNCHANGED', match.version);
    }
  }
  try {
    const created = await createKitTemplate(ctx, input);
    if (stored.length) summary.updated += rows.length;
    else summary.created += rows.length;
    return result(stored.length ? 'NEW_VERSION' : 'CREATED', created.version);
  } catch (err) {
    if (!(err instanceof UserInputError)) throw err;
    attachErrors(err.errors, rows, KIT_FIELD_COLUMN);
    rejectAll(summary, rows, (r) => r.clave || null, (lines) => ({
      code: 'KIT_NOT_CREATED',
      message: `El kit ${input.code} no se creó: vea ${lineList(lines)}.`,
    }));
    return result('REJECTED', null);
  }
}

/**
 * A use case's user errors on the file's rows: one that points at an item of the list (['input', 'lines',
 * 2, 'clave']) on that item's row, any other on every row; the column it is about named first.
 */
function attachErrors<R extends { line: number; problems: RowRejection[] }>(errors: UserError[], rows: R[], columns: Record<string, string>): void {
  for (const e of errors) {
    const [, field, index, sub] = e.field;
    const item = index !== undefined && /^\d+$/.test(index) ? rows[Number(index)] : undefined;
    const column = columns[sub ?? field];
    const message = column ? `${column}: ${e.message}` : e.message;
    for (const r of item ? [item] : rows) r.problems.push({ line: r.line, clues: null, code: e.code, message });
  }
}

// ---------------------------------------------------------------------------------------------
// Kit export

const KIT_EXPORT_COLUMNS: Array<{ column: Column; width: number }> = [
  { column: KIT_FILE.code, width: 14 },
  { column: KIT_FILE.name, width: 32 },
  { column: KIT_FILE.level, width: 7 },
  { column: KIT_FILE.validFrom, width: 14 },
  { column: KIT_FILE.validTo, width: 14 },
  { column: KIT_FILE.clave, width: 17 },
  { column: KIT_FILE.description, width: 50 },
  { column: KIT_FILE.pieces, width: 15 },
];


export interface KitExportQuery {
  /** One code's versions; all codes when null. */
  code?: string | null;
  /** Every version, ended ones too; else those in force on `today` or starting later. */
  allVersions?: boolean | null;
  today: string;
}

export interface KitExportFile {
  filename: string;
  mimeType: string;
  content: Buffer;
  /** Data rows: kit lines. */
  rows: number;
  versions: number;
}

/** The versions an export holds, by code and then version (oldest first, the order an import needs). */
export async function kitVersionsToExport(db: Db, q: KitExportQuery): Promise<KitTemplate[]> {
  let code: string | null = null;
  if (q.code != null && q.code.trim() !== '') {
    const parsed = codeField.safeParse(q.code);
    if (!parsed.success) return [];
    code = parsed.data;
  }
  const all = await kitTemplates(db, code);
  return all
    .filter((t) => q.allVersions || t.validTo === null || t.validTo >= q.today)
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.version - b.version));
}

/**
 * Kit versions as XLSX or CSV in the import's layout, one row per clave, with DESCRIPCION to read by
 * (the import ignores it): exported, edited in Excel and imported again, what was not edited is "sin
 * cambios". By default the versions not yet ended (in force today, or to start later); every version with
 * allVersions. Text anyone typed (a kit's name, a description) never becomes a formula (neutralizeCell).
 */
export async function kitTemplatesFile(db: Db, q: KitExportQuery, format: ExportFormatName): Promise<KitExportFile> {
  const versions = await kitVersionsToExport(db, q);
  const ids = [...new Set(versions.flatMap((v) => v.lines.map((l) => l.supplyItemId)))];
  const items: Array<{ id: number; description: string }> = ids.length ? await db.query('SELECT id, description FROM supply_item WHERE id = ANY ($1::int[])', [ids]) : [];
  const description = new Map(items.map((i) => [i.id, i.description]));
  const table = versions.flatMap((v) =>
    v.lines.map((l) => ({
      KIT: v.code,
      NOMBRE: v.name,
      NIVEL: LEVEL_NUMBER[v.levelOfCare],
      VIGENTE_DESDE: v.validFrom,
      VIGENTE_HASTA: v.validTo ?? '',
      CLAVE: l.clave,
      DESCRIPCION: description.get(l.supplyItemId) ?? '',
      PIEZAS_POR_KIT: l.pieces,
    })),
  );
  const header = KIT_EXPORT_COLUMNS.map((c) => c.column.name);
  const parsedCode = q.code ? codeField.safeParse(q.code) : null;
  const base = `kits${parsedCode?.success ? `-${parsedCode.data}` : ''}${q.allVersions ? '-todas-las-versiones' : ''}-${q.today}`;
  const rows = table.map((r) => header.map((h) => r[h as keyof typeof r] as SpreadsheetCell));
  if (format === 'CSV') {
    // UTF-8 with a BOM so Excel shows the accents; text that reads as a formula gets a leading '.
    const text = '\uFEFF' + [csvRecord(header), ...rows.map((r) => csvRecord(r))].join('\r\n') + '\r\n';
    return { filename: `${base}.csv`, mimeType: 'text/csv; charset=utf-8', content: Buffer.from(text, 'utf8'), rows: rows.length, versions: versions.length };
  }
  const book = new ExcelJS.Workbook();
  book.creator = 'Abasto';
  const sheet = book.addWorksheet('Kits', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = KIT_EXPORT_COLUMNS.map((c) => ({ header: c.column.name, width: c.width }));
  const dateColumns = new Set([header.indexOf(KIT_FILE.validFrom.name), header.indexOf(KIT_FILE.validTo.name)]);
  for (const r of rows) {
    // Days as date cells (Excel sorts and filters them as dates; the import reads them back); every other
    // cell a plain value, never `{ formula }`, text neutralized.
    sheet.addRow(r.map((v, i) => (dateColumns.has(i) && typeof v === 'string' && v !== '' ? new Date(`${v}T00:00:00Z`) : neutralizeCell(v))));
  }
  for (const i of dateColumns) sheet.getColumn(i + 1).numFmt = 'yyyy-mm-dd';
  sheet.getRow(1).font = { bold: true };
  const notes = book.addWorksheet('Instrucciones');
  notes.columns = [{ width: 120 }];
  for (const line of [
    'Kits de Rutas de la Salud: una fila por clave de cada kit. Se importa con npm run import:kits -- ARCHIVO.',
    'KIT: código (mayúsculas, dígitos, - y _). NIVEL: 1, 2 o 3. VIGENTE_DESDE y VIGENTE_HASTA: fechas (VIGENTE_HASTA vacía: sin fecha de término).',
    'Para cambiar un kit, cambie sus claves o piezas y ponga en VIGENTE_DESDE un día posterior al de la versión que reemplaza: se crea una versión nueva y la anterior termina el día antes.',
    'Un kit cuyas claves y piezas no cambiaron no crea versión nueva. DESCRIPCION es solo para leer: la importación no la usa.',
  ]) notes.addRow([neutralizeCell(line)]);
  return {
    filename: `${base}.xlsx`,
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    content: Buffer.from(await book.xlsx.writeBuffer()),
    rows: rows.length,
    versions: versions.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Routes

export const ROUTE_FILE = {
  code: { name: 'RUTA' },
  name: { name: 'NOMBRE' },
  warehouse: { name: 'ALMACEN', aliases: ['CLUES_ALMACEN', 'CLUES ALMACEN', 'CLUES DEL ALMACEN'] },
  carrier: { name: 'TRANSPORTISTA' },
  week: { name: 'SEMANA', aliases: ['SEMANA_DE_ENTREGA', 'SEMANA DE ENTREGA'] },
  kit: { name: 'KIT' },
  position: { name: 'PARADA' },
  clues: { name: 'CLUES' },
} satisfies Record<string, Column>;

const ROUTE_REQUIRED: Column[] = Object.values(ROUTE_FILE);

const ROUTE_FIELD_COLUMN: Record<string, string> = {
  code: ROUTE_FILE.code.name,
  name: ROUTE_FILE.name.name,
  warehouseClues: ROUTE_FILE.warehouse.name,
  carrier: ROUTE_FILE.carrier.name,
  deliveryWeek: ROUTE_FILE.week.name,
  kitTemplateCode: ROUTE_FILE.kit.name,
};

interface RouteRow {
  line: number;
  code: string;
  name: string;
  warehouse: string;
  carrier: string;
  week: string;
  kit: string;
  position: number;
  clues: string;
  problems: RowRejection[];
}

export type RouteOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'REJECTED';

export interface RouteImportSummary extends ImportSummary {
  routes: Array<{ code: string; outcome: RouteOutcome; stops: number }>;
}

type Attempt = { outcome: Exclude<RouteOutcome, 'REJECTED'> } | { outcome: 'REJECTED'; errors: UserError[] };

/**
 * Imports a route file: the rows of a RUTA are one routeUpsert, its stops in PARADA order. A PARADA twice
 * in a route is an error (which stop goes first?); numbers that skip (1, 2, 5) are kept in their order and
 * noted. A route equal to the stored one (name, warehouse, carrier, week, kit and stops in order) is "sin
 * cambios" and not written. A route refused only because a unit is on another route of the kit is tried
 * again once the file's other routes are in, so a file that moves a unit between two routes needs no
 * particular order.
 */
export async function importRoutes(ctx: Context, file: string, onProgress?: (rows: number) => void): Promise<RouteImportSummary> {
  const summary: RouteImportSummary = { ...emptySummary(), routes: [] };
  const rows: RouteRow[] = [];
  for await (const row of rowsOf(file, ROUTE_REQUIRED)) {
    summary.read++;
    onProgress?.(summary.read);
    const parsed = routeRow(row);
    if ('error' in parsed) {
      summary.rejected++;
      summary.rejections.push(parsed.error);
    } else rows.push(parsed);
  }
  // every route of the file, in its order; those with a problem of the file's are not sent
  const routes: Array<{ code: string; rows: RouteRow[]; input: RouteUpsertInput; attempt: Attempt | null }> = [];
  for (const [code, routeRows] of groupBy(rows, (r) => r.code)) {
    const label = `la ruta ${code}`;
    const week = shared(routeRows, (r) => r.week, ROUTE_FILE.week.name, label);
    const sorted = [...routeRows].sort((a, b) => a.position - b.position || a.line - b.line);
    sorted.forEach((r, i) => {
      if (i === 0 || r.problems.length || r.position !== sorted[i - 1].position) return;
      const first = sorted.find((s) => s.position === r.position)!;
      r.problems.push({
        line: r.line,
        clues: r.clues,
        code: 'DUPLICATE_POSITION',
        message: `${ROUTE_FILE.position.name} ${r.position} repetida en la ruta ${code}: también en la línea ${first.line}. Cada parada lleva su propio número.`,
      });
    });
    const input: RouteUpsertInput = {
      code,
      name: shared(routeRows, (r) => r.name, ROUTE_FILE.name.name, label),
      warehouseClues: shared(routeRows, (r) => r.warehouse, ROUTE_FILE.warehouse.name, label),
      carrier: shared(routeRows, (r) => r.carrier, ROUTE_FILE.carrier.name, label),
      // a week that is not a number is the row's problem (routeRow); one outside 1–5, or none, the service's
      deliveryWeek: (week === '' ? undefined : Number(week)) as number,
      kitTemplateCode: shared(routeRows, (r) => r.kit, ROUTE_FILE.kit.name, label),
      stops: sorted.map((r) => r.clues),
    };
    routes.push({ code, rows: sorted, input, attempt: routeRows.some((r) => r.problems.length) ? { outcome: 'REJECTED', errors: [] } : null });
  }

  let pending = routes.filter((r) => r.attempt === null);
  for (;;) {
    let wrote = false;
    for (const route of pending) {
      route.attempt = await saveRoute(ctx, route.input);
      if (route.attempt.outcome === 'CREATED' || route.attempt.outcome === 'UPDATED') wrote = true;
    }
    const retry = pending.filter((r) => r.attempt!.outcome === 'REJECTED' && (r.attempt as { errors: UserError[] }).errors.every((e) => e.code === 'ALREADY_ON_ROUTE'));
    if (!wrote || !retry.length) break;
    pending = retry;
  }

  for (const route of routes) {
    const a = route.attempt!;
    const n = route.rows.length;
    summary.routes.push({ code: route.code, outcome: a.outcome, stops: n });
    if (a.outcome === 'REJECTED') {
      attachErrors(a.errors, route.rows, ROUTE_FIELD_COLUMN);
      const sent = a.errors.length > 0;
      rejectAll(summary, route.rows, (r) => r.clues || null, (lines) => ({
        code: 'ROUTE_NOT_SAVED',
        message: sent ? `La ruta ${route.code} no se guardó: vea ${lineList(lines)}.` : `La ruta ${route.code} no se guardó: corrija ${lineList(lines)} del archivo.`,
      }));
      continue;
    }
    if (a.outcome === 'CREATED') summary.created += n;
    else if (a.outcome === 'UPDATED') summary.updated += n;
    else summary.unchanged += n;
    if (route.rows.some((r, i) => r.position !== i + 1)) {
      (summary.notes ??= []).push({
        line: Math.min(...route.rows.map((r) => r.line)),
        clues: null,
        code: 'POSITION_GAP',
        message: `Las paradas de la ruta ${route.code} no van de 1 en 1 (${route.rows.map((r) => r.position).join(', ')}): se guardaron en ese orden como 1 a ${n}.`,
      });
    }
  }
  return finish(summary);
}

function routeRow(row: TableRow): RouteRow | { error: RowRejection } {
  const clues = normalizeClues(cell(row, ROUTE_FILE.clues));
  const code = parseCode(cell(row, ROUTE_FILE.code), ROUTE_FILE.code.name);
  if ('error' in code) return { error: { line: row.line, clues: clues || null, ...code.error } };
  const r: RouteRow = {
    line: row.line,
    code: code.code,
    name: restoreCell(cell(row, ROUTE_FILE.name)).trim(),
    warehouse: normalizeClues(cell(row, ROUTE_FILE.warehouse)),
    carrier: restoreCell(cell(row, ROUTE_FILE.carrier)).trim(),
    week: cell(row, ROUTE_FILE.week).replace(/\.0+$/, ''),
    kit: cell(row, ROUTE_FILE.kit).trim().toUpperCase(),
    position: 0,
    clues,
    problems: [],
  };
  const problem = (code: string, message: string) => r.problems.push({ line: row.line, clues: clues || null, code, message });
  const position = positiveInteger(cell(row, ROUTE_FILE.position));
  if (position === undefined) problem('INVALID_POSITION', `${ROUTE_FILE.position.name} «${cell(row, ROUTE_FILE.position)}» no es un número de parada (1, 2, 3…).`);
  else r.position = position;
  if (!isCluesFormat(clues)) {
    problem('INVALID_CLUES', `${ROUTE_FILE.clues.name} «${clues}»: formato inválido; se esperan 2 letras de entidad, 3 de institución y 6 dígitos (p. ej. GRSSA000001).`);
  }
  if (r.warehouse !== '' && !isCluesFormat(r.warehouse)) {
    problem('INVALID_CLUES', `${ROUTE_FILE.warehouse.name} «${r.warehouse}»: formato inválido; se esperan 2 letras de entidad, 3 de institución y 6 dígitos (p. ej. GRSSA000010).`);
  }
  if (r.week !== '' && !/^\d+$/.test(r.week)) problem('INVALID_WEEK', `${ROUTE_FILE.week.name} «${r.week}» no es una semana del mes: use 1 a 5.`);
  return r;
}

function sameRoute(stored: Route, input: RouteUpsertInput): boolean {
  return (
    stored.name === input.name &&
    stored.warehouseClues === input.warehouseClues &&
    stored.carrier === input.carrier &&
    stored.deliveryWeek === input.deliveryWeek &&
    stored.kitTemplateCode === input.kitTemplateCode &&
    stored.stops.length === input.stops.length &&
    stored.stops.every((s, i) => s.clues === input.stops[i])
  );
}

async function saveRoute(ctx: Context, input: RouteUpsertInput): Promise<Attempt> {
  const [stored] = await routesFor(ctx, { code: input.code });
  if (stored && sameRoute(stored, input)) return { outcome: 'UNCHANGED' };
  try {
    await upsertRoute(ctx, input);
    return { outcome: stored ? 'UPDATED' : 'CREATED' };
  } catch (err) {
    if (!(err instanceof UserInputError)) throw err;
    return { outcome: 'REJECTED', errors: err.errors };
  }
}
