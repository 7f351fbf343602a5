import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { backdateApproval } from '../../seeds/history';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Fill rates, official indicator 53 and prescription fill, by hand. The state warehouse GRSSA000010
 * holds paracetamol W-A 60 (expires 2027-03-31), W-B 100 (2027-09-30) and gasa G-W 500. Days are
 * counted back from today (T), at noon in Mexico City unless said.
 *
 *   Order A, GRSSA000001, approved T-5, promised T-3: paracetamol 120 → approved 100; gasa 50.
 *     Dispatched T-4: paracetamol 70 (W-A 60 + W-B 10) and gasa 30; T-3: paracetamol 30 (W-B) and gasa 20.
 *     Received T-3 (evening): W-A 55 + 5 rejected DAMAGED, W-B 10, gasa 30;
 *     received T-2: W-B 28 + 2 rejected LOST_IN_TRANSIT, gasa 20. Closed today.
 *   Order B, GRSSA000002, approved today, promised tomorrow: paracetamol 40, dispatched, still in transit.
 *   Order C, GRSSA000002, approved T-3, promised T-1: gasa 10, dispatched T-2, received in full T-1 (evening).
 *
 *   lines            approved  accepted  full
 *   A paracetamol       100        93     no
 *   A gasa               50        50     yes
 *   B paracetamol        40         0     no
 *   C gasa               10        10     yes
 *   total               200       153     2 of 4
 *
 *   QUANTITY_FILL_RATE 153 / 200; shortfall 47 = 0 not dispatched + 40 in transit + 7 rejected (5 DAMAGED, 2 LOST_IN_TRANSIT)
 *   PIECES_ISSUED_DELIVERED 200 / 153; LINE_FILL_RATE 2 / 4; ORDER_FILL_RATE 1 / 3 (C);
 *   ON_TIME_IN_FULL 1 / 2 (A and C were due; C arrived in full on time)
 *
 *   As of T-3: A and C approved (160); accepted 65 + 30 = 95; rejected 5; in transit A's second shipment 50;
 *     C not dispatched 10. Lines full 0 / 3. Nothing due before T-3.
 *   As of T-2: accepted 93 + 50 = 143; rejected 7; C in transit 10. Lines full 1 / 3, orders 0 / 2;
 *     OTIF 0 / 1 (A was due T-3 and is not complete).
 */

let tdb: TestDatabase;
let api: TestApi;
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const TODAY = businessDay();
const shift = (days: number) => new Date(Date.parse(`${TODAY}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const TOMORROW = shift(1);
/** Noon (or another hour) in Mexico City, `days` from today. */
const at = (days: number, hour = 12) => `${shift(days)}T${String(hour).padStart(2, '0')}:00:00-06:00`;
const WEEK_AGO = shift(-7);

const ok: TestApi['mutate'] = (...args) => api.mutate(...args);

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  const admin = await api.token(Role.ADMIN);
  const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  // Received before any of the back-dated dispatches below: no movement may leave a day negative.
  await ok(warehouse, 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'wh',
    clues: 'GRSSA000010',
    receivedAt: at(-30),
    lines: [
      { clave: PARA, lotNumber: 'W-A', expiresOn: '2027-03-31', acceptedQuantity: 60 },
      { clave: PARA, lotNumber: 'W-B', expiresOn: '2027-09-30', acceptedQuantity: 100 },
      { clave: GASA, lotNumber: 'G-W', acceptedQuantity: 500 },
    ],
  });
  const order = async (key: string, clues: string, promisedOn: string, lines: unknown[], approve?: unknown[], approvedDaysAgo = 0) => {
    const p = await ok(admin, 'orderCreate', 'OrderCreateInput', { idempotencyKey: key, kind: 'REPLENISHMENT', requestingClues: clues, promisedOn, lines }, 'order { number } userErrors { code message }');
    await ok(admin, 'orderSubmit', 'OrderNumberInput', { number: p.order.number });
    await ok(coordinator, 'orderApprove', 'OrderApproveInput', { number: p.order.number, lines: approve });
    if (approvedDaysAgo) await backdateApproval(tdb.db, p.order.number, new Date(at(-approvedDaysAgo, 10)));
    return p.order.number as string;
  };
  const dispatch = async (key: string, orderNumber: string, lines: unknown[], dispatchedAt?: string) =>
    (await ok(warehouse, 'shipmentDispatch', 'ShipmentDispatchInput', { idempotencyKey: key, orderNumber, lines, dispatchedAt }, 'shipment { number } userErrors { code message }')).shipment.number;
  const receive = (token: string, key: string, shipmentNumber: string, lines: unknown[], receivedAt?: string) =>
    ok(token, 'shipmentReceive', 'ShipmentReceiveInput', { idempotencyKey: key, shipmentNumber, lines, receivedAt });

  const a = await order('A', 'GRSSA000001', shift(-3), [{ clave: PARA, quantity: 120 }, { clave: GASA, quantity: 50 }], [{ clave: PARA, approvedQuantity: 100 }], 5);
  const a1 = await dispatch('A1', a, [{ clave: PARA, quantity: 70 }, { clave: GASA, quantity: 30 }], at(-4));
  const a2 = await dispatch('A2', a, [{ clave: PARA, quantity: 30 }, { clave: GASA, quantity: 20 }], at(-3));
  const p1 = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  await receive(p1, 'A1r', a1, [
    { clave: PARA, lotNumber: 'W-A', acceptedQuantity: 55, rejectedQuantity: 5, rejectionReason: 'DAMAGED' },
    { clave: PARA, lotNumber: 'W-B', acceptedQuantity: 10 },
    { clave: GASA, lotNumber: 'G-W', acceptedQuantity: 30 },
  ], at(-3, 19));
  await receive(p1, 'A2r', a2, [
    { clave: PARA, lotNumber: 'W-B', acceptedQuantity: 28, rejectedQuantity: 2, rejectionReason: 'LOST_IN_TRANSIT' },
    { clave: GASA, lotNumber: 'G-W', acceptedQuantity: 20 },
  ], at(-2));
  await ok(coordinator, 'orderClose', 'OrderEndInput', { number: a, reason: 'faltante no se repone' });

  const b = await order('B', 'GRSSA000002', TOMORROW, [{ clave: PARA, quantity: 40 }]);
  await dispatch('B1', b, [{ clave: PARA, quantity: 40 }]);
  const c = await order('C', 'GRSSA000002', shift(-1), [{ clave: GASA, quantity: 10 }], undefined, 3);
  const c1 = await dispatch('C1', c, [{ clave: GASA, quantity: 10 }], at(-2));
  const p2 = await api.token(Role.PHARMACY, { clues: 'GRSSA000002' });
  await receive(p2, 'C1r', c1, [{ clave: GASA, lotNumber: 'G-W', acceptedQuantity: 10 }], at(-1, 18));

  // Prescriptions at GRSSA000001 today: one complete, one partial, one not filled.
  const rx = (folio: string, lines: unknown[]) =>
    ok(p1, 'prescriptionDispense', 'PrescriptionDispenseInput', { idempotencyKey: `rx-${folio}`, clues: 'GRSSA000001', folio, issuedOn: TODAY, lines }, 'prescription { fill } userErrors { code message }');
  expect((await rx('R-1', [{ clave: PARA, prescribed: 10, dispensed: 10 }, { clave: GASA, prescribed: 5, dispensed: 5 }])).prescription.fill).toBe('COMPLETE');
  expect((await rx('R-2', [{ clave: PARA, prescribed: 4, dispensed: 2 }])).prescription.fill).toBe('PARTIAL');
  expect((await rx('R-3', [{ clave: GASA, prescribed: 3, dispensed: 0 }])).prescription.fill).toBe('NOT_FILLED');
});
afterAll(() => stopNetworkApi(api, tdb));

const IND = `query($code: IndicatorCode!, $f: IndicatorFilter, $g: [IndicatorDimension!]) { indicator(code: $code, filter: $f, groupBy: $g) {
  name formula target total { numerator denominator value shortfall { notDispatched inTransit rejected rejectedByReason { reason pieces } } }
  rows { month state { code } establishment { clues } warehouse { clues } supplyKind supplyItem { clave } levelOfCare numerator denominator } } }`;

async function ind(code: string, groupBy?: string[], filter: Record<string, unknown> = {}): Promise<any> {
  const r = await api.gql(IND, { code, f: { from: WEEK_AGO, to: TODAY, ...filter }, g: groupBy }, await api.token(Role.AUDITOR));
  expect(r.errors).toBeUndefined();
  return r.data.indicator;
}

test.each([
  ['QUANTITY_FILL_RATE', 153, 200],
  ['PIECES_ISSUED_DELIVERED', 200, 153],
  ['LINE_FILL_RATE', 2, 4],
  ['ORDER_FILL_RATE', 1, 3],
  ['ON_TIME_IN_FULL', 1, 2],
  ['PRESCRIPTION_COMPLETE_FILL', 1, 3],
])('%s = %i / %i', async (code, numerator, denominator) => {
  const r = await ind(code);
  expect(r.total).toMatchObject({ numerator, denominator, value: (numerator / denominator) * 100 });
  expect(r.target).toBe(100);
});

test('the shortfall is split into not dispatched, in transit and rejected by reason', async () => {
  for (const code of ['QUANTITY_FILL_RATE', 'PIECES_ISSUED_DELIVERED']) {
    expect((await ind(code)).total.shortfall).toEqual({
      notDispatched: 0,
      inTransit: 40,
      rejected: 7,
      rejectedByReason: [
        { reason: 'DAMAGED', pieces: 5 },
        { reason: 'LOST_IN_TRANSIT', pieces: 2 },
      ],
    });
  }
  expect((await ind('LINE_FILL_RATE')).total.shortfall).toBeNull();
  expect((await ind('PIECES_ISSUED_DELIVERED')).formula).toMatch(/emitidas.*\/.*entregadas/);
});

test('breakdowns', async () => {
  const pairs = (r: any, key: (x: any) => unknown) => r.rows.map((x: any) => [key(x), x.numerator, x.denominator]);
  expect(pairs(await ind('QUANTITY_FILL_RATE', ['ESTABLISHMENT']), (x) => x.establishment.clues)).toEqual([
    ['GRSSA000001', 143, 150],
    ['GRSSA000002', 10, 50],
  ]);
  expect(pairs(await ind('QUANTITY_FILL_RATE', ['SUPPLY_KIND']), (x) => x.supplyKind)).toEqual([
    ['HEALING_MATERIAL', 60, 60],
    ['MEDICINE', 93, 140],
  ]);
  expect(pairs(await ind('QUANTITY_FILL_RATE', ['CLAVE']), (x) => x.supplyItem.clave).sort()).toEqual([
    [GASA, 60, 60],
    [PARA, 93, 140],
  ].sort());
  expect(pairs(await ind('QUANTITY_FILL_RATE', ['WAREHOUSE']), (x) => x.warehouse.clues)).toEqual([['GRSSA000010', 153, 200]]);
  // A (143 / 150) and C (10 / 10) were approved days ago, B (0 / 40) today: maybe in another month.
  const byMonth = new Map<string, [number, number]>();
  for (const [day, n, d] of [[shift(-5), 143, 150], [shift(-3), 10, 10], [TODAY, 0, 40]] as const) {
    const m = byMonth.get(day.slice(0, 7)) ?? [0, 0];
    byMonth.set(day.slice(0, 7), [m[0] + n, m[1] + d]);
  }
  expect(pairs(await ind('QUANTITY_FILL_RATE', ['STATE', 'MONTH']), (x) => [x.state.code, x.month])).toEqual(
    [...byMonth.entries()].sort().map(([m, [n, d]]) => [['12', m], n, d]),
  );
  expect(pairs(await ind('ORDER_FILL_RATE', ['LEVEL_OF_CARE']), (x) => x.levelOfCare)).toEqual([
    ['FIRST', 0, 1],
    ['SECOND', 1, 2],
  ]);
  expect(pairs(await ind('PRESCRIPTION_COMPLETE_FILL', ['ESTABLISHMENT']), (x) => x.establishment.clues)).toEqual([['GRSSA000001', 1, 3]]);
});

test('filters and as-of', async () => {
  expect((await ind('QUANTITY_FILL_RATE', [], { supplyKinds: ['HEALING_MATERIAL'] })).total).toMatchObject({ numerator: 60, denominator: 60 });
  expect((await ind('QUANTITY_FILL_RATE', [], { clues: ['GRSSA000002'] })).total).toMatchObject({ numerator: 10, denominator: 50 });
  expect((await ind('QUANTITY_FILL_RATE', [], { warehouseClues: 'DFSSA004936' })).total).toMatchObject({ numerator: 0, denominator: 0, value: null });
  // Before A was approved nothing had been.
  expect((await ind('QUANTITY_FILL_RATE', [], { asOf: shift(-6) })).total).toMatchObject({ numerator: 0, denominator: 0, value: null });
});

test('as of T-3 and T-2, by hand', async () => {
  const asOf = async (days: number, code: string) => (await ind(code, [], { asOf: shift(days), to: shift(days) })).total;
  expect(await asOf(-3, 'QUANTITY_FILL_RATE')).toEqual({
    numerator: 95,
    denominator: 160,
    value: (95 / 160) * 100,
    shortfall: { notDispatched: 10, inTransit: 50, rejected: 5, rejectedByReason: [{ reason: 'DAMAGED', pieces: 5 }] },
  });
  expect(await asOf(-3, 'LINE_FILL_RATE')).toMatchObject({ numerator: 0, denominator: 3 });
  expect(await asOf(-3, 'ON_TIME_IN_FULL')).toMatchObject({ numerator: 0, denominator: 0, value: null });
  expect((await asOf(-2, 'PIECES_ISSUED_DELIVERED')).shortfall).toEqual({
    notDispatched: 0,
    inTransit: 10,
    rejected: 7,
    rejectedByReason: [
      { reason: 'DAMAGED', pieces: 5 },
      { reason: 'LOST_IN_TRANSIT', pieces: 2 },
    ],
  });
  expect(await asOf(-2, 'PIECES_ISSUED_DELIVERED')).toMatchObject({ numerator: 160, denominator: 143 });
  expect(await asOf(-2, 'LINE_FILL_RATE')).toMatchObject({ numerator: 1, denominator: 3 });
  expect(await asOf(-2, 'ORDER_FILL_RATE')).toMatchObject({ numerator: 0, denominator: 2 });
  expect(await asOf(-2, 'ON_TIME_IN_FULL')).toMatchObject({ numerator: 0, denominator: 1 });
});

test('prescriptions: folio once per CLUES, never more than prescribed, never beyond usable stock', async () => {
  const t = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  const send = async (folio: string, lines: unknown[]) => {
    const r = await api.gql(
      `mutation($i: PrescriptionDispenseInput!) { prescriptionDispense(input: $i) { prescription { folio } userErrors { code field } } }`,
      { i: { idempotencyKey: `bad-${folio}-${Math.random()}`, clues: 'GRSSA000001', folio, issuedOn: TODAY, lines } },
      t,
    );
    return r.data.prescriptionDispense.userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')]);
  };
  expect(await send('R-1', [{ clave: PARA, prescribed: 1, dispensed: 1 }])).toEqual([['DUPLICATE_FOLIO', 'folio']]);
  expect(await send('R-9', [{ clave: PARA, prescribed: 1, dispensed: 2 }])).toEqual([['EXCEEDS_PRESCRIBED', 'lines.0.dispensed']]);
  expect(await send('R-9', [{ clave: GASA, prescribed: 1, dispensed: 0 }, { clave: PARA, prescribed: 1000, dispensed: 1000 }])).toEqual([['INSUFFICIENT_STOCK', 'lines.1.dispensed']]);
  const r = await api.gql(`{ prescription(clues: "GRSSA000001", folio: "R-1") { fill lines { clave prescribed dispensed } } }`, {}, t);
  expect(r.data.prescription.fill).toBe('COMPLETE');
  // R-1's paracetamol came from W-A, the lot that expires first.
  const moves = await tdb.db.query(`SELECT l.lot_number, m.quantity FROM stock_movement m JOIN lot l ON l.id = m.lot_id WHERE m.kind = 'DISPENSE' AND m.document = 'receta R-1' ORDER BY 1`);
  expect(moves).toEqual([{ lot_number: 'G-W', quantity: -5 }, { lot_number: 'W-A', quantity: -10 }]);
});
