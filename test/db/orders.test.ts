import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * An order followed from the pharmacy that asks to the shelf that receives, every quantity by hand.
 * GRSSA000001 (first level) is supplied by the state warehouse GRSSA000010, which holds:
 *   paracetamol W-A 60 pieces (expires 2027-03-31), W-B 100 (2027-09-30); gasa G-W 500 (no expiry).
 */

let tdb: TestDatabase;
let api: TestApi;
let admin: string;
let pharmacy: string;
let warehouse: string;
let coordinator: string;
const { paracetamol: PARA, gasa: GASA, trastuzumab: TRAS } = CLAVES;

const ORDER = 'order { number kind status requestingClues supplyingClues supplier promisedOn approvedBy endReason lines { clave requested approved dispatched accepted rejected inTransit remaining } }';
const SHIPMENT = 'shipment { number orderNumber status fromClues toClues lines { line clave lotNumber quantity acceptedQuantity rejectedQuantity rejectionReason } }';
const m = (name: string, type: string, body: string) => `mutation($i: ${type}!) { ${name}(input: $i) { ${body} userErrors { code field message } } }`;
const CREATE = m('orderCreate', 'OrderCreateInput', ORDER);
const SUBMIT = m('orderSubmit', 'OrderNumberInput', ORDER);
const APPROVE = m('orderApprove', 'OrderApproveInput', ORDER);
const CLOSE = m('orderClose', 'OrderEndInput', ORDER);
const CANCEL = m('orderCancel', 'OrderEndInput', ORDER);
const DISPATCH = m('shipmentDispatch', 'ShipmentDispatchInput', SHIPMENT);
const RECEIVE = m('shipmentReceive', 'ShipmentReceiveInput', SHIPMENT);

async function send(query: string, i: Record<string, unknown>, token: string): Promise<any> {
  const r = await api.gql(query, { i }, token);
  if (r.errors) return { errors: r.errors.map((e: any) => e.extensions?.code) };
  return Object.values(r.data)[0];
}

async function ok(query: string, i: Record<string, unknown>, token: string): Promise<any> {
  const p = await send(query, i, token);
  expect(p.userErrors).toEqual([]);
  return p;
}

const codes = (p: any) => p.errors ?? p.userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')]);

async function balances(): Promise<Record<string, number>> {
  const rows = await tdb.db.query(`
    SELECT e.clues || ' ' || l.lot_number AS k, b.quantity FROM stock_balance b JOIN lot l ON l.id = b.lot_id
      JOIN establishment e ON e.id = b.establishment_id ORDER BY 1`);
  return Object.fromEntries(rows.map((r: any) => [r.k, r.quantity]));
}

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  admin = await api.token(Role.ADMIN);
  pharmacy = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  await ok(
    m('stockReceive', 'StockReceiveInput', 'receipt { id }'),
    {
      idempotencyKey: 'stock-wh',
      clues: 'GRSSA000010',
      lines: [
        { clave: PARA, lotNumber: 'W-A', expiresOn: '2027-03-31', acceptedQuantity: 60 },
        { clave: PARA, lotNumber: 'W-B', expiresOn: '2027-09-30', acceptedQuantity: 100 },
        { clave: GASA, lotNumber: 'G-W', acceptedQuantity: 500 },
      ],
    },
    warehouse,
  );
});
afterAll(() => stopNetworkApi(api, tdb));

describe('the whole flow', () => {
  let number: string;
  const shipments: string[] = [];

  test('create (DRAFT) and submit', async () => {
    const p = await ok(
      CREATE,
      { idempotencyKey: 'order-1', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', promisedOn: '2026-11-30', lines: [{ clave: PARA, quantity: 120 }, { clave: GASA, quantity: 50 }] },
      pharmacy,
    );
    number = p.order.number;
    expect(number).toMatch(/^OS-\d{4}-\d{6}$/);
    expect(p.order).toMatchObject({ kind: 'REPLENISHMENT', status: 'DRAFT', requestingClues: 'GRSSA000001', supplyingClues: 'GRSSA000010', promisedOn: '2026-11-30' });
    // A retry returns the same order.
    const again = await ok(
      CREATE,
      { idempotencyKey: 'order-1', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', promisedOn: '2026-11-30', lines: [{ clave: PARA, quantity: 120 }, { clave: GASA, quantity: 50 }] },
      pharmacy,
    );
    expect(again.order.number).toBe(number);
    expect((await ok(SUBMIT, { number }, pharmacy)).order.status).toBe('SUBMITTED');
  });

  test('approval: not by the pharmacy, not by another state; by its coordinator, cutting paracetamol to 100', async () => {
    expect(codes(await send(APPROVE, { number }, pharmacy))).toEqual(['FORBIDDEN']);
    const oaxaca = await api.token(Role.STATE_COORDINATOR, { state: '20' });
    expect(codes(await send(APPROVE, { number }, oaxaca))).toEqual(['FORBIDDEN']);
    expect(codes(await send(APPROVE, { number, lines: [{ clave: PARA, approvedQuantity: 121 }] }, coordinator))).toEqual([['EXCEEDS_REQUESTED', 'lines.0.approvedQuantity']]);
    const p = await ok(APPROVE, { number, lines: [{ clave: PARA, approvedQuantity: 100 }] }, coordinator);
    expect(p.order).toMatchObject({ status: 'APPROVED', approvedBy: 'test-state_coordinator' });
    expect(p.order.lines).toEqual([
      { clave: PARA, requested: 120, approved: 100, dispatched: 0, accepted: 0, rejected: 0, inTransit: 0, remaining: 100 },
      { clave: GASA, requested: 50, approved: 50, dispatched: 0, accepted: 0, rejected: 0, inTransit: 0, remaining: 50 },
    ].sort((a, b) => (a.clave < b.clave ? -1 : 1)));
  });

  test('two partial dispatches, FEFO across two lots; never beyond the approved remainder', async () => {
    const other = await api.token(Role.WAREHOUSE, { clues: 'DFSSA004936' });
    expect(codes(await send(DISPATCH, { idempotencyKey: 'd-x', orderNumber: number, lines: [{ clave: PARA, quantity: 1 }] }, other))).toEqual(['FORBIDDEN']);
    // 70 paracetamol: all 60 of W-A (expires first), 10 of W-B; 30 gasa.
    const s1 = await ok(DISPATCH, { idempotencyKey: 'd-1', orderNumber: number, lines: [{ clave: PARA, quantity: 70 }, { clave: GASA, quantity: 30 }] }, warehouse);
    expect(s1.shipment).toMatchObject({ status: 'IN_TRANSIT', fromClues: 'GRSSA000010', toClues: 'GRSSA000001', orderNumber: number });
    expect(s1.shipment.lines.map((l: any) => [l.clave, l.lotNumber, l.quantity])).toEqual([
      [PARA, 'W-A', 60],
      [PARA, 'W-B', 10],
      [GASA, 'G-W', 30],
    ]);
    shipments.push(s1.shipment.number);
    // 30 paracetamol remain approved: 31 is too many.
    expect(codes(await send(DISPATCH, { idempotencyKey: 'd-2x', orderNumber: number, lines: [{ clave: PARA, quantity: 31 }] }, warehouse))).toEqual([
      ['EXCEEDS_APPROVED_REMAINDER', 'lines.0.quantity'],
    ]);
    expect(codes(await send(DISPATCH, { idempotencyKey: 'd-2y', orderNumber: number, lines: [{ clave: TRAS, quantity: 1 }] }, warehouse))).toEqual([['NOT_ON_ORDER', 'lines.0.clave']]);
    // Not before the approval, not in the future.
    expect(codes(await send(DISPATCH, { idempotencyKey: 'd-2z', orderNumber: number, dispatchedAt: '2020-01-01T12:00:00Z', lines: [{ clave: PARA, quantity: 1 }] }, warehouse))).toEqual([['INCONSISTENT', 'dispatchedAt']]);
    expect(codes(await send(DISPATCH, { idempotencyKey: 'd-2w', orderNumber: number, dispatchedAt: new Date(Date.now() + 86_400_000).toISOString(), lines: [{ clave: PARA, quantity: 1 }] }, warehouse))).toEqual([['DATE_IN_FUTURE', 'dispatchedAt']]);
    const s2 = await ok(DISPATCH, { idempotencyKey: 'd-2', orderNumber: number, lines: [{ clave: PARA, quantity: 30 }, { clave: GASA, quantity: 20 }] }, warehouse);
    expect(s2.shipment.lines.map((l: any) => [l.clave, l.lotNumber, l.quantity])).toEqual([
      [PARA, 'W-B', 30],
      [GASA, 'G-W', 20],
    ]);
    shipments.push(s2.shipment.number);

    // In transit at the destination; the warehouse's stock is down.
    const levels = await api.gql(`{ stockLevels(clues: "GRSSA000001") { totalCount edges { node { clave onHand inTransit } } } }`, {}, pharmacy);
    expect(levels.data.stockLevels.totalCount).toBe(2);
    expect(levels.data.stockLevels.edges.map((e: any) => e.node)).toEqual([
      { clave: PARA, onHand: 0, inTransit: 100 },
      { clave: GASA, onHand: 0, inTransit: 50 },
    ].sort((a, b) => (a.clave < b.clave ? -1 : 1)));
    expect(await balances()).toMatchObject({ 'GRSSA000010 W-A': 0, 'GRSSA000010 W-B': 60, 'GRSSA000010 G-W': 450 });
    expect(codes(await send(CLOSE, { number, reason: 'x' }, coordinator))).toEqual([['SHIPMENT_IN_TRANSIT', 'number']]);
  });

  test('receipts: accepted + rejected = shipped, rejected pieces with a reason', async () => {
    const [r1, r2] = shipments;
    const bad = (lines: unknown[]) => send(RECEIVE, { idempotencyKey: 'r-bad', shipmentNumber: r1, lines }, pharmacy);
    const full = [
      { clave: PARA, lotNumber: 'W-A', acceptedQuantity: 55, rejectedQuantity: 5, rejectionReason: 'DAMAGED' },
      { clave: PARA, lotNumber: 'W-B', acceptedQuantity: 10 },
      { clave: GASA, lotNumber: 'G-W', acceptedQuantity: 30 },
    ];
    expect(codes(await bad([{ ...full[0], acceptedQuantity: 56 }, full[1], full[2]]))).toEqual([['QUANTITY_MISMATCH', 'lines.0.acceptedQuantity']]);
    expect(codes(await bad([{ ...full[0], rejectionReason: null }, full[1], full[2]]))).toEqual([['REQUIRED', 'lines.0.rejectionReason']]);
    expect(codes(await bad([full[0], full[1]]))).toEqual([['MISSING_LINE', 'lines']]);
    expect(codes(await bad([...full, { clave: GASA, lotNumber: 'OTRO', acceptedQuantity: 1 }]))).toEqual([['NOT_IN_SHIPMENT', 'lines.3.lotNumber']]);
    expect(codes(await send(RECEIVE, { idempotencyKey: 'r-w', shipmentNumber: r1, lines: full }, warehouse))).toEqual(['FORBIDDEN']);
    expect(codes(await send(RECEIVE, { idempotencyKey: 'r-early', shipmentNumber: r1, receivedAt: '2020-01-01T12:00:00Z', lines: full }, pharmacy))).toEqual([['INCONSISTENT', 'receivedAt']]);

    const p1 = await ok(RECEIVE, { idempotencyKey: 'r-1', shipmentNumber: r1, lines: full }, pharmacy);
    expect(p1.shipment.status).toBe('RECEIVED');
    expect(codes(await send(RECEIVE, { idempotencyKey: 'r-1b', shipmentNumber: r1, lines: full }, pharmacy))).toEqual([['ALREADY_RECEIVED', 'shipmentNumber']]);
    let order = (await api.gql(`query { order(number: "${number}") { status lines { clave approved dispatched accepted rejected inTransit remaining } } }`, {}, pharmacy)).data.order;
    expect(order.status).toBe('PARTIALLY_FULFILLED');
    // Paracetamol: 100 sent, 65 accepted, 5 rejected, 30 on the way; 5 may still be sent. Gasa: 30 of 50 in, 20 on the way.
    expect(order.lines).toEqual([
      { clave: PARA, approved: 100, dispatched: 100, accepted: 65, rejected: 5, inTransit: 30, remaining: 5 },
      { clave: GASA, approved: 50, dispatched: 50, accepted: 30, rejected: 0, inTransit: 20, remaining: 0 },
    ].sort((a, b) => (a.clave < b.clave ? -1 : 1)));

    await ok(RECEIVE, { idempotencyKey: 'r-2', shipmentNumber: r2, lines: [{ clave: PARA, lotNumber: 'W-B', acceptedQuantity: 30 }, { clave: GASA, lotNumber: 'G-W', acceptedQuantity: 20 }] }, pharmacy);
    order = (await api.gql(`query { order(number: "${number}") { status lines { clave accepted rejected remaining } } }`, {}, pharmacy)).data.order;
    expect(order.status).toBe('PARTIALLY_FULFILLED');
    expect(order.lines).toEqual([
      { clave: PARA, accepted: 95, rejected: 5, remaining: 5 },
      { clave: GASA, accepted: 50, rejected: 0, remaining: 0 },
    ].sort((a, b) => (a.clave < b.clave ? -1 : 1)));
    expect(await balances()).toMatchObject({ 'GRSSA000001 W-A': 55, 'GRSSA000001 W-B': 40, 'GRSSA000001 G-W': 50 });
    const movements = await tdb.db.query(`SELECT kind, sum(quantity)::int AS q FROM stock_movement WHERE kind IN ('DISPATCH', 'TRANSFER_IN') GROUP BY 1 ORDER BY 1`);
    expect(movements).toEqual([{ kind: 'DISPATCH', q: -150 }, { kind: 'TRANSFER_IN', q: 145 }]);
  });

  test('short-close with a reason', async () => {
    expect(codes(await send(CLOSE, { number, reason: 'x' }, pharmacy))).toEqual(['FORBIDDEN']);
    const p = await ok(CLOSE, { number, reason: 'el almacén no repondrá las 5 dañadas' }, coordinator);
    expect(p.order).toMatchObject({ status: 'CLOSED', endReason: 'el almacén no repondrá las 5 dañadas' });
    expect(codes(await send(DISPATCH, { idempotencyKey: 'd-3', orderNumber: number, lines: [{ clave: PARA, quantity: 5 }] }, warehouse))).toEqual([['INVALID_STATUS', 'orderNumber']]);
    const check = await api.gql(`{ ledgerCheck { mismatches { clues } } }`, {}, admin);
    expect(check.data.ledgerCheck.mismatches).toEqual([]);
  });
});

describe('bad orders are refused and write nothing', () => {
  const base = { kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', lines: [{ clave: PARA, quantity: 10 }] };
  test.each([
    ['a clave the unit’s level may not use', { lines: [{ clave: TRAS, quantity: 1 }] }, [['NOT_AUTHORIZED_FOR_LEVEL', 'lines.0.clave']]],
    ['zero pieces', { lines: [{ clave: PARA, quantity: 0 }] }, [['MUST_BE_POSITIVE', 'lines.0.quantity']]],
    ['an unknown clave', { lines: [{ clave: '010.000.9999.00', quantity: 1 }] }, [['UNKNOWN_CLAVE', 'lines.0.clave']]],
    ['the same clave twice', { lines: [{ clave: PARA, quantity: 1 }, { clave: PARA, quantity: 2 }] }, [['DUPLICATE_LINE', 'lines.1']]],
    ['no lines', { lines: [] }, [['REQUIRED', 'lines']]],
    ['another warehouse than its own', { supplyingClues: 'DFSSA004936' }, [['NOT_SUPPLYING_WAREHOUSE', 'supplyingClues']]],
    ['a unit with no supplying warehouse', { requestingClues: 'OCSSA000001' }, [['NO_SUPPLYING_WAREHOUSE', 'requestingClues']]],
  ])('%s', async (_n, change, expected) => {
    const before = await tdb.db.query('SELECT count(*)::int AS n FROM supply_order');
    const p = await send(CREATE, { idempotencyKey: `bad-${Math.random()}`, ...base, ...change }, admin);
    expect(codes(p)).toEqual(expected);
    expect(await tdb.db.query('SELECT count(*)::int AS n FROM supply_order')).toEqual(before);
  });

  test('a pharmacy cannot buy from suppliers nor order for another unit', async () => {
    expect(codes(await send(CREATE, { idempotencyKey: 'p-1', kind: 'PURCHASE', requestingClues: 'GRSSA000010', supplier: 'X', lines: [{ clave: GASA, quantity: 1 }] }, pharmacy))).toEqual(['FORBIDDEN']);
    expect(codes(await send(CREATE, { idempotencyKey: 'p-2', ...base, requestingClues: 'GRSSA000002' }, pharmacy))).toEqual(['FORBIDDEN']);
  });

  test('cancel before anything was sent', async () => {
    const p = await ok(CREATE, { idempotencyKey: 'c-1', ...base }, pharmacy);
    const c = await ok(CANCEL, { number: p.order.number, reason: 'pedido duplicado' }, pharmacy);
    expect(c.order).toMatchObject({ status: 'CANCELLED', endReason: 'pedido duplicado' });
  });
});

describe('races', () => {
  async function approvedOrder(clues: string, quantity: number, key: string): Promise<string> {
    const p = await ok(CREATE, { idempotencyKey: key, kind: 'REPLENISHMENT', requestingClues: clues, lines: [{ clave: PARA, quantity }] }, admin);
    await ok(SUBMIT, { number: p.order.number }, admin);
    await ok(APPROVE, { number: p.order.number }, coordinator);
    return p.order.number;
  }

  test('two dispatches racing for the approved remainder: one goes', async () => {
    // W-B holds 60 at the warehouse; the order approves 40.
    const number = await approvedOrder('GRSSA000002', 40, 'race-a');
    const results = await Promise.all(
      [1, 2].map((i) => send(DISPATCH, { idempotencyKey: `race-a-${i}`, orderNumber: number, lines: [{ clave: PARA, quantity: 40 }] }, warehouse)),
    );
    expect(results.map((r) => (r.userErrors.length ? r.userErrors[0].code : 'OK')).sort()).toEqual(['EXCEEDS_APPROVED_REMAINDER', 'OK']);
    expect(await balances()).toMatchObject({ 'GRSSA000010 W-B': 20 });
  });

  test('two dispatches racing for the last pieces: one goes', async () => {
    const a = await approvedOrder('GRSSA000002', 20, 'race-b1');
    const b = await approvedOrder('GRSSA000003', 20, 'race-b2');
    const results = await Promise.all(
      [a, b].map((number, i) => send(DISPATCH, { idempotencyKey: `race-b-${i}`, orderNumber: number, lines: [{ clave: PARA, quantity: 20 }] }, warehouse)),
    );
    expect(results.map((r) => (r.userErrors.length ? r.userErrors[0].code : 'OK')).sort()).toEqual(['INSUFFICIENT_STOCK', 'OK']);
    expect(await balances()).toMatchObject({ 'GRSSA000010 W-B': 0 });
    const check = await api.gql(`{ ledgerCheck { mismatches { clues } } }`, {}, admin);
    expect(check.data.ledgerCheck.mismatches).toEqual([]);
  });
});

describe('a purchase from a supplier', () => {
  test('deliveries arrive through stockReceive(orderNumber), never beyond the approved remainder', async () => {
    const central = await api.token(Role.CENTRAL);
    const p = await ok(CREATE, { idempotencyKey: 'buy-1', kind: 'PURCHASE', requestingClues: 'GRSSA000010', supplier: 'Distribuidora del Sur', lines: [{ clave: GASA, quantity: 100 }] }, central);
    expect(p.order.number).toMatch(/^OC-/);
    await ok(SUBMIT, { number: p.order.number }, central);
    expect(codes(await send(APPROVE, { number: p.order.number }, coordinator))).toEqual(['FORBIDDEN']);
    await ok(APPROVE, { number: p.order.number }, central);
    const receive = (accepted: number, key: string) =>
      send(m('stockReceive', 'StockReceiveInput', 'receipt { id orderNumber }'), {
        idempotencyKey: key,
        clues: 'GRSSA000010',
        orderNumber: p.order.number,
        supplierDocument: `FAC-${key}`,
        lines: [{ clave: GASA, lotNumber: 'G-SUP', acceptedQuantity: accepted, rejectedQuantity: 2, rejectionReason: 'DAMAGED' }],
      }, warehouse);
    expect((await receive(60, 'buy-r1')).userErrors).toEqual([]);
    expect(codes(await receive(41, 'buy-r2'))).toEqual([['EXCEEDS_APPROVED_REMAINDER', 'lines.0.acceptedQuantity']]);
    expect((await receive(40, 'buy-r3')).userErrors).toEqual([]);
    const order = (await api.gql(`query { order(number: "${p.order.number}") { status lines { approved dispatched accepted rejected } } }`, {}, central)).data.order;
    expect(order).toEqual({ status: 'FULFILLED', lines: [{ approved: 100, dispatched: 104, accepted: 100, rejected: 4 }] });
    expect(codes(await receive(1, 'buy-r4'))).toEqual([['INVALID_STATUS', 'orderNumber']]);
  });
});
