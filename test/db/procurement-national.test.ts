import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * One national total (issue 16): the plan by state and the national plan add up to the same pieces,
 * with the central warehouse's stock shared among the states that need it. Fiscal year Y, safety 1
 * month (× 13), ratio 0.40. By hand:
 *
 *   paracetamol  Guerrero: CPM 100 → 1300 − 300 at its state warehouse            = own need 1000
 *                Oaxaca:   CPM 50  →  650 − 900 at Centro de Salud Etla            = own need −250
 *                central warehouse (DFSSA004936): 700 — all to Guerrero, the only state in need
 *                Guerrero need 300, max 300, min 120; Oaxaca need −250, max 0, min 0
 *                national: need 50, max 300, min 120 (Oaxaca's surplus does not cover Guerrero)
 *   gasa         Guerrero: CPM 20 → 260; Oaxaca: CPM 30 → 390; central 101 shared 260 : 390:
 *                Guerrero 101 × 260 / 650 = 40.4 → 40; Oaxaca 60.6 → 60, + the 1 left (larger remainder) = 61
 *                Guerrero need 220, max 220, min 88; Oaxaca need 329, max 329, min 132
 *                national: need 549, max 549, min 220 (= 650 − 101)
 *   Before this change the national plan counted Oaxaca's 250 and the central 700 against Guerrero
 *   (paracetamol max 50) while the by-state plan left the central stock out of every state (max 1000).
 */
let tdb: TestDatabase;
let api: TestApi;
let central: string;
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const Y = Number(businessDay().slice(0, 4)) + 1;

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  central = await api.token(Role.CENTRAL);
  for (const [clues, lines] of [
    ['GRSSA000001', [{ clave: PARA, cpm: 100 }, { clave: GASA, cpm: 20 }]],
    ['OCSSA000001', [{ clave: PARA, cpm: 50 }, { clave: GASA, cpm: 30 }]],
  ] as const) {
    await api.mutate(central, 'cpmSubmissionPropose', 'CpmSubmissionKeyInput', { clues, year: Y });
    await api.mutate(central, 'cpmSubmissionUpdate', 'CpmSubmissionUpdateInput', { clues, year: Y, lines: lines.map((l) => ({ ...l, justification: 'plan anual' })) });
    await api.mutate(central, 'cpmSubmissionRatify', 'CpmSubmissionKeyInput', { clues, year: Y });
  }
  const admin = await api.token(Role.ADMIN);
  const receive = (clues: string, lines: Array<[string, string, number]>) =>
    api.mutate(admin, 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: `in-${clues}`,
      clues,
      lines: lines.map(([clave, lotNumber, acceptedQuantity]) => ({ clave, lotNumber, acceptedQuantity, ...(clave === PARA ? { expiresOn: '2031-12-31' } : {}) })),
    });
  await receive('GRSSA000010', [[PARA, 'P-GR', 300]]);
  await receive('OCSSA000001', [[PARA, 'P-OC', 900]]);
  await receive('DFSSA004936', [[PARA, 'P-CEN', 700], [GASA, 'G-CEN', 101]]);
});
afterAll(() => stopNetworkApi(api, tdb));

const PLAN = `query($byState: Boolean, $states: [String!]) { procurementPlan(year: ${Y}, byState: $byState, stateCodes: $states, first: 100) {
  nodes { state { code } clave cpm usable onOpenPurchaseOrders nationalStock fromNationalStock need maximum minimum } } }`;

async function plan(byState: boolean, states?: string[]) {
  const r = await api.gql(PLAN, { byState, states }, central);
  expect(r.errors).toBeUndefined();
  return r.data.procurementPlan.nodes.map((n: any) => [n.state?.code ?? 'MX', n.clave, n.cpm, n.usable, n.nationalStock, n.fromNationalStock, n.need, n.maximum, n.minimum]);
}

test('by state: each state’s own need, less its share of the central warehouse’s stock', async () => {
  expect(await plan(true)).toEqual([
    ['12', PARA, 100, 300, 700, 700, 300, 300, 120],
    ['12', GASA, 20, 0, 101, 40, 220, 220, 88],
    ['20', PARA, 50, 900, 700, 0, -250, 0, 0],
    ['20', GASA, 30, 0, 101, 61, 329, 329, 132],
  ]);
});

test('nationally: the sum of the states — the same total as by state', async () => {
  expect(await plan(false)).toEqual([
    ['MX', PARA, 150, 1200, 700, 700, 50, 300, 120],
    ['MX', GASA, 50, 0, 101, 101, 549, 549, 220],
  ]);
  const byState = await plan(true);
  for (const clave of [PARA, GASA]) {
    const rows = byState.filter((r: unknown[]) => r[1] === clave);
    const national = (await plan(false)).find((r: unknown[]) => r[1] === clave)!;
    for (const col of [2, 3, 5, 6, 7, 8]) expect(national[col]).toBe(rows.reduce((s: number, r: number[]) => s + r[col], 0));
  }
});

test('a state’s figures do not depend on which other states are asked for', async () => {
  expect(await plan(true, ['20'])).toEqual([
    ['20', PARA, 50, 900, 700, 0, -250, 0, 0],
    ['20', GASA, 30, 0, 101, 61, 329, 329, 132],
  ]);
  expect(await plan(true, ['12'])).toEqual([
    ['12', PARA, 100, 300, 700, 700, 300, 300, 120],
    ['12', GASA, 20, 0, 101, 40, 220, 220, 88],
  ]);
});

test('the CSV export by state and the national one carry the same total maximum', async () => {
  const q = `query($b: Boolean) { procurementPlanExport(year: ${Y}, format: CSV, byState: $b) { contentBase64 } }`;
  const lastLine = async (b: boolean) => {
    const text = Buffer.from((await api.gql(q, { b }, central)).data.procurementPlanExport.contentBase64, 'base64').toString('utf8').trim().split(/\r\n/);
    return text;
  };
  const byState = await lastLine(true);
  const national = await lastLine(false);
  const header = byState[0].replace(/^\uFEFF/, '').split(',');
  const max = header.indexOf('Máximo');
  const totalByState = byState.find((l) => l.startsWith('Total nacional'))!.split(',')[max];
  const totalNational = national.slice(1).filter((l) => !l.startsWith('Total')).reduce((s, l) => s + Number(l.split(',')[max]), 0);
  expect(Number(totalByState)).toBe(849);
  expect(totalNational).toBe(849);
});
