import { DataSource } from 'typeorm';
import { mulberry32 } from '../../seeds/demo-stock';
import { backdateApproval } from '../../seeds/history';
import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import '../../src/modules/indicators/order-indicators';
import { IndicatorCode, IndicatorDimension as D } from '../../src/modules/indicators/indicator.types';
import { IndicatorQuery, indicatorDefinition } from '../../src/modules/indicators/indicators';
import { summaryServes } from '../../src/modules/indicators/order-indicators';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { runCli } from '../support/cli';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * The fill-rate rollup (order_fill, kept by the write use cases) must say exactly what the documents
 * say. A seeded random history — thirty orders approved over three months, cut, partly dispatched
 * over several shipments, received late or early with rejections for every reason, cancelled or
 * short-closed, and a purchase received from its supplier — is read both ways, for every order
 * indicator, breakdown, filter and a dozen as-of days; then a clave changes kind and it is read again.
 */

let tdb: TestDatabase;
let api: TestApi;
const TODAY = businessDay();
const DAY = 86_400_000;
const shift = (days: number) => new Date(Date.parse(`${TODAY}T12:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const VACUNA = '020.000.3800.00';
const CLAVE_LIST = [CLAVES.paracetamol, CLAVES.gasa, VACUNA];
const REASONS = ['DAMAGED', 'EXPIRED', 'SHORT_SHIPPED', 'WRONG_ITEM', 'LOST_IN_TRANSIT', 'OTHER'];

const ok: TestApi['mutate'] = (...args) => api.mutate(...args);

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  const central = await api.token(Role.CENTRAL);
  await ok(central, 'supplyItemUpsert', 'SupplyItemUpsertInput', { clave: VACUNA, description: 'Toxoide tetánico', kind: 'MEDICINE', authorizedLevels: ['FIRST', 'SECOND', 'THIRD'] });
  const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  const admin = await api.token(Role.ADMIN);
  await ok(warehouse, 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'stock',
    clues: 'GRSSA000010',
    receivedAt: `${shift(-120)}T12:00:00-06:00`,
    lines: CLAVE_LIST.flatMap((clave) => [
      { clave, lotNumber: `${clave}-1`, expiresOn: '2030-01-31', acceptedQuantity: 100_000 },
      { clave, lotNumber: `${clave}-2`, expiresOn: '2031-06-30', acceptedQuantity: 100_000 },
    ]),
  });

  const rand = mulberry32(20261123);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const between = (a: number, b: number) => new Date(a + rand() * (b - a));
  const now = Date.now() - 60_000;
  const pharmacies = new Map<string, string>();
  const pharmacy = async (clues: string) => pharmacies.get(clues) ?? pharmacies.set(clues, await api.token(Role.PHARMACY, { clues })).get(clues)!;

  for (let n = 0; n < 30; n++) {
    const clues = pick(['GRSSA000001', 'GRSSA000002', 'GRSSA000003']);
    const claves = CLAVE_LIST.filter(() => rand() < 0.7);
    if (!claves.length) claves.push(CLAVES.paracetamol);
    const approvedAt = between(now - 95 * DAY, now - DAY);
    const promisedOn = businessDay(new Date(approvedAt.getTime() + (2 + Math.floor(rand() * 20)) * DAY));
    const created = await ok(admin, 'orderCreate', 'OrderCreateInput', {
      idempotencyKey: `o-${n}`,
      kind: 'REPLENISHMENT',
      requestingClues: clues,
      promisedOn,
      lines: claves.map((clave) => ({ clave, quantity: 10 + Math.floor(rand() * 200) })),
    }, 'order { number lines { clave requested } } userErrors { code message }');
    const number: string = created.order.number;
    await ok(admin, 'orderSubmit', 'OrderNumberInput', { number });
    const cuts = created.order.lines.filter(() => rand() < 0.3).map((l: any) => ({ clave: l.clave, approvedQuantity: pick([0, Math.floor(l.requested / 2), l.requested - 1]) }));
    await ok(coordinator, 'orderApprove', 'OrderApproveInput', { number, lines: cuts });
    await backdateApproval(tdb.db, number, approvedAt);
    if (rand() < 0.1) {
      await ok(coordinator, 'orderCancel', 'OrderEndInput', { number, reason: 'ya no se requiere' });
      continue;
    }
    const lines = (await api.gql(`{ order(number: "${number}") { lines { clave approved } } }`, {}, admin)).data.order.lines as Array<{ clave: string; approved: number }>;
    const left = new Map(lines.map((l) => [l.clave, l.approved]));
    let sentAt = approvedAt.getTime();
    for (let s = 0, shipments = Math.floor(rand() * 4); s < shipments; s++) {
      const send = [...left.entries()].filter(([, q]) => q > 0 && rand() < 0.8).map(([clave, q]) => ({ clave, quantity: s === shipments - 1 && rand() < 0.6 ? q : 1 + Math.floor(rand() * q) }));
      if (!send.length) break;
      sentAt = between(sentAt, now).getTime();
      const shipment = (await ok(warehouse, 'shipmentDispatch', 'ShipmentDispatchInput', { idempotencyKey: `d-${n}-${s}`, orderNumber: number, dispatchedAt: new Date(sentAt).toISOString(), lines: send }, 'shipment { number lines { clave lotNumber quantity } } userErrors { code message }')).shipment;
      for (const x of send) left.set(x.clave, left.get(x.clave)! - x.quantity);
      if (rand() < 0.8) {
        await ok(await pharmacy(clues), 'shipmentReceive', 'ShipmentReceiveInput', {
          idempotencyKey: `r-${n}-${s}`,
          shipmentNumber: shipment.number,
          receivedAt: between(sentAt, now).toISOString(),
          lines: shipment.lines.map((l: any) => {
            const rejected = rand() < 0.3 ? Math.floor(rand() * (l.quantity + 1)) : 0;
            return { clave: l.clave, lotNumber: l.lotNumber, acceptedQuantity: l.quantity - rejected, rejectedQuantity: rejected, rejectionReason: rejected ? pick(REASONS) : null };
          }),
        });
      }
    }
  }

  // A purchase delivered by its supplier in two receipts.
  const po = (await ok(central, 'orderCreate', 'OrderCreateInput', { idempotencyKey: 'po', kind: 'PURCHASE', requestingClues: 'GRSSA000010', supplier: 'Distribuidora del Sur', promisedOn: shift(-20), lines: [{ clave: CLAVES.gasa, quantity: 500 }, { clave: CLAVES.paracetamol, quantity: 300 }] }, 'order { number } userErrors { code message }')).order.number;
  await ok(central, 'orderSubmit', 'OrderNumberInput', { number: po });
  await ok(central, 'orderApprove', 'OrderApproveInput', { number: po });
  await backdateApproval(tdb.db, po, new Date(`${shift(-40)}T10:00:00-06:00`));
  for (const [k, day, gasa, para] of [['po-1', -30, 200, 300], ['po-2', -10, 280, 0]] as const) {
    await ok(warehouse, 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: k,
      clues: 'GRSSA000010',
      orderNumber: po,
      supplierDocument: `FAC-${k}`,
      receivedAt: `${shift(day)}T12:00:00-06:00`,
      lines: [
        { clave: CLAVES.gasa, lotNumber: `G-${k}`, acceptedQuantity: gasa, rejectedQuantity: 10, rejectionReason: 'DAMAGED' },
        ...(para ? [{ clave: CLAVES.paracetamol, lotNumber: `P-${k}`, expiresOn: '2030-12-31', acceptedQuantity: para }] : []),
      ],
    });
  }
}, 120_000);
afterAll(() => stopNetworkApi(api, tdb));

const CODES = [
  IndicatorCode.QUANTITY_FILL_RATE,
  IndicatorCode.PIECES_ISSUED_DELIVERED,
  IndicatorCode.LINE_FILL_RATE,
  IndicatorCode.ORDER_FILL_RATE,
  IndicatorCode.ON_TIME_IN_FULL,
];
const BREAKDOWNS: D[][] = [[], [D.STATE], [D.MONTH], [D.LEVEL_OF_CARE], [D.SUPPLY_KIND], [D.WAREHOUSE], [D.ESTABLISHMENT], [D.STATE, D.MONTH], [D.ESTABLISHMENT, D.SUPPLY_KIND, D.MONTH]];
const FILTERS: Array<Partial<IndicatorQuery>> = [
  {},
  { supplyKinds: ['MEDICINE'] },
  { supplyKinds: ['MEDICINE', 'HEALING_MATERIAL', 'VACCINE'] },
  { clues: ['GRSSA000002'] },
  { levelsOfCare: ['FIRST'] },
  { warehouseClues: 'GRSSA000010', stateCodes: ['12'] },
  { from: shift(-60), to: shift(-30) },
];

/** The measures that add up over lines: the ones the summary can serve. */
const ADDITIVE = [IndicatorCode.QUANTITY_FILL_RATE, IndicatorCode.PIECES_ISSUED_DELIVERED, IndicatorCode.LINE_FILL_RATE];
let summaries = 0;

async function bothWays(db: DataSource): Promise<number> {
  let compared = 0;
  for (const code of CODES) {
    const def = indicatorDefinition(code)!;
    for (const groupBy of BREAKDOWNS) {
      for (const filter of FILTERS) {
        for (const days of [0, -1, -7, -15, -30, -45, -60, -75, -90]) {
          const q: IndicatorQuery = {
            asOf: shift(days),
            year: null,
            from: shift(-100),
            to: TODAY,
            stateCodes: null,
            clues: null,
            levelsOfCare: null,
            warehouseClues: null,
            supplyKinds: null,
            groupBy,
            ...filter,
          };
          const norm = (rows: any[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v])));
          const lines = norm(await def.compute(db, { ...q, factSource: 'LINES' }));
          const rollup = norm(await def.compute(db, { ...q, factSource: 'ROLLUP' }));
          expect({ code, groupBy, filter, asOf: q.asOf, rows: rollup }).toEqual({ code, groupBy, filter, asOf: q.asOf, rows: lines });
          compared += 1;
          if (ADDITIVE.includes(code) && summaryServes(q)) {
            const summary = norm(await def.compute(db, { ...q, factSource: 'SUMMARY', withTotal: true }));
            const linesWithTotal = norm(await def.compute(db, { ...q, factSource: 'LINES', withTotal: true }));
            expect({ code, groupBy, filter, asOf: q.asOf, summary }).toEqual({ code, groupBy, filter, asOf: q.asOf, summary: linesWithTotal });
            summaries += 1;
          }
        }
      }
    }
  }
  return compared;
}

test('the history is not trivial', async () => {
  const [f] = await tdb.db.query(`
    SELECT count(DISTINCT o.id) AS orders, count(*) FILTER (WHERE l.approved < l.requested) AS cut,
           count(*) FILTER (WHERE l.accepted >= l.approved) AS full, sum(l.rejected) AS rejected,
           count(DISTINCT to_char(o.approved_at, 'YYYY-MM')) AS months,
           (SELECT count(*) FROM shipment WHERE status = 'IN_TRANSIT') AS in_transit,
           (SELECT count(*) FROM supply_order WHERE status = 'CANCELLED') AS cancelled
      FROM supply_order o JOIN supply_order_line l ON l.order_id = o.id WHERE o.approved_at IS NOT NULL`);
  expect(Number(f.orders)).toBe(31);
  for (const k of ['cut', 'full', 'rejected', 'in_transit', 'cancelled']) expect(Number(f[k])).toBeGreaterThan(0);
  expect(Number(f.months)).toBeGreaterThanOrEqual(3);
});

test('the rollup, and its summary where it serves, equal the documents for every indicator, breakdown, filter and as-of day', async () => {
  summaries = 0;
  expect(await bothWays(tdb.db)).toBe(CODES.length * BREAKDOWNS.length * FILTERS.length * 9);
  // 3 additive measures × the 6 breakdowns it keeps ([], STATE, MONTH, SUPPLY_KIND, WAREHOUSE, STATE × MONTH) × the 5 filters without CLUES or level × 9 days
  expect(summaries).toBe(3 * 6 * 5 * 9);
}, 300_000);

test('a clave that changes supply kind moves its orders in the rollup', async () => {
  const central = await api.token(Role.CENTRAL);
  const before = await indicatorDefinition(IndicatorCode.QUANTITY_FILL_RATE)!.compute(tdb.db, {
    asOf: TODAY, year: null, from: shift(-100), to: TODAY, stateCodes: null, clues: null, levelsOfCare: null, warehouseClues: null, supplyKinds: ['VACCINE'], groupBy: [],
  });
  expect(Number(before[0].denominator)).toBe(0);
  await ok(central, 'supplyItemUpsert', 'SupplyItemUpsertInput', { clave: VACUNA, kind: 'VACCINE' });
  const after = await indicatorDefinition(IndicatorCode.QUANTITY_FILL_RATE)!.compute(tdb.db, {
    asOf: TODAY, year: null, from: shift(-100), to: TODAY, stateCodes: null, clues: null, levelsOfCare: null, warehouseClues: null, supplyKinds: ['VACCINE'], groupBy: [],
  });
  expect(Number(after[0].denominator)).toBeGreaterThan(0);
  await bothWays(tdb.db);
}, 300_000);

test('a national breakdown reads the rollup or its summary, not the document lines', async () => {
  const seen: string[] = [];
  const spy = { query: (sql: string, params: unknown[]) => (seen.push(sql), tdb.db.query(sql, params)) } as unknown as DataSource;
  const q: IndicatorQuery = { asOf: TODAY, year: null, from: shift(-100), to: TODAY, stateCodes: null, clues: null, levelsOfCare: null, warehouseClues: null, supplyKinds: null, groupBy: [D.STATE, D.MONTH] };
  for (const code of CODES) await indicatorDefinition(code)!.compute(spy, q);
  await indicatorDefinition(IndicatorCode.QUANTITY_FILL_RATE)!.compute(spy, { ...q, groupBy: [D.CLAVE] });
  expect(seen).toHaveLength(CODES.length + 1);
  const touched = async (sql: string) => {
    const [{ 'QUERY PLAN': plan }] = await tdb.db.query(`EXPLAIN (FORMAT JSON) ${sql}`, [q.from, q.to, q.asOf, null, null, null, null, null]);
    return [...JSON.stringify(plan).matchAll(/"Relation Name":"(\w+)"/g)].map((m) => m[1]);
  };
  for (const [i, sql] of seen.slice(0, CODES.length).entries()) {
    const tables = await touched(sql);
    // The additive measures read the summary; the per-order ones, the rollup.
    expect(tables).toContain(ADDITIVE.includes(CODES[i]) ? 'order_fill_summary' : 'order_fill');
    expect(tables).not.toEqual(expect.arrayContaining(['supply_order_line']));
    for (const t of ['supply_order_line', 'shipment_line', 'receipt_line', 'shipment', 'receipt']) expect(tables).not.toContain(t);
  }
  // By clave, only the documents know.
  expect(await touched(seen[CODES.length])).toContain('supply_order_line');
});

test('fill:check finds a rollup edited behind the use cases\' back, and --repair puts it right', async () => {
  const clean = await runCli('src/cli/fill-check.ts', [], tdb.url);
  expect(clean.stdout).toMatch(/31 orders checked, all equal to their documents/);
  expect(clean.code).toBe(0);
  const [{ number }] = await tdb.db.query(`SELECT o.number FROM supply_order o WHERE o.kind = 'PURCHASE'`);
  await tdb.db.query(`UPDATE order_fill SET accepted = accepted + 1 WHERE order_id = (SELECT id FROM supply_order WHERE number = $1) AND accepted > 0`, [number]);
  const found = await runCli('src/cli/fill-check.ts', [], tdb.url);
  expect(found.stdout).toContain(`1 differed from their documents: ${number}`);
  expect(found.code).toBe(2);
  // Reporting changed nothing; repairing does.
  expect((await runCli('src/cli/fill-check.ts', [], tdb.url)).code).toBe(2);
  const repaired = await runCli('src/cli/fill-check.ts', ['--repair'], tdb.url);
  expect(repaired.stdout).toContain('repaired');
  expect(repaired.code).toBe(0);
  expect((await runCli('src/cli/fill-check.ts', [], tdb.url)).code).toBe(0);
  expect((await runCli('src/cli/fill-check.ts', ['--fix'], tdb.url)).stderr).toMatch(/usage: npm run fill:check/);
}, 120_000);

test('the summary follows every write of the rollup, and fill:check finds and repairs one edited by hand', async () => {
  const summed = () =>
    tdb.db.query(`SELECT supply_kind, sum(accepted)::int AS accepted, sum(approved)::int AS approved, sum(lines)::int AS lines FROM order_fill GROUP BY 1 ORDER BY 1`);
  const kept = () =>
    tdb.db.query(`SELECT supply_kind, sum(accepted)::int AS accepted, sum(approved)::int AS approved, sum(lines)::int AS lines FROM order_fill_summary GROUP BY 1 ORDER BY 1`);
  expect(await kept()).toEqual(await summed());
  expect((await summed()).length).toBeGreaterThan(0);
  // An UPDATE, a DELETE and an INSERT of the rollup, each followed in the same statement.
  const [{ id }] = await tdb.db.query(`SELECT order_id AS id FROM order_fill WHERE accepted > 0 ORDER BY order_id LIMIT 1`);
  await tdb.db.query(`UPDATE order_fill SET accepted = accepted + 7 WHERE order_id = $1`, [id]);
  expect(await kept()).toEqual(await summed());
  await tdb.db.query(`DELETE FROM order_fill WHERE order_id = $1`, [id]);
  expect(await kept()).toEqual(await summed());
  await tdb.db.query('SELECT order_fill_refresh($1::int[])', [[id]]);
  expect(await kept()).toEqual(await summed());
  expect((await runCli('src/cli/fill-check.ts', [], tdb.url)).stdout).toContain('fill summary: equal to the rollup added up');
  // An order's approval may not move under its facts.
  await expect(tdb.db.query(`UPDATE supply_order SET approved_at = approved_at - interval '1 day' WHERE id = $1`, [id])).rejects.toThrow(/has fill-rate facts/);

  await tdb.db.query(`UPDATE order_fill_summary SET accepted = accepted + 5 WHERE ctid = (SELECT ctid FROM order_fill_summary WHERE accepted > 0 LIMIT 1)`);
  const found = await runCli('src/cli/fill-check.ts', [], tdb.url);
  expect(found.stdout).toContain('fill summary: 2 rows differed from the rollup added up');
  expect(found.code).toBe(2);
  const repaired = await runCli('src/cli/fill-check.ts', ['--repair'], tdb.url);
  expect(repaired.stdout).toContain('repaired');
  expect(repaired.code).toBe(0);
  expect(await kept()).toEqual(await summed());
  expect((await runCli('src/cli/fill-check.ts', [], tdb.url)).code).toBe(0);
}, 120_000);
