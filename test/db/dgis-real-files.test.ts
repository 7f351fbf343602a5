import path from 'node:path';
import { importClues } from '../../src/modules/registry/clues-import';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * Issue 19 on real published files (test/fixtures/real, provenance in its README): excerpts of the DGIS
 * catalogue as people hold it — a 202604 workbook whose uploader deleted 13 columns (Oaxaca, IMSS), the
 * 202501 cut re-saved through pandas (Hidalgo: the SSA CLUES closed "POR CAMBIO DE INSTITUCION" and the
 * IMB CLUES opened for the same units, with a CLUES_SSH column the uploader joined in), and
 * IMSS-BIENESTAR's own catalogue pairing each IMB CLUES with the SSA one it replaced. Every figure below
 * was counted in the files by hand.
 */
const REAL = path.resolve(__dirname, '../fixtures/real');
const OAXACA = path.join(REAL, 'dgis-clues-202604-oaxaca-imss-excerpt.xlsx');
const SSA_BAJAS = path.join(REAL, 'dgis-clues-202501-hidalgo-ssa-bajas-excerpt.xlsx');
const IMB_ALTAS = path.join(REAL, 'dgis-clues-202501-hidalgo-imb-altas-merged-excerpt.xlsx');
const CROSSWALK = path.join(REAL, 'imssb-clues-imb-ssa-crosswalk-excerpt.csv');

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await tdb?.drop();
});

const q = (sql: string, params: unknown[] = []) => tdb.db.query(sql, params);

describe('DGIS 202604, Oaxaca IMSS, 13 columns deleted by its uploader (three sheets, two with repeated headers)', () => {
  test('the CLUES sheet is read; the state from ENTIDAD; the deleted institution columns named, the institution read from the CLUES', async () => {
    const r = await importClues(tdb.db, OAXACA);
    expect([r.read, r.created, r.updated, r.rejected]).toEqual([41, 41, 0, 0]);
    expect(r.missingColumns).toEqual(['CLAVE DE LA INSTITUCION|CLAVE INSTITUCION', 'NOMBRE DE LA INSTITUCION|NOMBRE INSTITUCION|INSTITUCION']);
    expect(await q(`SELECT state_code, count(*)::int AS n FROM establishment GROUP BY 1`)).toEqual([{ state_code: '20', n: 41 }]);
    // almacenes and oficinas administrativas are SUPPORT; the four brigadas ("BRIGADAS DE SALUD ", trailing space) MOBILE
    expect(await q(`SELECT kind, count(*)::int AS n FROM establishment GROUP BY 1 ORDER BY 1`)).toEqual([
      { kind: 'FIXED', n: 35 },
      { kind: 'MOBILE', n: 4 },
      { kind: 'SUPPORT', n: 2 },
    ]);
    // coordinates written as text with 2 to 7 decimals: all read
    expect(await q(`SELECT count(*)::int AS n FROM establishment WHERE latitude IS NULL OR longitude IS NULL`)).toEqual([{ n: 0 }]);
    expect(await q(`SELECT name FROM establishment WHERE name LIKE '%PEÑASCO%' OR locality LIKE '%YOSOCAÑÚ%' ORDER BY 1 LIMIT 1`)).not.toEqual([]);
  });

  test('the 8 closed units: BAJA on 09/02/2010 with FECHA EFECTIVA DE BAJA blank — closed from that day, nobody\'s predecessor', async () => {
    const closed = await q(`SELECT clues, closed_on::text AS closed_on FROM establishment WHERE NOT operating ORDER BY clues`);
    expect(closed).toEqual(
      ['OCIMS000013', 'OCIMS000042', 'OCIMS000054', 'OCIMS000066', 'OCIMS000211', 'OCIMS000235', 'OCIMS000310', 'OCIMS000346'].map((clues) => ({ clues, closed_on: '2010-02-09' })),
    );
    // not "por cambio de institución": no successor is looked for, none reported missing
    const again = await importClues(tdb.db, OAXACA);
    expect([again.created, again.updated, again.unchanged]).toEqual([0, 0, 41]);
    expect(again.succession).toEqual({ linked: [], ambiguous: [], unmatched: [], rejected: [] });
  });
});

describe('DGIS 202501 through pandas, Hidalgo: the SSA CLUES closed, the IMB ones opened, and the crosswalks', () => {
  test('the SSA bajas (31): closed on the three dates of the handover, each waiting for its successor', async () => {
    const r = await importClues(tdb.db, SSA_BAJAS);
    expect([r.read, r.created, r.rejected]).toEqual([31, 31, 0]);
    // entity 13 as a number (pandas dropped the leading zeros): still Hidalgo
    expect(await q(`SELECT count(*)::int AS n FROM establishment WHERE clues LIKE 'HGSSA%' AND state_code = '13'`)).toEqual([{ n: 31 }]);
    expect(await q(`SELECT closed_on::text AS day, closure_reason, count(*)::int AS n FROM establishment WHERE clues LIKE 'HGSSA%' GROUP BY 1, 2 ORDER BY 1`)).toEqual([
      { day: '2024-07-18', closure_reason: 'POR CAMBIO DE INSTITUCION', n: 21 },
      { day: '2024-09-25', closure_reason: 'POR CAMBIO DE INSTITUCION', n: 1 },
      { day: '2024-10-28', closure_reason: 'POR CAMBIO DE INSTITUCION', n: 9 },
    ]);
    expect(r.succession.unmatched).toHaveLength(31);
  });

  test('the IMB altas (32) with the uploader\'s CLUES_SSH: 30 linked by it; the two it left empty are not guessed', async () => {
    const r = await importClues(tdb.db, IMB_ALTAS);
    expect([r.read, r.created, r.rejected]).toEqual([32, 32, 0]);
    expect(r.succession.linked).toHaveLength(30);
    expect(r.succession.linked.every((l) => l.method === 'CROSSWALK')).toBe(true);
    // the successor opened the day its predecessor closed
    expect(await q(`SELECT count(*)::int AS n FROM establishment_succession l JOIN establishment p ON p.id = l.predecessor_id JOIN establishment s ON s.id = l.successor_id
                     WHERE s.operating_since <> p.closed_on`)).toEqual([{ n: 0 }]);
    // HGSSA015602 was renamed on its way to IMB ("… VIOLENCIA FAMILIAR" → "… Y SEXUAL (UEPAVFS)"): no name match, reported
    expect(r.succession.unmatched).toEqual(['HGSSA015602']);
    // HGIMB002292 is EN OPERACION with a MOTIVO BAJA of 2022 in the same row: in operation, no closing date
    expect(await q(`SELECT operating, closed_on FROM establishment WHERE clues = 'HGIMB002292'`)).toEqual([{ operating: true, closed_on: null }]);
  });

  test('IMSS-BIENESTAR\'s own catalogue as --crosswalk: links the renamed unit; pairs of CLUES not in the registry are listed, not invented', async () => {
    const r = await importClues(tdb.db, IMB_ALTAS, { crosswalk: CROSSWALK });
    expect([r.created, r.updated, r.unchanged]).toEqual([0, 0, 32]);
    expect(r.succession.linked).toEqual([{ predecessor: 'HGSSA015602', successor: 'HGIMB005191', effectiveOn: '2024-10-28', method: 'CROSSWALK' }]);
    expect(r.succession.unmatched).toEqual([]);
    // 55 rows: 6 with no predecessor (new units) are no pair; of the rest, those whose CLUES this registry lacks
    // (other states, and HGSSA002425, PIRACANTOS's predecessor, not in the bajas excerpt) are listed by line
    expect(r.succession.rejected.map((x) => x.code)).toEqual(r.succession.rejected.map(() => 'UNKNOWN_CLUES'));
    expect(r.succession.rejected.map((x) => x.message)).toContain('La CLUES HGSSA002425 no está registrada: importe primero el catálogo que la trae');
    expect(await q(`SELECT count(*)::int AS n FROM establishment_succession`)).toEqual([{ n: 31 }]);
  });
});
