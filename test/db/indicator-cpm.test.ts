import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';
import { addClaves, CLAVES } from '../support/network';

/**
 * Official indicator 51 by hand, on a network whose units enter and leave the network and change
 * operating status around the as-of dates (fiscal year 2025):
 *
 *   A GRSSA000201 FIXED FIRST    ratified 2025-04-10
 *   B GRSSA000202 FIXED SECOND   ratified 2025-07-01
 *   C GRSSA000203 MOBILE         never ratified
 *   D GRSSA000204 FIXED FIRST    in the network from 2025-06-01; ratified 2025-05-20
 *   E GRSSA000205 FIXED FIRST    leaves the network 2025-06-01; ratified 2025-04-01
 *   F GRSSA000206 FIXED FIRST    ratified 2025-03-01, returned 2025-08-01, out of operation from 2025-09-01
 *   G GRSSA000207 SUPPORT        never a unit
 *   H OCSSA000201 FIXED THIRD    ratified 2025-02-01
 *   J JCSSA000201 FIXED FIRST    not in the network (Jalisco)
 *
 *   as of 2025-03-15: units A B C E F H (6); ratified F H (2)       → 33.3 %
 *   as of 2025-06-15: units A B C D F H (6); ratified A D F H (4)   → 66.7 %
 *   as of 2025-09-15: units A B C D H (5);   ratified A B D H (4)   → 80 %
 */

let tdb: TestDatabase;
let api: TestApi;
let admin: string;

const IND = `query($f: IndicatorFilter, $g: [IndicatorDimension!]) { indicator(code: CPM_RATIFICATION, filter: $f, groupBy: $g) {
  code name formula unit target asOf total { numerator denominator value }
  rows { month levelOfCare state { code } establishment { clues } numerator denominator value } } }`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
  admin = await api.token(Role.ADMIN);
  await addClaves(api);
  const upsert = async (i: Record<string, unknown>) => {
    const r = await api.gql(`mutation($i: EstablishmentUpsertInput!) { establishmentUpsert(input: $i) { userErrors { code message } } }`, { i }, admin);
    expect(r.data.establishmentUpsert.userErrors).toEqual([]);
  };
  await upsert({ clues: 'GRSSA000201', name: 'A', kind: 'FIXED', levelOfCare: 'FIRST' });
  await upsert({ clues: 'GRSSA000202', name: 'B', kind: 'FIXED', levelOfCare: 'SECOND' });
  await upsert({ clues: 'GRSSA000203', name: 'C', kind: 'MOBILE' });
  await upsert({ clues: 'GRSSA000204', name: 'D', kind: 'FIXED', levelOfCare: 'FIRST', inNetworkSince: '2025-06-01' });
  await upsert({ clues: 'GRSSA000205', name: 'E', kind: 'FIXED', levelOfCare: 'FIRST' });
  await upsert({ clues: 'GRSSA000206', name: 'F', kind: 'FIXED', levelOfCare: 'FIRST' });
  await upsert({ clues: 'GRSSA000207', name: 'G', kind: 'SUPPORT' });
  await upsert({ clues: 'OCSSA000201', name: 'H', kind: 'FIXED', levelOfCare: 'THIRD' });
  await upsert({ clues: 'JCSSA000201', name: 'J', kind: 'FIXED', levelOfCare: 'FIRST', inNetwork: false });
  await upsert({ clues: 'GRSSA000205', inNetwork: false, statusEffectiveOn: '2025-06-01' });
  await upsert({ clues: 'GRSSA000206', operating: false, statusEffectiveOn: '2025-09-01' });

  const central = await api.token(Role.CENTRAL);
  const mutate = async (name: string, type: string, i: Record<string, unknown>) => {
    const r = await api.gql(`mutation($i: ${type}!) { ${name}(input: $i) { userErrors { code message } } }`, { i }, central);
    expect(r.data[name].userErrors).toEqual([]);
  };
  // Each ratification happens now; its event is then set to the day it happened in the story (only
  // time travel needs SQL here).
  const backdate = async (clues: string, action: string, at: string) => {
    await tdb.db.query(
      `UPDATE cpm_submission_event ev SET at = $3 FROM cpm_submission cs JOIN establishment e ON e.id = cs.establishment_id
        WHERE ev.submission_id = cs.id AND e.clues = $1 AND ev.action = $2`,
      [clues, action, `${at}T12:00:00-06:00`],
    );
  };
  const ratify = async (clues: string, on: string) => {
    await mutate('cpmSubmissionPropose', 'CpmSubmissionKeyInput', { clues, year: 2025 });
    await mutate('cpmSubmissionUpdate', 'CpmSubmissionUpdateInput', { clues, year: 2025, lines: [{ clave: CLAVES.gasa, cpm: 10, justification: 'sin historial' }] });
    await mutate('cpmSubmissionRatify', 'CpmSubmissionKeyInput', { clues, year: 2025 });
    await backdate(clues, 'RATIFIED', on);
  };
  await ratify('GRSSA000201', '2025-04-10');
  await ratify('GRSSA000202', '2025-07-01');
  await ratify('GRSSA000204', '2025-05-20');
  await ratify('GRSSA000205', '2025-04-01');
  await ratify('GRSSA000206', '2025-03-01');
  await mutate('cpmSubmissionReturn', 'CpmSubmissionReturnInput', { clues: 'GRSSA000206', year: 2025, reason: 'revisión' });
  await backdate('GRSSA000206', 'RETURNED', '2025-08-01');
  await ratify('OCSSA000201', '2025-02-01');
});
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

/**
 * Aggregates are read with a unit's token (every caller may read them); figures unit by unit (a CLUES
 * filter, an ESTABLISHMENT breakdown) with a national one, whose scope they are in.
 */
async function ind(filter: Record<string, unknown>, groupBy?: string[]): Promise<any> {
  const unitByUnit = 'clues' in filter || !!groupBy?.includes('ESTABLISHMENT');
  const token = await api.token(unitByUnit ? Role.AUDITOR : Role.PHARMACY, unitByUnit ? {} : { clues: 'GRSSA000201' });
  const r = await api.gql(IND, { f: { year: 2025, ...filter }, g: groupBy }, token);
  expect(r.errors).toBeUndefined();
  return r.data.indicator;
}

test('the definition is shown with the figures', async () => {
  const r = await ind({ asOf: '2025-09-15' });
  expect(r).toMatchObject({ code: 'CPM_RATIFICATION', unit: '%', target: 100, asOf: '2025-09-15' });
  expect(r.formula).toMatch(/ratificado.*\/.*unidades de la red/);
});

test.each([
  ['2025-03-15', 2, 6],
  ['2025-06-15', 4, 6],
  ['2025-09-15', 4, 5],
])('as of %s: %i of %i units', async (asOf, numerator, denominator) => {
  const r = await ind({ asOf });
  expect(r.total).toEqual({ numerator, denominator, value: (numerator / denominator) * 100 });
});

test('by state and by level of care, as of 2025-09-15', async () => {
  const byState = await ind({ asOf: '2025-09-15' }, ['STATE']);
  expect(byState.rows.map((r: any) => [r.state.code, r.numerator, r.denominator])).toEqual([
    ['12', 3, 4],
    ['20', 1, 1],
  ]);
  const byLevel = await ind({ asOf: '2025-09-15' }, ['LEVEL_OF_CARE']);
  expect(byLevel.rows.map((r: any) => [r.levelOfCare, r.numerator, r.denominator, r.value])).toEqual([
    ['FIRST', 2, 2, 100],
    ['SECOND', 1, 1, 100],
    ['THIRD', 1, 1, 100],
    [null, 0, 1, 0],
  ]);
});

test('by establishment, as of 2025-06-15: who counts and who ratified', async () => {
  const r = await ind({ asOf: '2025-06-15' }, ['ESTABLISHMENT']);
  expect(r.rows.map((x: any) => [x.establishment.clues, x.numerator])).toEqual([
    ['GRSSA000201', 1],
    ['GRSSA000202', 0],
    ['GRSSA000203', 0],
    ['GRSSA000204', 1],
    ['GRSSA000206', 1],
    ['OCSSA000201', 1],
  ]);
});

test('filters: states, CLUES and levels', async () => {
  expect((await ind({ asOf: '2025-09-15', stateCodes: ['20'] })).total).toMatchObject({ numerator: 1, denominator: 1 });
  expect((await ind({ asOf: '2025-09-15', clues: ['grssa000202', 'GRSSA000203'] })).total).toMatchObject({ numerator: 1, denominator: 2 });
  expect((await ind({ asOf: '2025-09-15', levelsOfCare: ['FIRST'] })).total).toMatchObject({ numerator: 2, denominator: 2 });
  expect((await ind({ asOf: '2025-09-15', stateCodes: ['14'] })).total).toEqual({ numerator: 0, denominator: 0, value: null });
});

test('a monthly series, each month as of its last day (the last one as of asOf)', async () => {
  const r = await ind({ asOf: '2025-09-15', from: '2025-01-01', to: '2025-09-30' }, ['MONTH']);
  expect(r.rows.map((x: any) => [x.month, x.numerator, x.denominator])).toEqual([
    ['2025-01', 0, 6], // A B C E F H; nobody yet
    ['2025-02', 1, 6], // H
    ['2025-03', 2, 6], // F
    ['2025-04', 4, 6], // A, E
    ['2025-05', 4, 6], // D ratified but not yet in the network
    ['2025-06', 4, 6], // E left, D entered: A D F H
    ['2025-07', 5, 6], // B
    ['2025-08', 4, 6], // F returned
    ['2025-09', 4, 5], // F out of operation
  ]);
});

test('bad requests', async () => {
  const t = await api.token(Role.AUDITOR);
  const code = async (vars: Record<string, unknown>, q = IND) => (await api.gql(q, vars, t)).errors?.[0].extensions?.code;
  expect(await code({ g: ['CLAVE'] })).toBe('UNSUPPORTED_DIMENSION');
  expect(await code({ f: { asOf: '2999-01-01' } })).toBe('DATE_IN_FUTURE');
  expect(await code({ f: { from: '2025-05-01', to: '2025-01-01' } })).toBe('INCONSISTENT');
});
