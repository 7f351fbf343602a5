import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { dayFromToday, mutation, noonOf, ok } from '../support/clerk';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Things worth knowing that are not errors (issue 17): the mutation is applied and its payload says them in
 * `userWarnings` — a lot taken into stock with under 90 days to expiry (LOT_EXPIRES_SOON), a business date
 * more than 30 days back (BACKDATED). Days counted by hand from today in Mexico City.
 */
let tdb: TestDatabase;
let api: TestApi;
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const T: Record<string, string> = {};
const WARNINGS = 'userWarnings { code field message }';
const RECEIVE = mutation('stockReceive', 'StockReceiveInput', `receipt { id } movements { quantity } ${WARNINGS}`);
const short = (p: any) => p.userWarnings.map((w: any) => [w.code, w.field.slice(1).join('.')]);

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  T.warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  T.tixtla = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  T.coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  T.central = await api.token(Role.CENTRAL);
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

test('a receipt 40 days back with a lot that had 60 days left: both said, both applied, the same on a retry', async () => {
  const receivedOn = dayFromToday(-40);
  const input = {
    idempotencyKey: 'in-1',
    clues: 'GRSSA000010',
    receivedAt: noonOf(receivedOn),
    lines: [
      { clave: PARA, lotNumber: 'SOON', expiresOn: dayFromToday(20), acceptedQuantity: 10 }, // 60 days after receipt
      { clave: PARA, lotNumber: 'LATER', expiresOn: dayFromToday(200), acceptedQuantity: 10 },
      { clave: GASA, lotNumber: 'NONE', acceptedQuantity: 10 },
    ],
  };
  const p = await ok(api, RECEIVE, input, T.warehouse);
  expect(p.movements.map((m: any) => m.quantity)).toEqual([10, 10, 10]);
  expect(p.userWarnings).toEqual([
    {
      code: 'BACKDATED',
      field: ['input', 'receivedAt'],
      message: `La fecha ${receivedOn} es de hace 40 días (más de 30): se registró con esa fecha; confirme que es correcta.`,
    },
    {
      code: 'LOT_EXPIRES_SOON',
      field: ['input', 'lines', '0', 'expiresOn'],
      message: `El lote SOON de ${PARA} caduca el ${dayFromToday(20)}: le quedan 60 días (menos de 90). Úselo primero o considere redistribuirlo.`,
    },
  ]);
  expect((await ok(api, RECEIVE, input, T.warehouse)).userWarnings).toEqual(p.userWarnings);
  // A retry is answered as of when the first request was recorded, not as of now: had it been recorded
  // 20 days earlier (20 days after the receipt), it was not back-dated.
  await tdb.db.query(`UPDATE idempotency_key SET created_at = created_at - interval '20 days' WHERE key = 'in-1'`);
  expect(short(await ok(api, RECEIVE, input, T.warehouse))).toEqual([['LOT_EXPIRES_SOON', 'lines.0.expiresOn']]);
});

test('the edges: 30 days back and 90 days left are not warned; 31 and 89 are', async () => {
  const at = (n: number, key: string, expiresIn: number) =>
    ok(api, RECEIVE, { idempotencyKey: key, clues: 'GRSSA000010', receivedAt: noonOf(dayFromToday(-n)), lines: [{ clave: PARA, lotNumber: key, expiresOn: dayFromToday(expiresIn - n), acceptedQuantity: 1 }] }, T.warehouse);
  expect(short(await at(30, 'E-30', 90))).toEqual([]);
  expect(short(await at(31, 'E-31', 89))).toEqual([['BACKDATED', 'receivedAt'], ['LOT_EXPIRES_SOON', 'lines.0.expiresOn']]);
  // Rejected pieces never enter stock: no warning for their lot.
  const rejected = await ok(api, RECEIVE, { idempotencyKey: 'rej', clues: 'GRSSA000010', lines: [{ clave: PARA, lotNumber: 'REJ', expiresOn: dayFromToday(10), acceptedQuantity: 0, rejectedQuantity: 5, rejectionReason: 'DAMAGED' }] }, T.warehouse);
  expect(short(rejected)).toEqual([]);
});

test('stock movements: a consumption and an adjustment dated 45 days back', async () => {
  const back = noonOf(dayFromToday(-45));
  await ok(api, RECEIVE, { idempotencyKey: 'in-old', clues: 'GRSSA000010', receivedAt: noonOf(dayFromToday(-60)), lines: [{ clave: GASA, lotNumber: 'OLD', acceptedQuantity: 50 }] }, T.warehouse);
  const consume = await ok(api, mutation('stockConsume', 'StockConsumeInput', `movements { quantity } ${WARNINGS}`), { idempotencyKey: 'c-1', clues: 'GRSSA000010', occurredAt: back, lines: [{ clave: GASA, lotNumber: 'OLD', quantity: 5 }] }, T.warehouse);
  expect(short(consume)).toEqual([['BACKDATED', 'occurredAt']]);
  const adjust = await ok(api, mutation('stockAdjust', 'StockAdjustInput', `movements { quantity } ${WARNINGS}`), { idempotencyKey: 'a-1', clues: 'GRSSA000010', clave: GASA, lotNumber: 'OLD', quantity: -1, reason: 'DAMAGE', occurredAt: back }, T.warehouse);
  expect(short(adjust)).toEqual([['BACKDATED', 'occurredAt']]);
  const today = await ok(api, mutation('stockConsume', 'StockConsumeInput', `movements { quantity } ${WARNINGS}`), { idempotencyKey: 'c-2', clues: 'GRSSA000010', lines: [{ clave: GASA, quantity: 1 }] }, T.warehouse);
  expect(short(today)).toEqual([]);
});

test('a purchase receipt and a shipment received by exception: lots with little life left', async () => {
  const { order } = await ok(api, mutation('orderCreate', 'OrderCreateInput', 'order { number }'), { idempotencyKey: 'oc', kind: 'PURCHASE', requestingClues: 'GRSSA000010', supplier: 'Distribuidora del Sur', lines: [{ clave: PARA, quantity: 100 }] }, T.central);
  await ok(api, mutation('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: order.number }, T.central);
  await ok(api, mutation('orderApprove', 'OrderApproveInput', 'order { status }'), { number: order.number }, T.central);
  const purchase = await ok(api, RECEIVE, { idempotencyKey: 'in-oc', clues: 'GRSSA000010', orderNumber: order.number, lines: [{ clave: PARA, lotNumber: 'OC-SOON', expiresOn: dayFromToday(45), acceptedQuantity: 100 }] }, T.warehouse);
  expect(purchase.userWarnings).toEqual([
    { code: 'LOT_EXPIRES_SOON', field: ['input', 'lines', '0', 'expiresOn'], message: `El lote OC-SOON de ${PARA} caduca el ${dayFromToday(45)}: le quedan 45 días (menos de 90). Úselo primero o considere redistribuirlo.` },
  ]);

  // Tixtla orders 20 paracetamol; the warehouse sends what expires first: SOON (20 days left) and OC-SOON (45).
  const { order: os } = await ok(api, mutation('orderCreate', 'OrderCreateInput', 'order { number }'), { idempotencyKey: 'os', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', lines: [{ clave: PARA, quantity: 20 }] }, T.tixtla);
  await ok(api, mutation('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: os.number }, T.tixtla);
  await ok(api, mutation('orderApprove', 'OrderApproveInput', 'order { status }'), { number: os.number }, T.coordinator);
  const sent = await ok(api, mutation('shipmentDispatch', 'ShipmentDispatchInput', `shipment { number lines { lotNumber quantity } } ${WARNINGS}`), { idempotencyKey: 'd', orderNumber: os.number, fromAvailable: true }, T.warehouse);
  expect(sent.shipment.lines).toEqual([{ lotNumber: 'SOON', quantity: 10 }, { lotNumber: 'OC-SOON', quantity: 10 }]);
  // the dispatch says it sends lots with little life left (the unit must use them first)
  expect(short(sent)).toEqual([['LOT_EXPIRES_SOON', 'lines'], ['LOT_EXPIRES_SOON', 'lines']]);
  const received = await ok(
    api,
    mutation('shipmentReceive', 'ShipmentReceiveInput', `shipment { status } ${WARNINGS}`),
    { idempotencyKey: 'r', shipmentNumber: sent.shipment.number, acceptAllAsShipped: true, lines: [{ clave: PARA, lotNumber: 'OC-SOON', acceptedQuantity: 8, rejectionReason: 'DAMAGED' }] },
    T.tixtla,
  );
  expect(short(received)).toEqual([['LOT_EXPIRES_SOON', 'acceptAllAsShipped'], ['LOT_EXPIRES_SOON', 'lines.0.acceptedQuantity']]);
  expect(received.userWarnings.map((w: any) => w.message)).toEqual([
    `El lote SOON de ${PARA} caduca el ${dayFromToday(20)}: le quedan 20 días (menos de 90). Úselo primero o considere redistribuirlo.`,
    `El lote OC-SOON de ${PARA} caduca el ${dayFromToday(45)}: le quedan 45 días (menos de 90). Úselo primero o considere redistribuirlo.`,
  ]);
});
