import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { addClaves, buildNetwork, CLAVES } from '../support/network';

/**
 * The procurement plan for next fiscal year Y, by hand (safety 1 month, ratio 0.40):
 *
 *   CPM  GRSSA000001 ratified: paracetamol 100, gasa 20
 *        GRSSA000002 ratified: paracetamol 300
 *        GRSSA000003 (mobile) ratified nothing: its calculated paracetamol CPM 50 stands in (6 months × 50)
 *        OCSSA000001 ratified: gasa 10
 *        OCSSA000002 ratified: trastuzumab 2
 *   Stock (usable today): GRSSA000010 paracetamol 400 (+100 in a lot already expired, not usable) + 600
 *        received on the purchase order; GRSSA000003 paracetamol 1000 − 300 consumed = 700;
 *        OCSSA000002 trastuzumab 100.
 *   Open purchase orders: GRSSA000010 paracetamol 1000 approved, 600 accepted → 400 open
 *        (a draft order for 5000 does not count).
 *
 *   paracetamol  Σ CPM 400 + 50 = 450 → need 450 × 13 − 1700 − 400 = 3750; max 3750; min ⌈1500⌉ = 1500
 *   gasa         Σ CPM 30              → need 390;                       max 390;  min 156
 *   trastuzumab  Σ CPM 2               → need 26 − 100 = −74;            max 0;    min 0
 *   by state: 12 paracetamol 3750/3750/1500, gasa 260/260/104 (total need 4010, max 4010, min 1604);
 *             20 gasa 130/130/52, trastuzumab −74/0/0 (total need 56, max 130, min 52)
 */

let tdb: TestDatabase;
let api: TestApi;
let central: string;
const { paracetamol: PARA, gasa: GASA, trastuzumab: TRAS } = CLAVES;
const TODAY = businessDay();
const Y = Number(TODAY.slice(0, 4)) + 1;

async function ok(token: string, mutation: string, type: string, i: Record<string, unknown>, body = 'userErrors { code message }'): Promise<any> {
  const r = await api.gql(`mutation($i: ${type}!) { ${mutation}(input: $i) { ${body} } }`, { i }, token);
  if (r.errors || r.data[mutation].userErrors.length) throw new Error(`${mutation}: ${JSON.stringify(r.errors ?? r.data[mutation].userErrors)}`);
  return r.data[mutation];
}

function monthDay(offset: number, day: number): string {
  const [y, m] = TODAY.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 + offset, day)).toISOString().slice(0, 10);
}

let poNumber: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
  await buildNetwork(api);
  await addClaves(api);
  central = await api.token(Role.CENTRAL);
  const ratify = async (clues: string, lines: Array<{ clave: string; cpm: number }>) => {
    await ok(central, 'cpmSubmissionPropose', 'CpmSubmissionKeyInput', { clues, year: Y });
    await ok(central, 'cpmSubmissionUpdate', 'CpmSubmissionUpdateInput', { clues, year: Y, lines: lines.map((l) => ({ ...l, justification: 'plan anual' })) });
    await ok(central, 'cpmSubmissionRatify', 'CpmSubmissionKeyInput', { clues, year: Y });
  };
  await ratify('GRSSA000001', [{ clave: PARA, cpm: 100 }, { clave: GASA, cpm: 20 }]);
  await ratify('GRSSA000002', [{ clave: PARA, cpm: 300 }]);
  await ratify('OCSSA000001', [{ clave: GASA, cpm: 10 }]);
  await ratify('OCSSA000002', [{ clave: TRAS, cpm: 2 }]);

  // The mobile unit's ledger: 1000 in, 50 a month out for six months; then this month's CPM batch.
  const mobile = await api.token(Role.PHARMACY, { clues: 'GRSSA000003' });
  await ok(mobile, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'm-in', clues: 'GRSSA000003', receivedAt: `${monthDay(-7, 1)}T12:00:00-06:00`, lines: [{ clave: PARA, lotNumber: 'M-1', expiresOn: '2031-12-31', acceptedQuantity: 1000 }] });
  for (let m = -6; m <= -1; m++) {
    await ok(mobile, 'stockConsume', 'StockConsumeInput', { idempotencyKey: `m-out${m}`, clues: 'GRSSA000003', occurredAt: `${monthDay(m, 15)}T12:00:00-06:00`, lines: [{ clave: PARA, quantity: 50 }] });
  }
  const batch = await runCli('src/cli/cpm-batch.ts', [], tdb.url);
  expect(batch.code).toBe(0);

  const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  await ok(warehouse, 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'w-in',
    clues: 'GRSSA000010',
    receivedAt: `${monthDay(-8, 1)}T12:00:00-06:00`,
    lines: [
      { clave: PARA, lotNumber: 'W-OK', expiresOn: '2031-12-31', acceptedQuantity: 400 },
      { clave: PARA, lotNumber: 'W-OLD', expiresOn: monthDay(-1, 1), acceptedQuantity: 100 },
    ],
  });
  const hospital = await api.token(Role.PHARMACY, { clues: 'OCSSA000002' });
  await ok(hospital, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'h-in', clues: 'OCSSA000002', lines: [{ clave: TRAS, lotNumber: 'T-1', expiresOn: '2031-12-31', acceptedQuantity: 100 }] });

  const po = await ok(central, 'orderCreate', 'OrderCreateInput', { idempotencyKey: 'po', kind: 'PURCHASE', requestingClues: 'GRSSA000010', supplier: 'Distribuidora', lines: [{ clave: PARA, quantity: 1000 }] }, 'order { number } userErrors { code message }');
  poNumber = po.order.number;
  await ok(central, 'orderSubmit', 'OrderNumberInput', { number: poNumber });
  await ok(central, 'orderApprove', 'OrderApproveInput', { number: poNumber });
  await ok(warehouse, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'po-in', clues: 'GRSSA000010', orderNumber: poNumber, lines: [{ clave: PARA, lotNumber: 'W-PO', expiresOn: '2031-12-31', acceptedQuantity: 600 }] });
  await ok(central, 'orderCreate', 'OrderCreateInput', { idempotencyKey: 'po-draft', kind: 'PURCHASE', requestingClues: 'GRSSA000010', supplier: 'Otro', lines: [{ clave: PARA, quantity: 5000 }] });
}, 120_000);
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

const PLAN = `query($y: Int!, $s: [String!], $b: Boolean, $after: String, $first: Int) {
  procurementPlan(year: $y, stateCodes: $s, byState: $b, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { state { code } clave supplyItem { description } ratifiedCpm calculatedCpm cpm unitsRatified unitsCalculated calculatedStandIn
                   months safetyMonths usable onOpenPurchaseOrders need maximum minimum minimumRatio } } } }`;

describe('procurement plan', () => {
  test('nationally, per clave, with every input', async () => {
    const r = await api.gql(PLAN, { y: Y }, central);
    expect(r.errors).toBeUndefined();
    const rows = r.data.procurementPlan.edges.map((e: any) => e.node);
    expect(r.data.procurementPlan.totalCount).toBe(3);
    const by = Object.fromEntries(rows.map((x: any) => [x.clave, x]));
    expect(by[PARA]).toMatchObject({
      state: null, ratifiedCpm: 400, calculatedCpm: 50, cpm: 450, unitsRatified: 2, unitsCalculated: 1, calculatedStandIn: true,
      months: 12, safetyMonths: 1, usable: 1700, onOpenPurchaseOrders: 400, need: 3750, maximum: 3750, minimum: 1500, minimumRatio: 0.4,
    });
    expect(by[GASA]).toMatchObject({ cpm: 30, calculatedStandIn: false, usable: 0, onOpenPurchaseOrders: 0, need: 390, maximum: 390, minimum: 156 });
    expect(by[TRAS]).toMatchObject({ cpm: 2, usable: 100, need: -74, maximum: 0, minimum: 0 });
  });

  test('per state, paged', async () => {
    const first = await api.gql(PLAN, { y: Y, b: true, first: 2 }, central);
    const page1 = first.data.procurementPlan;
    expect(page1.totalCount).toBe(4);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await api.gql(PLAN, { y: Y, b: true, first: 2, after: page1.pageInfo.endCursor }, central);
    const rows = [...page1.edges, ...second.data.procurementPlan.edges].map((e: any) => [e.node.state.code, e.node.clave, e.node.need, e.node.maximum, e.node.minimum]);
    expect(rows).toEqual([
      ['12', PARA, 3750, 3750, 1500],
      ['12', GASA, 260, 260, 104],
      ['20', GASA, 130, 130, 52],
      ['20', TRAS, -74, 0, 0],
    ].sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)));
    // A coordinator sees its own state only.
    const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '20' });
    const own = await api.gql(PLAN, { y: Y }, coordinator);
    expect(own.data.procurementPlan.edges.map((e: any) => [e.node.state.code, e.node.clave]).sort()).toEqual([['20', GASA], ['20', TRAS]].sort());
    expect((await api.gql(PLAN, { y: Y, s: ['12'] }, coordinator)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await api.gql(PLAN, { y: Y }, await api.token(Role.PHARMACY, { clues: 'GRSSA000001' }))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  test('CSV and XLSX, from the API and the CLI, read back: Spanish columns, totals per state matching the rows', async () => {
    const q = `query($f: ExportFormat!) { procurementPlanExport(year: ${Y}, format: $f, byState: true) { filename mimeType rows contentBase64 } }`;
    const csv = (await api.gql(q, { f: 'CSV' }, central)).data.procurementPlanExport;
    expect(csv).toMatchObject({ filename: `plan-compras-${Y}-por-entidad.csv`, rows: 4 });
    const table: string[][] = parse(Buffer.from(csv.contentBase64, 'base64').toString('utf8'), { bom: true });
    expect(table[0]).toEqual([
      'Entidad', 'Clave', 'Descripción', 'CPM ratificado', 'CPM calculado (sin ratificar)', 'CPM total', 'Unidades con CPM ratificado',
      'Unidades con CPM calculado', 'Meses', 'Meses de seguridad', 'Existencia utilizable', 'Piezas en órdenes de compra abiertas',
      'Necesidad', 'Máximo', 'Mínimo', 'CPM calculado en lugar de ratificado',
    ]);
    const col = (name: string) => table[0].indexOf(name);
    const pick = (row: string[]) => [row[col('Entidad')], row[col('Clave')], Number(row[col('Necesidad')]), Number(row[col('Máximo')]), Number(row[col('Mínimo')])];
    expect(table.slice(1).map(pick)).toEqual([
      ['12 Guerrero', PARA, 3750, 3750, 1500],
      ['12 Guerrero', GASA, 260, 260, 104],
      ['Total 12 Guerrero', '', 4010, 4010, 1604],
      ['20 Oaxaca', TRAS, -74, 0, 0],
      ['20 Oaxaca', GASA, 130, 130, 52],
      ['Total 20 Oaxaca', '', 56, 130, 52],
      ['Total nacional', '', 4066, 4140, 1656],
    ]);
    expect(table[1][col('CPM calculado en lugar de ratificado')]).toBe('Sí');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-'));
    const out = path.join(dir, 'plan.xlsx');
    const cli = await runCli('src/cli/export-plan.ts', ['--year', String(Y), '--by-state', '--out', out], tdb.url);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('4 rows, maximum 4140 pieces, minimum 1656');
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(out);
    const sheet = book.getWorksheet(`Plan ${Y}`)!;
    const values = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(values(1)).toEqual(table[0]);
    const xrows = Array.from({ length: sheet.rowCount - 1 }, (_, i) => values(i + 2));
    expect(xrows.map((r) => [r[0], r[1] ?? '', r[12], r[13], r[14]])).toEqual(table.slice(1).map((r) => [r[0], r[1], Number(r[12]), Number(r[13]), Number(r[14])]));
    // Each state's total is the sum of its rows.
    for (const [label, from, to] of [['Total 12 Guerrero', 0, 2], ['Total 20 Oaxaca', 3, 5]] as const) {
      const total = xrows.find((r) => r[0] === label)!;
      for (const c of [3, 4, 5, 10, 11, 12, 13, 14]) expect(total[c]).toBe(xrows.slice(from, to).reduce((s, r) => s + (r[c] as number), 0));
    }
    expect(book.getWorksheet('Fórmula')!.getRow(2).getCell(1).value).toMatch(/Necesidad = Σ CPM × 12/);
    const bad = await runCli('src/cli/export-plan.ts', ['--year', 'x'], tdb.url);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/usage: npm run export:plan/);
  });
});
