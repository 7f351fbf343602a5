import { ChildProcess } from 'node:child_process';
import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startServerProcess } from '../support/server-process';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/** Stock never goes negative and no update is lost, under many connections and two server processes. */

let tdb: TestDatabase;
let api: TestApi;
let admin: string;
const { paracetamol: PARA, gasa: GASA } = CLAVES;

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  admin = await api.token(Role.ADMIN);
});
afterAll(() => stopNetworkApi(api, tdb));

const RECEIVE = `mutation($i: StockReceiveInput!) { stockReceive(input: $i) { receipt { id } movements { id quantity } userErrors { code } } }`;
const CONSUME = `mutation($i: StockConsumeInput!) { stockConsume(input: $i) { movements { id lotNumber quantity } userErrors { code } } }`;
const ADJUST = `mutation($i: StockAdjustInput!) { stockAdjust(input: $i) { movements { id } userErrors { code } } }`;
const COUNT = `mutation($i: StockCountInput!) { stockCount(input: $i) { movements { id } userErrors { code } } }`;

async function receive(url: string | null, clues: string, lines: Array<Record<string, unknown>>, key: string) {
  const r = await gqlAt(url, RECEIVE, { i: { idempotencyKey: key, clues, lines } });
  expect(r.data.stockReceive.userErrors).toEqual([]);
  return r.data.stockReceive;
}

/** POST to the in-process server, or to another server's URL. */
async function gqlAt(url: string | null, query: string, variables: Record<string, unknown>): Promise<any> {
  if (!url) return api.gql(query, variables, admin);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

async function balances(clues: string): Promise<Array<{ lot_number: string; quantity: number }>> {
  return tdb.db.query(
    `SELECT l.lot_number, b.quantity FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN establishment e ON e.id = b.establishment_id
      WHERE e.clues = $1 ORDER BY l.lot_number`,
    [clues],
  );
}

async function ledgerSum(clues: string): Promise<number> {
  const [{ s }] = await tdb.db.query(
    `SELECT coalesce(sum(m.quantity), 0)::int AS s FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id WHERE e.clues = $1`,
    [clues],
  );
  return s;
}

async function ledgerClean(): Promise<void> {
  const r = await api.gql(`{ ledgerCheck { checked mismatches { clues lotNumber balance ledgerSum } } }`, {}, admin);
  expect(r.data.ledgerCheck.mismatches).toEqual([]);
  expect(r.data.ledgerCheck.checked).toBeGreaterThan(0);
}

test('50 concurrent consumptions of 1 piece against 30 usable: exactly 30 succeed', async () => {
  const clues = 'OCSSA000001';
  // 30 usable in two lots, plus 12 expired pieces that must never be taken.
  await receive(null, clues, [
    { clave: PARA, lotNumber: 'C-A', expiresOn: '2027-01-31', acceptedQuantity: 20 },
    { clave: PARA, lotNumber: 'C-B', expiresOn: '2028-01-31', acceptedQuantity: 10 },
  ], 'c50-receipt');
  // The expired lot arrived back-dated, when it was still good.
  const old = await gqlAt(null, RECEIVE, {
    i: { idempotencyKey: 'c50-old', clues, receivedAt: '2024-01-05T10:00:00Z', lines: [{ clave: PARA, lotNumber: 'C-OLD', expiresOn: '2024-12-31', acceptedQuantity: 12 }] },
  });
  expect(old.data.stockReceive.userErrors).toEqual([]);

  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => gqlAt(null, CONSUME, { i: { idempotencyKey: `c50-${i}`, clues, lines: [{ clave: PARA, quantity: 1 }] } })),
  );
  const codes = results.map((r) => (r.errors ? r.errors[0].extensions.code : r.data.stockConsume.userErrors[0]?.code ?? 'OK'));
  expect(codes.filter((c) => c === 'OK')).toHaveLength(30);
  expect(codes.filter((c) => c === 'INSUFFICIENT_STOCK')).toHaveLength(20);
  expect(await balances(clues)).toEqual([
    { lot_number: 'C-A', quantity: 0 },
    { lot_number: 'C-B', quantity: 0 },
    { lot_number: 'C-OLD', quantity: 12 },
  ]);
  expect(await ledgerSum(clues)).toBe(12);
  await ledgerClean();
});

test('10 concurrent retries of one receipt write it once', async () => {
  const input = { idempotencyKey: 'same-receipt', clues: 'OCSSA000002', lines: [{ clave: GASA, lotNumber: 'G-SAME', acceptedQuantity: 7 }] };
  const results = await Promise.all(Array.from({ length: 10 }, () => gqlAt(null, RECEIVE, { i: input })));
  const ids = new Set(results.map((r) => JSON.stringify([r.data.stockReceive.receipt.id, r.data.stockReceive.movements.map((m: any) => m.id)])));
  expect(ids.size).toBe(1);
  expect(await balances('OCSSA000002')).toEqual([{ lot_number: 'G-SAME', quantity: 7 }]);
  expect(await tdb.db.query(`SELECT count(*)::int AS n FROM receipt WHERE idempotency_key = 'same-receipt'`)).toEqual([{ n: 1 }]);
});

test('20 concurrent receipts of the same lots, new to the catalogue: every one lands, on one lot each', async () => {
  // All race to register the lots: one inserts them, the others wait on its commit and must find them.
  const lines = [
    { clave: GASA, lotNumber: 'NEW-G1', acceptedQuantity: 3 },
    { clave: PARA, lotNumber: 'NEW-P1', expiresOn: '2030-01-31', acceptedQuantity: 2 },
  ];
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => gqlAt(null, RECEIVE, { i: { idempotencyKey: `new-lots-${i}`, clues: 'DFSSA004936', lines } })));
  expect(results.map((r) => r.errors ?? r.data.stockReceive.userErrors)).toEqual(Array(20).fill([]));
  expect(await balances('DFSSA004936')).toEqual([
    { lot_number: 'NEW-G1', quantity: 60 },
    { lot_number: 'NEW-P1', quantity: 40 },
  ]);
  expect(await tdb.db.query(`SELECT count(*)::int AS n FROM lot WHERE lot_number IN ('NEW-G1', 'NEW-P1')`)).toEqual([{ n: 2 }]);
  await ledgerClean();
});

test('multi-lot consumptions in opposite line orders do not deadlock or lose pieces', async () => {
  const clues = 'GRSSA000002';
  await receive(null, clues, [
    { clave: PARA, lotNumber: 'D-1', expiresOn: '2027-01-31', acceptedQuantity: 200 },
    { clave: GASA, lotNumber: 'D-2', acceptedQuantity: 100 },
  ], 'dl-receipt');
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) => {
      const lines = [{ clave: PARA, quantity: 3, lotNumber: 'D-1' }, { clave: GASA, quantity: 2, lotNumber: 'D-2' }];
      return gqlAt(null, CONSUME, { i: { idempotencyKey: `dl-${i}`, clues, lines: i % 2 ? lines : lines.reverse() } });
    }),
  );
  expect(results.every((r) => !r.errors && r.data.stockConsume.userErrors.length === 0)).toBe(true);
  // D-1: 200 − 40 × 3 = 80; D-2: 100 − 40 × 2 = 20.
  expect(await balances(clues)).toEqual([
    { lot_number: 'D-1', quantity: 80 },
    { lot_number: 'D-2', quantity: 20 },
  ]);
});

describe('two server processes on one database', () => {
  let child: ChildProcess;
  let otherUrl: string;

  beforeAll(async () => {
    ({ child, url: otherUrl } = await startServerProcess(tdb.url, api.config.auth.secret!));
  });
  afterAll(() => {
    child.kill('SIGTERM');
  });

  test('receipts, FEFO consumptions, adjustments and counts racing on the same lots end consistent', async () => {
    const clues = 'GRSSA000003';
    await receive(otherUrl, clues, [
      { clave: PARA, lotNumber: 'R-1', expiresOn: '2026-12-31', acceptedQuantity: 50 },
      { clave: PARA, lotNumber: 'R-2', expiresOn: '2027-12-31', acceptedQuantity: 50 },
    ], 'race-start');
    const servers = [null, otherUrl];
    const ops: Array<Promise<any>> = [];
    for (let i = 0; i < 120; i++) {
      const url = servers[i % 2];
      const k = `race-${i}`;
      if (i % 4 === 0) ops.push(gqlAt(url, RECEIVE, { i: { idempotencyKey: k, clues, lines: [{ clave: PARA, lotNumber: i % 8 ? 'R-1' : 'R-2', expiresOn: i % 8 ? '2026-12-31' : '2027-12-31', acceptedQuantity: 5 }] } }));
      else if (i % 4 === 3) ops.push(gqlAt(url, ADJUST, { i: { idempotencyKey: k, clues, clave: PARA, lotNumber: 'R-2', quantity: -1, reason: 'LOSS' } }));
      else ops.push(gqlAt(url, CONSUME, { i: { idempotencyKey: k, clues, lines: [{ clave: PARA, quantity: 4 }] } }));
    }
    // Two physical counts of R-2 in the middle of the storm.
    ops.push(gqlAt(otherUrl, COUNT, { i: { idempotencyKey: 'race-count-1', clues, lines: [{ clave: PARA, lotNumber: 'R-2', quantity: 40 }] } }));
    ops.push(gqlAt(null, COUNT, { i: { idempotencyKey: 'race-count-2', clues, lines: [{ clave: PARA, lotNumber: 'R-2', quantity: 35 }] } }));
    const results = await Promise.all(ops);
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      const p = Object.values(r.data)[0] as { userErrors: Array<{ code: string }> };
      for (const e of p.userErrors) expect(e.code).toBe('INSUFFICIENT_STOCK');
    }
    const rows = await balances(clues);
    for (const b of rows) expect(b.quantity).toBeGreaterThanOrEqual(0);
    const onHand = rows.reduce((s, b) => s + b.quantity, 0);
    expect(onHand).toBe(await ledgerSum(clues));
    await ledgerClean();

    // Every piece is accounted for: start + receipts − consumptions − losses + count corrections.
    const [byKind] = await tdb.db.query(
      `SELECT coalesce(sum(m.quantity) FILTER (WHERE m.kind = 'RECEIPT'), 0)::int AS received,
              coalesce(sum(m.quantity) FILTER (WHERE m.kind = 'CONSUMPTION'), 0)::int AS consumed,
              coalesce(sum(m.quantity) FILTER (WHERE m.kind = 'ADJUSTMENT'), 0)::int AS adjusted,
              coalesce(sum(m.quantity) FILTER (WHERE m.kind = 'COUNT_CORRECTION'), 0)::int AS counted
         FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id WHERE e.clues = $1`,
      [clues],
    );
    const succeeded = (kind: string) => results.filter((r) => r.data[kind] && r.data[kind].userErrors.length === 0).length;
    expect(byKind.received).toBe(100 + 5 * 30);
    expect(byKind.consumed).toBe(-4 * (succeeded('stockConsume')));
    expect(byKind.adjusted).toBe(-1 * succeeded('stockAdjust'));
    expect(onHand).toBe(byKind.received + byKind.consumed + byKind.adjusted + byKind.counted);
  });

  test('dispatches and receipts racing on the same warehouse lots through both servers end consistent', async () => {
    const warehouse = 'GRSSA000010';
    await receive(null, warehouse, [
      { clave: PARA, lotNumber: 'DR-1', expiresOn: '2028-06-30', acceptedQuantity: 100 },
      { clave: GASA, lotNumber: 'DRG-1', acceptedQuantity: 60 },
    ], 'dispatch-race-start');
    const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
    const orders: string[] = [];
    for (const [i, clues] of ['GRSSA000001', 'GRSSA000002', 'GRSSA000003', 'GRSSA000001', 'GRSSA000002', 'GRSSA000003'].entries()) {
      const c = await api.gql(`mutation($i: OrderCreateInput!) { orderCreate(input: $i) { order { number } userErrors { code } } }`,
        { i: { idempotencyKey: `dr-o-${i}`, kind: 'REPLENISHMENT', requestingClues: clues, lines: [{ clave: PARA, quantity: 40 }, { clave: GASA, quantity: 20 }] } }, admin);
      const number = c.data.orderCreate.order.number;
      await api.gql(`mutation($i: OrderNumberInput!) { orderSubmit(input: $i) { userErrors { code } } }`, { i: { number } }, admin);
      const a = await api.gql(`mutation($i: OrderApproveInput!) { orderApprove(input: $i) { userErrors { code } } }`, { i: { number } }, coordinator);
      expect(a.data.orderApprove.userErrors).toEqual([]);
      orders.push(number);
    }
    const DISPATCH = `mutation($i: ShipmentDispatchInput!) { shipmentDispatch(input: $i) { shipment { number } userErrors { code } } }`;
    const servers = [null, otherUrl];
    const ops: Array<Promise<any>> = [];
    // Each order asks for its 40 + 20 in four shipments: 240 + 120 pieces against 200 + 110 that will have arrived.
    for (let round = 0; round < 4; round++) {
      for (const [k, number] of orders.entries()) {
        ops.push(gqlAt(servers[(round + k) % 2], DISPATCH, { i: { idempotencyKey: `dr-d-${round}-${k}`, orderNumber: number, lines: [{ clave: PARA, quantity: 10 }, { clave: GASA, quantity: 5 }] } }));
      }
      for (let j = 0; j < 3; j++) {
        ops.push(gqlAt(servers[j % 2], RECEIVE, { i: { idempotencyKey: `dr-r-${round}-${j}`, clues: warehouse, lines: [{ clave: PARA, lotNumber: 'DR-1', expiresOn: '2028-06-30', acceptedQuantity: j === 2 ? 4 : 8 }, { clave: GASA, lotNumber: 'DRG-1', acceptedQuantity: 4 }] } }));
      }
    }
    const results = await Promise.all(ops);
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      for (const e of (Object.values(r.data)[0] as { userErrors: Array<{ code: string }> }).userErrors) expect(e.code).toBe('INSUFFICIENT_STOCK');
    }
    const sent = results.filter((r) => r.data.shipmentDispatch && r.data.shipmentDispatch.userErrors.length === 0).length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(24);
    const rows = await balances(warehouse);
    for (const b of rows) expect(b.quantity).toBeGreaterThanOrEqual(0);
    // Received: 100 + 4 × (8 + 8 + 4) paracetamol, 60 + 4 × 12 gasa; what left is exactly the successful shipments.
    const left = Object.fromEntries(rows.map((b) => [b.lot_number, b.quantity]));
    expect(left['DR-1']).toBe(100 + 80 - 10 * sent);
    expect(left['DRG-1']).toBe(60 + 48 - 5 * sent);
    const [lines] = await tdb.db.query(`
      SELECT sum(l.dispatched)::int AS dispatched, bool_and(l.dispatched <= l.approved) AS within,
             (SELECT -sum(quantity)::int FROM stock_movement WHERE kind = 'DISPATCH' AND document = ANY ($1::text[])) AS moved
        FROM supply_order_line l JOIN supply_order o ON o.id = l.order_id WHERE o.number = ANY ($1::text[])`, [orders]);
    expect(lines).toEqual({ dispatched: 15 * sent, within: true, moved: 15 * sent });
    await ledgerClean();
  });
});
