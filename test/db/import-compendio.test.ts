import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { authorizedSql } from '../../src/modules/catalog/authorization';
import { importAuthorizations } from '../../src/modules/catalog/authorizations-import';
import { importCatalog } from '../../src/modules/catalog/catalog-import';
import { runCpmBatch } from '../../src/modules/cpm/cpm-batch';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * Issue 19, parts 3 and 4: the Compendio Nacional de Insumos medicines export as the Consejo de
 * Salubridad General publishes it, and the institution's list of authorised claves. Rows shaped like the
 * real export: its column names and order, claves with a trailing space, a clave one digit short,
 * claves listed under several therapeutic groups (same text, and different text), a description near
 * the longest real one, and presentations as the Compendio writes them.
 */
const HEADER = [
  'Id',
  'Categoria',
  'Tomo',
  'Grupo Terapéutico',
  'Nombre genérico',
  'Clave',
  'Forma farmacéutica',
  'Fórmula',
  'Presentación y envase',
  'Indicaciones terapéuticas',
  'Vía de administración y dosis',
  'Generalidades',
  'Riesgo en el Embarazo',
  'Efectos adversos',
  'Contraindicaciones y Precauciones',
  'Interacciones',
];
const LONG_FORMULA = `Cada frasco ámpula con liofilizado contiene: ${'Factor antihemofílico humano recombinante (octocog alfa) 250 UI, sacarosa, histidina, cloruro de sodio, cloruro de calcio, polisorbato 80. '.repeat(12)}`.trim();
const MED = 'Medicamentos';
const VACCINES = 'Vacunas, Toxoides, Inmunoglobulinas, Antitoxinas';

/** [group, name, clave, form, formula, presentation]; the file's row is its index + 2. */
const ROWS: string[][] = [
  /* 2 */ ['Analgesia', 'PARACETAMOL', '010.000.0104.00 ', 'TABLETA', 'Cada tableta contiene: Paracetamol 500 mg.', 'Envase con 10 tabletas.'],
  /* 3 */ ['Analgesia', 'PARACETAMOL', '010.000.0106.00', 'SOLUCIÓN ORAL', 'Cada ml contiene: Paracetamol 100 mg.', 'Envase con 15 ml, gotero calibrado a 0.5 y 1 ml, integrado o adjunto al envase que sirve de tapa.'],
  /* 4 */ ['Cardiología', 'ÁCIDO ACETILSALICÍLICO', '010.000.0103.00', 'TABLETA SOLUBLE O EFERVESCENTE', 'Cada tableta soluble o efervescente contiene: Ácido acetilsalicílico 300 mg.', 'Envase con 20 tabletas solubles o efervescentes.'],
  /* 5 */ ['Reumatología y Traumatología', 'PARACETAMOL', '010.000.0104.00', 'TABLETA', 'Cada tableta contiene: Paracetamol 500 mg.', 'Envase con 10 tabletas.'],
  /* 6 */ ['Hematología', 'FACTOR ANTIHEMOFÍLICO HUMANO', '010.000.4238.00', 'SOLUCIÓN INYECTABLE', LONG_FORMULA, 'Envase con un frasco ámpula con liofilizado y un frasco ámpula con 5 ml de diluyente.'],
  /* 7 */ [VACCINES, 'VACUNA BCG', '020.000.3800.00', 'SUSPENSIÓN INYECTABLE', 'Cada dosis de 0.1 ml de la suspensión reconstituida contiene: Bacilo Calmette-Guerin.', 'Envase con frasco ámpula o ampolleta con liofilizado para 5 dosis y ampolletas con diluyente.'],
  /* 8 */ ['Neumología', 'SALBUTAMOL', '040.000.3305.0', 'SUSPENSIÓN EN AEROSOL', 'Cada inhalador contiene: Salbutamol 20 mg.', 'Envase con inhalador con 200 dosis de 100 µg.'],
  /* 9 */ ['Dermatología', 'SALBUTAMOL', '010.000.0429.00', 'SUSPENSIÓN EN AEROSOL', 'Cada inhalador contiene: Salbutamol 20 mg.', 'Envase con inhalador con 200 dosis de 100 µg.'],
  /* 10 */ ['Oncología', 'ÁCIDO ACETILSALICÍLICO', '010.000.0103.00', 'TABLETA SOLUBLE', 'Cada tableta soluble contiene: Ácido acetilsalicílico 300 mg.', 'Envase con 20 tabletas solubles o efervescentes.'],
  /* 11 */ ['Analgesia', 'METAMIZOL SÓDICO', '010.000.0108.00', 'COMPRIMIDO', 'Cada comprimido contiene: Metamizol sódico 500 mg.', 'Envase con 10 o 20 comprimidos.'],
];

const sheetRows = () =>
  ROWS.map(([group, name, clave, form, formula, presentation], i) => [String(i + 1), MED, 'I', group, name, clave, form, formula, presentation, 'Dolor leve o moderado.', 'Oral. Adultos: 250-500 mg cada 4 ó 6 horas.', '', 'B', 'Reacciones de hipersensibilidad.', 'Hipersensibilidad al fármaco.', 'Ninguna de importancia clínica.']);

let tdb: TestDatabase;
let db: DataSource;
let dir: string;
let xlsx: string;
let csv: string;

async function writeXlsx(name: string, rows: string[][]): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Medicamentos');
  sheet.addRow(HEADER);
  for (const r of rows) sheet.addRow(r);
  const file = join(dir, name);
  await workbook.xlsx.writeFile(file);
  return file;
}

function csvLine(cells: string[]): string {
  return cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}

async function items(where = 'true'): Promise<Array<Record<string, unknown>>> {
  return db.query(
    `SELECT clave, description, kind, presentation, pieces_per_package AS pieces, generic_name, pharmaceutical_form AS form,
            therapeutic_groups AS groups, high_cost, cold_chain, authorized_levels AS levels, authorized_typologies AS typologies,
            authorized_from_year AS from_year, authorized_to_year AS to_year
       FROM supply_item WHERE ${where} ORDER BY clave`,
  );
}

async function fullTable(): Promise<string> {
  const rows: Array<{ j: string }> = await db.query('SELECT row_to_json(s)::text AS j FROM supply_item s ORDER BY clave');
  return rows.map((r) => r.j).join('\n');
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.db;
  dir = await mkdtemp(join(tmpdir(), 'abasto-compendio-'));
  xlsx = await writeXlsx('CNIS_medicamentos.xlsx', sheetRows());
  csv = join(dir, 'CNIS_medicamentos.csv');
  await writeFile(csv, '\uFEFF' + [csvLine(HEADER), ...sheetRows().map(csvLine)].join('\r\n') + '\r\n');
  // Before the Compendio: one clave the institution already has, with its own authorisation and flags.
  await db.query(
    `INSERT INTO supply_item (clave, description, kind, presentation, pieces_per_package, high_cost, cold_chain, authorized_levels, authorized_from_year)
     VALUES ('010.000.0104.00', 'Paracetamol 500 mg', 'MEDICINE', 'Caja con 10', 10, false, false, '{FIRST,SECOND}', 2020),
            ('010.000.4238.00', 'Factor VIII', 'MEDICINE', NULL, 1, true, true, '{THIRD}', NULL)`,
  );
}, 60_000);

afterAll(async () => {
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run import:catalog on the Compendio\'s own export', () => {
  let afterFirst: string;

  test('reads the export as published: one clave per clave, the typo rejected, every doubt reported', async () => {
    const r = await importCatalog(db, xlsx);
    expect(r.layout).toBe('COMPENDIO');
    // 10 rows: 1 rejected (line 8), 2 repeats merged into their clave (lines 5 and 10); 7 claves, 2 already stored.
    expect({ read: r.read, created: r.created, updated: r.updated, unchanged: r.unchanged, rejected: r.rejected }).toEqual({ read: 10, created: 5, updated: 2, unchanged: 2, rejected: 1 });
    expect(r.rejections.map((x) => [x.line, x.code, x.message])).toEqual([
      [8, 'INVALID_CLAVE', 'Clave 040.000.3305.0: el último grupo tiene 1 dígitos y debe tener 2; se espera GGG.GGG.GGGG.VV, p. ej. 010.000.0104.00'],
    ]);
    expect(r.notes!.map((x) => [x.line, x.code])).toEqual([
      [5, 'SEVERAL_GROUPS'],
      [10, 'TEXT_DIFFERS'],
      [11, 'PRESENTATION_UNREAD'],
    ]);
    expect(r.notes![1].message).toBe(
      'Clave 010.000.0103.00: listada también en la línea 4 (grupo Oncología) con otro texto (descripción); se conservó el de la línea 4 y se guardan todos sus grupos',
    );
    // the optional columns are all there
    expect(r.missingColumns).toEqual([]);
    afterFirst = await fullTable();
  });

  test('what is stored: the Compendio\'s text and pieces; authorisations and flags only the institution\'s', async () => {
    const rows = await items();
    const by = new Map(rows.map((x) => [x.clave, x]));
    // Existing: text from the Compendio, its levels, flags and years kept.
    expect(by.get('010.000.0104.00')).toEqual({
      clave: '010.000.0104.00',
      description: 'PARACETAMOL. TABLETA. Cada tableta contiene: Paracetamol 500 mg',
      kind: 'MEDICINE',
      presentation: 'Envase con 10 tabletas.',
      pieces: 10,
      generic_name: 'PARACETAMOL',
      form: 'TABLETA',
      groups: ['Analgesia', 'Reumatología y Traumatología'],
      high_cost: false,
      cold_chain: false,
      levels: ['FIRST', 'SECOND'],
      typologies: [],
      from_year: 2020,
      to_year: null,
    });
    const factor = by.get('010.000.4238.00')!;
    expect((factor.description as string).length).toBe(`FACTOR ANTIHEMOFÍLICO HUMANO. SOLUCIÓN INYECTABLE. ${LONG_FORMULA.replace(/\.$/, '')}`.length);
    expect((factor.description as string).length).toBeGreaterThan(1700);
    expect([factor.pieces, factor.high_cost, factor.cold_chain, factor.levels]).toEqual([1, true, true, ['THIRD']]);
    // New: authorised nowhere, not high cost, no cold chain, until the institution's list says so.
    for (const clave of ['010.000.0103.00', '010.000.0106.00', '010.000.0108.00', '010.000.0429.00', '020.000.3800.00']) {
      expect([clave, by.get(clave)!.levels, by.get(clave)!.typologies, by.get(clave)!.high_cost, by.get(clave)!.cold_chain]).toEqual([clave, [], [], false, false]);
    }
    // "Envase con 15 ml, gotero…" is one bottle; the unread "10 o 20 comprimidos" takes 1 as a new clave, reported.
    expect(by.get('010.000.0106.00')!.pieces).toBe(1);
    expect(by.get('010.000.0108.00')!.pieces).toBe(1);
    expect(by.get('010.000.0103.00')!.pieces).toBe(20);
    expect(by.get('010.000.0103.00')!.groups).toEqual(['Cardiología', 'Oncología']);
    expect(by.get('010.000.0103.00')!.description).toBe('ÁCIDO ACETILSALICÍLICO. TABLETA SOLUBLE O EFERVESCENTE. Cada tableta soluble o efervescente contiene: Ácido acetilsalicílico 300 mg');
    expect(by.get('020.000.3800.00')!.kind).toBe('VACCINE');
    expect(by.has('040.000.3305.0')).toBe(false);
  });

  test('a second run, and the same export as CSV (trailing spaces and all), change nothing', async () => {
    const again = await importCatalog(db, xlsx);
    expect([again.created, again.updated, again.unchanged]).toEqual([0, 0, 9]);
    expect(await fullTable()).toBe(afterFirst);
    const asCsv = await importCatalog(db, csv);
    expect([asCsv.layout, asCsv.created, asCsv.updated, asCsv.unchanged, asCsv.rejected]).toEqual(['COMPENDIO', 0, 0, 9, 1]);
    expect(await fullTable()).toBe(afterFirst);
  });

  test('a pieces value fixed by hand survives the next import of a presentation it cannot read', async () => {
    await db.query(`UPDATE supply_item SET pieces_per_package = 20 WHERE clave = '010.000.0108.00'`);
    const r = await importCatalog(db, xlsx);
    expect([r.created, r.updated]).toEqual([0, 0]);
    expect((await items(`clave = '010.000.0108.00'`))[0].pieces).toBe(20);
    await db.query(`UPDATE supply_item SET pieces_per_package = 1 WHERE clave = '010.000.0108.00'`);
  });

  test('--levels authorises the claves the file creates, and only those', async () => {
    const next = await writeXlsx('CNIS_2026.xlsx', [
      ...sheetRows(),
      ['12', MED, 'I', 'Endocrinología', 'METFORMINA', '010.000.5165.00', 'TABLETA', 'Cada tableta contiene: Clorhidrato de metformina 850 mg.', 'Envase con 30 tabletas.', '', '', '', '', '', '', ''],
    ]);
    const r = await importCatalog(db, next, { levelsForNew: ['FIRST' as never, 'SECOND' as never], fromYear: 2026 });
    expect([r.created, r.updated]).toEqual([1, 0]);
    expect(await items(`clave IN ('010.000.5165.00', '010.000.0106.00')`)).toEqual([
      expect.objectContaining({ clave: '010.000.0106.00', levels: [] }),
      expect.objectContaining({ clave: '010.000.5165.00', levels: ['FIRST', 'SECOND'], pieces: 30, from_year: 2026 }),
    ]);
  });

  test('the CLI names the layout, the counts of what to check, and writes rejections and notes to one file for Excel', async () => {
    const { code, stdout, stderr } = await runCli('src/cli/import-catalog.ts', [xlsx], tdb.url);
    expect({ code, stderr: stderr.includes('error') ? stderr : '' }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('formato: exportación del Compendio Nacional de Insumos');
    expect(stdout).toContain('leídas 10 · creadas 0 · actualizadas 0 · sin cambios 9 · rechazadas 1 · omitidas 0');
    expect(stdout).toContain('importadas con algo que revisar: SEVERAL_GROUPS 1 · TEXT_DIFFERS 1 · PRESENTATION_UNREAD 1');
    const file = join(dir, 'CNIS_medicamentos.rechazos.csv');
    expect(stdout).toContain(`las 1 filas rechazadas y las 3 filas importadas con algo que revisar, con su línea y el motivo: ${file}`);
    const rows = parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, '')) as string[][];
    expect(rows.map((x) => [x[0], x[2], x[4]])).toEqual([
      ['linea', 'codigo', 'resultado'],
      ['8', 'INVALID_CLAVE', 'rechazada'],
      ['5', 'SEVERAL_GROUPS', 'importada; revisar'],
      ['10', 'TEXT_DIFFERS', 'importada; revisar'],
      ['11', 'PRESENTATION_UNREAD', 'importada; revisar'],
    ]);
  });
});

describe('npm run import:authorizations: the institution\'s list', () => {
  beforeAll(async () => {
    // Two units of the registry: a rural health centre (typology CSR) and a community hospital (HC).
    await db.query(`
      INSERT INTO establishment (clues, name, state_code, kind, level_of_care, typology_code, typology_name, operating, in_network, in_network_since)
      VALUES ('HGIMB001234', 'CENTRO DE SALUD RURAL SAN JUAN', '13', 'FIXED', 'FIRST', 'CSR', 'RURAL DE 01 NÚCLEO BÁSICO', true, true, '2024-07-18'),
             ('HGIMB009999', 'HOSPITAL COMUNITARIO ZIMAPÁN', '13', 'FIXED', 'SECOND', 'HC', 'HOSPITAL INTEGRAL (COMUNITARIO)', true, true, '2024-07-18')`);
  });

  const LIST = [
    'CLAVE,NIVELES,TIPOLOGIAS,ALTO_COSTO,RED_FRIA,DESDE,HASTA',
    /* 2 */ '010.000.0103.00,1|2,,no,no,2025,',
    /* 3 */ '010.000.0106.00,,CSR,no,no,2025,',
    /* 4 */ '020.000.3800.00,,rural de 01 núcleo básico,no,sí,2025,',
    /* 5 */ '020.000.3800.00,,HC,,,,',
    /* 6 */ '010.000.9999.00,1,,no,no,,',
    /* 7 */ '010.000.0429.00,,CS URBANO,no,no,,',
    /* 8 */ '010.000.0108.00,,,no,no,,',
    /* 9 */ '010.000.0429.00,4,,no,no,,',
    /* 10 */ '010.000.4238.00,3,,sí,sí,2024,2023',
  ];

  test('levels, typologies by code or by name, flags and years; bad rows rejected with their line, none written', async () => {
    const file = join(dir, 'claves_por_tipologia.csv');
    await writeFile(file, LIST.join('\n') + '\n');
    const before = await items(`clave IN ('010.000.0429.00', '010.000.0108.00', '010.000.4238.00')`);
    const r = await importAuthorizations(db, file);
    expect(r.rejections.map((x) => [x.line, x.code])).toEqual([
      [6, 'UNKNOWN_CLAVE'],
      [7, 'UNKNOWN_TYPOLOGY'],
      [8, 'NO_AUTHORIZATION'],
      [9, 'INVALID_LEVELS'],
      [10, 'INVALID_YEAR'],
    ]);
    expect([r.read, r.created, r.updated, r.unchanged, r.rejected]).toEqual([9, 0, 3, 1, 5]);
    expect(await items(`clave IN ('010.000.0103.00', '010.000.0106.00', '020.000.3800.00')`)).toEqual([
      expect.objectContaining({ clave: '010.000.0103.00', levels: ['FIRST', 'SECOND'], typologies: [], high_cost: false, cold_chain: false, from_year: 2025, to_year: null }),
      expect.objectContaining({ clave: '010.000.0106.00', levels: [], typologies: ['CSR'], from_year: 2025 }),
      // two rows, one per typology, add up; the name is stored as its code
      expect.objectContaining({ clave: '020.000.3800.00', levels: [], typologies: ['CSR', 'HC'], cold_chain: true, from_year: 2025 }),
    ]);
    expect(await items(`clave IN ('010.000.0429.00', '010.000.0108.00', '010.000.4238.00')`)).toEqual(before);
    // a second run changes nothing
    const again = await importAuthorizations(db, file);
    expect([again.updated, again.unchanged]).toEqual([0, 4]);
  });

  test('what the authorisation decides: the rural centre may order its typology\'s claves, the hospital not the rural ones', async () => {
    const year = 2026;
    const pairs = async (clues: string) =>
      (
        await db.query(
          `SELECT s.clave FROM establishment e JOIN supply_item s ON ${authorizedSql('e', 's', String(year))}
            WHERE e.clues = $1 ORDER BY s.clave`,
          [clues],
        )
      ).map((x: { clave: string }) => x.clave);
    // CSR, first level: 0104 (FIRST, SECOND since 2020), 0103 (1|2), 0106 (CSR), BCG (CSR); 5165 (--levels 1,2 above)
    expect(await pairs('HGIMB001234')).toEqual(['010.000.0103.00', '010.000.0104.00', '010.000.0106.00', '010.000.5165.00', '020.000.3800.00']);
    // HC, second level: 0103, 0104, 5165 by level; BCG by its typology; not 0106 (CSR only)
    expect(await pairs('HGIMB009999')).toEqual(['010.000.0103.00', '010.000.0104.00', '010.000.5165.00', '020.000.3800.00']);
    // and cpm:batch computes exactly those pairs: nothing for a clave authorised nowhere
    const batch = await runCpmBatch(db, { month: `${year}-01` });
    expect([batch.locations, batch.calculations]).toEqual([2, 5 + 4]);
  });

  test('the CLI: summary, rejections file, and usage', async () => {
    const file = join(dir, 'lista.csv');
    await writeFile(file, LIST.join('\n') + '\n');
    const { code, stdout } = await runCli('src/cli/import-authorizations.ts', [file], tdb.url);
    expect(code).toBe(0);
    expect(stdout).toContain('leídas 9 · creadas 0 · actualizadas 0 · sin cambios 4 · rechazadas 5 · omitidas 0');
    expect(stdout).toContain(`las 5 filas rechazadas, con su línea y el motivo: ${join(dir, 'lista.rechazos.csv')}`);
    const missing = await runCli('src/cli/import-authorizations.ts', [join(dir, 'no.csv')], tdb.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('usage: npm run import:authorizations -- FILE.csv|FILE.xlsx');
  });
});
