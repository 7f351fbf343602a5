import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backdateApproval } from '../../seeds/history';
import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { addClaves, buildNetwork, CLAVES } from '../support/network';

/**
 * Official indicator 52 (SAI rollout) and monthly series, by hand.
 *
 * SAI, 2025, on its own units (Guerrero 12, Oaxaca 20, Jalisco 14), stock movements of gasa:
 *   A GRSSA000301 FIXED FIRST   IMPLEMENTING 01-15, IN_OPERATION 03-01; movements 02-20, 05-25
 *   B GRSSA000302 FIXED SECOND  IN_OPERATION 05-10; movement 05-12
 *   C GRSSA000303 MOBILE        IN_OPERATION 02-01, back to IMPLEMENTING 04-20; movement 03-31
 *   D GRSSA000304 FIXED FIRST   NOT_STARTED 01-01
 *   E GRSSA000305 FIXED FIRST   IN_OPERATION 02-15, out of operation from 05-01; movement 04-20
 *   F OCSSA000301 FIXED THIRD   IN_OPERATION 06-01 (from the CSV import)
 *   G GRSSA000306 SUPPORT       IN_OPERATION 01-01 — never a unit
 *   J JCSSA000301 FIXED FIRST   not in the network; IN_OPERATION 01-01
 *
 *   as of        units          in operation      active (movement in the 30 days ending that day)
 *   2025-01-31   ABCDEF (6)     — 0               0
 *   2025-02-28   ABCDEF (6)     C E — 2           0 (A's movement of 02-20 was before it went live)
 *   2025-03-31   ABCDEF (6)     A C E — 3         1 (C, 03-31)
 *   2025-04-30   ABCDEF (6)     A E — 2           1 (E, 04-20)
 *   2025-05-31   ABCDF (5)      A B — 2           2 (A 05-25, B 05-12)
 *   2025-06-30   ABCDF (5)      A B F — 3         0
 *   2025-07-31 … 2025-12-31: the same as June
 *
 * Orders (QUANTITY_FILL_RATE by month of approval, last 12 months; M = this month):
 *   M-11 GRSSA000001 gasa 100: received 90 + 10 rejected     → 90 / 100
 *   M-8  GRSSA000002 paracetamol 50: received 50; GRSSA000001 gasa 30, nothing sent → 50 / 80
 *   M-3  GRSSA000002 paracetamol 40: received 40              → 40 / 40
 *   M    GRSSA000001 gasa 20, nothing sent yet                → 0 / 20
 *   the other eight months: 0 / 0 (value null)
 */

let tdb: TestDatabase;
let api: TestApi;
let admin: string;
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const TODAY = businessDay();

const ok: TestApi['mutate'] = (...args) => api.mutate(...args);

/** Day `day` of the month `offset` months from this one, as YYYY-MM-DD. */
function monthDay(offset: number, day: number): string {
  const [y, m] = TODAY.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + offset, day));
  return d.toISOString().slice(0, 10);
}
const month = (offset: number) => monthDay(offset, 1).slice(0, 7);
const noon = (day: string) => `${day}T12:00:00-06:00`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
  admin = await api.token(Role.ADMIN);
  await buildNetwork(api);
  await addClaves(api);
}, 60_000);
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

describe('SAI rollout (indicator 52)', () => {
  const IND = `query($f: IndicatorFilter, $g: [IndicatorDimension!]) { indicator(code: SAI_ROLLOUT, filter: $f, groupBy: $g) {
    name formula target asOf total { numerator denominator value activeUnits asOf }
    rows { month asOf state { code } levelOfCare establishment { clues } numerator denominator value activeUnits } } }`;
  const read = async (f: Record<string, unknown>, g?: string[]) => {
    const r = await api.gql(IND, { f, g }, await api.token(Role.AUDITOR));
    expect(r.errors).toBeUndefined();
    return r.data.indicator;
  };

  beforeAll(async () => {
    const upsert = (i: Record<string, unknown>) => ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', i);
    await upsert({ clues: 'GRSSA000301', name: 'A', kind: 'FIXED', levelOfCare: 'FIRST' });
    await upsert({ clues: 'GRSSA000302', name: 'B', kind: 'FIXED', levelOfCare: 'SECOND' });
    await upsert({ clues: 'GRSSA000303', name: 'C', kind: 'MOBILE' });
    await upsert({ clues: 'GRSSA000304', name: 'D', kind: 'FIXED', levelOfCare: 'FIRST' });
    await upsert({ clues: 'GRSSA000305', name: 'E', kind: 'FIXED', levelOfCare: 'FIRST' });
    await upsert({ clues: 'GRSSA000305', operating: false, statusEffectiveOn: '2025-05-01' });
    await upsert({ clues: 'OCSSA000301', name: 'F', kind: 'FIXED', levelOfCare: 'THIRD' });
    await upsert({ clues: 'GRSSA000306', name: 'G', kind: 'SUPPORT' });
    await upsert({ clues: 'JCSSA000301', name: 'J', kind: 'FIXED', levelOfCare: 'FIRST', inNetwork: false });
    const sai = (clues: string, status: string, effectiveOn: string) => ok(admin, 'saiStatusSet', 'SaiStatusSetInput', { clues, status, effectiveOn });
    await sai('GRSSA000301', 'IMPLEMENTING', '2025-01-15');
    await sai('GRSSA000301', 'IN_OPERATION', '2025-03-01');
    await sai('GRSSA000302', 'IN_OPERATION', '2025-05-10');
    await sai('GRSSA000303', 'IN_OPERATION', '2025-02-01');
    await sai('GRSSA000303', 'IMPLEMENTING', '2025-04-20');
    await sai('GRSSA000304', 'NOT_STARTED', '2025-01-01');
    await sai('GRSSA000305', 'IN_OPERATION', '2025-02-15');
    await sai('GRSSA000306', 'IN_OPERATION', '2025-01-01');
    await sai('JCSSA000301', 'IN_OPERATION', '2025-01-01');
    const move = async (clues: string, receivedOn: string, consumedOn?: string) => {
      const t = await api.token(Role.PHARMACY, { clues });
      await ok(t, 'stockReceive', 'StockReceiveInput', { idempotencyKey: `in-${clues}-${receivedOn}`, clues, receivedAt: noon(receivedOn), lines: [{ clave: GASA, lotNumber: 'G', acceptedQuantity: 10 }] });
      if (consumedOn) await ok(t, 'stockConsume', 'StockConsumeInput', { idempotencyKey: `out-${clues}`, clues, occurredAt: noon(consumedOn), lines: [{ clave: GASA, quantity: 1 }] });
    };
    await move('GRSSA000301', '2025-02-20', '2025-05-25');
    await move('GRSSA000302', '2025-05-12');
    await move('GRSSA000303', '2025-03-31');
    await move('GRSSA000305', '2025-04-20');
  });

  test('the CSV import records statuses, reports bad rows with their line, and runs again without changes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sai-'));
    const file = path.join(dir, 'sai.csv');
    fs.writeFileSync(
      file,
      [
        'clues,estatus,fecha',
        'OCSSA000301,En operación,01/06/2025',
        'OCSSA999999,IN_OPERATION,2025-06-01',
        'GRSSA000304,LISTO,2025-06-01',
        'GRSSA000304,NOT_STARTED,2025-02-30',
        `GRSSA000304,NOT_STARTED,${monthDay(1, 28)}`,
        'XX,NOT_STARTED,2025-06-01',
      ].join('\n'),
    );
    const first = await runCli('src/cli/import-sai.ts', [file], tdb.url);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('leídas 6 · creadas 1 · actualizadas 0 · sin cambios 0 · rechazadas 5');
    expect(first.stdout).toMatch(/línea 3 \(OCSSA999999\): UNKNOWN_CLUES/);
    expect(first.stdout).toMatch(/línea 4 \(GRSSA000304\): INVALID_STATUS/);
    expect(first.stdout).toMatch(/línea 5 \(GRSSA000304\): INVALID_DATE/);
    expect(first.stdout).toMatch(/línea 6 \(GRSSA000304\): DATE_IN_FUTURE/);
    expect(first.stdout).toMatch(/línea 7.*INVALID_CLUES/);
    const again = await runCli('src/cli/import-sai.ts', [file], tdb.url);
    expect(again.stdout).toContain('creadas 0 · actualizadas 0 · sin cambios 1');
    const r = await api.gql(`{ establishment(clues: "OCSSA000301") { saiStatus } }`, {}, admin);
    expect(r.data.establishment.saiStatus).toBe('IN_OPERATION');
    const h = await api.gql(`{ establishments(filter: { search: "A" }, first: 100) { edges { node { clues saiHistory { status effectiveOn actor } } } } }`, {}, admin);
    const a = h.data.establishments.edges.find((e: any) => e.node.clues === 'GRSSA000301').node;
    expect(a.saiHistory).toEqual([
      { status: 'IMPLEMENTING', effectiveOn: '2025-01-15', actor: expect.any(String) },
      { status: 'IN_OPERATION', effectiveOn: '2025-03-01', actor: expect.any(String) },
    ]);
    const f = await api.gql(`{ establishment(clues: "OCSSA000301") { saiHistory { status effectiveOn actor } } }`, {}, admin);
    expect(f.data.establishment.saiHistory).toEqual([{ status: 'IN_OPERATION', effectiveOn: '2025-06-01', actor: 'import:sai' }]);
  });

  test.each([
    ['2025-01-31', 0, 6, 0],
    ['2025-03-31', 3, 6, 1],
    ['2025-05-31', 2, 5, 2],
    ['2025-06-30', 3, 5, 0],
  ])('as of %s: %i of %i units in operation, %i active', async (asOf, numerator, denominator, activeUnits) => {
    const r = await read({ asOf, clues: ['GRSSA000301', 'GRSSA000302', 'GRSSA000303', 'GRSSA000304', 'GRSSA000305', 'OCSSA000301', 'GRSSA000306', 'JCSSA000301'] });
    expect(r.total).toEqual({ numerator, denominator, value: (numerator / denominator) * 100, activeUnits, asOf });
    expect(r.target).toBe(60);
    expect(r.formula).toMatch(/en operación.*30 días/);
  });

  test('a twelve-month series, each month read on its last day', async () => {
    const r = await read({ from: '2025-01-01', to: '2025-12-31', stateCodes: ['12', '20', '14'], clues: ['GRSSA000301', 'GRSSA000302', 'GRSSA000303', 'GRSSA000304', 'GRSSA000305', 'OCSSA000301', 'GRSSA000306', 'JCSSA000301'] }, ['MONTH']);
    expect(r.rows.map((x: any) => [x.month, x.asOf, x.numerator, x.denominator, x.activeUnits])).toEqual([
      ['2025-01', '2025-01-31', 0, 6, 0],
      ['2025-02', '2025-02-28', 2, 6, 0],
      ['2025-03', '2025-03-31', 3, 6, 1],
      ['2025-04', '2025-04-30', 2, 6, 1],
      ['2025-05', '2025-05-31', 2, 5, 2],
      ['2025-06', '2025-06-30', 3, 5, 0],
      // Nothing changes after June, and nobody records a movement.
      ...['07-31', '08-31', '09-30', '10-31', '11-30', '12-31'].map((d) => [`2025-${d.slice(0, 2)}`, `2025-${d}`, 3, 5, 0]),
    ]);
  });

  test('by state and by level of care', async () => {
    const clues = ['GRSSA000301', 'GRSSA000302', 'GRSSA000303', 'GRSSA000304', 'GRSSA000305', 'OCSSA000301'];
    const byState = await read({ asOf: '2025-06-30', clues }, ['STATE']);
    expect(byState.rows.map((x: any) => [x.state.code, x.numerator, x.denominator])).toEqual([
      ['12', 2, 4],
      ['20', 1, 1],
    ]);
    const byLevel = await read({ asOf: '2025-06-30', clues }, ['LEVEL_OF_CARE']);
    expect(byLevel.rows.map((x: any) => [x.levelOfCare, x.numerator, x.denominator])).toEqual([
      ['FIRST', 1, 2],
      ['SECOND', 1, 1],
      ['THIRD', 1, 1],
      [null, 0, 1],
    ]);
  });
});

describe('a twelve-month series of an order indicator', () => {
  beforeAll(async () => {
    const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
    const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
    await ok(warehouse, 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: 'wh-series',
      clues: 'GRSSA000010',
      receivedAt: noon(monthDay(-12, 1)),
      lines: [
        { clave: PARA, lotNumber: 'S-P', expiresOn: '2032-12-31', acceptedQuantity: 1000 },
        { clave: GASA, lotNumber: 'S-G', acceptedQuantity: 1000 },
      ],
    });
    const order = async (key: string, clues: string, clave: string, quantity: number, approvedOn: string | null) => {
      const p = await ok(admin, 'orderCreate', 'OrderCreateInput', { idempotencyKey: key, kind: 'REPLENISHMENT', requestingClues: clues, lines: [{ clave, quantity }] }, 'order { number } userErrors { code message }');
      await ok(admin, 'orderSubmit', 'OrderNumberInput', { number: p.order.number });
      await ok(coordinator, 'orderApprove', 'OrderApproveInput', { number: p.order.number });
      if (approvedOn) await backdateApproval(tdb.db, p.order.number, new Date(`${approvedOn}T09:00:00-06:00`));
      return p.order.number as string;
    };
    const ship = async (key: string, number: string, clave: string, quantity: number, sentOn: string, receivedOn: string, rejected = 0) => {
      const s = await ok(warehouse, 'shipmentDispatch', 'ShipmentDispatchInput', { idempotencyKey: key, orderNumber: number, dispatchedAt: noon(sentOn), lines: [{ clave, quantity }] }, 'shipment { number lines { lotNumber } } userErrors { code message }');
      const clues = number === o1 ? 'GRSSA000001' : 'GRSSA000002';
      await ok(await api.token(Role.PHARMACY, { clues }), 'shipmentReceive', 'ShipmentReceiveInput', {
        idempotencyKey: `${key}-r`,
        shipmentNumber: s.shipment.number,
        receivedAt: noon(receivedOn),
        lines: [{ clave, lotNumber: s.shipment.lines[0].lotNumber, acceptedQuantity: quantity - rejected, rejectedQuantity: rejected, rejectionReason: rejected ? 'DAMAGED' : null }],
      });
    };
    const o1 = await order('s1', 'GRSSA000001', GASA, 100, monthDay(-11, 10));
    await ship('s1d', o1, GASA, 100, monthDay(-11, 12), monthDay(-11, 14), 10);
    const o2 = await order('s2', 'GRSSA000002', PARA, 50, monthDay(-8, 5));
    await ship('s2d', o2, PARA, 50, monthDay(-8, 6), monthDay(-8, 9));
    await order('s3', 'GRSSA000001', GASA, 30, monthDay(-8, 20));
    const o4 = await order('s4', 'GRSSA000002', PARA, 40, monthDay(-3, 3));
    await ship('s4d', o4, PARA, 40, monthDay(-3, 4), monthDay(-3, 6));
    await order('s5', 'GRSSA000001', GASA, 20, null);
  }, 60_000);

  test('QUANTITY_FILL_RATE, month by month, with the empty months', async () => {
    const r = await api.gql(
      `query($f: IndicatorFilter) { indicator(code: QUANTITY_FILL_RATE, filter: $f, groupBy: [MONTH]) {
         total { numerator denominator } rows { month numerator denominator value shortfall { notDispatched rejected } } } }`,
      { f: { from: monthDay(-11, 1), to: TODAY } },
      await api.token(Role.CENTRAL),
    );
    expect(r.errors).toBeUndefined();
    const expected = new Map([
      [month(-11), [90, 100, 0, 10]],
      [month(-8), [50, 80, 30, 0]],
      [month(-3), [40, 40, 0, 0]],
      [month(0), [0, 20, 20, 0]],
    ]);
    expect(r.data.indicator.rows).toEqual(
      Array.from({ length: 12 }, (_, k) => {
        const m = month(k - 11);
        const [n, d, notDispatched, rejected] = expected.get(m) ?? [0, 0, 0, 0];
        return { month: m, numerator: n, denominator: d, value: d ? (n / d) * 100 : null, shortfall: { notDispatched, rejected } };
      }),
    );
    expect(r.data.indicator.total).toEqual({ numerator: 180, denominator: 240 });
  });
});
