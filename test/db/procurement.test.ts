import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { runCli } from '../support/cli';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

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

const ok: TestApi['mutate'] = (...args) => api.mutate(...args);

function monthDay(offset: number, day: number): string {
  const [y, m] = TODAY.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 + offset, day)).toISOString().slice(0, 10);
}

let poNumber: string;

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
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
afterAll(() => stopNetworkApi(api, tdb));

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
      'Existencia nacional (almacenes centrales)', 'Asignado de la existencia nacional', 'Necesidad', 'Máximo', 'Mínimo', 'CPM calculado en lugar de ratificado',
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
    expect(xrows.map((r) => [r[0], r[1] ?? '', r[14], r[15], r[16]])).toEqual(table.slice(1).map((r) => [r[0], r[1], Number(r[14]), Number(r[15]), Number(r[16])]));
    // Each state's total is the sum of its rows.
    for (const [label, from, to] of [['Total 12 Guerrero', 0, 2], ['Total 20 Oaxaca', 3, 5]] as const) {
      const total = xrows.find((r) => r[0] === label)!;
      for (const c of [3, 4, 5, 10, 11, 13, 14, 15, 16]) expect(total[c]).toBe(xrows.slice(from, to).reduce((s, r) => s + (r[c] as number), 0));
    }
    expect(book.getWorksheet('Fórmula')!.getRow(2).getCell(1).value).toMatch(/necesidad = ⌈Σ CPM × 12/);
    const bad = await runCli('src/cli/export-plan.ts', ['--year', 'x'], tdb.url);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/usage: npm run export:plan/);
  });
});

describe('open contracts', () => {
  const CREATE = `mutation($i: ProcurementContractCreateInput!) { procurementContractCreate(input: $i) {
    contract { contractId number supplier clave state { code } minPieces maxPieces unitPrice validFrom validTo }
    userErrors { code field } } }`;
  const shift = (days: number) => new Date(Date.parse(`${TODAY}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const base = { supplier: 'Laboratorios del Sur, S.A.', clave: GASA, stateCode: '12', minPieces: 400, maxPieces: 1000, unitPrice: 12.5, validFrom: shift(-30), validTo: shift(335) };
  const create = async (i: Record<string, unknown>, token = central) => {
    const r = await api.gql(CREATE, { i }, token);
    return r.errors ? r.errors.map((e: any) => e.extensions.code) : r.data.procurementContractCreate;
  };
  const PROGRESS = `query($n: [String!]) { procurementContracts(filter: { claves: $n }) { edges { node { number progress { accepted committed available percentOfMinimum percentOfMaximum acceptedValue orders } } } } }`;
  let contractId: number;
  let warehouse: string;

  const purchase = async (key: string, quantity: number, extra: Record<string, unknown> = {}) => {
    const r = await api.gql(
      `mutation($i: OrderCreateInput!) { orderCreate(input: $i) { order { number supplier contract { number } } userErrors { code field message } } }`,
      { i: { idempotencyKey: key, kind: 'PURCHASE', requestingClues: 'GRSSA000010', contractId, lines: [{ clave: GASA, quantity }], ...extra } },
      central,
    );
    return r.data.orderCreate;
  };
  const progress = async () => (await api.gql(PROGRESS, { n: [GASA] }, central)).data.procurementContracts.edges[0].node.progress;

  test('bad contracts are refused and write nothing', async () => {
    const codes = async (i: Record<string, unknown>) => (await create({ idempotencyKey: `bad-${Math.random()}`, ...base, ...i })).userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')]);
    expect(await codes({ minPieces: 399 })).toEqual([['MINIMUM_BELOW_RATIO', 'minPieces']]);
    expect(await codes({ minPieces: 1001 })).toEqual([['INCONSISTENT', 'minPieces']]);
    expect(await codes({ validTo: shift(-31) })).toEqual([['INCONSISTENT', 'validTo']]);
    expect(await codes({ clave: '010.000.9999.00' })).toEqual([['UNKNOWN_CLAVE', 'clave']]);
    expect(await codes({ stateCode: '99' })).toEqual([['UNKNOWN_STATE', 'stateCode']]);
    expect(await codes({ unitPrice: 12.345 })).toEqual([['INVALID_VALUE', 'unitPrice']]);
    expect(await codes({ maxPieces: 0 })).toEqual([['MUST_BE_POSITIVE', 'maxPieces']]);
    expect(await create({ idempotencyKey: 'bad-role', ...base }, await api.token(Role.STATE_COORDINATOR, { state: '12' }))).toEqual(['FORBIDDEN']);
    const [{ n }] = await tdb.db.query('SELECT count(*)::int AS n FROM procurement_contract');
    expect(n).toBe(0);
  });

  test('a contract, orders under it, and its maximum', async () => {
    const c = (await create({ idempotencyKey: 'c1', ...base })).contract;
    expect(c).toMatchObject({ number: expect.stringMatching(/^CA-\d{4}-\d{5}$/), supplier: base.supplier, clave: GASA, state: { code: '12' }, minPieces: 400, maxPieces: 1000, unitPrice: 12.5 });
    contractId = c.contractId;
    await create({ idempotencyKey: 'c-old', ...base, supplier: 'Insumos del Norte', stateCode: null, validFrom: shift(-400), validTo: shift(-35) });
    warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });

    const first = await purchase('k1', 600);
    expect(first.userErrors).toEqual([]);
    expect(first.order).toMatchObject({ supplier: base.supplier, contract: { number: c.number } });
    // 400 remain under the maximum.
    expect((await purchase('k2', 500)).userErrors.map((e: any) => e.code)).toEqual(['CONTRACT_MAXIMUM_EXCEEDED']);
    expect((await purchase('k3', 1, { lines: [{ clave: PARA, quantity: 1 }] })).userErrors.map((e: any) => e.code)).toEqual(['CLAVE_NOT_IN_CONTRACT']);
    expect((await purchase('k4', 1, { requestingClues: 'DFSSA004936' })).userErrors.map((e: any) => e.code)).toEqual(['CONTRACT_OTHER_STATE']);
    expect((await purchase('k5', 1, { supplier: 'Otro proveedor' })).userErrors.map((e: any) => e.code)).toEqual(['INCONSISTENT']);
    expect((await purchase('k6', 1, { contractId: 999999 })).userErrors.map((e: any) => e.code)).toEqual(['UNKNOWN_CONTRACT']);
    const [{ id: oldId }] = await tdb.db.query(`SELECT id FROM procurement_contract WHERE supplier = 'Insumos del Norte'`);
    expect((await purchase('k7', 1, { contractId: oldId })).userErrors.map((e: any) => e.code)).toEqual(['CONTRACT_NOT_IN_FORCE']);
    const third = await purchase('k8', 400);
    expect(third.userErrors).toEqual([]);
    expect(await progress()).toMatchObject({ committed: 1000, available: 0, orders: 2 });
    await ok(central, 'orderCancel', 'OrderEndInput', { number: third.order.number, reason: 'se compra en el siguiente trimestre' });
    expect(await progress()).toMatchObject({ committed: 600, available: 400, orders: 1 });

    // Approved with a cut to 500, then delivered in two parts: 300 (+10 damaged) and 150.
    const number = first.order.number;
    await ok(central, 'orderSubmit', 'OrderNumberInput', { number });
    await ok(central, 'orderApprove', 'OrderApproveInput', { number, lines: [{ clave: GASA, approvedQuantity: 500 }] });
    await ok(warehouse, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'c-in1', clues: 'GRSSA000010', orderNumber: number, lines: [{ clave: GASA, lotNumber: 'CS-1', acceptedQuantity: 300, rejectedQuantity: 10, rejectionReason: 'DAMAGED' }] });
    await ok(warehouse, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'c-in2', clues: 'GRSSA000010', orderNumber: number, lines: [{ clave: GASA, lotNumber: 'CS-2', acceptedQuantity: 150 }] });
    expect(await progress()).toEqual({ accepted: 450, committed: 500, available: 500, percentOfMinimum: 112.5, percentOfMaximum: 45, acceptedValue: 5625, orders: 1 });
    // Short-closed: only what arrived stays committed.
    await ok(central, 'orderClose', 'OrderEndInput', { number, reason: 'el proveedor no surtirá el resto' });
    expect(await progress()).toMatchObject({ accepted: 450, committed: 450, available: 550 });
  });

  test('two orders racing for the last pieces under the maximum: one goes', async () => {
    const results = await Promise.all([purchase('race-a', 550), purchase('race-b', 550)]);
    const codes = results.map((r) => r.userErrors.map((e: any) => e.code).join()).sort();
    expect(codes).toEqual(['', 'CONTRACT_MAXIMUM_EXCEEDED']);
    expect(await progress()).toMatchObject({ committed: 1000, available: 0 });
  });

  test('the list filters by clave, supplier, state and validity', async () => {
    const list = async (filter: Record<string, unknown>) =>
      (await api.gql(`query($f: ProcurementContractFilter) { procurementContracts(filter: $f) { totalCount edges { node { supplier } } } }`, { f: filter }, central)).data.procurementContracts.edges.map((e: any) => e.node.supplier);
    expect(await list({ claves: [GASA] })).toEqual([base.supplier, 'Insumos del Norte']);
    expect(await list({ claves: [PARA] })).toEqual([]);
    expect(await list({ supplier: 'LABORATORIOS DEL SUR' })).toEqual([base.supplier]);
    expect(await list({ stateCodes: ['20'] })).toEqual(['Insumos del Norte']);
    expect(await list({ validOn: TODAY })).toEqual([base.supplier]);
    expect((await api.gql(`{ procurementContracts { totalCount } }`, {}, await api.token(Role.PHARMACY, { clues: 'GRSSA000001' }))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  test('contracts and orders resolve by global id', async () => {
    const c = (await api.gql(`{ procurementContracts(first: 1) { edges { node { id number } } } }`, {}, central)).data.procurementContracts.edges[0].node;
    const byId = await api.gql(`query($id: ID!) { node(id: $id) { id ... on ProcurementContract { number supplier } } }`, { id: c.id }, central);
    expect(byId.data.node).toMatchObject({ id: c.id, number: c.number });
    const pharmacy = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
    expect((await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: c.id }, pharmacy)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const o = (await api.gql(`{ order(number: "${poNumber}") { id number } }`, {}, central)).data.order;
    expect((await api.gql(`query($id: ID!) { node(id: $id) { ... on Order { number contract { number } } } }`, { id: o.id }, central)).data.node).toEqual({ number: poNumber, contract: null });
    expect((await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: o.id }, pharmacy)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
