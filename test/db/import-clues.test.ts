import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { DataSource } from 'typeorm';
import { ImportSummary } from '../../src/db/importer';
import { importClues } from '../../src/modules/registry/clues-import';
import { runCli as runCliScript } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';

const ROOT = resolve(__dirname, '../..');
const INSTITUTIONS = { institutions: ['SSA', 'IMB'] };

let tdb: TestDatabase;
let db: DataSource;
let dir: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.db;
  dir = await mkdtemp(join(tmpdir(), 'abasto-import-clues-'));
});

afterAll(async () => {
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Empties the registry (this file records no stock; the ledger itself can never be truncated). */
async function emptyRegistry(): Promise<void> {
  await db.query('UPDATE establishment SET supplying_warehouse_id = NULL');
  await db.query('DELETE FROM sai_status_change');
  await db.query('DELETE FROM warehouse');
  await db.query('DELETE FROM establishment');
  for (const table of ['establishment', 'warehouse', 'sai_status_change']) await db.query(`ALTER TABLE ${table} ALTER COLUMN id RESTART`);
}

/** The columns a test cares about, in plain JS types. */
async function establishments(where = 'true', params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  return db.query(
    `SELECT clues, name, state_code, municipality, jurisdiction, establishment_type, kind, level_of_care,
            typology_code, typology_name, operating, in_network, in_network_since::text AS in_network_since,
            supplying_warehouse_id, latitude::float8 AS latitude, longitude::float8 AS longitude
       FROM establishment WHERE ${where} ORDER BY clues`,
    params,
  );
}

/** Every column of every row, timestamps included, as PostgreSQL renders them. */
async function fullTable(): Promise<string[]> {
  const rows: Array<{ j: string }> = await db.query('SELECT row_to_json(e)::text AS j FROM establishment e ORDER BY clues');
  return rows.map((r) => r.j);
}

/** Every column except those a fresh import necessarily makes differently (identity and timestamps). */
async function contentWithoutIdentity(): Promise<string[]> {
  const rows: Array<{ j: string }> = await db.query(
    `SELECT (to_jsonb(e) - 'id' - 'created_at' - 'updated_at')::text AS j FROM establishment e ORDER BY clues`,
  );
  return rows.map((r) => r.j);
}

async function count(sql = 'SELECT count(*)::int AS n FROM establishment', params: unknown[] = []): Promise<number> {
  const [{ n }] = await db.query(sql, params);
  return n;
}

function summary(counts: Omit<ImportSummary, "rejections">, rejections: Array<[number, string | null, string]> = []): ImportSummary & { succession: unknown } {
  return {
    missingColumns: expect.any(Array),
    succession: { linked: [], ambiguous: [], unmatched: [], rejected: [] },
    ...counts,
    rejections: rejections.map(([line, clues, code]) => ({ line, clues, code, message: expect.any(String) })),
  };
}

// ---------------------------------------------------------------------------------------------
// 1. DGIS CSV exported by Excel: Windows-1252, CRLF, headers in every case, an unknown column.

const HEADER = [
  'clues',
  'Clave de la Institución',
  'nombre de la institución',
  'CLAVE DE LA ENTIDAD',
  'Entidad',
  'municipio',
  'Jurisdicción',
  'Nombre Tipo Establecimiento',
  'clave de tipología',
  'Nombre de Tipología',
  'NOMBRE DE LA UNIDAD',
  'Estatus de Operación',
  'Nivel Atención',
  'latitud',
  'LONGITUD',
  'TELEFONO',
].join(',');

const SSA = 'SSA,SECRETARÍA DE SALUD';
const IMB = 'IMB,IMSS-BIENESTAR';
const CONSULTA = 'DE CONSULTA EXTERNA';
const EN_OPERACION = 'EN OPERACIÓN';

/** Line numbers as a person sees them in the file (header = line 1, the blank line counts). */
const DGIS_LINES = [
  HEADER,
  /* 2 */ `GRSSA000101,${SSA},12,GUERRERO,Chilpancingo de los Bravo,Centro,${CONSULTA},CSR,CENTRO DE SALUD RURAL,Centro de Salud Señor de la Peña,${EN_OPERACION},PRIMER NIVEL,17.5506,-99.5058,747 471 0000`,
  /* 3 */ `GRIMB000202,${IMB},12,GUERRERO,Acapulco de Juárez,Acapulco,DE HOSPITALIZACIÓN,HG,HOSPITAL GENERAL,"Hospital General ""Dr. Donato G. Alarcón""",${EN_OPERACION},SEGUNDO NIVEL,16.8634,-99.8901,`,
  /* 4 */ `grist000808,IST,ISSSTE,12,GUERRERO,Iguala de la Independencia,Norte,${CONSULTA},UMF,UNIDAD DE MEDICINA FAMILIAR,Unidad de Medicina Familiar Iguala,${EN_OPERACION},PRIMER NIVEL,18.34,-99.54,`,
  /* 5 */ `GRSSA12345,${SSA},12,GUERRERO,Taxco de Alarcón,Norte,${CONSULTA},CSR,CENTRO DE SALUD RURAL,Centro de Salud Taxco,${EN_OPERACION},PRIMER NIVEL,,,`,
  /* 6 */ `OCSSA000303,${SSA},20,OAXACA,Oaxaca de Juárez,Valles Centrales,DE APOYO,ALM,ALMACÉN,Almacén Estatal de Oaxaca,${EN_OPERACION},NO APLICA,17.0732,-96.7266,951 000 0000`,
  /* 7 */ '',
  /* 8 */ `OCSSA000404,${SSA},20,OAXACA,Huautla de Jiménez,Cañada,${CONSULTA},UMM,UNIDAD MÓVIL,Unidad Médica Móvil Sierra Mazateca,${EN_OPERACION},PRIMER NIVEL,,,`,
  /* 9 */ `OCSSA001010,${SSA},12,GUERRERO,Tlapa de Comonfort,Montaña,${CONSULTA},CSR,CENTRO DE SALUD RURAL,Centro de Salud Tlapa,${EN_OPERACION},PRIMER NIVEL,,,`,
  /* 10 */ `OCIMB000505,${IMB},20,OAXACA,Teotitlán del Valle,Valles Centrales,${CONSULTA},CSR,CENTRO DE SALUD RURAL,Centro de Salud Teotitlán del Valle,FUERA DE OPERACIÓN,PRIMER NIVEL,17.03,-96.52,`,
  /* 11 */ `OCIMS000909,IMS,INSTITUTO MEXICANO DEL SEGURO SOCIAL,20,OAXACA,Oaxaca de Juárez,Valles Centrales,DE HOSPITALIZACIÓN,HGZ,HOSPITAL GENERAL DE ZONA,HGZ 1 Oaxaca,${EN_OPERACION},SEGUNDO NIVEL,,,`,
  /* 12 */ `GRSSA001111,${SSA},12,GUERRERO,Tixtla,Centro,${CONSULTA},CSR,CENTRO DE SALUD RURAL,   ,${EN_OPERACION},PRIMER NIVEL,,,`,
  /* 13 */ `JCSSA000606,${SSA},14,JALISCO,Cañadas de Obregón,Altos Norte,${CONSULTA},CSU,CENTRO DE SALUD URBANO,Centro de Salud Cañadas de Obregón,${EN_OPERACION},PRIMER NIVEL,21.15,-102.68,`,
  /* 14 */ `JCIMB000707,${IMB},14,JALISCO,Mezquitic,Norte,${CONSULTA},CSR,CENTRO DE SALUD RURAL,Centro de Salud San Andrés Cohamiata,${EN_OPERACION},PRIMER NIVEL,22.19,-104.24,`,
  /* 15 */ `GRSSA001212,${SSA},40,,Zihuatanejo de Azueta,Costa Grande,${CONSULTA},CSR,CENTRO DE SALUD RURAL,Centro de Salud Zihuatanejo,${EN_OPERACION},PRIMER NIVEL,,,`,
];

const DGIS_REJECTIONS: Array<[number, string | null, string]> = [
  [5, 'GRSSA12345', 'INVALID_CLUES'],
  [9, 'OCSSA001010', 'CLUES_STATE_MISMATCH'],
  [12, 'GRSSA001111', 'MISSING_NAME'],
  [15, 'GRSSA001212', 'UNKNOWN_STATE'],
];

const DGIS_ROWS = [
  {
    clues: 'GRIMB000202',
    name: 'Hospital General "Dr. Donato G. Alarcón"',
    state_code: '12',
    municipality: 'Acapulco de Juárez',
    jurisdiction: 'Acapulco',
    establishment_type: 'DE HOSPITALIZACIÓN',
    kind: 'FIXED',
    level_of_care: 'SECOND',
    typology_code: 'HG',
    typology_name: 'HOSPITAL GENERAL',
    operating: true,
    in_network: true,
    in_network_since: '2022-12-31',
    supplying_warehouse_id: null,
    latitude: 16.8634,
    longitude: -99.8901,
  },
  {
    clues: 'GRSSA000101',
    name: 'Centro de Salud Señor de la Peña',
    state_code: '12',
    municipality: 'Chilpancingo de los Bravo',
    jurisdiction: 'Centro',
    establishment_type: CONSULTA,
    kind: 'FIXED',
    level_of_care: 'FIRST',
    typology_code: 'CSR',
    typology_name: 'CENTRO DE SALUD RURAL',
    operating: true,
    in_network: true,
    in_network_since: '2022-12-31',
    supplying_warehouse_id: null,
    latitude: 17.5506,
    longitude: -99.5058,
  },
  {
    // IMSS-BIENESTAR's own unit in a state that did not federalize: in the network, no federalization date.
    clues: 'JCIMB000707',
    name: 'Centro de Salud San Andrés Cohamiata',
    state_code: '14',
    municipality: 'Mezquitic',
    jurisdiction: 'Norte',
    establishment_type: CONSULTA,
    kind: 'FIXED',
    level_of_care: 'FIRST',
    typology_code: 'CSR',
    typology_name: 'CENTRO DE SALUD RURAL',
    operating: true,
    in_network: true,
    in_network_since: null,
    supplying_warehouse_id: null,
    latitude: 22.19,
    longitude: -104.24,
  },
  {
    // The state's own Secretaría de Salud in Jalisco: imported, but not part of the network.
    clues: 'JCSSA000606',
    name: 'Centro de Salud Cañadas de Obregón',
    state_code: '14',
    municipality: 'Cañadas de Obregón',
    jurisdiction: 'Altos Norte',
    establishment_type: CONSULTA,
    kind: 'FIXED',
    level_of_care: 'FIRST',
    typology_code: 'CSU',
    typology_name: 'CENTRO DE SALUD URBANO',
    operating: true,
    in_network: false,
    in_network_since: null,
    supplying_warehouse_id: null,
    latitude: 21.15,
    longitude: -102.68,
  },
  {
    clues: 'OCIMB000505',
    name: 'Centro de Salud Teotitlán del Valle',
    state_code: '20',
    municipality: 'Teotitlán del Valle',
    jurisdiction: 'Valles Centrales',
    establishment_type: CONSULTA,
    kind: 'FIXED',
    level_of_care: 'FIRST',
    typology_code: 'CSR',
    typology_name: 'CENTRO DE SALUD RURAL',
    operating: false,
    in_network: true,
    in_network_since: '2023-06-30',
    supplying_warehouse_id: null,
    latitude: 17.03,
    longitude: -96.52,
  },
  {
    clues: 'OCSSA000303',
    name: 'Almacén Estatal de Oaxaca',
    state_code: '20',
    municipality: 'Oaxaca de Juárez',
    jurisdiction: 'Valles Centrales',
    establishment_type: 'DE APOYO',
    kind: 'SUPPORT',
    level_of_care: null,
    typology_code: 'ALM',
    typology_name: 'ALMACÉN',
    operating: true,
    in_network: true,
    in_network_since: '2023-06-30',
    supplying_warehouse_id: null,
    latitude: 17.0732,
    longitude: -96.7266,
  },
  {
    // Mobile units get no level of care even when the file gives one.
    clues: 'OCSSA000404',
    name: 'Unidad Médica Móvil Sierra Mazateca',
    state_code: '20',
    municipality: 'Huautla de Jiménez',
    jurisdiction: 'Cañada',
    establishment_type: CONSULTA,
    kind: 'MOBILE',
    level_of_care: null,
    typology_code: 'UMM',
    typology_name: 'UNIDAD MÓVIL',
    operating: true,
    in_network: true,
    in_network_since: '2023-06-30',
    supplying_warehouse_id: null,
    latitude: null,
    longitude: null,
  },
];

async function writeWindows1252(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, iconv.encode(lines.join('\r\n') + '\r\n', 'windows-1252'));
  return path;
}

describe('importClues on a Windows-1252 DGIS CSV', () => {
  let file: string;
  let firstRun: ImportSummary;
  let afterFirstRun: string[];

  beforeAll(async () => {
    await emptyRegistry();
    file = await writeWindows1252('dgis-1252.csv', DGIS_LINES);
    // The fixture really is Windows-1252 (ñ is one byte, 0xF1), not UTF-8.
    expect((await readFile(file)).includes(Buffer.from([0xf1]))).toBe(true);
  });

  it('creates the kept rows, skips other institutions and rejects broken rows with their line', async () => {
    firstRun = await importClues(db, file, INSTITUTIONS);
    expect(firstRun).toEqual(
      summary({ read: 13, created: 7, updated: 0, unchanged: 0, rejected: 4, skipped: 2 }, DGIS_REJECTIONS),
    );
    expect(firstRun.read).toBe(firstRun.created + firstRun.updated + firstRun.unchanged + firstRun.rejected + firstRun.skipped);
  });

  it('stores every column decoded, classified and placed in the network', async () => {
    expect(await establishments()).toEqual(DGIS_ROWS);
    // The generated columns agree with the CLUES; the search text folds the decoded accents.
    expect(
      await db.query(`SELECT clues_prefix, institution_code, search_text FROM establishment WHERE clues = 'GRSSA000101'`),
    ).toEqual([{ clues_prefix: 'GR', institution_code: 'SSA', search_text: 'grssa000101 centro de salud senor de la pena' }]);
    afterFirstRun = await fullTable();
    expect(afterFirstRun).toHaveLength(7);
  });

  it('a second run of the same file changes nothing', async () => {
    const secondRun = await importClues(db, file, INSTITUTIONS);
    expect(secondRun).toEqual(
      summary({ read: 13, created: 0, updated: 0, unchanged: firstRun.created, rejected: 4, skipped: 2 }, DGIS_REJECTIONS),
    );
    // Not a single column moved, updated_at included.
    expect(await fullTable()).toEqual(afterFirstRun);
  });

  it('a changed name updates DGIS columns and leaves network membership and routes to Abasto', async () => {
    // Abasto's own decisions, made in between: Jalisco's SSA unit joins the network by agreement and
    // is supplied by the Oaxaca warehouse.
    const [{ id: warehouseId }] = await db.query(
      `INSERT INTO warehouse (establishment_id, tier) SELECT id, 'STATE' FROM establishment WHERE clues = 'OCSSA000303' RETURNING id`,
    );
    await db.query(
      `UPDATE establishment SET in_network = true, in_network_since = '2024-05-01', supplying_warehouse_id = $1
        WHERE clues = 'JCSSA000606'`,
      [warehouseId],
    );
    const before = await fullTable();
    const [{ updated_at: updatedBefore }] = await db.query(`SELECT updated_at FROM establishment WHERE clues = 'JCSSA000606'`);

    const renamed = DGIS_LINES.map((line) =>
      line.startsWith('JCSSA000606,') ? line.replace(',Centro de Salud Cañadas de Obregón,', ',C.S. Cañadas de Obregón (Núcleo Básico 2),') : line,
    );
    expect(renamed).not.toEqual(DGIS_LINES);
    const thirdRun = await importClues(db, await writeWindows1252('dgis-1252-renamed.csv', renamed), INSTITUTIONS);
    expect(thirdRun).toEqual(
      summary({ read: 13, created: 0, updated: 1, unchanged: 6, rejected: 4, skipped: 2 }, DGIS_REJECTIONS),
    );

    expect(await establishments(`clues = 'JCSSA000606'`)).toEqual([
      {
        ...DGIS_ROWS.find((r) => r.clues === 'JCSSA000606'),
        name: 'C.S. Cañadas de Obregón (Núcleo Básico 2)',
        in_network: true,
        in_network_since: '2024-05-01',
        supplying_warehouse_id: warehouseId,
      },
    ]);
    const [{ updated_at: updatedAfter }] = await db.query(`SELECT updated_at FROM establishment WHERE clues = 'JCSSA000606'`);
    expect(updatedAfter.getTime()).toBeGreaterThan(updatedBefore.getTime());
    // Every other row is exactly as before.
    const others = (rows: string[]) => rows.filter((j) => !j.includes('"JCSSA000606"'));
    expect(others(await fullTable())).toEqual(others(before));
    expect(others(before)).toHaveLength(6);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The DGIS workbook (.xlsx) with numeric cells.

describe('a file with older headers, or without some columns, never erases what is stored', () => {
  beforeAll(async () => {
    await emptyRegistry();
    await importClues(db, await writeWindows1252('dgis-full.csv', DGIS_LINES), INSTITUTIONS);
  });

  it('NOMBRE DEL MUNICIPIO and NOMBRE DE LA JURISDICCION (cuts before 2024, open data) are read as MUNICIPIO and JURISDICCION', async () => {
    const older = await writeWindows1252('dgis-older.csv', [
      'CLUES,CLAVE DE LA ENTIDAD,NOMBRE DE LA UNIDAD,NOMBRE DEL MUNICIPIO,NOMBRE DE LA JURISDICCION',
      'GRSSA000101,12,Centro de Salud Señor de la Peña,Chilpancingo,Centro Norte',
    ]);
    const run = await importClues(db, older, INSTITUTIONS);
    expect(run).toMatchObject({ read: 1, updated: 1, rejected: 0 });
    const [row] = await establishments(`clues = 'GRSSA000101'`);
    expect([row.municipality, row.jurisdiction]).toEqual(['Chilpancingo', 'Centro Norte']);
    // what the file did not bring is as the full file left it
    expect(row).toMatchObject({ typology_code: 'CSR', level_of_care: 'FIRST', kind: 'FIXED', operating: true, latitude: 17.5506, longitude: -99.5058 });
    expect(run.missingColumns).toEqual(expect.arrayContaining([expect.stringMatching(/^ESTATUS DE OPERACION/), expect.stringMatching(/^LATITUD/), expect.stringMatching(/^NIVEL ATENCION/)]));
    expect(run.missingColumns).not.toEqual(expect.arrayContaining([expect.stringMatching(/^MUNICIPIO/)]));
  });

  it('a file with only CLUES, name and state changes only the name; the summary names every known column it lacks', async () => {
    const before = await establishments();
    const thin = await writeWindows1252('dgis-thin.csv', ['CLUES,ENTIDAD,NOMBRE DE LA UNIDAD', 'GRIMB000202,GUERRERO,Hospital General de Acapulco', 'OCSSA000404,OAXACA,Unidad Médica Móvil Sierra Mazateca']);
    const run = await importClues(db, thin, INSTITUTIONS);
    expect(run).toMatchObject({ read: 2, updated: 1, unchanged: 1, rejected: 0 });
    expect(run.missingColumns!.map((c) => c.split('|')[0])).toEqual([
      'CLAVE DE LA INSTITUCION', 'NOMBRE DE LA INSTITUCION', 'MUNICIPIO', 'LOCALIDAD', 'JURISDICCION', 'NOMBRE TIPO ESTABLECIMIENTO',
      'CLAVE DE TIPOLOGIA', 'NOMBRE DE TIPOLOGIA', 'ESTATUS DE OPERACION', 'MOTIVO BAJA', 'FECHA EFECTIVA DE BAJA', 'ULTIMO MOVIMIENTO',
      'FECHA ULTIMO MOVIMIENTO', 'NIVEL ATENCION', 'LATITUD', 'LONGITUD',
    ]);
    const after = await establishments();
    expect(after).toEqual(before.map((e) => (e.clues === 'GRIMB000202' ? { ...e, name: 'Hospital General de Acapulco' } : e)));
  });
});

describe('importClues on an XLSX workbook', () => {
  it('reads numeric cells, reports worksheet row numbers and stores the coordinates', async () => {
    await emptyRegistry();
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('CLUES 2025');
    sheet.getRow(1).values = [
      'Clues',
      'clave de la entidad',
      'Nombre de la Unidad',
      'CLAVE DE LA INSTITUCIÓN',
      'Nombre Tipo Establecimiento',
      'Nivel Atención',
      'Latitud',
      'LONGITUD',
    ];
    sheet.getRow(2).values = ['DFSSA004936', 9, 'Almacén Central Fresno', 'SSA', 'DE APOYO', 'NO APLICA', 19.4326, -99.1332];
    sheet.getRow(3).values = ['DFIMB000111', 9, 'Centro de Salud T-III Dr. José Castro Villagrana', 'IMB', 'DE CONSULTA EXTERNA', 'PRIMER NIVEL', 19.2947, -99.1641];
    sheet.getRow(4).values = ['DFSSA000222', 15, 'Hospital General Ajusco Medio', 'SSA', 'DE HOSPITALIZACIÓN', 'SEGUNDO NIVEL', 19.3, -99.2];
    // Row 5 left blank: it is no row at all, and the rows below keep their worksheet numbers.
    sheet.getRow(6).values = ['MCSSA000333', 15, 'Centro de Salud Toluca', 'SSA', 'DE CONSULTA EXTERNA', 1, 19.2826, -99.6557];
    // Latitude and longitude swapped: outside Mexico, so none rather than a unit in the ocean.
    sheet.getRow(7).values = ['MCIMB000444', 15, 'Hospital Comunitario Tejupilco', 'IMB', 'DE HOSPITALIZACIÓN', 2, -100.1, 18.9];
    const file = join(dir, 'dgis.xlsx');
    await workbook.xlsx.writeFile(file);

    const result = await importClues(db, file, INSTITUTIONS);
    expect(result).toEqual(
      summary({ read: 5, created: 4, updated: 0, unchanged: 0, rejected: 1, skipped: 0 }, [[4, 'DFSSA000222', 'CLUES_STATE_MISMATCH']]),
    );
    const rows = await db.query(
      `SELECT clues, state_code, name, kind, level_of_care, in_network, in_network_since::text AS since,
              latitude::text AS latitude, longitude::text AS longitude
         FROM establishment ORDER BY clues`,
    );
    expect(rows).toEqual([
      { clues: 'DFIMB000111', state_code: '09', name: 'Centro de Salud T-III Dr. José Castro Villagrana', kind: 'FIXED', level_of_care: 'FIRST', in_network: true, since: '2023-06-30', latitude: '19.294700', longitude: '-99.164100' },
      { clues: 'DFSSA004936', state_code: '09', name: 'Almacén Central Fresno', kind: 'SUPPORT', level_of_care: null, in_network: true, since: '2023-06-30', latitude: '19.432600', longitude: '-99.133200' },
      { clues: 'MCIMB000444', state_code: '15', name: 'Hospital Comunitario Tejupilco', kind: 'FIXED', level_of_care: 'SECOND', in_network: true, since: '2023-12-31', latitude: null, longitude: null },
      { clues: 'MCSSA000333', state_code: '15', name: 'Centro de Salud Toluca', kind: 'FIXED', level_of_care: 'FIRST', in_network: true, since: '2023-12-31', latitude: '19.282600', longitude: '-99.655700' },
    ]);
  });
});

describe('the national DGIS workbook: the catalogue sheet, not the opening hours', () => {
  it('HORARIOS_YYYYMM first, CLUES_YYYYMM second: the CLUES sheet is read; the hours sheet adds nothing', async () => {
    await emptyRegistry();
    const workbook = new ExcelJS.Workbook();
    // the hours sheet has a row per CLUES with the unit's name and state too, so only its name tells it apart
    const hours = workbook.addWorksheet('HORARIOS_202501');
    hours.getRow(1).values = ['CLUES', 'CLAVE DE LA ENTIDAD', 'NOMBRE DE LA UNIDAD', 'DIA', 'HORA DE APERTURA', 'HORA DE CIERRE'];
    hours.getRow(2).values = ['HGIMB000010', 13, 'Centro de Salud Actopan', 'LUNES', '08:00', '20:00'];
    hours.getRow(3).values = ['HGIMB000999', 13, 'No está en el catálogo', 'LUNES', '08:00', '14:00'];
    const clues = workbook.addWorksheet('CLUES_202501');
    clues.getRow(1).values = ['CLUES', 'CLAVE DE LA ENTIDAD', 'NOMBRE DE LA UNIDAD', 'NOMBRE TIPO ESTABLECIMIENTO'];
    clues.getRow(2).values = ['HGIMB000010', 13, 'Centro de Salud Actopan', 'DE CONSULTA EXTERNA'];
    clues.getRow(3).values = ['HGIMB000020', 13, 'Hospital General Pachuca', 'DE HOSPITALIZACIÓN'];
    const file = join(dir, 'ESTABLECIMIENTO_SALUD_202501.xlsx');
    await workbook.xlsx.writeFile(file);
    expect(await importClues(db, file, INSTITUTIONS)).toMatchObject({ read: 2, created: 2, rejected: 0 });
    expect((await establishments()).map((e) => e.clues)).toEqual(['HGIMB000010', 'HGIMB000020']);
  });

  it('a workbook with no sheet holding the catalogue says which sheets it has, and writes nothing', async () => {
    await emptyRegistry();
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Notas').getRow(1).values = ['Fuente', 'DGIS'];
    workbook.addWorksheet('HORARIOS_202501').getRow(1).values = ['CLUES', 'CLAVE DE LA ENTIDAD', 'NOMBRE DE LA UNIDAD', 'DIA'];
    const file = join(dir, 'sin-catalogo.xlsx');
    await workbook.xlsx.writeFile(file);
    await expect(importClues(db, file, INSTITUTIONS)).rejects.toThrow(/Ninguna hoja de .*sin-catalogo\.xlsx tiene las columnas CLUES, .* \(hojas: Notas, HORARIOS_202501\)/);
    expect(await count()).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. The same CLUES twice in one file.

function utf8Csv(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  return writeFile(path, lines.join('\n') + '\n').then(() => path);
}

const MINIMAL_HEADER = 'CLUES,CLAVE DE LA ENTIDAD,NOMBRE DE LA UNIDAD';

describe('a CLUES repeated in the file', () => {
  beforeEach(emptyRegistry);

  it('within one batch: the later row wins and the summary still adds up to the rows read', async () => {
    const file = await utf8Csv('duplicate.csv', [
      MINIMAL_HEADER,
      'GRSSA000901,12,Centro de Salud Viejo Nombre',
      'GRSSA000902,12,Centro de Salud Petaquillas',
      'grssa000901 ,12,Centro de Salud Nuevo Nombre',
    ]);
    const result = await importClues(db, file);
    expect(result.read).toBe(3);
    expect(result.created).toBe(2);
    expect(result.updated).toBe(0);
    expect(result.rejected + result.skipped).toBe(0);
    // The superseded row was read but never written: it adds up as unchanged, never as a negative count.
    expect(result.unchanged).toBe(1);
    expect(result.read).toBe(result.created + result.updated + result.unchanged + result.rejected + result.skipped);
    expect(await db.query('SELECT clues, name FROM establishment ORDER BY clues')).toEqual([
      { clues: 'GRSSA000901', name: 'Centro de Salud Nuevo Nombre' },
      { clues: 'GRSSA000902', name: 'Centro de Salud Petaquillas' },
    ]);

    // Run again: both CLUES as they are, the superseded row again counted once as unchanged.
    expect(await importClues(db, file)).toEqual(
      summary({ read: 3, created: 0, updated: 0, unchanged: 3, rejected: 0, skipped: 0 }),
    );
  });

  it('across batches: created once, then updated by the later row', async () => {
    const lines = [MINIMAL_HEADER];
    for (let i = 1; i <= 520; i++) lines.push(`OCSSA${String(i).padStart(6, '0')},20,Centro de Salud ${i}`);
    lines[510] = 'OCSSA000001,20,Centro de Salud 1 (renombrado)'; // row 510, in the second batch of 500
    const result = await importClues(db, await utf8Csv('duplicate-batches.csv', lines));
    expect(result).toEqual(summary({ read: 520, created: 519, updated: 1, unchanged: 0, rejected: 0, skipped: 0 }));
    expect(await count()).toBe(519);
    expect(await db.query(`SELECT name FROM establishment WHERE clues = 'OCSSA000001'`)).toEqual([
      { name: 'Centro de Salud 1 (renombrado)' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Interrupted imports: run again and get what one clean import gives.

const BIG_ROWS = 1200;

/** 1,200 valid rows over three states, two institutions and all three kinds (batches: 500, 500, 200). */
function bigFileLines(): string[] {
  const states = [
    ['GR', '12'],
    ['OC', '20'],
    ['JC', '14'],
  ];
  const lines = [
    'CLUES,CLAVE DE LA INSTITUCION,CLAVE DE LA ENTIDAD,NOMBRE DE LA UNIDAD,NOMBRE TIPO ESTABLECIMIENTO,CLAVE DE TIPOLOGIA,NIVEL ATENCION,LATITUD,LONGITUD',
  ];
  for (let i = 1; i <= BIG_ROWS; i++) {
    const [prefix, code] = states[i % 3];
    const institution = i % 4 === 0 ? 'IMB' : 'SSA';
    const clues = `${prefix}${institution}${String(i).padStart(6, '0')}`;
    const [type, typology, name] =
      i % 50 === 0
        ? ['DE APOYO', 'ALM', `Almacén Jurisdiccional ${i}`]
        : i % 7 === 0
          ? ['DE CONSULTA EXTERNA', 'UMM', `Unidad Médica Móvil ${i}`]
          : ['DE CONSULTA EXTERNA', 'CSR', `Centro de Salud Peñasco ${i}`];
    lines.push(`${clues},${institution},${code},${name},${type},${typology},PRIMER NIVEL,${17 + i / 10000},${-99 - i / 10000}`);
  }
  return lines;
}

/** The CLUES of data row `i` of bigFileLines. */
function bigClues(i: number): string {
  return bigFileLines()[i].split(',')[0];
}

describe('running the import again after an interruption', () => {
  let file: string;
  let cleanImport: string[];

  beforeAll(async () => {
    file = await utf8Csv('dgis-1200.csv', bigFileLines());
    await emptyRegistry();
    const clean = await importClues(db, file, INSTITUTIONS);
    expect(clean).toEqual(summary({ read: BIG_ROWS, created: BIG_ROWS, updated: 0, unchanged: 0, rejected: 0, skipped: 0 }));
    cleanImport = await contentWithoutIdentity();
    expect(cleanImport).toHaveLength(BIG_ROWS);
  });

  beforeEach(emptyRegistry);

  it('a file cut short (700 of 1,200 rows), then the whole file', async () => {
    const truncated = await utf8Csv('dgis-1200-truncated.csv', bigFileLines().slice(0, 1 + 700));
    expect(await importClues(db, truncated, INSTITUTIONS)).toEqual(
      summary({ read: 700, created: 700, updated: 0, unchanged: 0, rejected: 0, skipped: 0 }),
    );
    expect(await importClues(db, file, INSTITUTIONS)).toEqual(
      summary({ read: BIG_ROWS, created: 500, updated: 0, unchanged: 700, rejected: 0, skipped: 0 }),
    );
    expect(await contentWithoutIdentity()).toEqual(cleanImport);
  });

  it('the third batch fails in the database: the first two stay whole, the third leaves nothing, a rerun finishes', async () => {
    // Row 1,100 parses fine but the database refuses it, halfway through the third batch (rows 1,001–1,200).
    const poisoned = bigClues(1100);
    await db.query(`ALTER TABLE establishment ADD CONSTRAINT test_poisoned_row CHECK (clues <> '${poisoned}') NOT VALID`);
    try {
      await expect(importClues(db, file, INSTITUTIONS)).rejects.toThrow(/test_poisoned_row/);
    } finally {
      await db.query('ALTER TABLE establishment DROP CONSTRAINT test_poisoned_row');
    }
    expect(await count()).toBe(1000);
    // Exactly rows 1–1,000: nothing of the failed batch, not even the rows before the poisoned one.
    const stored: Array<{ clues: string }> = await db.query('SELECT clues FROM establishment');
    const firstThousand = new Set(bigFileLines().slice(1, 1001).map((l) => l.split(',')[0]));
    expect(stored.every((r) => firstThousand.has(r.clues))).toBe(true);

    expect(await importClues(db, file, INSTITUTIONS)).toEqual(
      summary({ read: BIG_ROWS, created: 200, updated: 0, unchanged: 1000, rejected: 0, skipped: 0 }),
    );
    expect(await count('SELECT count(DISTINCT clues)::int AS n FROM establishment')).toBe(BIG_ROWS);
    expect(await contentWithoutIdentity()).toEqual(cleanImport);
  });

  it('--institutions: codes no row has are named; when none has a row it is an error, nothing written; a malformed code stops before reading', async () => {
    const partly = await importClues(db, file, { institutions: ['SSA', 'IBM'] });
    expect(partly.institutionsNotInFile).toEqual(['IBM']);
    expect(partly.created).toBe(900);
    await emptyRegistry();
    await expect(importClues(db, file, { institutions: ['IBM', 'ISS'] })).rejects.toThrow(
      /^Ninguna fila de .* es de las instituciones IBM, ISS; no se importó nada\. Instituciones en el archivo: SSA 900, IMB 300\.$/,
    );
    expect(await count()).toBe(0);
    await expect(importClues(db, file, { institutions: ['IMSS'] })).rejects.toThrow(/^Código de institución inválido: IMSS\./);
    expect(await count()).toBe(0);
  });

  it('the CLI process is killed (SIGKILL) while it writes the third batch; a rerun finishes', async () => {
    // A test-only trigger makes the CLI's third batch wait, mid-INSERT, for a lock this test holds.
    const held = bigClues(1100);
    await db.query(`
      CREATE FUNCTION test_wait_for_release() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $$`);
    await db.query(`
      CREATE TRIGGER test_hold BEFORE INSERT ON establishment FOR EACH ROW
        WHEN (NEW.clues = '${held}') EXECUTE FUNCTION test_wait_for_release()`);
    const holder = db.createQueryRunner();
    let child: ChildProcess | undefined;
    try {
      await holder.connect();
      await holder.query('SELECT pg_advisory_lock(4242)');
      child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/import-clues.ts', file, '--institutions', 'SSA,IMB'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: tdb.url },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((done) => child!.on('exit', (_code, signal) => done(signal)));
      // pg_locks spans the cluster; only this database's waiter counts (other test runs may share the server).
      await waitFor(
        async () =>
          (await count(
            `SELECT count(*)::int AS n FROM pg_locks
              WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          )) === 1,
      );

      // Blocked inside batch 3: batches 1 and 2 are committed, batch 3 is not visible.
      expect(await count()).toBe(1000);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((done) => child!.on('exit', done));
        child.kill('SIGKILL');
        await gone;
      }
      await holder.query('SELECT pg_advisory_unlock_all()');
      await holder.release();
      // The orphaned server session finishes its INSERT, finds its client gone and rolls back.
      await waitFor(async () => (await count(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'abasto-import-clues' AND datname = current_database()`)) === 0);
      await db.query('DROP TRIGGER test_hold ON establishment');
      await db.query('DROP FUNCTION test_wait_for_release()');
    }
    expect(await count()).toBe(1000);
    expect(await count('SELECT count(*)::int AS n FROM establishment WHERE clues = $1', [held])).toBe(0);

    expect(await importClues(db, file, INSTITUTIONS)).toEqual(
      summary({ read: BIG_ROWS, created: 200, updated: 0, unchanged: 1000, rejected: 0, skipped: 0 }),
    );
    expect(await contentWithoutIdentity()).toEqual(cleanImport);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// 5. The command line.

function runCli(args: string[]) {
  return runCliScript('src/cli/import-clues.ts', args, tdb.url);
}

describe('npm run import:clues', () => {
  beforeAll(emptyRegistry);

  it('imports a file and prints the summary and each rejection with its line', async () => {
    const file = await writeWindows1252('cli.csv', DGIS_LINES);
    const { code, stdout, stderr } = await runCli([file, '--institutions', 'SSA,IMB']);
    expect({ code, stderr: stderr.includes('error:') ? stderr : '' }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('leídas 13 · creadas 7 · actualizadas 0 · sin cambios 0 · rechazadas 4 · omitidas 2');
    expect(stdout).toMatch(/^ {2}línea 5 \(GRSSA12345\): INVALID_CLUES — /m);
    expect(stdout).toMatch(/^ {2}línea 15 \(GRSSA001212\): UNKNOWN_STATE — Clave de entidad desconocida: "40"/m);
    expect(await count()).toBe(7);
    // every rejection, beside the file, for Excel: BOM, one row per rejected line
    const rejects = join(dir, 'cli.rechazos.csv');
    expect(stdout).toContain(`las 4 filas rechazadas, con su línea y el motivo: ${rejects}`);
    const text = await readFile(rejects, 'utf8');
    expect(text.startsWith('\uFEFFlinea,clave_o_clues,codigo,mensaje,resultado\r\n')).toBe(true);
    expect(text.trim().split('\r\n').slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(
      DGIS_REJECTIONS.map(([line, clues, code]) => `${line},${clues ?? ''},${code}`),
    );
  });

  it('--rejects names the file; a rejected value that looks like a formula stays text', async () => {
    const file = await writeWindows1252('cli-formula.csv', [HEADER, `=HYPERLINK("x"),${DGIS_LINES[1].split(',').slice(1).join(',')}`]);
    const out = join(dir, 'mis-rechazos.csv');
    const { code, stdout } = await runCli([file, '--rejects', out]);
    expect(code).toBe(0);
    expect(stdout).toContain(`las 1 filas rechazadas, con su línea y el motivo: ${out}`);
    const [, row] = parse((await readFile(out, 'utf8')).replace(/^\uFEFF/, '')) as string[][];
    expect(row.slice(0, 3)).toEqual(['2', `'=HYPERLINK("X")`, 'INVALID_CLUES']);
  });

  it('an unknown --institutions code: exit 1, the codes the file has, nothing written', async () => {
    const before = await count();
    const file = await writeWindows1252('cli-ibm.csv', DGIS_LINES);
    const { code, stdout, stderr } = await runCli([file, '--institutions', 'IBM']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/error: Ninguna fila de .*cli-ibm\.csv es de la institución IBM; no se importó nada\. Instituciones en el archivo: SSA \d+/);
    expect(await count()).toBe(before);
  });

  it('exits 1 with the usage when the file does not exist', async () => {
    const missing = join(dir, 'no-existe.csv');
    const { code, stdout, stderr } = await runCli([missing]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`error: no such file: ${missing}`);
    expect(stderr).toContain('usage: npm run import:clues -- FILE.csv|FILE.xlsx [--institutions SSA,IMB]');
  });
});
