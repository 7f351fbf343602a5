import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ImportSummary } from '../../src/db/importer';
import { CatalogImportSummary, importCatalog } from '../../src/modules/catalog/catalog-import';
import { runCli as runCliScript } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';

const HEADER = 'clave,descripcion,tipo,presentacion,piezas_por_envase,alto_costo,red_fria,niveles';

let tdb: TestDatabase;
let db: DataSource;
let dir: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.db;
  dir = await mkdtemp(join(tmpdir(), 'abasto-import-catalog-'));
});

afterAll(async () => {
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function csv(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

function summary(counts: Omit<ImportSummary, 'rejections'>, rejections: Array<[number, string]> = []): CatalogImportSummary {
  return {
    layout: 'ABASTO',
    missingColumns: [],
    ...counts,
    rejections: rejections.map(([line, code]) => ({ line, clues: null, code, message: expect.any(String) })),
  };
}

async function items(where = 'true'): Promise<Array<Record<string, unknown>>> {
  return db.query(
    `SELECT clave, description, kind, presentation, pieces_per_package, high_cost, cold_chain,
            authorized_levels::text AS levels, authorized_from_year AS from_year, authorized_to_year AS to_year
       FROM supply_item WHERE ${where} ORDER BY clave`,
  );
}

async function fullTable(): Promise<string[]> {
  const rows: Array<{ j: string }> = await db.query('SELECT row_to_json(s)::text AS j FROM supply_item s ORDER BY clave');
  return rows.map((r) => r.j);
}

const LINES = [
  HEADER,
  /* 2 */ '010.000.0104.00,Paracetamol. Tableta 500 mg,MEDICAMENTO,Caja con 10 tabletas,10,no,no,1|2|3',
  /* 3 */ '010.000.5106.00,"Insulina glargina. Solución inyectable 100 UI/ml, frasco ámpula, 10 ml",MEDICAMENTO,Envase con 1 frasco ámpula,1,SI,sí,2|1',
  /* 4 */ '060.066.0102.00,Gasa seca de algodón,Material de Curación,Envase con 100 piezas,100,NO,No,1',
  /* 5 */ '020.000.3800.00,Vacuna BCG,vacuna,Frasco ámpula liofilizado con 10 dosis,10,no,SI,1|1',
  /* 6 */ '080.000.0001.00,Prueba rápida de embarazo,Otro,,25,0,0,3',
  /* 7 */ '010.000.104.00,Paracetamol,MEDICAMENTO,Caja,10,no,no,1',
  /* 8 */ '010.000.0105.00,Amoxicilina,ANTIBIOTICO,Caja,10,no,no,1',
  /* 9 */ '010.000.0106.00,Ibuprofeno,MEDICAMENTO,Caja,0,no,no,1',
  /* 10 */ '010.000.0107.00,Naproxeno,MEDICAMENTO,Caja,1.5,no,no,1',
  /* 11 */ '010.000.0108.00,Trastuzumab,MEDICAMENTO,Frasco ámpula,1,quizá,no,3',
  /* 12 */ '010.000.0109.00,Metformina,MEDICAMENTO,Caja,30,no,no,4',
  /* 13 */ '010.000.0110.00,Losartán,MEDICAMENTO,Caja,30,no,no,',
  /* 14 */ '010.000.0111.00,,MEDICAMENTO,Caja,10,no,no,1',
];

const REJECTIONS: Array<[number, string]> = [
  [7, 'INVALID_CLAVE'],
  [8, 'INVALID_KIND'],
  [9, 'INVALID_PIECES'],
  [10, 'INVALID_PIECES'],
  [11, 'INVALID_FLAG'],
  [12, 'INVALID_LEVELS'],
  [13, 'INVALID_LEVELS'],
  [14, 'MISSING_DESCRIPTION'],
];

const STORED = [
  { clave: '010.000.0104.00', description: 'Paracetamol. Tableta 500 mg', kind: 'MEDICINE', presentation: 'Caja con 10 tabletas', pieces_per_package: 10, high_cost: false, cold_chain: false, levels: '{FIRST,SECOND,THIRD}', from_year: 2024, to_year: 2026 },
  { clave: '010.000.5106.00', description: 'Insulina glargina. Solución inyectable 100 UI/ml, frasco ámpula, 10 ml', kind: 'MEDICINE', presentation: 'Envase con 1 frasco ámpula', pieces_per_package: 1, high_cost: true, cold_chain: true, levels: '{FIRST,SECOND}', from_year: 2024, to_year: 2026 },
  { clave: '020.000.3800.00', description: 'Vacuna BCG', kind: 'VACCINE', presentation: 'Frasco ámpula liofilizado con 10 dosis', pieces_per_package: 10, high_cost: false, cold_chain: true, levels: '{FIRST}', from_year: 2024, to_year: 2026 },
  { clave: '060.066.0102.00', description: 'Gasa seca de algodón', kind: 'HEALING_MATERIAL', presentation: 'Envase con 100 piezas', pieces_per_package: 100, high_cost: false, cold_chain: false, levels: '{FIRST}', from_year: 2024, to_year: 2026 },
  { clave: '080.000.0001.00', description: 'Prueba rápida de embarazo', kind: 'OTHER', presentation: null, pieces_per_package: 25, high_cost: false, cold_chain: false, levels: '{THIRD}', from_year: 2024, to_year: 2026 },
];

describe('importCatalog on a Compendio CSV', () => {
  let file: string;
  let afterFirstRun: string[];

  beforeAll(async () => {
    file = await csv('compendio.csv', LINES);
  });

  it('creates the good rows and rejects the broken ones with their line', async () => {
    const result = await importCatalog(db, file, { fromYear: 2024, toYear: 2026 });
    expect(result).toEqual(summary({ read: 13, created: 5, updated: 0, unchanged: 0, rejected: 8, skipped: 0 }, REJECTIONS));
    // The message names the clave, since a catalogue row has no CLUES.
    expect(result.rejections.map((r) => r.message.split(':')[0])).toEqual([
      'Clave 010.000.104.00',
      'Clave 010.000.0105.00',
      'Clave 010.000.0106.00',
      'Clave 010.000.0107.00',
      'Clave 010.000.0108.00',
      'Clave 010.000.0109.00',
      'Clave 010.000.0110.00',
      'Clave 010.000.0111.00',
    ]);
  });

  it('stores kinds, flags, pieces and levels as text[] in FIRST, SECOND, THIRD order', async () => {
    expect(await items()).toEqual(STORED);
    const [{ levels }] = await db.query(`SELECT authorized_levels AS levels FROM supply_item WHERE clave = '010.000.5106.00'`);
    expect(levels).toEqual(['FIRST', 'SECOND']);
    afterFirstRun = await fullTable();
  });

  it('a second run (another year given) changes nothing, the authorisation years included', async () => {
    const result = await importCatalog(db, file, { fromYear: 2025, toYear: 2027 });
    expect(result).toEqual(summary({ read: 13, created: 0, updated: 0, unchanged: 5, rejected: 8, skipped: 0 }, REJECTIONS));
    expect(await fullTable()).toEqual(afterFirstRun);
  });

  it('a later edition: new claves get the given years, changed ones keep theirs', async () => {
    const edition = await csv('compendio-2026.csv', [
      HEADER,
      '010.000.0104.00,Paracetamol. Tableta 500 mg,MEDICAMENTO,Caja con 20 tabletas,20,no,no,1|2|3',
      '010.000.5106.00,"Insulina glargina. Solución inyectable 100 UI/ml, frasco ámpula, 10 ml",MEDICAMENTO,Envase con 1 frasco ámpula,1,SI,sí,2|1',
      '010.000.0657.00,Sildenafil. Tableta 50 mg,MEDICAMENTO,Caja con 4 tabletas,4,si,no,3|2',
    ]);
    const result = await importCatalog(db, edition, { fromYear: 2026 });
    expect(result).toEqual(summary({ read: 3, created: 1, updated: 1, unchanged: 1, rejected: 0, skipped: 0 }));
    expect(await items(`clave IN ('010.000.0104.00', '010.000.0657.00')`)).toEqual([
      { ...STORED[0], presentation: 'Caja con 20 tabletas', pieces_per_package: 20 },
      { clave: '010.000.0657.00', description: 'Sildenafil. Tableta 50 mg', kind: 'MEDICINE', presentation: 'Caja con 4 tabletas', pieces_per_package: 4, high_cost: true, cold_chain: false, levels: '{SECOND,THIRD}', from_year: 2026, to_year: null },
    ]);
    // The claves the edition leaves out or repeats as they are stay exactly as they were.
    const untouched = (rows: string[]) => rows.filter((j) => !j.includes('"010.000.0104.00"') && !j.includes('"010.000.0657.00"'));
    expect(untouched(await fullTable())).toEqual(untouched(afterFirstRun));
    expect(untouched(afterFirstRun)).toHaveLength(4);
  });
});

function runCli(args: string[]) {
  return runCliScript('src/cli/import-catalog.ts', args, tdb.url);
}

describe('npm run import:catalog', () => {
  it('imports a file with --from-year and prints the summary and each rejection with its line', async () => {
    const file = await csv('cli.csv', [
      HEADER,
      '010.000.2301.00,Omeprazol. Cápsula 20 mg,MEDICAMENTO,Caja con 14 cápsulas,14,no,no,1|2|3',
      '010.000.2302.00,Omeprazol. Solución inyectable 40 mg,MEDICAMENTO,Frasco ámpula,1,no,no,2|3',
      '010.000.0104.00,Paracetamol. Tableta 500 mg,MEDICAMENTO,Caja con 20 tabletas,20,no,no,1|2|3',
      '010.000.2303.00,Omeprazol,MEDICAMENTO,Caja,0,no,no,1',
    ]);
    const { code, stdout, stderr } = await runCli([file, '--from-year', '2025']);
    expect({ code, stderr: stderr.includes('error:') ? stderr : '' }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('leídas 4 · creadas 2 · actualizadas 0 · sin cambios 1 · rechazadas 1 · omitidas 0');
    expect(stdout).toMatch(/^ {2}línea 5: INVALID_PIECES — Clave 010\.000\.2303\.00: piezas por envase "0" inválidas/m);
    expect(await db.query(`SELECT clave, authorized_from_year FROM supply_item WHERE clave LIKE '010.000.230%' ORDER BY clave`)).toEqual([
      { clave: '010.000.2301.00', authorized_from_year: 2025 },
      { clave: '010.000.2302.00', authorized_from_year: 2025 },
    ]);
  });

  it('exits 1 with the usage when the file does not exist or a year is malformed', async () => {
    const missing = join(dir, 'no-existe.csv');
    const run = await runCli([missing]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`error: no such file: ${missing}`);
    expect(run.stderr).toContain('usage: npm run import:catalog -- FILE.csv|FILE.xlsx [--levels 1,2] [--from-year 2024] [--to-year 2026]');

    const badYear = await runCli([join(dir, 'cli.csv'), '--to-year', '26']);
    expect(badYear.code).toBe(1);
    expect(badYear.stderr).toContain('error: --to-year takes a year such as 2025');
  });
});
