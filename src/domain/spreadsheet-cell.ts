/**
 * Cells of the CSV and XLSX files Abasto writes. Every writer goes through here, so text that came
 * from a person or a catalogue file (a description such as `=HYPERLINK(...)`) is never read by a
 * spreadsheet as a formula (OWASP "CSV injection").
 */
export type SpreadsheetCell = string | number;

/** First characters that make Excel or LibreOffice read a cell as a formula (or strip to one). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A cell as it is safe to write: text starting with `=`, `+`, `-`, `@`, tab or carriage return gets a
 * leading `'` (OWASP's recommendation); other text and every number are unchanged, so a negative
 * number stays a number (-12), while the text "-12" becomes "'-12".
 */
export function neutralizeCell(value: string): string;
export function neutralizeCell(value: number): number;
export function neutralizeCell(value: SpreadsheetCell): SpreadsheetCell;
export function neutralizeCell(value: SpreadsheetCell): SpreadsheetCell {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

/** One CSV field: neutralized, then in double quotes (inner ones doubled) when it holds a comma, quote, CR or LF. */
export function csvField(value: SpreadsheetCell): string {
  const text = String(neutralizeCell(value));
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record (comma-separated, without the line ending). */
export function csvRecord(cells: readonly SpreadsheetCell[]): string {
  return cells.map(csvField).join(',');
}
