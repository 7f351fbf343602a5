import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { codes, dayFromToday, mutation, noonOf, ok, send, written } from '../support/clerk';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * A mutation answers every user error of its input at once and writes nothing (issue 17): a clerk fixing
 * a 40-line receipt sees all its problems in one answer, not one at a time.
 */
let tdb: TestDatabase;
let api: TestApi;
const { paracetamol: PARA, gasa: GASA, trastuzumab: TRAS } = CLAVES;
const UNKNOWN = '010.000.9999.00';
const T: Record<string, string> = {};
const RECEIVE = mutation('stockReceive', 'StockReceiveInput', 'receipt { id }');
const CONSUME = mutation('stockConsume', 'StockConsumeInput', 'movements { id }');
const DISPATCH = mutation('shipmentDispatch', 'ShipmentDispatchInput', 'shipment { number }');
const CREATE = mutation('orderCreate', 'OrderCreateInput', 'order { number }');
const FAR = dayFromToday(400);

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  T.warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  T.tixtla = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  T.coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

test('a 3-line receipt with 2 bad lines: both errors, nothing written', async () => {
  const before = await written(tdb.db);
  const p = await send(api, RECEIVE, {
    idempotencyKey: 'in-bad',
    clues: 'GRSSA000010',
    lines: [
      { clave: PARA, lotNumber: 'OK-1', expiresOn: FAR, acceptedQuantity: 10 },
      { clave: UNKNOWN, lotNumber: 'U-1', expiresOn: FAR, acceptedQuantity: 10 },
      { clave: GASA, lotNumber: 'OLD-1', expiresOn: dayFromToday(-1), acceptedQuantity: 10 },
    ],
  }, T.warehouse);
  expect(codes(p)).toEqual([['LOT_EXPIRED', 'lines.2.expiresOn'], ['UNKNOWN_CLAVE', 'lines.1.clave']]);
  expect(p.userErrors.map((e: any) => e.message)).toEqual([
    `El lote OLD-1 caducó el ${dayFromToday(-1)}: no puede entrar al inventario.`,
    `No existe la clave ${UNKNOWN} en el catálogo.`,
  ]);
  // Not a movement, a receipt, a lot, a key or a piece more.
  expect(await written(tdb.db)).toEqual(before);
});

test('every format problem at once (the input’s shape is checked before anything is read)', async () => {
  const p = await send(api, RECEIVE, {
    idempotencyKey: 'in-shape',
    clues: 'GRSSA000010',
    lines: [
      { clave: '10.000.0104.00', lotNumber: 'A', acceptedQuantity: 1 },
      { clave: PARA, lotNumber: ' ', acceptedQuantity: 1 },
      { clave: PARA, lotNumber: 'C', acceptedQuantity: 0, rejectedQuantity: 2 },
    ],
  }, T.warehouse);
  expect(codes(p)).toEqual([['INVALID_CLAVE', 'lines.0.clave'], ['REQUIRED', 'lines.1.lotNumber'], ['REQUIRED', 'lines.2.rejectionReason']]);
});

test('a purchase receipt: the order’s problems join the lines’', async () => {
  const central = await api.token(Role.CENTRAL);
  const { order } = await ok(api, CREATE, { idempotencyKey: 'oc-1', kind: 'PURCHASE', requestingClues: 'GRSSA000010', supplier: 'Distribuidora del Sur', lines: [{ clave: PARA, quantity: 100 }] }, central);
  await ok(api, mutation('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: order.number }, central);
  await ok(api, mutation('orderApprove', 'OrderApproveInput', 'order { status }'), { number: order.number }, central);
  const before = await written(tdb.db);
  const p = await send(api, RECEIVE, {
    idempotencyKey: 'in-oc',
    clues: 'GRSSA000010',
    orderNumber: order.number,
    lines: [
      { clave: PARA, lotNumber: 'OC-1', expiresOn: FAR, acceptedQuantity: 101 },
      { clave: UNKNOWN, lotNumber: 'OC-2', expiresOn: FAR, acceptedQuantity: 1 },
      { clave: GASA, lotNumber: 'OC-3', acceptedQuantity: 1 },
    ],
  }, T.warehouse);
  expect(codes(p)).toEqual([['UNKNOWN_CLAVE', 'lines.1.clave'], ['EXCEEDS_APPROVED_REMAINDER', 'lines.0.acceptedQuantity'], ['NOT_ON_ORDER', 'lines.2.clave']]);
  expect(await written(tdb.db)).toEqual(before);
});

describe('line-level stock checks, across lines', () => {
  beforeAll(async () => {
    await ok(api, RECEIVE, { idempotencyKey: 'in-1', clues: 'GRSSA000010', lines: [{ clave: PARA, lotNumber: 'W-A', expiresOn: FAR, acceptedQuantity: 30 }, { clave: GASA, lotNumber: 'G-W', acceptedQuantity: 20 }] }, T.warehouse);
  });

  test('a consumption: an unknown clave, an unknown lot and too little stock, each at its line', async () => {
    const before = await written(tdb.db);
    const p = await send(api, CONSUME, {
      idempotencyKey: 'c-bad',
      clues: 'GRSSA000010',
      lines: [{ clave: UNKNOWN, quantity: 1 }, { clave: PARA, quantity: 31 }, { clave: GASA, quantity: 1, lotNumber: 'NO-EXISTE' }, { clave: GASA, quantity: 5 }],
    }, T.warehouse);
    expect(codes(p)).toEqual([['UNKNOWN_CLAVE', 'lines.0.clave'], ['INSUFFICIENT_STOCK', 'lines.1.quantity'], ['UNKNOWN_LOT', 'lines.2.lotNumber']]);
    expect(p.userErrors[1].message).toBe(`Existencia utilizable insuficiente de ${PARA}: hay 30 piezas y se piden 31.`);
    expect(await written(tdb.db)).toEqual(before);
  });

  test('a back-dated consumption that would leave two lots below zero on that day: both', async () => {
    // Both lots arrived today: yesterday there was nothing to take.
    const before = await written(tdb.db);
    const p = await send(api, CONSUME, {
      idempotencyKey: 'c-past',
      clues: 'GRSSA000010',
      occurredAt: noonOf(dayFromToday(-1)),
      lines: [{ clave: PARA, quantity: 5, lotNumber: 'W-A' }, { clave: GASA, quantity: 5, lotNumber: 'G-W' }],
    }, T.warehouse);
    expect(codes(p)).toEqual([['INSUFFICIENT_STOCK_AT_DATE', 'lines.0'], ['INSUFFICIENT_STOCK_AT_DATE', 'lines.1']]);
    expect(await written(tdb.db)).toEqual(before);
  });

  test('a dispatch: a clave not on the order, beyond the remainder, and beyond the stock', async () => {
    const { order } = await ok(api, CREATE, { idempotencyKey: 'o-1', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', lines: [{ clave: PARA, quantity: 50 }, { clave: GASA, quantity: 10 }] }, T.tixtla);
    await ok(api, mutation('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: order.number }, T.tixtla);
    await ok(api, mutation('orderApprove', 'OrderApproveInput', 'order { status }'), { number: order.number }, T.coordinator);
    const before = await written(tdb.db);
    const p = await send(api, DISPATCH, {
      idempotencyKey: 'd-bad',
      orderNumber: order.number,
      lines: [{ clave: TRAS, quantity: 1 }, { clave: GASA, quantity: 11 }, { clave: PARA, quantity: 40 }],
    }, T.warehouse);
    // Paracetamol: 50 approved, but only 30 on the shelf.
    expect(codes(p)).toEqual([['NOT_ON_ORDER', 'lines.0.clave'], ['EXCEEDS_APPROVED_REMAINDER', 'lines.1.quantity'], ['INSUFFICIENT_STOCK', 'lines.2.quantity']]);
    expect(await written(tdb.db)).toEqual(before);
  });

  test('an order: another warehouse than its own and a clave its level may not use', async () => {
    const p = await send(api, CREATE, {
      idempotencyKey: 'o-bad',
      kind: 'REPLENISHMENT',
      requestingClues: 'GRSSA000001',
      supplyingClues: 'DFSSA004936',
      lines: [{ clave: TRAS, quantity: 1 }, { clave: UNKNOWN, quantity: 1 }],
    }, T.tixtla);
    expect(codes(p)).toEqual([['NOT_SUPPLYING_WAREHOUSE', 'supplyingClues'], ['NOT_AUTHORIZED_FOR_LEVEL', 'lines.0.clave'], ['UNKNOWN_CLAVE', 'lines.1.clave']]);
  });
});
