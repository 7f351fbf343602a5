import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Back-dated movements (issue 16): a count is compared with the lot's balance as of the moment it was
 * counted, and no movement may make a lot's running balance negative at any moment of its history.
 * Each unit of this file has its own lot, so the figures can be followed by hand.
 */
let tdb: TestDatabase;
let api: TestApi;
let pharmacy: string;
const CLUES = 'GRSSA000001';
const { gasa: GASA } = CLAVES;

const MOVEMENTS = 'movements { lotNumber quantity kind note occurredAt } userErrors { code field message }';
const m = (name: string, type: string) => `mutation($i: ${type}!) { ${name}(input: $i) { ${MOVEMENTS} } }`;
const RECEIVE = m('stockReceive', 'StockReceiveInput');
const CONSUME = m('stockConsume', 'StockConsumeInput');
const COUNT = m('stockCount', 'StockCountInput');
const ADJUST = m('stockAdjust', 'StockAdjustInput');

let seq = 0;
const key = () => `hist-${++seq}`;
const daysAgo = (n: number, hour = 12) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - n);
  d.setUTCHours(hour + 6, 0, 0, 0); // noon in Mexico City (UTC−6)
  return d.toISOString();
};
/** The Mexico City day of daysAgo(n). */
const dayOf = (iso: string) => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Mexico_City' }).format(new Date(iso));

async function send(query: string, i: Record<string, unknown>) {
  const r = await api.gql(query, { i }, pharmacy);
  expect(r.errors).toBeUndefined();
  return Object.values(r.data)[0] as { movements: Array<Record<string, any>> | null; userErrors: Array<{ code: string; field: string[]; message: string }> };
}

async function onHand(lot: string): Promise<number> {
  const [row] = await tdb.db.query(
    `SELECT coalesce(sum(b.quantity), 0)::int AS n FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN establishment e ON e.id = b.establishment_id
      WHERE e.clues = $1 AND l.lot_number = $2`,
    [CLUES, lot],
  );
  return row.n;
}

/** The lot's running balance after every movement, in business-time order: never below zero. */
async function history(lot: string): Promise<number[]> {
  const rows = await tdb.db.query(
    `SELECT sum(m.quantity) OVER (ORDER BY m.occurred_at, m.id)::int AS balance
       FROM stock_movement m JOIN lot l ON l.id = m.lot_id JOIN establishment e ON e.id = m.establishment_id
      WHERE e.clues = $1 AND l.lot_number = $2 ORDER BY m.occurred_at, m.id`,
    [CLUES, lot],
  );
  return rows.map((r: { balance: number }) => r.balance);
}

async function ledgerSize(): Promise<number> {
  return (await tdb.db.query('SELECT count(*)::int AS n FROM stock_movement'))[0].n;
}

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  pharmacy = await api.token(Role.PHARMACY, { clues: CLUES });
});
afterAll(() => stopNetworkApi(api, tdb));

const receive = (lot: string, quantity: number, at: string) =>
  send(RECEIVE, { idempotencyKey: key(), clues: CLUES, receivedAt: at, lines: [{ clave: GASA, lotNumber: lot, acceptedQuantity: quantity }] });
const consume = (lot: string, quantity: number, at: string) => send(CONSUME, { idempotencyKey: key(), clues: CLUES, occurredAt: at, lines: [{ clave: GASA, lotNumber: lot, quantity }] });
const count = (lot: string, quantity: number, at: string) => send(COUNT, { idempotencyKey: key(), clues: CLUES, countedAt: at, lines: [{ clave: GASA, lotNumber: lot, quantity }] });

describe('a back-dated physical count', () => {
  test('100 counted yesterday, 10 used today, the count entered afterwards: no correction, the shelf’s 90 stay', async () => {
    expect((await receive('C-1', 100, daysAgo(3))).userErrors).toEqual([]);
    expect((await consume('C-1', 10, new Date().toISOString())).userErrors).toEqual([]);
    const c = await count('C-1', 100, daysAgo(1));
    expect(c.userErrors).toEqual([]);
    expect(c.movements).toEqual([]);
    expect(await onHand('C-1')).toBe(90);
  });

  test('95 counted yesterday against 100 then: −5 dated yesterday, 85 now; the note says what was on record that day', async () => {
    expect((await receive('C-2', 100, daysAgo(3))).userErrors).toEqual([]);
    expect((await consume('C-2', 10, new Date().toISOString())).userErrors).toEqual([]);
    const c = await count('C-2', 95, daysAgo(1));
    expect(c.movements).toEqual([{ lotNumber: 'C-2', quantity: -5, kind: 'COUNT_CORRECTION', note: 'contado 95, registrado 100 a esa fecha', occurredAt: daysAgo(1).replace('.000Z', '.000Z') }]);
    expect(await onHand('C-2')).toBe(85);
    expect(await history('C-2')).toEqual([100, 95, 85]);
  });

  test('a count of today is taken against today’s balance, as before', async () => {
    expect((await receive('C-3', 40, daysAgo(2))).userErrors).toEqual([]);
    const c = await count('C-3', 37, new Date().toISOString());
    expect(c.movements!.map((x) => x.quantity)).toEqual([-3]);
    expect(await onHand('C-3')).toBe(37);
  });

  test('a count whose correction would leave a later day negative is refused, and writes nothing', async () => {
    // 50 received three days ago, 45 used yesterday, 40 received today (45 now); a count of 20 two days
    // ago (before the 45 left) cannot be right: yesterday would end at −25.
    expect((await receive('C-4', 50, daysAgo(3))).userErrors).toEqual([]);
    expect((await consume('C-4', 45, daysAgo(1))).userErrors).toEqual([]);
    expect((await receive('C-4', 40, new Date().toISOString())).userErrors).toEqual([]);
    const before = await ledgerSize();
    const c = await count('C-4', 20, daysAgo(2));
    expect(c.userErrors.map((e) => [e.code, e.field.join('.')])).toEqual([['INSUFFICIENT_STOCK_AT_DATE', 'input.lines.0']]);
    expect(c.userErrors[0].message).toBe(`La existencia del lote C-4 quedaría negativa el ${dayOf(daysAgo(1))}: ese día había 5 piezas y con esta fecha se retiran 30. Revise la fecha del movimiento.`);
    expect(await ledgerSize()).toBe(before);
    expect(await onHand('C-4')).toBe(45);
  });
});

describe('history never goes negative', () => {
  test('a consumption dated before the receipt that fed it is refused with the day and the pieces there were', async () => {
    expect((await receive('H-1', 50, daysAgo(1))).userErrors).toEqual([]);
    const before = await ledgerSize();
    const c = await consume('H-1', 10, daysAgo(2));
    expect(c.userErrors.map((e) => [e.code, e.field.join('.')])).toEqual([['INSUFFICIENT_STOCK_AT_DATE', 'input.lines.0']]);
    expect(c.userErrors[0].message).toContain(`negativa el ${dayOf(daysAgo(2))}: ese día había 0 piezas y con esta fecha se retiran 10`);
    expect(await ledgerSize()).toBe(before);
    expect(await onHand('H-1')).toBe(50);
    // The same consumption dated after the receipt is fine.
    expect((await consume('H-1', 10, new Date().toISOString())).userErrors).toEqual([]);
    expect(await history('H-1')).toEqual([50, 40]);
  });

  test('a back-dated consumption that fits on its day but not on a later one is refused at that later day', async () => {
    // 50 in three days ago, 40 out yesterday, 30 in today (40 now); 20 more dated two days ago leave −10 yesterday.
    expect((await receive('H-2', 50, daysAgo(3))).userErrors).toEqual([]);
    expect((await consume('H-2', 40, daysAgo(1))).userErrors).toEqual([]);
    expect((await receive('H-2', 30, new Date().toISOString())).userErrors).toEqual([]);
    const c = await consume('H-2', 20, daysAgo(2));
    expect(c.userErrors[0].code).toBe('INSUFFICIENT_STOCK_AT_DATE');
    expect(c.userErrors[0].message).toContain(`negativa el ${dayOf(daysAgo(1))}: ese día había 10 piezas y con esta fecha se retiran 20`);
    // 10 dated two days ago fit every day after it.
    expect((await consume('H-2', 10, daysAgo(2))).userErrors).toEqual([]);
    expect(await history('H-2')).toEqual([50, 40, 0, 30]);
    expect(await onHand('H-2')).toBe(30);
  });

  test('adjustments are held to the same rule', async () => {
    expect((await receive('H-3', 5, daysAgo(1))).userErrors).toEqual([]);
    const a = await send(ADJUST, { idempotencyKey: key(), clues: CLUES, clave: GASA, lotNumber: 'H-3', quantity: -2, reason: 'DAMAGE', occurredAt: daysAgo(2) });
    expect(a.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_STOCK_AT_DATE']);
    const b = await send(ADJUST, { idempotencyKey: key(), clues: CLUES, clave: GASA, lotNumber: 'H-3', quantity: -2, reason: 'DAMAGE', occurredAt: new Date().toISOString() });
    expect(b.userErrors).toEqual([]);
  });
});

describe('under concurrency', () => {
  test('20 concurrent back-dated consumptions of 5 against 50 pieces, 30 of them used since: exactly 4 land, history stays at or above zero', async () => {
    // 50 received four days ago, 30 used yesterday, 100 more today (120 now): two days ago only 20 were
    // free of what yesterday used, so 4 consumptions of 5 fit there, whatever is on the shelf today.
    expect((await receive('X-1', 50, daysAgo(4))).userErrors).toEqual([]);
    expect((await consume('X-1', 30, daysAgo(1))).userErrors).toEqual([]);
    expect((await receive('X-1', 100, new Date().toISOString())).userErrors).toEqual([]);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => consume('X-1', 5, daysAgo(2, 8 + (i % 10)))));
    const codes = results.map((r) => r.userErrors[0]?.code ?? 'ok');
    expect(codes.filter((c) => c === 'ok')).toHaveLength(4);
    expect(new Set(codes.filter((c) => c !== 'ok'))).toEqual(new Set(['INSUFFICIENT_STOCK_AT_DATE']));
    const h = await history('X-1');
    expect(Math.min(...h)).toBe(0);
    expect(h[h.length - 1]).toBe(100);
    expect(await onHand('X-1')).toBe(100);
  });
});
