import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { DataSource } from 'typeorm';
import { Role } from '../../src/domain/enums';
import { runCpmBatch } from '../../src/modules/cpm/cpm-batch';
import { parseDgisDate } from '../../src/modules/registry/dgis';
import { CluesImportSummary, importClues } from '../../src/modules/registry/clues-import';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { startTestApi, TestApi } from '../support/api';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * Issue 19, part 1: Hidalgo (state 13, federalized 2023-06-30) as the DGIS cut of 2025-01 shows it.
 * Each SSA CLUES was closed on 18/07/2024 "POR CAMBIO DE INSTITUCION" and an IMB CLUES opened for the
 * same unit on the same day (ULTIMO MOVIMIENTO ALTA). Rows shaped like the real ones (the real file is
 * Windows-1252 with these column names; the rest of its 68 columns are left out).
 */

const HEADER =
  'CLUES,CLAVE DE LA INSTITUCION,NOMBRE DE LA INSTITUCION,ENTIDAD,CLAVE DE LA ENTIDAD,MUNICIPIO,CLAVE DEL MUNICIPIO,LOCALIDAD,CLAVE DE LA LOCALIDAD,' +
  'JURISDICCION,NOMBRE TIPO ESTABLECIMIENTO,NOMBRE DE TIPOLOGIA,NOMBRE DE LA UNIDAD,ESTATUS DE OPERACION,MOTIVO BAJA,FECHA EFECTIVA DE BAJA,' +
  'ULTIMO MOVIMIENTO,FECHA ULTIMO MOVIMIENTO,COMENTARIOS DE LA VALIDACION,NIVEL ATENCION,LATITUD,LONGITUD';
const SSA = 'SSA,SECRETARIA DE SALUD';
const IMB = 'IMB,SERVICIOS DE SALUD IMSS BIENESTAR';
const HGO = 'HIDALGO,13';
const CLOSED = 'FUERA DE OPERACIÓN,POR CAMBIO DE INSTITUCION,18/07/2024,BAJA,18/07/2024,';
const OPENED = 'EN OPERACIÓN,,,ALTA,18/07/2024,"ESTABLECIMIENTO QUE PERTENECÍA A SECRETARIA DE SALUD DEL ESTADO, SE TRANSFIERE A IMSS BIENESTAR"';
const RUNNING = 'EN OPERACIÓN,,,MODIFICACION,03/02/2022,';
const CS = 'DE CONSULTA EXTERNA,RURAL DE 01 NUCLEO BÁSICO';
const ACTOPAN = 'ACTOPAN,003,SAN JUAN TILCUAUTLA,0021,ACTOPAN';
const PACHUCA = 'PACHUCA DE SOTO,048,EL ROSARIO,0005,PACHUCA';
const HUASCA = 'HUASCA DE OCAMPO,024,SAN JUAN,0012,TULANCINGO';
const ZIMAPAN = 'ZIMAPAN,084,LA PROVIDENCIA,0040,ZIMAPAN';

/** The cut of 2024-01: before the change, every SSA unit operating (what a deployment had imported). */
const CUT_2024 = [
  HEADER,
  `HGSSA000100,${SSA},${HGO},${PACHUCA},DE APOYO,ALMACEN,ALMACEN ESTATAL DE HIDALGO,${RUNNING},NO APLICA,20.1000,-98.7400`,
  `HGSSA001234,${SSA},${HGO},${ACTOPAN},${CS},CENTRO DE SALUD RURAL SAN JUAN TILCUAUTLA,${RUNNING},PRIMER NIVEL,20.2691,-98.9420`,
  `HGSSA006001,${SSA},${HGO},${ACTOPAN},${CS},CENTRO DE SALUD ACTOPAN,${RUNNING},PRIMER NIVEL,20.2700,-98.9400`,
];

/** The cut of 2025-01. Line numbers in comments. */
const CUT_2025 = [
  HEADER,
  /* 2 */ CUT_2024[1],
  // a unique pair: names written differently (accents, case, double space)
  /* 3 */ `HGSSA001234,${SSA},${HGO},${ACTOPAN},${CS},CENTRO DE SALUD RURAL SAN JUAN TILCUAUTLA,${CLOSED},PRIMER NIVEL,20.2691,-98.9420`,
  /* 4 */ `HGIMB001234,${IMB},${HGO},${ACTOPAN},${CS},Centro de Salud Rural  San Juan Tilcuautla,${OPENED},PRIMER NIVEL,20.2691,-98.9420`,
  // two units of the same name in one locality: coordinates tell them apart
  /* 5 */ `HGSSA002001,${SSA},${HGO},${PACHUCA},${CS},CASA DE SALUD EL ROSARIO,${CLOSED},PRIMER NIVEL,20.1200,-98.7300`,
  /* 6 */ `HGSSA002002,${SSA},${HGO},${PACHUCA},${CS},CASA DE SALUD EL ROSARIO,${CLOSED},PRIMER NIVEL,20.1500,-98.7600`,
  /* 7 */ `HGIMB002002,${IMB},${HGO},${PACHUCA},${CS},CASA DE SALUD EL ROSARIO,${OPENED},PRIMER NIVEL,20.1500,-98.7601`,
  /* 8 */ `HGIMB002001,${IMB},${HGO},${PACHUCA},${CS},CASA DE SALUD EL ROSARIO,${OPENED},PRIMER NIVEL,20.1201,-98.7301`,
  // truly ambiguous: two candidates and no coordinates
  /* 9 */ `HGSSA003001,${SSA},${HGO},${HUASCA},${CS},CENTRO DE SALUD SAN JUAN,${CLOSED},PRIMER NIVEL,,`,
  /* 10 */ `HGIMB003001,${IMB},${HGO},${HUASCA},${CS},CENTRO DE SALUD SAN JUAN,${OPENED},PRIMER NIVEL,,`,
  /* 11 */ `HGIMB003002,${IMB},${HGO},${HUASCA},${CS},CENTRO DE SALUD SAN JUAN,${OPENED},PRIMER NIVEL,,`,
  // closed for a change of institution, and no new CLUES of that name
  /* 12 */ `HGSSA004001,${SSA},${HGO},${HUASCA},${CS},CASA DE SALUD EL CRUCERO,${CLOSED},PRIMER NIVEL,,`,
  // the name changed with the CLUES: matching would pick HGIMB005001, the crosswalk says HGIMB005002
  /* 13 */ `HGSSA005001,${SSA},${HGO},${ZIMAPAN},${CS},CASA DE SALUD LA PROVIDENCIA,${CLOSED},PRIMER NIVEL,20.7400,-99.3800`,
  /* 14 */ `HGIMB005001,${IMB},${HGO},${ZIMAPAN},${CS},CASA DE SALUD LA PROVIDENCIA,${OPENED},PRIMER NIVEL,20.7400,-99.3800`,
  /* 15 */ `HGIMB005002,${IMB},${HGO},${ZIMAPAN},${CS},CENTRO DE SALUD LA PROVIDENCIA,${OPENED},PRIMER NIVEL,20.7410,-99.3810`,
  // never re-keyed
  /* 16 */ CUT_2024[3],
  // closed for another reason: no successor expected, nothing to report
  /* 17 */ `HGSSA007001,${SSA},${HGO},${HUASCA},${CS},CASA DE SALUD PALO GORDO,FUERA DE OPERACIÓN,POR CIERRE DEFINITIVO,01/03/2024,BAJA,01/03/2024,,PRIMER NIVEL,,`,
];

const CROSSWALK = ['CLUES_ANTERIOR,CLUES_NUEVA,FECHA', 'HGSSA005001,HGIMB005002,18/07/2024'];

let tdb: TestDatabase;
let db: DataSource;
let api: TestApi;
let dir: string;
let central: string;
let first: CluesImportSummary;
let second: CluesImportSummary;
let cut2025: string;
let crosswalk: string;

async function file(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, iconv.encode(lines.join('\r\n') + '\r\n', 'windows-1252'));
  return path;
}

async function history(clues: string): Promise<Array<[string, boolean, boolean]>> {
  const rows: Array<{ d: string; operating: boolean; in_network: boolean }> = await db.query(
    `SELECT sc.effective_on::text AS d, sc.operating, sc.in_network FROM establishment_status_change sc
       JOIN establishment e ON e.id = sc.establishment_id WHERE e.clues = $1 ORDER BY sc.effective_on`,
    [clues],
  );
  return rows.map((r) => [r.d, r.operating, r.in_network]);
}

async function links(): Promise<Array<[string, string, string, string]>> {
  const rows: Array<{ p: string; s: string; d: string; method: string }> = await db.query(
    `SELECT p.clues AS p, s.clues AS s, l.effective_on::text AS d, l.method FROM establishment_succession l
       JOIN establishment p ON p.id = l.predecessor_id JOIN establishment s ON s.id = l.successor_id ORDER BY p.clues`,
  );
  return rows.map((r) => [r.p, r.s, r.d, r.method]);
}

/** Everything this import may write, every column (ids and recorded times included). */
async function snapshot(): Promise<string[]> {
  const tables = ['establishment', 'establishment_status_change', 'establishment_succession', 'sai_status_change', 'cpm_submission', 'cpm_submission_line', 'cpm_submission_event'];
  const out: string[] = [];
  for (const t of tables) {
    const rows: Array<{ j: string }> = await db.query(`SELECT row_to_json(x)::text AS j FROM ${t} x ORDER BY 1`);
    out.push(`${t}: ${rows.map((r) => r.j).sort().join('\n')}`);
  }
  return out;
}

async function unitsOn(asOf: string, filter: Record<string, unknown>, code = 'SAI_ROLLOUT') {
  const r = await api.gql(
    `query($f: IndicatorFilter) { indicator(code: ${code}, filter: $f, groupBy: [ESTABLISHMENT]) { total { numerator denominator } rows { establishment { clues } numerator } } }`,
    { f: { asOf, ...filter } },
    central,
  );
  expect(r.errors).toBeUndefined();
  const ind = r.data.indicator;
  return { total: [ind.total.numerator, ind.total.denominator], rows: ind.rows.map((x: { establishment: { clues: string }; numerator: number }) => `${x.establishment.clues}:${x.numerator}`) };
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.db;
  expect(await loadDemoDataIfEmpty(db)).toBe(true);
  api = await startTestApi(db);
  central = await api.token(Role.CENTRAL);
  dir = await mkdtemp(join(tmpdir(), 'abasto-dgis-rekeying-'));

  // What a deployment had before the 2025 cut: the SSA unit supplied by the state warehouse, with
  // the SAI in operation, its CPM for 2024 ratified, and stock received.
  await importClues(db, await file('cut-2024.csv', CUT_2024));
  await db.query(`INSERT INTO warehouse (establishment_id, tier) SELECT id, 'STATE' FROM establishment WHERE clues = 'HGSSA000100'`);
  await db.query(
    `UPDATE establishment SET supplying_warehouse_id = (SELECT w.id FROM warehouse w JOIN establishment e ON e.id = w.establishment_id WHERE e.clues = 'HGSSA000100')
      WHERE clues IN ('HGSSA001234', 'HGSSA006001')`,
  );
  await db.query(`INSERT INTO sai_status_change (establishment_id, status, effective_on, actor) SELECT id, 'IN_OPERATION', '2024-03-01', 'test' FROM establishment WHERE clues = 'HGSSA001234'`);
  const [{ clave, item }] = await db.query(`SELECT clave, id AS item FROM supply_item WHERE 'FIRST' = ANY (authorized_levels) ORDER BY clave LIMIT 1`);
  await db.query(
    `WITH s AS (
       INSERT INTO cpm_submission (establishment_id, year, status, calculated_from, proposed_at, proposed_by, ratified_at, ratified_by)
       SELECT id, 2024, 'RATIFIED', '2024-01-01', '2024-02-01T12:00:00Z', 'test-unit', '2024-02-15T12:00:00Z', 'test-state' FROM establishment WHERE clues = 'HGSSA001234'
       RETURNING id),
     l AS (INSERT INTO cpm_submission_line (submission_id, supply_item_id, cpm, calculated) SELECT id, $1, 40, 38 FROM s)
     INSERT INTO cpm_submission_event (submission_id, action, actor, at) SELECT id, 'RATIFIED', 'test-state', '2024-02-15T12:00:00Z' FROM s`,
    [item],
  );
  const receipt = await api.mutate(await api.token(Role.ADMIN), 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'rekeying-receipt',
    clues: 'HGSSA001234',
    lines: [{ clave, lotNumber: 'L-2024-07', expiresOn: '2027-06-30', acceptedQuantity: 25 }],
  });
  expect(receipt.userErrors).toEqual([]);

  cut2025 = await file('cut-2025.csv', CUT_2025);
  crosswalk = await file('equivalencias.csv', CROSSWALK);
  first = await importClues(db, cut2025, { crosswalk });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await tdb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the dates of the DGIS file are the status history', () => {
  it('reads dd/mm/yyyy and workbook dates, and refuses impossible ones in Spanish', () => {
    expect(parseDgisDate('18/07/2024')).toBe('2024-07-18');
    expect(parseDgisDate('1/2/2024 00:00')).toBe('2024-02-01');
    expect(parseDgisDate('2024-07-18')).toBe('2024-07-18');
    expect(parseDgisDate('NO APLICA')).toBeNull();
    expect(parseDgisDate('')).toBeNull();
    expect(parseDgisDate('31/02/2024')).toEqual({ error: expect.stringContaining('no existe') });
    expect(parseDgisDate('julio 2024')).toEqual({ error: expect.stringContaining('dd/mm/aaaa') });
  });

  it('a closed CLUES operated until the day before its FECHA EFECTIVA DE BAJA; an ALTA exists from its date', async () => {
    expect(first).toMatchObject({ read: 16, created: 13, updated: 1, unchanged: 2, rejected: 0 });
    // in the network since the federalization (2023-06-30), operating until 2024-07-17
    expect(await history('HGSSA001234')).toEqual([
      ['-infinity', true, true],
      ['2024-07-18', false, true],
    ]);
    // created by the ALTA: nothing before 2024-07-18
    expect(await history('HGIMB001234')).toEqual([
      ['-infinity', false, false],
      ['2024-07-18', true, true],
    ]);
    // first imported already closed
    expect(await history('HGSSA002001')).toEqual([
      ['-infinity', true, true],
      ['2024-07-18', false, true],
    ]);
    expect(await history('HGSSA007001')).toEqual([
      ['-infinity', true, true],
      ['2024-03-01', false, true],
    ]);
    expect(await history('HGSSA006001')).toEqual([['-infinity', true, true]]);
    const rows = await db.query(
      `SELECT clues, locality, operating_since::text, closed_on::text, closure_reason, in_network_since::text FROM establishment
        WHERE clues IN ('HGSSA001234', 'HGIMB001234', 'HGSSA006001') ORDER BY clues`,
    );
    expect(rows).toEqual([
      { clues: 'HGIMB001234', locality: 'SAN JUAN TILCUAUTLA', operating_since: '2024-07-18', closed_on: null, closure_reason: null, in_network_since: '2024-07-18' },
      { clues: 'HGSSA001234', locality: 'SAN JUAN TILCUAUTLA', operating_since: null, closed_on: '2024-07-18', closure_reason: 'POR CAMBIO DE INSTITUCION', in_network_since: '2023-06-30' },
      { clues: 'HGSSA006001', locality: 'SAN JUAN TILCUAUTLA', operating_since: null, closed_on: null, closure_reason: null, in_network_since: '2023-06-30' },
    ]);
  });

  it('an impossible date rejects its row with a Spanish message and writes nothing', async () => {
    const before = await snapshot();
    const bad = await file('bad-date.csv', [HEADER, CUT_2025[2].replace('18/07/2024,BAJA', '31/02/2024,BAJA')]);
    const run = await importClues(db, bad);
    expect(run).toMatchObject({ read: 1, created: 0, updated: 0, rejected: 1 });
    expect(run.rejections).toEqual([{ line: 2, clues: 'HGSSA001234', code: 'INVALID_DATE', message: 'FECHA EFECTIVA DE BAJA: la fecha «31/02/2024» no existe; se espera dd/mm/aaaa, p. ej. 18/07/2024' }]);
    expect(await snapshot()).toEqual(before);
  });
});

describe('predecessor and successor', () => {
  it('links a unique match, settles two candidates by coordinates, and lets the crosswalk win', async () => {
    expect(await links()).toEqual([
      ['HGSSA001234', 'HGIMB001234', '2024-07-18', 'FILE_MATCH'],
      ['HGSSA002001', 'HGIMB002001', '2024-07-18', 'FILE_MATCH'],
      ['HGSSA002002', 'HGIMB002002', '2024-07-18', 'FILE_MATCH'],
      ['HGSSA005001', 'HGIMB005002', '2024-07-18', 'CROSSWALK'],
    ]);
    expect(first.succession.linked.map((l) => `${l.predecessor}>${l.successor}:${l.method}`)).toEqual([
      'HGSSA001234>HGIMB001234:FILE_MATCH',
      'HGSSA002001>HGIMB002001:FILE_MATCH',
      'HGSSA002002>HGIMB002002:FILE_MATCH',
      'HGSSA005001>HGIMB005002:CROSSWALK',
    ]);
  });

  it('reports the ambiguous and the unmatched, and links neither', async () => {
    expect(first.succession.ambiguous).toEqual([{ clues: 'HGSSA003001', candidates: ['HGIMB003001', 'HGIMB003002'] }]);
    // HGSSA007001 closed for another reason: not a re-keying
    expect(first.succession.unmatched).toEqual(['HGSSA004001']);
    expect(first.succession.rejected).toEqual([]);
  });

  it('running the same files again changes nothing', async () => {
    const before = await snapshot();
    second = await importClues(db, cut2025, { crosswalk });
    expect(second).toMatchObject({ read: 16, created: 0, updated: 0, unchanged: 16, rejected: 0 });
    expect(second.succession).toEqual({ linked: [], ambiguous: first.succession.ambiguous, unmatched: ['HGSSA004001'], rejected: [] });
    expect(await snapshot()).toEqual(before);
  });

  it('a file without the date columns leaves the history and the dates alone', async () => {
    const before = await snapshot();
    const thin = await file('thin.csv', ['CLUES,ENTIDAD,NOMBRE DE LA UNIDAD,ESTATUS DE OPERACION', 'HGSSA001234,HIDALGO,CENTRO DE SALUD RURAL SAN JUAN TILCUAUTLA,FUERA DE OPERACION']);
    const run = await importClues(db, thin);
    expect(run).toMatchObject({ read: 1, created: 0, updated: 0, unchanged: 1 });
    expect(await snapshot()).toEqual(before);
  });

  it('a file split across runs still links: the match is over what is stored', async () => {
    const imb = `HGIMB008001,${IMB},${HGO},${ZIMAPAN},${CS},CASA DE SALUD EL DECA,${OPENED},PRIMER NIVEL,,`;
    const ssa = `HGSSA008001,${SSA},${HGO},${ZIMAPAN},${CS},CASA DE SALUD EL DECA,${CLOSED},PRIMER NIVEL,,`;
    const part1 = await importClues(db, await file('part-1.csv', [HEADER, imb]));
    expect(part1.succession.linked).toEqual([]);
    const part2 = await importClues(db, await file('part-2.csv', [HEADER, ssa]));
    expect(part2.succession.linked).toEqual([{ predecessor: 'HGSSA008001', successor: 'HGIMB008001', effectiveOn: '2024-07-18', method: 'FILE_MATCH' }]);
    await db.query(`DELETE FROM establishment_succession l USING establishment e WHERE e.id = l.predecessor_id AND e.clues = 'HGSSA008001'`);
    await db.query(`DELETE FROM establishment_status_change sc USING establishment e WHERE e.id = sc.establishment_id AND e.clues IN ('HGSSA008001', 'HGIMB008001')`);
    await db.query(`DELETE FROM establishment WHERE clues IN ('HGSSA008001', 'HGIMB008001')`);
  });

  it('a crosswalk pair naming an unknown CLUES is reported, not linked', async () => {
    const odd = await file('equivalencias-2.csv', ['CLUES ANTERIOR,CLUES NUEVA', 'HGSSA004001,HGIMB999999']);
    const run = await importClues(db, await file('empty.csv', [HEADER]), { crosswalk: odd });
    expect(run.succession.rejected).toEqual([
      { source: odd, line: 2, code: 'UNKNOWN_CLUES', message: 'La CLUES HGIMB999999 no está registrada: importe primero el catálogo que la trae' },
    ]);
    expect(run.succession.linked).toEqual([]);
  });
});

describe('the network counts a re-keyed unit once', () => {
  it('the old CLUES up to the day before the change, the new one from that day', async () => {
    const pair = { clues: ['HGSSA001234', 'HGIMB001234'] };
    expect(await unitsOn('2024-07-17', pair)).toEqual({ total: [1, 1], rows: ['HGSSA001234:1'] });
    // the new CLUES inherited the SAI status from the day of the change
    expect(await unitsOn('2024-07-18', pair)).toEqual({ total: [1, 1], rows: ['HGIMB001234:1'] });
    // the whole state: 7 SSA units on the 17th (HGSSA007001 closed in March; the warehouse is no unit)…
    const before = await unitsOn('2024-07-17', { stateCodes: ['13'] });
    expect(before.total).toEqual([1, 7]);
    expect(before.rows.map((r: string) => r.slice(0, 11)).sort()).toEqual(['HGSSA001234', 'HGSSA002001', 'HGSSA002002', 'HGSSA003001', 'HGSSA004001', 'HGSSA005001', 'HGSSA006001']);
    // …and on the 18th the 7 IMB CLUES and the one SSA unit never re-keyed
    const after = await unitsOn('2024-07-18', { stateCodes: ['13'] });
    expect(after.total).toEqual([1, 8]);
    expect(after.rows.map((r: string) => r.slice(0, 11)).sort()).toEqual([
      'HGIMB001234', 'HGIMB002001', 'HGIMB002002', 'HGIMB003001', 'HGIMB003002', 'HGIMB005001', 'HGIMB005002', 'HGSSA006001',
    ]);
  });

  it('the ratified CPM counts for the new CLUES after the change (indicator 51)', async () => {
    const pair = { clues: ['HGSSA001234', 'HGIMB001234'], year: 2024 };
    expect(await unitsOn('2024-07-17', pair, 'CPM_RATIFICATION')).toEqual({ total: [1, 1], rows: ['HGSSA001234:1'] });
    expect(await unitsOn('2024-07-18', pair, 'CPM_RATIFICATION')).toEqual({ total: [1, 1], rows: ['HGIMB001234:1'] });
  });
});

describe('what the new CLUES inherits (copied when the link is made)', () => {
  it('supplying warehouse, network membership, SAI status and the ratified CPM with its lines', async () => {
    const [e] = await db.query(
      `SELECT s.in_network, w.clues AS warehouse FROM establishment s
         JOIN warehouse wh ON wh.id = s.supplying_warehouse_id JOIN establishment w ON w.id = wh.establishment_id WHERE s.clues = 'HGIMB001234'`,
    );
    expect(e).toEqual({ in_network: true, warehouse: 'HGSSA000100' });
    expect(
      await db.query(`SELECT status, effective_on::text FROM sai_status_change sc JOIN establishment e ON e.id = sc.establishment_id WHERE e.clues = 'HGIMB001234'`),
    ).toEqual([{ status: 'IN_OPERATION', effective_on: '2024-07-18' }]);
    expect(
      await db.query(
        `SELECT cs.year, cs.status, cs.ratified_at = '2024-02-15T12:00:00Z' AS same_time, l.cpm, l.calculated,
                (SELECT array_agg(ev.action) FROM cpm_submission_event ev WHERE ev.submission_id = cs.id) AS events
           FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id JOIN establishment e ON e.id = cs.establishment_id
          WHERE e.clues = 'HGIMB001234'`,
      ),
    ).toEqual([{ year: 2024, status: 'RATIFIED', same_time: true, cpm: 40, calculated: 38, events: ['RATIFIED'] }]);
    // a successor whose predecessor had nothing to inherit has nothing
    expect(await db.query(`SELECT supplying_warehouse_id FROM establishment WHERE clues = 'HGIMB002001'`)).toEqual([{ supplying_warehouse_id: null }]);
  });
});

describe('GraphQL and stock history', () => {
  it('predecessors, successor and the dates, batched: 3 or 12 establishments cost the same statements', async () => {
    const r = await api.gql(
      `{ a: establishment(clues: "HGIMB001234") { locality operatingSince closedOn predecessors { clues closedOn } successor { clues } }
         b: establishment(clues: "HGSSA001234") { operating closedOn predecessors { clues } successor { clues operatingSince } } }`,
      {},
      central,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({
      a: { locality: 'SAN JUAN TILCUAUTLA', operatingSince: '2024-07-18', closedOn: null, predecessors: [{ clues: 'HGSSA001234', closedOn: '2024-07-18' }], successor: null },
      b: { operating: false, closedOn: '2024-07-18', predecessors: [], successor: { clues: 'HGIMB001234', operatingSince: '2024-07-18' } },
    });
    const page = (n: number) =>
      api.countSql(async () => {
        const x = await api.gql(
          `query($n: Int) { establishments(first: $n, filter: { stateCodes: ["13"] }) { edges { node { clues predecessors { clues } successor { clues } } } } }`,
          { n },
          central,
        );
        expect(x.errors).toBeUndefined();
        expect(x.data.establishments.edges).toHaveLength(n);
      });
    expect(await page(12)).toBe(await page(3));
  });

  it('stockMovements of the new CLUES can include the old one’s, each with its CLUES, within the caller’s scope', async () => {
    const unit = await api.token(Role.PHARMACY, { clues: 'HGIMB001234' });
    const q = `query($c: String!, $p: Boolean) { stockMovements(clues: $c, includePredecessors: $p) { totalCount edges { node { clues kind quantity } } } }`;
    const own = await api.gql(q, { c: 'HGIMB001234' }, unit);
    expect(own.data.stockMovements).toEqual({ totalCount: 0, edges: [] });
    const all = await api.gql(q, { c: 'HGIMB001234', p: true }, unit);
    expect(all.data.stockMovements).toEqual({ totalCount: 1, edges: [{ node: { clues: 'HGSSA001234', kind: 'RECEIPT', quantity: 25 } }] });
    // the old CLUES itself is not the unit's to read directly
    const direct = await api.gql(q, { c: 'HGSSA001234' }, unit);
    expect(direct.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('stockLevels of the new CLUES can include the stock still recorded at the old one', async () => {
    const unit = await api.token(Role.PHARMACY, { clues: 'HGIMB001234' });
    const [{ clave }] = await db.query(
      `SELECT s.clave FROM stock_movement m JOIN supply_item s ON s.id = m.supply_item_id JOIN establishment e ON e.id = m.establishment_id WHERE e.clues = 'HGSSA001234'`,
    );
    const q = `query($p: Boolean, $after: String) { stockLevels(clues: "HGIMB001234", includePredecessors: $p, first: 1, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { establishment { clues } clave onHand } } } }`;
    expect((await api.gql(q, {}, unit)).data.stockLevels).toMatchObject({ totalCount: 0, edges: [] });
    const r = await api.gql(q, { p: true }, unit);
    expect(r.errors).toBeUndefined();
    expect(r.data.stockLevels).toMatchObject({ totalCount: 1, pageInfo: { hasNextPage: false }, edges: [{ node: { establishment: { clues: 'HGSSA001234' }, clave, onHand: 25 } }] });
    const next = await api.gql(q, { p: true, after: r.data.stockLevels.pageInfo.endCursor }, unit);
    expect(next.data.stockLevels.edges).toEqual([]);
  });
});

describe('batch work skips closed units', () => {
  it('cpm:batch computes no CPM for a closed CLUES and one for each clave at its successor', async () => {
    await runCpmBatch(db, { month: '2025-01' });
    const counts: Array<{ clues: string; n: number }> = await db.query(
      `SELECT e.clues, count(c.*)::int AS n FROM establishment e LEFT JOIN cpm_calculation c ON c.establishment_id = e.id AND c.month = '2025-01-01'
        WHERE e.clues IN ('HGSSA001234', 'HGIMB001234', 'HGSSA006001') GROUP BY e.clues ORDER BY e.clues`,
    );
    const [{ authorised }] = await db.query(
      `SELECT count(*)::int AS authorised FROM supply_item WHERE 'FIRST' = ANY (authorized_levels)
          AND coalesce(authorized_from_year, 0) <= 2025 AND coalesce(authorized_to_year, 9999) >= 2025`,
    );
    expect(authorised).toBeGreaterThan(0);
    expect(counts).toEqual([
      { clues: 'HGIMB001234', n: authorised },
      { clues: 'HGSSA001234', n: 0 },
      { clues: 'HGSSA006001', n: authorised },
    ]);
  });
});

describe('the procurement plan counts the re-keyed unit once', () => {
  it("Hidalgo's ratified CPM for the clave is the new CLUES's 40, not the closed one's 40 as well", async () => {
    const [{ clave }] = await db.query(
      `SELECT s.clave FROM cpm_submission_line l JOIN supply_item s ON s.id = l.supply_item_id JOIN cpm_submission cs ON cs.id = l.submission_id
         JOIN establishment e ON e.id = cs.establishment_id WHERE e.clues = 'HGSSA001234'`,
    );
    const r = await api.gql(
      `query($c: [String!]) { procurementPlan(year: 2024, stateCodes: ["13"], byState: true, claves: $c) { edges { node { state { code } clave ratifiedCpm unitsRatified } } } }`,
      { c: [clave.trim()] },
      central,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.procurementPlan.edges).toEqual([{ node: { state: { code: '13' }, clave, ratifiedCpm: 40, unitsRatified: 1 } }]);
  });
});

describe('a workbook and a state that has not federalized', () => {
  it('reads Date cells of an xlsx; a successor outside the network joins it from the date of the link, with its history', async () => {
    // Jalisco (14) has not federalized: its SSA CLUES are not in the network unless someone puts them there.
    await importClues(db, await file('jalisco-2024.csv', [HEADER, `JCSSA000606,${SSA},JALISCO,14,CAÑADAS DE OBREGON,117,CAÑADAS DE OBREGON,0001,ALTOS NORTE,${CS},CENTRO DE SALUD CAÑADAS,${RUNNING},PRIMER NIVEL,21.15,-102.68`]));
    await db.query(`SELECT set_config('abasto.status_effective_on', '2024-01-01', false)`);
    await db.query(`UPDATE establishment SET in_network = true, in_network_since = '2024-01-01' WHERE clues = 'JCSSA000606'`);
    await db.query(`SELECT set_config('abasto.status_effective_on', '', false)`);

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('CLUES_202501');
    sheet.getRow(1).values = ['CLUES', 'CLAVE DE LA ENTIDAD', 'NOMBRE DE LA UNIDAD', 'MUNICIPIO', 'LOCALIDAD', 'ESTATUS DE OPERACION', 'MOTIVO BAJA', 'FECHA EFECTIVA DE BAJA', 'ULTIMO MOVIMIENTO', 'FECHA ULTIMO MOVIMIENTO', 'CLUES_SSH'];
    const day = new Date(Date.UTC(2024, 9, 1));
    sheet.getRow(2).values = ['JCSSA000606', 14, 'CENTRO DE SALUD CAÑADAS', 'CAÑADAS DE OBREGON', 'CAÑADAS DE OBREGON', 'FUERA DE OPERACION', 'POR CAMBIO DE CLUES', day, 'BAJA', day];
    // a new SSA CLUES (not IMB): not in the network by itself; the crosswalk column names its predecessor
    sheet.getRow(3).values = ['JCSSA000707', 14, 'CENTRO DE SALUD CAÑADAS DE OBREGON', 'CAÑADAS DE OBREGON', 'CAÑADAS DE OBREGON', 'EN OPERACION', null, null, 'ALTA', day, 'JCSSA000606'];
    const xlsx = join(dir, 'jalisco-2025.xlsx');
    await workbook.xlsx.writeFile(xlsx);
    const run = await importClues(db, xlsx);
    expect(run).toMatchObject({ read: 2, created: 1, updated: 1, rejected: 0 });
    expect(run.succession.linked).toEqual([{ predecessor: 'JCSSA000606', successor: 'JCSSA000707', effectiveOn: '2024-10-01', method: 'CROSSWALK' }]);
    expect(await history('JCSSA000606')).toEqual([
      ['-infinity', true, false],
      ['2024-01-01', true, true],
      ['2024-10-01', false, true],
    ]);
    expect(await history('JCSSA000707')).toEqual([
      ['-infinity', false, false],
      ['2024-10-01', true, true],
    ]);
    expect(await db.query(`SELECT in_network, in_network_since::text FROM establishment WHERE clues = 'JCSSA000707'`)).toEqual([{ in_network: true, in_network_since: '2024-10-01' }]);
    const pair = { clues: ['JCSSA000606', 'JCSSA000707'] };
    expect((await unitsOn('2024-09-30', pair)).rows).toEqual(['JCSSA000606:0']);
    expect((await unitsOn('2024-10-01', pair)).rows).toEqual(['JCSSA000707:0']);
  });
});

describe('npm run import:clues --crosswalk', () => {
  it('prints the links, the ambiguous and the unmatched (the README shows this output)', async () => {
    // the links of the Hidalgo file made again, as on a first run (what they inherit is there already)
    await db.query(`DELETE FROM establishment_succession l USING establishment e WHERE e.id = l.predecessor_id AND e.state_code = '13'`);
    const { code, stdout, stderr } = await runCli('src/cli/import-clues.ts', [cut2025, '--crosswalk', crosswalk], tdb.url);
    expect(stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(stdout).toContain(
      [
        'CLUES sucesoras: 4 vínculos nuevos (1 por tabla de equivalencias, 3 por coincidencia) · 1 ambiguas · 1 sin sucesora',
        '  HGSSA001234 → HGIMB001234 desde 2024-07-18 (coincidencia en el archivo)',
        '  HGSSA002001 → HGIMB002001 desde 2024-07-18 (coincidencia en el archivo)',
        '  HGSSA002002 → HGIMB002002 desde 2024-07-18 (coincidencia en el archivo)',
        '  HGSSA005001 → HGIMB005002 desde 2024-07-18 (tabla de equivalencias)',
        'ambiguas, no vinculadas (dé la equivalencia con --crosswalk):',
        '  HGSSA003001: HGIMB003001, HGIMB003002',
        'dadas de baja por cambio de institución sin CLUES nueva que coincida (dé la equivalencia con --crosswalk):',
        '  HGSSA004001',
      ].join('\n'),
    );
    const again = await runCli('src/cli/import-clues.ts', [cut2025, '--crosswalk', crosswalk], tdb.url);
    expect(again.stdout).toContain('CLUES sucesoras: 0 vínculos nuevos (0 por tabla de equivalencias, 0 por coincidencia) · 1 ambiguas · 1 sin sucesora');
  });

  it('refuses --crosswalk without a file, or a file that does not exist', async () => {
    const missing = await runCli('src/cli/import-clues.ts', [cut2025, '--crosswalk', join(dir, 'no-such.csv')], tdb.url);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no existe la tabla de equivalencias');
  });
});
