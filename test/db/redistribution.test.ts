import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { position } from '../../src/modules/procurement/redistribution';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Redistribution of trastuzumab (high cost, third level), by hand. CPM ratified this year; max 3 months.
 * T = today; T-SOON expires at T+60, so there are 61 days to use it (its expiry day included).
 *
 *   OCSSA000002 Oaxaca   CPM 10  T-SOON 60, T-LATE 10 (2031): in 61 days it uses ⌊10 × 12 × 61 / 365⌋ = 20
 *                        of T-SOON → 40 at risk; the other 30 = 3 months, no overstock. Excess 40.
 *   OCSSA000003 Oaxaca   CPM 20  T-3 5 (2031): need 60 − 5 = 55.
 *   OCSSA000004 Oaxaca   CPM 5   T-FAR 100 (2031): nothing at risk; overstock 100 − 15 = 85.
 *   GRSSA000020 Guerrero CPM 30  nothing: need 90.
 *
 *   Soonest expiry first, same state first:
 *     T-SOON 40 from OCSSA000002 → OCSSA000003 (it can use ⌊20 × 12 × 61 / 365⌋ = 40 before expiry) EXPIRY_RISK
 *     T-FAR 15 from OCSSA000004 → OCSSA000003 (what it still needs)                                    OVERSTOCK
 *     T-FAR 70 from OCSSA000004 → GRSSA000020 (another state, once Oaxaca's need is met)               OVERSTOCK
 */

let tdb: TestDatabase;
let api: TestApi;
let central: string;
const TRAS = CLAVES.trastuzumab;
const TODAY = businessDay();
const YEAR = Number(TODAY.slice(0, 4));
const SOON = new Date(Date.parse(`${TODAY}T12:00:00Z`) + 60 * 86_400_000).toISOString().slice(0, 10);

const ok: TestApi['mutate'] = (...args) => api.mutate(...args);

const SUGGEST = `query($c: String, $s: String) { redistributionSuggestions(clave: $c, stateCode: $s) {
  from { clues } to { clues } clave supplyItem { highCost } lotNumber expiresOn pieces reason sameState
  fromPosition { cpm usable atRisk overstock excess need pendingOut } toPosition { cpm usable inTransit pendingIn need } } }`;
const rows = (r: any) => r.data.redistributionSuggestions.map((s: any) => [s.from.clues, s.to.clues, s.lotNumber, s.pieces, s.reason, s.sameState]);

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  central = await api.token(Role.CENTRAL);
  const admin = await api.token(Role.ADMIN);
  await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'OCSSA000003', name: 'Hospital Regional de Alta Especialidad', kind: 'FIXED', levelOfCare: 'THIRD' });
  await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'OCSSA000004', name: 'Hospital de la Niñez Oaxaqueña', kind: 'FIXED', levelOfCare: 'THIRD' });
  await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'GRSSA000020', name: 'Instituto Estatal de Cancerología', kind: 'FIXED', levelOfCare: 'THIRD' });
  for (const [clues, cpm] of [['OCSSA000002', 10], ['OCSSA000003', 20], ['OCSSA000004', 5], ['GRSSA000020', 30]] as const) {
    await ok(central, 'cpmSubmissionPropose', 'CpmSubmissionKeyInput', { clues, year: YEAR });
    await ok(central, 'cpmSubmissionUpdate', 'CpmSubmissionUpdateInput', { clues, year: YEAR, lines: [{ clave: TRAS, cpm, justification: 'consumo oncológico' }] });
    await ok(central, 'cpmSubmissionRatify', 'CpmSubmissionKeyInput', { clues, year: YEAR });
  }
  const receive = async (clues: string, lots: Array<[string, string, number]>) =>
    ok(await api.token(Role.PHARMACY, { clues }), 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: `in-${clues}`,
      clues,
      lines: lots.map(([lotNumber, expiresOn, acceptedQuantity]) => ({ clave: TRAS, lotNumber, expiresOn, acceptedQuantity })),
    });
  await receive('OCSSA000002', [['T-SOON', SOON, 60], ['T-LATE', '2031-06-30', 10]]);
  await receive('OCSSA000003', [['T-3', '2031-06-30', 5]]);
  await receive('OCSSA000004', [['T-FAR', '2031-12-31', 100]]);
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

test('the arithmetic of one position', () => {
  const p = position(
    { establishmentId: 1, clues: 'X', stateCode: '20', supplyItemId: 1, clave: TRAS, cpm: 10, maxMonths: 3, usable: 70, inTransit: 0, pendingIn: 0, pendingOut: 0, lots: [{ lotNumber: 'T-LATE', expiresOn: '2031-06-30', quantity: 10 }, { lotNumber: 'T-SOON', expiresOn: SOON, quantity: 60 }] },
    TODAY,
  );
  expect(p.lots.map((l) => [l.lotNumber, l.atRisk])).toEqual([['T-SOON', 40], ['T-LATE', 0]]);
  expect(p).toMatchObject({ atRisk: 40, overstock: 0, excess: 40, need: 0 });
});

test('suggestions by hand: soonest expiry first, inside the state first', async () => {
  const r = await api.gql(SUGGEST, {}, central);
  expect(r.errors).toBeUndefined();
  expect(rows(r)).toEqual([
    ['OCSSA000002', 'OCSSA000003', 'T-SOON', 40, 'EXPIRY_RISK', true],
    ['OCSSA000004', 'OCSSA000003', 'T-FAR', 15, 'OVERSTOCK', true],
    ['OCSSA000004', 'GRSSA000020', 'T-FAR', 70, 'OVERSTOCK', false],
  ]);
  const first = r.data.redistributionSuggestions[0];
  expect(first).toMatchObject({ clave: TRAS, supplyItem: { highCost: true }, expiresOn: SOON });
  expect(first.fromPosition).toEqual({ cpm: 10, usable: 70, atRisk: 40, overstock: 0, excess: 40, need: 0, pendingOut: 0 });
  expect(first.toPosition).toEqual({ cpm: 20, usable: 5, inTransit: 0, pendingIn: 0, need: 55 });
  // Within one state only; a coordinator sees its own.
  expect(rows(await api.gql(SUGGEST, { s: '20' }, central))).toEqual(rows(r).slice(0, 2));
  expect(rows(await api.gql(SUGGEST, {}, await api.token(Role.STATE_COORDINATOR, { state: '12' })))).toEqual([]);
  // A clave that is not high-cost only when named: paracetamol has nothing to move here.
  expect(rows(await api.gql(SUGGEST, { c: CLAVES.paracetamol }, central))).toEqual([]);
  expect((await api.gql(SUGGEST, {}, await api.token(Role.PHARMACY, { clues: 'OCSSA000002' }))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
});

test('a lot on hold is never offered, even at risk of expiring: with T-SOON held, T-FAR goes round instead', async () => {
  await ok(central, 'lotHoldSet', 'LotHoldSetInput', { idempotencyKey: 'h-soon', clave: TRAS, lotNumber: 'T-SOON', reason: 'Alerta sanitaria', reference: 'COFEPRIS-AS-TEST' }, 'hold { id } userErrors { code }');
  try {
    // OCSSA000002 keeps only T-LATE usable (10 = 1 month): nothing to give, needs 30 − 10 = 20. T-FAR's 85 of
    // overstock go, fewest months first, to OCSSA000003 (0.25 months) its 55, to OCSSA000002 its 20, then
    // the last 10 to Guerrero
    const r = await api.gql(SUGGEST, {}, central);
    expect(rows(r)).toEqual([
      ['OCSSA000004', 'OCSSA000003', 'T-FAR', 55, 'OVERSTOCK', true],
      ['OCSSA000004', 'OCSSA000002', 'T-FAR', 20, 'OVERSTOCK', true],
      ['OCSSA000004', 'GRSSA000020', 'T-FAR', 10, 'OVERSTOCK', false],
    ]);
  } finally {
    await ok(central, 'lotHoldRelease', 'LotHoldReleaseInput', { idempotencyKey: 'h-soon-off', clave: TRAS, lotNumber: 'T-SOON', reason: 'prueba terminada' }, 'hold { id } userErrors { code }');
  }
  expect(rows(await api.gql(SUGGEST, {}, central))).toHaveLength(3);
});

test('a suggestion becomes an approved order; the sending hospital dispatches it and the other receives it', async () => {
  const M = `mutation($i: RedistributionOrderInput!) { redistributionOrderCreate(input: $i) {
    order { number kind status origin requestingClues supplyingClues lines { clave requested approved } } userErrors { code field } } }`;
  const send = async (i: Record<string, unknown>, token = central) => {
    const r = await api.gql(M, { i: { idempotencyKey: `r-${Math.random()}`, fromClues: 'OCSSA000002', toClues: 'OCSSA000003', clave: TRAS, pieces: 40, lotNumber: 'T-SOON', ...i } }, token);
    return r.errors ? r.errors.map((e: any) => e.extensions.code) : r.data.redistributionOrderCreate;
  };
  const codes = async (i: Record<string, unknown>) => (await send(i)).userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')]);
  expect(await codes({ pieces: 61 })).toEqual([['INSUFFICIENT_STOCK', 'pieces']]);
  expect(await codes({ lotNumber: 'NO-EXISTE' })).toEqual([['UNKNOWN_LOT', 'lotNumber']]);
  expect(await codes({ toClues: 'OCSSA000002' })).toEqual([['INCONSISTENT', 'toClues']]);
  expect(await codes({ toClues: 'OCSSA000001' })).toEqual([['NOT_AUTHORIZED_FOR_LEVEL', 'clave']]);
  expect(await codes({ toClues: 'OCSSA999999' })).toEqual([['UNKNOWN_CLUES', 'toClues']]);
  expect(await send({}, await api.token(Role.STATE_COORDINATOR, { state: '20' }))).toEqual(['FORBIDDEN']);
  const [{ n }] = await tdb.db.query(`SELECT count(*)::int AS n FROM supply_order`);
  expect(n).toBe(0);

  const made = await send({ idempotencyKey: 'redistribute-1' });
  expect(made.userErrors).toEqual([]);
  expect(made.order).toMatchObject({
    kind: 'REPLENISHMENT', status: 'APPROVED', origin: 'REDISTRIBUTION', requestingClues: 'OCSSA000003', supplyingClues: 'OCSSA000002',
    lines: [{ clave: TRAS, requested: 40, approved: 40 }],
  });
  // Promised away: the same pieces are not suggested twice, nor promised twice.
  expect(rows(await api.gql(SUGGEST, {}, central))).toEqual([
    ['OCSSA000004', 'OCSSA000003', 'T-FAR', 15, 'OVERSTOCK', true],
    ['OCSSA000004', 'GRSSA000020', 'T-FAR', 70, 'OVERSTOCK', false],
  ]);
  expect(await codes({ pieces: 31 })).toEqual([['INSUFFICIENT_STOCK', 'pieces']]);

  const sender = await api.token(Role.PHARMACY, { clues: 'OCSSA000002' });
  const shipment = (await ok(sender, 'shipmentDispatch', 'ShipmentDispatchInput', { idempotencyKey: 'rd-1', orderNumber: made.order.number, lines: [{ clave: TRAS, quantity: 40, lotNumber: 'T-SOON' }] }, 'shipment { number } userErrors { code message }')).shipment;
  const receiver = await api.token(Role.PHARMACY, { clues: 'OCSSA000003' });
  await ok(receiver, 'shipmentReceive', 'ShipmentReceiveInput', { idempotencyKey: 'rd-1r', shipmentNumber: shipment.number, lines: [{ clave: TRAS, lotNumber: 'T-SOON', acceptedQuantity: 40 }] });
  const balances = await tdb.db.query(`
    SELECT e.clues, l.lot_number, b.quantity FROM stock_balance b JOIN establishment e ON e.id = b.establishment_id JOIN lot l ON l.id = b.lot_id
     WHERE l.lot_number = 'T-SOON' ORDER BY 1`);
  expect(balances).toEqual([
    { clues: 'OCSSA000002', lot_number: 'T-SOON', quantity: 20 },
    { clues: 'OCSSA000003', lot_number: 'T-SOON', quantity: 40 },
  ]);
  const order = (await api.gql(`{ order(number: "${made.order.number}") { status } }`, {}, central)).data.order;
  expect(order.status).toBe('FULFILLED');
  // OCSSA000002 now uses its remaining 20 of T-SOON in time: nothing at risk is left.
  expect(rows(await api.gql(SUGGEST, {}, central)).filter((x: any[]) => x[0] === 'OCSSA000002')).toEqual([]);
});
