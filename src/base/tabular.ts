import { createReadStream } from 'fs';
import { readFile } from 'fs/promises';
import { extname } from 'path';
import { Readable, pipeline } from 'stream';
import { CsvError, parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { normalizeLabel } from '../domain/text';

/** One data row: `values` has every header column (normalized name → trimmed text, '' when blank). */
export interface TableRow {
  line: number;
  values: Map<string, string>;
}

/** Why an import skipped a row; `message` is shown to the person who ran the import. */
export interface RowRejection {
  line: number;
  clues: string | null;
  code: string;
  message: string;
}

export type TextEncoding = 'utf-8' | 'windows-1252';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const CHUNK_BYTES = 1 << 20;

/**
 * Government spreadsheets come either as UTF-8 or as Excel's "CSV (delimitado por comas)", which is
 * Windows-1252. Bytes that are not valid UTF-8 are almost never an accident of a UTF-8 file, so any
 * invalid sequence means Windows-1252.
 */
export function detectEncoding(buf: Buffer): TextEncoding {
  if (buf.subarray(0, 3).equals(UTF8_BOM)) return 'utf-8';
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    // Chunked so a 200 MB file is never held as one giant string.
    for (let start = 0; start < buf.length; start += CHUNK_BYTES) {
      decoder.decode(buf.subarray(start, start + CHUNK_BYTES), { stream: true });
    }
    decoder.decode();
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/**
 * Required columns missing from a header, compared without regard to case or accents.
 * An entry may list alternatives as `A|B`: it is satisfied when any of them is present.
 */
export function requireColumns(header: string[], required: string[]): string[] {
  const present = new Set(header.map(normalizeLabel));
  return required.filter((entry) => !entry.split('|').some((name) => present.has(normalizeLabel(name))));
}

/**
 * Which worksheet of a workbook holds the table: the first whose name `skip` does not match and whose
 * header has every `required` column (see requireColumns). A workbook where none does is an error that
 * names the sheets it has. The DGIS workbook, say, has CLUES_YYYYMM and HORARIOS_YYYYMM.
 */
export interface SheetChoice {
  required?: string[];
  skip?: RegExp;
}

/** Data rows of a `.csv` or `.xlsx` file, one at a time, with the line a person sees in the file. */
export function readTable(path: string, sheet: SheetChoice = {}): AsyncGenerator<TableRow> {
  switch (extname(path).toLowerCase()) {
    case '.csv':
      return readCsv(path);
    case '.xlsx':
      return readXlsx(path, sheet);
    default:
      throw new Error(`Formato de archivo no soportado: ${path} (se espera .csv o .xlsx)`);
  }
}

/** For a progress bar: exact for xlsx; for CSV the number of lines after the header, blank ones included. */
export async function countDataRows(path: string): Promise<number> {
  if (extname(path).toLowerCase() === '.xlsx') {
    let rows = 0;
    for await (const _row of readXlsx(path, {})) rows++;
    return rows;
  }
  let newlines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) newlines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1];
  }
  const lines = newlines + (last === 0x0a ? 0 : 1);
  return Math.max(0, lines - 1);
}

/** Maps positional values onto the header; null when the row has nothing in any named column. */
function toRow(line: number, header: Array<string | null>, cells: (column: number) => string): TableRow | null {
  const values = new Map<string, string>();
  let empty = true;
  header.forEach((key, column) => {
    if (key === null) return;
    const value = cells(column).trim();
    if (value !== '') empty = false;
    values.set(key, value);
  });
  return empty ? null : { line, values };
}

/** Header cells to map keys; blank and repeated names get no key so the first column of a name wins. */
function headerKeys(cells: string[]): Array<string | null> {
  const seen = new Set<string>();
  return cells.map((cell) => {
    const key = normalizeLabel(cell);
    if (key === '' || seen.has(key)) return null;
    seen.add(key);
    return key;
  });
}

async function* readCsv(path: string): AsyncGenerator<TableRow> {
  const buf = await readFile(path);
  const encoding = detectEncoding(buf);
  const parser = parse({
    delimiter: sniffDelimiter(iconv.decode(buf.subarray(0, 64 * 1024), encoding)),
    // Files edited by hand mix line endings; a lone \r must not glue two rows together.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
  });
  // Feeding the buffer in chunks keeps backpressure, so only a handful of parsed rows exist at a time.
  pipeline(Readable.from(chunks(buf)), iconv.decodeStream(encoding), parser, () => {
    // Errors reach the consumer through the parser's iterator below.
  });

  let header: Array<string | null> | null = null;
  // csv-parse counts both characters of a CRLF inside a quoted field, so its line count drifts by one each time.
  let overcount = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const fields = record.join(' ');
      const breaks = count(fields, /\r\n|\r|\n/g);
      overcount += count(fields, /[\r\n]/g) - breaks;
      // info.lines is where the record ends; a quoted field may span lines and the row starts above.
      const line = info.lines - overcount - breaks;
      if (header === null) {
        if (record.some((field) => field.trim() !== '')) header = headerKeys(record);
        continue;
      }
      const row = toRow(line, header, (column) => record[column] ?? '');
      if (row) yield row;
    }
  } catch (err) {
    if (err instanceof CsvError) {
      throw new Error(`CSV mal formado cerca de la línea ${err.lines}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

function* chunks(buf: Buffer): Generator<Buffer> {
  for (let start = 0; start < buf.length; start += CHUNK_BYTES) yield buf.subarray(start, start + CHUNK_BYTES);
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/** `;` (Excel with a Spanish locale) or tab when the header has more of them than commas. */
function sniffDelimiter(text: string): string {
  const headerLine = text.split(/\r\n|\n|\r/).find((line) => line.trim() !== '') ?? '';
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}

async function* readXlsx(path: string, choice: SheetChoice): AsyncGenerator<TableRow> {
  // The streaming reader keeps memory flat on the 60k-row DGIS workbook; styles are needed to see dates.
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
  });
  // exceljs's stream reader looks the sheet's name up in xl/workbook.xml and fails ("reading 'sheets'")
  // when a zip stores a worksheet before that entry, as some writers do (exceljs's own, depending on
  // timing). An empty model until the real one is read; the sheet then has a name such as "Sheet1".
  Object.assign(workbook, { model: { sheets: [] } });
  const seen: string[] = [];
  for await (const worksheet of workbook) {
    // exceljs's types omit the name its stream reader gives each worksheet
    const name = (worksheet as unknown as { name: string }).name;
    seen.push(name);
    const skipped = choice.skip?.test(name) ?? false;
    let header: Array<string | null> | null = null;
    let chosen = false;
    for await (const row of worksheet) {
      if (skipped) continue; // the rest of a sheet not chosen is read past, not kept
      if (header === null) {
        const cells: string[] = [];
        row.eachCell((cell, column) => {
          cells[column - 1] = cellText(cell.value);
        });
        if (cells.some((cell) => cell.trim() !== '')) {
          header = headerKeys(Array.from(cells, (cell) => cell ?? ''));
          chosen = requireColumns(header.filter((k): k is string => k !== null), choice.required ?? []).length === 0;
        }
        continue;
      }
      if (!chosen) continue;
      const tableRow = toRow(row.number, header, (column) => cellText(row.getCell(column + 1).value));
      if (tableRow) yield tableRow;
    }
    if (chosen) return; // one worksheet holds the table
  }
  if (choice.required?.length)
    throw new Error(`Ninguna hoja de ${path} tiene las columnas ${choice.required.join(', ')} (hojas: ${seen.join(', ') || 'ninguna'})`);
}

/** A cell as the text a person sees: 9 not "9.0", dates as YYYY-MM-DD, rich text as plain text. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value !== 'object') return String(value);
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('hyperlink' in value) return value.text;
  if ('result' in value) return cellText(value.result ?? null);
  // A formula without a cached result or an error value such as #N/A carries no data.
  return '';
}
