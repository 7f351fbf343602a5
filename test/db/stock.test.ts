import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * The stock ledger at one hospital pharmacy (GRSSA000001), step by step; each test builds on the
 * balances the previous ones left, and every figure below is worked out by hand in the comments.
 */

let tdb: TestDatabase;
let api: TestApi;
let pharmacy: string;
let admin: string;

const CLUES = 'GRSSA000001';
const { paracetamol: PARA, gasa: GASA, trastuzumab: TRAS } = CLAVES;

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  pharmacy = await api.token(Role.PHARMACY, { clues: CLUES });
  admin = await api.token(Role.ADMIN);
});
afterAll(() => stopNetworkApi(api, tdb));

const MOVEMENTS = 'movements { id clues clave lotNumber expiresOn quantity kind reason note document occurredAt recordedAt actor reverses reversedBy } userErrors { code field message }';
const RECEIVE = `mutation($i: StockReceiveInput!) { stockReceive(input: $i) {
  receipt { id clues source supplierDocument orderNumber lines { line clave lotNumber expiresOn acceptedQuantity rejectedQuantity rejectionReason } }
  ${MOVEMENTS} } }`;
const CONSUME = `mutation($i: StockConsumeInput!) { stockConsume(input: $i) { ${MOVEMENTS} } }`;
const ADJUST = `mutation($i: StockAdjustInput!) { stockAdjust(input: $i) { ${MOVEMENTS} } }`;
const COUNT = `mutation($i: StockCountInput!) { stockCount(input: $i) { ${MOVEMENTS} } }`;
const WRITE_OFF = `mutation($i: ExpiredWriteOffInput!) { expiredWriteOff(input: $i) { ${MOVEMENTS} } }`;
const REVERSE = `mutation($i: StockMovementReverseInput!) { stockMovementReverse(input: $i) { ${MOVEMENTS} } }`;
const LEVELS = `query($clues: String!, $filter: StockFilter) { stockLevels(clues: $clues, filter: $filter) { totalCount edges { node {
  clave supplyItem { description } onHand usable expired inTransit cpm monthsOfStock minMonths maxMonths status
  lots { lotNumber expiresOn quantity expired } } } } }`;

let seq = 0;
const key = (label: string) => `${label}-${++seq}`;

/** Balances and ledger, to prove a refused mutation wrote nothing. */
async function snapshot(): Promise<string> {
  const rows = await tdb.db.query(`
    SELECT (SELECT json_agg(b ORDER BY establishment_id, lot_id) FROM stock_balance b) AS b,
           (SELECT count(*) FROM stock_movement) AS m, (SELECT count(*) FROM lot) AS l,
           (SELECT count(*) FROM receipt) AS r, (SELECT count(*) FROM idempotency_key) AS k`);
  return JSON.stringify(rows);
}

async function levels(clues = CLUES, filter?: Record<string, unknown>, token = pharmacy): Promise<Record<string, any>> {
  const r = await api.gql(LEVELS, { clues, filter }, token);
  expect(r.errors).toBeUndefined();
  return Object.fromEntries(r.data.stockLevels.edges.map((e: any) => [e.node.clave, e.node]));
}

async function ok(query: string, input: Record<string, unknown>, token = pharmacy): Promise<any> {
  const r = await api.gql(query, { i: input }, token);
  expect(r.errors).toBeUndefined();
  const p = Object.values(r.data)[0] as any;
  expect(p.userErrors).toEqual([]);
  return p;
}

async function refused(query: string, input: Record<string, unknown>, expected: Array<[string, string]>, token = pharmacy): Promise<void> {
  const before = await snapshot();
  const r = await api.gql(query, { i: input }, token);
  expect(r.errors).toBeUndefined();
  const p = Object.values(r.data)[0] as any;
  expect(p.movements).toBeNull();
  expect(p.userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')])).toEqual(expected);
  expect(await snapshot()).toBe(before);
}

describe('receipts', () => {
  test('a delivery of three lots, one line partly rejected', async () => {
    const p = await ok(RECEIVE, {
      idempotencyKey: 'receipt-1',
      clues: CLUES,
      source: 'PURCHASE',
      supplierDocument: 'REM-2025-0001',
      receivedAt: '2025-11-03T10:15:00-06:00',
      lines: [
        { clave: PARA, lotNumber: 'P-2027A', expiresOn: '2027-06-30', acceptedQuantity: 100 },
        { clave: PARA, lotNumber: 'P-2026B', expiresOn: '2026-12-31', acceptedQuantity: 50, rejectedQuantity: 5, rejectionReason: 'DAMAGED' },
        { clave: GASA, lotNumber: 'G-1', acceptedQuantity: 200 },
      ],
    });
    expect(p.receipt).toMatchObject({
      clues: CLUES,
      source: 'PURCHASE',
      supplierDocument: 'REM-2025-0001',
      lines: [
        { line: 1, clave: PARA, lotNumber: 'P-2027A', expiresOn: '2027-06-30', acceptedQuantity: 100, rejectedQuantity: 0, rejectionReason: null },
        { line: 2, clave: PARA, lotNumber: 'P-2026B', expiresOn: '2026-12-31', acceptedQuantity: 50, rejectedQuantity: 5, rejectionReason: 'DAMAGED' },
        { line: 3, clave: GASA, lotNumber: 'G-1', expiresOn: null, acceptedQuantity: 200, rejectedQuantity: 0, rejectionReason: null },
      ],
    });
    expect(p.movements.map((m: any) => [m.clave, m.lotNumber, m.quantity, m.kind, m.reason, m.document])).toEqual([
      [PARA, 'P-2027A', 100, 'RECEIPT', 'PURCHASE', 'REM-2025-0001'],
      [PARA, 'P-2026B', 50, 'RECEIPT', 'PURCHASE', 'REM-2025-0001'],
      [GASA, 'G-1', 200, 'RECEIPT', 'PURCHASE', 'REM-2025-0001'],
    ]);
    expect(p.movements[0]).toMatchObject({ occurredAt: '2025-11-03T16:15:00.000Z', actor: 'test-pharmacy' });
    expect(Date.now() - Date.parse(p.movements[0].recordedAt)).toBeLessThan(60_000);

    const stock = await levels();
    // Paracetamol: 100 + 50 accepted (the 5 rejected never enter); lots in FEFO order.
    expect(stock[PARA]).toEqual({
      clave: PARA,
      supplyItem: { description: 'Paracetamol. Tableta 500 mg' },
      onHand: 150,
      usable: 150,
      expired: 0,
      inTransit: 0,
      cpm: null,
      monthsOfStock: null,
      minMonths: 1,
      maxMonths: 3,
      status: 'NO_CPM',
      lots: [
        { lotNumber: 'P-2026B', expiresOn: '2026-12-31', quantity: 50, expired: false },
        { lotNumber: 'P-2027A', expiresOn: '2027-06-30', quantity: 100, expired: false },
      ],
    });
    expect(stock[GASA]).toMatchObject({ onHand: 200, usable: 200, lots: [{ lotNumber: 'G-1', expiresOn: null, quantity: 200, expired: false }] });
  });

  test('a retry with the same key and input returns the first result and writes nothing', async () => {
    const input = {
      idempotencyKey: 'receipt-2',
      clues: CLUES,
      source: 'DONATION',
      lines: [{ clave: GASA, lotNumber: 'G-1', acceptedQuantity: 10 }],
    };
    const first = await ok(RECEIVE, input);
    const before = await snapshot();
    const again = await Promise.all([ok(RECEIVE, input), ok(RECEIVE, input)]);
    for (const r of again) {
      expect(r.movements.map((m: any) => m.id)).toEqual(first.movements.map((m: any) => m.id));
      expect(r.receipt.id).toBe(first.receipt.id);
    }
    expect(await snapshot()).toBe(before);
    expect((await levels())[GASA].onHand).toBe(210);
  });

  test('the same key with other input is IDEMPOTENCY_KEY_REUSED, and so is another operation', async () => {
    await refused(
      RECEIVE,
      { idempotencyKey: 'receipt-2', clues: CLUES, source: 'DONATION', lines: [{ clave: GASA, lotNumber: 'G-1', acceptedQuantity: 11 }] },
      [['IDEMPOTENCY_KEY_REUSED', 'idempotencyKey']],
    );
    await refused(CONSUME, { idempotencyKey: 'receipt-2', clues: CLUES, lines: [{ clave: GASA, quantity: 1 }] }, [['IDEMPOTENCY_KEY_REUSED', 'idempotencyKey']]);
  });

  const line = { clave: PARA, lotNumber: 'P-X', expiresOn: '2028-01-31', acceptedQuantity: 10 };
  test.each([
    ['unknown CLUES', { clues: 'GRSSA999999' }, [['UNKNOWN_CLUES', 'clues']]],
    ['malformed CLUES', { clues: 'GR-1' }, [['INVALID_CLUES', 'clues']]],
    ['unknown clave', { lines: [{ ...line, clave: '010.000.9999.00' }] }, [['UNKNOWN_CLAVE', 'lines.0.clave']]],
    ['malformed clave', { lines: [{ ...line, clave: '0104' }] }, [['INVALID_CLAVE', 'lines.0.clave']]],
    ['nothing accepted or rejected', { lines: [{ ...line, acceptedQuantity: 0 }] }, [['MUST_BE_POSITIVE', 'lines.0.acceptedQuantity']]],
    ['negative pieces', { lines: [{ ...line, acceptedQuantity: -3 }] }, [['OUT_OF_RANGE', 'lines.0.acceptedQuantity']]],
    ['rejected without a reason', { lines: [{ ...line, rejectedQuantity: 2 }] }, [['REQUIRED', 'lines.0.rejectionReason']]],
    ['a reason without rejected pieces', { lines: [{ ...line, rejectionReason: 'DAMAGED' }] }, [['INCONSISTENT', 'lines.0.rejectionReason']]],
    ['a lot already expired', { receivedAt: '2025-11-03T10:00:00Z', lines: [{ ...line, expiresOn: '2025-10-31' }] }, [['LOT_EXPIRED', 'lines.0.expiresOn']]],
    ['a known lot with another expiry', { lines: [{ ...line, lotNumber: 'P-2027A', expiresOn: '2027-07-31' }] }, [['LOT_EXPIRY_MISMATCH', 'lines.0.expiresOn']]],
    ['the same lot twice', { lines: [line, line] }, [['DUPLICATE_LINE', 'lines.1']]],
    ['a new lot twice, with two expiries: only the duplicate, no lot "already registered"', { lines: [{ ...line, lotNumber: 'DUP-1', expiresOn: '2027-04-03' }, { ...line, lotNumber: 'DUP-1', expiresOn: '2027-05-03' }] }, [['DUPLICATE_LINE', 'lines.1']]],
    ['a receipt in the future', { receivedAt: '2999-01-01T00:00:00Z' }, [['DATE_IN_FUTURE', 'receivedAt']]],
    ['an over-long lot number', { lines: [{ ...line, lotNumber: 'L'.repeat(61) }] }, [['TOO_LONG', 'lines.0.lotNumber']]],
    ['no lines', { lines: [] }, [['REQUIRED', 'lines']]],
    ['an over-long supplier document', { supplierDocument: 'D'.repeat(101) }, [['TOO_LONG', 'supplierDocument']]],
  ])('%s → user error, nothing written', async (_name, change, expected) => {
    // As ADMIN: for a pharmacy user another CLUES is FORBIDDEN before it is looked up.
    await refused(RECEIVE, { idempotencyKey: key('bad'), clues: CLUES, source: 'PURCHASE', lines: [line], ...change }, expected as Array<[string, string]>, admin);
  });

  test('an expired lot may arrive to be rejected, never accepted', async () => {
    const p = await ok(RECEIVE, {
      idempotencyKey: key('rejected-expired'),
      clues: CLUES,
      lines: [{ clave: PARA, lotNumber: 'P-OLD', expiresOn: '2024-01-31', acceptedQuantity: 0, rejectedQuantity: 20, rejectionReason: 'EXPIRED' }],
    });
    expect(p.movements).toEqual([]);
    expect(p.receipt.lines[0]).toMatchObject({ acceptedQuantity: 0, rejectedQuantity: 20, rejectionReason: 'EXPIRED' });
  });

  test('non-integer pieces are refused by the schema, nothing written', async () => {
    const before = await snapshot();
    const r = await api.gql(RECEIVE, { i: { idempotencyKey: key('float'), clues: CLUES, lines: [{ ...line, acceptedQuantity: 2.5 }] } }, pharmacy);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await snapshot()).toBe(before);
  });
});

describe('lots', () => {
  test('FEFO order: the soonest expiry first, lots without expiry last, ties by lot number — on the page and through the loader', async () => {
    const HOSPITAL = 'OCSSA000002';
    const r = await api.gql(
      RECEIVE,
      {
        i: {
          idempotencyKey: key('fefo'),
          clues: HOSPITAL,
          lines: [
            { clave: PARA, lotNumber: 'Z-1', expiresOn: '2031-03-31', acceptedQuantity: 1 },
            { clave: PARA, lotNumber: 'A-9', acceptedQuantity: 2 },
            { clave: PARA, lotNumber: 'M-5', expiresOn: '2030-12-31', acceptedQuantity: 3 },
            { clave: PARA, lotNumber: 'B-2', expiresOn: '2031-03-31', acceptedQuantity: 4 },
          ],
        },
      },
      admin,
    );
    expect(r.data.stockReceive.userErrors).toEqual([]);
    const expected = ['M-5', 'B-2', 'Z-1', 'A-9'];
    // the everyday page reads lots in its own statement; an expiry filter reads them through the lots loader
    expect((await levels(HOSPITAL, undefined, admin))[PARA].lots.map((l: { lotNumber: string }) => l.lotNumber)).toEqual(expected);
    expect((await levels(HOSPITAL, { expiringWithinDays: 3650 }, admin))[PARA].lots.map((l: { lotNumber: string }) => l.lotNumber)).toEqual(expected);
  });
});

describe('consumption', () => {
  test('without a lot, FEFO: the lot that expires soonest goes first', async () => {
    // 60 pieces: all 50 of P-2026B (expires 2026-12-31), then 10 of P-2027A.
    const p = await ok(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: PARA, quantity: 60 }] });
    expect(p.movements.map((m: any) => [m.lotNumber, m.quantity, m.kind])).toEqual([
      ['P-2026B', -50, 'CONSUMPTION'],
      ['P-2027A', -10, 'CONSUMPTION'],
    ]);
    expect((await levels())[PARA]).toMatchObject({ onHand: 90, usable: 90, lots: [{ lotNumber: 'P-2027A', quantity: 90 }] });
  });

  test('from a named lot; more than there is is INSUFFICIENT_STOCK and writes nothing', async () => {
    const p = await ok(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: GASA, quantity: 15, lotNumber: 'G-1' }] });
    expect(p.movements.map((m: any) => m.quantity)).toEqual([-15]);
    // Gasa: 210 − 15 = 195.
    await refused(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: GASA, quantity: 196 }] }, [['INSUFFICIENT_STOCK', 'lines.0.quantity']]);
    await refused(
      CONSUME,
      { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: GASA, quantity: 100 }, { clave: GASA, quantity: 96 }] },
      [['INSUFFICIENT_STOCK', 'lines.1.quantity']],
    );
    await refused(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: TRAS, quantity: 1 }] }, [['INSUFFICIENT_STOCK', 'lines.0.quantity']]);
    await refused(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: PARA, quantity: 1, lotNumber: 'NOPE' }] }, [['UNKNOWN_LOT', 'lines.0.lotNumber']]);
    await refused(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: PARA, quantity: 0 }] }, [['MUST_BE_POSITIVE', 'lines.0.quantity']]);
  });
});

describe('adjustments', () => {
  test('a damaged piece out, a found piece in', async () => {
    let p = await ok(ADJUST, { idempotencyKey: key('adj'), clues: CLUES, clave: PARA, lotNumber: 'P-2027A', quantity: -5, reason: 'DAMAGE', note: 'frascos rotos' });
    expect(p.movements.map((m: any) => [m.quantity, m.kind, m.reason, m.note])).toEqual([[-5, 'ADJUSTMENT', 'DAMAGE', 'frascos rotos']]);
    p = await ok(ADJUST, { idempotencyKey: key('adj'), clues: CLUES, clave: PARA, lotNumber: 'P-2027A', quantity: 2, reason: 'FOUND' });
    expect((await levels())[PARA].onHand).toBe(87); // 90 − 5 + 2
  });

  const adj = { clues: CLUES, clave: PARA, lotNumber: 'P-2027A', quantity: -1, reason: 'LOSS' };
  test.each([
    ['zero pieces', { quantity: 0 }, [['MUST_BE_POSITIVE', 'quantity']]],
    ['damage that adds pieces', { quantity: 3, reason: 'DAMAGE' }, [['INCONSISTENT', 'quantity']]],
    ['found pieces taken out', { quantity: -3, reason: 'FOUND' }, [['INCONSISTENT', 'quantity']]],
    ['OTHER without a note', { reason: 'OTHER' }, [['REQUIRED', 'note']]],
    ['a lot that never arrived', { lotNumber: 'P-NEVER' }, [['UNKNOWN_LOT', 'lotNumber']]],
    ['more than the lot holds', { quantity: -88 }, [['INSUFFICIENT_STOCK', 'quantity']]],
    ['in the future', { occurredAt: '2999-01-01T00:00:00Z' }, [['DATE_IN_FUTURE', 'occurredAt']]],
  ])('%s → user error, nothing written', async (_name, change, expected) => {
    await refused(ADJUST, { idempotencyKey: key('adj'), ...adj, ...change }, expected as Array<[string, string]>);
  });
});

describe('physical count', () => {
  test('counted lots are set to what was counted; lots not listed keep their balance', async () => {
    // Registered: P-2027A 87, G-1 195. Counted: P-2027A 80 (−7), G-1 195 (no movement), P-2026B 3 (+3, found at the back).
    const p = await ok(COUNT, {
      idempotencyKey: key('count'),
      clues: CLUES,
      document: 'ACTA-INV-2025-11',
      lines: [
        { clave: PARA, lotNumber: 'P-2027A', quantity: 80 },
        { clave: GASA, lotNumber: 'G-1', quantity: 195 },
        { clave: PARA, lotNumber: 'P-2026B', quantity: 3 },
      ],
    });
    expect(p.movements.map((m: any) => [m.lotNumber, m.quantity, m.kind, m.document, m.note])).toEqual([
      ['P-2027A', -7, 'COUNT_CORRECTION', 'ACTA-INV-2025-11', 'contado 80, registrado 87 a esa fecha'],
      ['P-2026B', 3, 'COUNT_CORRECTION', 'ACTA-INV-2025-11', 'contado 3, registrado 0 a esa fecha'],
    ]);
    const stock = await levels();
    expect(stock[PARA]).toMatchObject({ onHand: 83, lots: [{ lotNumber: 'P-2026B', quantity: 3 }, { lotNumber: 'P-2027A', quantity: 80 }] });
    expect(stock[GASA].onHand).toBe(195);
  });

  test('bad lines are refused, nothing written', async () => {
    await refused(COUNT, { idempotencyKey: key('count'), clues: CLUES, lines: [{ clave: PARA, lotNumber: 'P-NEVER', quantity: 1 }] }, [['UNKNOWN_LOT', 'lines.0.lotNumber']]);
    await refused(COUNT, { idempotencyKey: key('count'), clues: CLUES, lines: [{ clave: PARA, lotNumber: 'P-2027A', quantity: -1 }] }, [['OUT_OF_RANGE', 'lines.0.quantity']]);
    await refused(
      COUNT,
      { idempotencyKey: key('count'), clues: CLUES, lines: [{ clave: PARA, lotNumber: 'P-2027A', quantity: 1 }, { clave: PARA, lotNumber: 'P-2027A', quantity: 2 }] },
      [['DUPLICATE_LINE', 'lines.1']],
    );
  });
});

describe('expiry', () => {
  test('an expired lot is on hand but not usable, skipped by FEFO, then written off', async () => {
    // A lot received in 2024 that expired on 2025-06-30.
    await ok(RECEIVE, {
      idempotencyKey: key('old-receipt'),
      clues: CLUES,
      receivedAt: '2024-01-10T09:00:00-06:00',
      lines: [{ clave: PARA, lotNumber: 'P-2025E', expiresOn: '2025-06-30', acceptedQuantity: 30 }],
    });
    let stock = await levels();
    // Paracetamol: 83 usable (P-2026B 3 + P-2027A 80) + 30 expired.
    expect(stock[PARA]).toMatchObject({ onHand: 113, usable: 83, expired: 30 });
    expect(stock[PARA].lots[0]).toEqual({ lotNumber: 'P-2025E', expiresOn: '2025-06-30', quantity: 30, expired: true });

    // FEFO skips the expired lot; naming it is LOT_EXPIRED.
    const p = await ok(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: PARA, quantity: 4 }] });
    expect(p.movements.map((m: any) => [m.lotNumber, m.quantity])).toEqual([['P-2026B', -3], ['P-2027A', -1]]);
    await refused(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: PARA, quantity: 1, lotNumber: 'P-2025E' }] }, [['LOT_EXPIRED', 'lines.0.lotNumber']]);
    await refused(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: PARA, quantity: 80 }] }, [['INSUFFICIENT_STOCK', 'lines.0.quantity']]);

    // expiringWithinDays: lots not yet expired that expire soon; expired ones do not count.
    const soon = await levels(CLUES, { expiringWithinDays: 3650 });
    expect(Object.keys(soon)).toEqual([PARA]); // gasa has no expiry
    const none = await levels(CLUES, { expiringWithinDays: 1 });
    expect(Object.keys(none)).toEqual([]);

    const w = await ok(WRITE_OFF, { idempotencyKey: key('write-off'), clues: CLUES });
    expect(w.movements.map((m: any) => [m.lotNumber, m.quantity, m.kind, m.note])).toEqual([['P-2025E', -30, 'EXPIRY_WRITE_OFF', 'caducó el 2025-06-30']]);
    stock = await levels();
    expect(stock[PARA]).toMatchObject({ onHand: 79, usable: 79, expired: 0 });
    // Nothing left to write off.
    expect((await ok(WRITE_OFF, { idempotencyKey: key('write-off'), clues: CLUES })).movements).toEqual([]);
  });

  test('write-off as of a past day takes only what had expired by then', async () => {
    await refused(WRITE_OFF, { idempotencyKey: key('write-off'), clues: CLUES, asOf: '2999-01-01' }, [['DATE_IN_FUTURE', 'asOf']]);
    const w = await ok(WRITE_OFF, { idempotencyKey: key('write-off'), clues: CLUES, asOf: '2025-01-01' });
    expect(w.movements).toEqual([]);
  });
});

describe('statuses', () => {
  test('STOCKED_OUT when nothing is usable; NO_CPM otherwise until CPMs exist', async () => {
    await ok(CONSUME, { idempotencyKey: key('consume'), clues: CLUES, lines: [{ clave: GASA, quantity: 195 }] });
    const out = await levels(CLUES, { statuses: ['STOCKED_OUT'] });
    expect(Object.keys(out)).toEqual([GASA]);
    expect(out[GASA]).toMatchObject({ onHand: 0, usable: 0, status: 'STOCKED_OUT', lots: [] });
    expect(Object.keys(await levels(CLUES, { statuses: ['NO_CPM'] }))).toEqual([PARA]);
    expect(Object.keys(await levels(CLUES, { statuses: ['ADEQUATE'] }))).toEqual([]);
    expect(Object.keys(await levels(CLUES, { claves: [GASA] }))).toEqual([GASA]);
  });
});

describe('reversals', () => {
  async function damageAdjustment(): Promise<any> {
    const r = await api.gql(`query { stockMovements(clues: "${CLUES}", first: 100) { edges { node { id kind reason quantity lotNumber reversedBy } } } }`, {}, pharmacy);
    return r.data.stockMovements.edges.map((e: any) => e.node).find((m: any) => m.reason === 'DAMAGE');
  }

  test('a movement is undone by its opposite, once', async () => {
    // The DAMAGE of −5 on P-2027A comes back: 79 + 5 = 84.
    const damage = await damageAdjustment();
    const p = await ok(REVERSE, { idempotencyKey: key('rev'), movementId: damage.id, reason: 'capturado dos veces' });
    expect(p.movements.map((m: any) => [m.quantity, m.kind, m.reverses, m.note])).toEqual([[-damage.quantity, 'REVERSAL', damage.id, 'capturado dos veces']]);
    expect((await damageAdjustment()).reversedBy).toBe(p.movements[0].id);
    expect((await levels())[PARA].lots).toEqual([{ lotNumber: 'P-2027A', expiresOn: '2027-06-30', quantity: 84, expired: false }]);
    await refused(REVERSE, { idempotencyKey: key('rev'), movementId: damage.id, reason: 'otra vez' }, [['ALREADY_REVERSED', 'movementId']]);
    await refused(REVERSE, { idempotencyKey: key('rev'), movementId: p.movements[0].id, reason: 'x' }, [['NOT_REVERSIBLE', 'movementId']]);
  });

  test('reversing a receipt whose pieces are gone would make stock negative', async () => {
    const r = await api.gql(`query { stockMovements(clues: "${CLUES}", clave: "${GASA}", first: 100) { edges { node { id kind } } } }`, {}, pharmacy);
    const receipt = r.data.stockMovements.edges.find((e: any) => e.node.kind === 'RECEIPT').node;
    await refused(REVERSE, { idempotencyKey: key('rev'), movementId: receipt.id, reason: 'error' }, [['INSUFFICIENT_STOCK', 'movementId']]);
  });

  test('an unknown movement: UNKNOWN_MOVEMENT for national roles, FORBIDDEN for the others', async () => {
    const ghost = Buffer.from('StockMovement:999999').toString('base64url');
    await refused(REVERSE, { idempotencyKey: key('rev'), movementId: ghost, reason: 'x' }, [['UNKNOWN_MOVEMENT', 'movementId']], admin);
    const r = await api.gql(REVERSE, { i: { idempotencyKey: key('rev'), movementId: ghost, reason: 'x' } }, pharmacy);
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the ledger', () => {
  test('movements in business-time order: a back-dated receipt comes first; pages do not overlap', async () => {
    const all: any[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await api.gql(
        `query($after: String) { stockMovements(clues: "${CLUES}", first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id occurredAt kind } } } }`,
        { after },
        pharmacy,
      );
      all.push(...r.data.stockMovements.edges.map((e: any) => e.node));
      if (!r.data.stockMovements.pageInfo.hasNextPage) break;
      after = r.data.stockMovements.pageInfo.endCursor;
    }
    const [{ n }] = await tdb.db.query(`SELECT count(*)::int AS n FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id WHERE e.clues = $1`, [CLUES]);
    expect(all).toHaveLength(n);
    expect(new Set(all.map((m) => m.id)).size).toBe(n);
    const times = all.map((m) => m.occurredAt);
    expect(times).toEqual([...times].sort());
    expect(all[0]).toMatchObject({ occurredAt: '2024-01-10T15:00:00.000Z', kind: 'RECEIPT' });

    const window = await api.gql(
      `query { stockMovements(clues: "${CLUES}", clave: "${GASA}", from: "2025-11-01T00:00:00Z", to: "2025-11-30T00:00:00Z") { totalCount edges { node { clave quantity } } } }`,
      {},
      pharmacy,
    );
    expect(window.data.stockMovements).toEqual({ totalCount: 1, edges: [{ node: { clave: GASA, quantity: 200 } }] });
  });

  test('ledgerCheck is clean, then finds a balance corrupted on purpose', async () => {
    const clean = await api.gql(`{ ledgerCheck(clues: "${CLUES}") { checked mismatches { clues } } }`, {}, pharmacy);
    // Lots held at GRSSA000001: P-2027A, P-2026B, P-2025E, G-1.
    expect(clean.data.ledgerCheck).toEqual({ checked: 4, mismatches: [] });
    await tdb.db.query(`UPDATE stock_balance SET quantity = quantity + 7 WHERE lot_id = (SELECT id FROM lot WHERE lot_number = 'P-2027A')`);
    const dirty = await api.gql(`{ ledgerCheck { checked mismatches { clues clave lotNumber balance ledgerSum } } }`, {}, admin);
    expect(dirty.data.ledgerCheck.mismatches).toEqual([{ clues: CLUES, clave: PARA, lotNumber: 'P-2027A', balance: 91, ledgerSum: 84 }]);
    await tdb.db.query(`UPDATE stock_balance SET quantity = quantity - 7 WHERE lot_id = (SELECT id FROM lot WHERE lot_number = 'P-2027A')`);
    expect((await api.gql(`{ ledgerCheck { mismatches { clues } } }`, {}, admin)).data.ledgerCheck.mismatches).toEqual([]);
  });

  test('movements cannot be updated or deleted, and no balance can go negative, even by SQL', async () => {
    await expect(tdb.db.query(`UPDATE stock_movement SET quantity = 1`)).rejects.toThrow(/append-only/);
    await expect(tdb.db.query(`DELETE FROM stock_movement`)).rejects.toThrow(/append-only/);
    await expect(tdb.db.query(`UPDATE stock_balance SET quantity = -1`)).rejects.toThrow(/check constraint/);
  });
});

describe('scope', () => {
  const receipt = (clues: string) => ({ idempotencyKey: key('scope'), clues, lines: [{ clave: GASA, lotNumber: 'G-1', acceptedQuantity: 1 }] });

  test('a pharmacy moves and reads stock only at its own CLUES', async () => {
    const other = await api.gql(RECEIVE, { i: receipt('GRSSA000002') }, pharmacy);
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const read = await api.gql(LEVELS, { clues: 'GRSSA000002' }, pharmacy);
    expect(read.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const missing = await api.gql(LEVELS, { clues: 'GRSSA777777' }, pharmacy);
    expect(missing.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  test('a warehouse moves stock only at its warehouse; a coordinator reads its state; central and audit read all, write nothing', async () => {
    const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
    expect((await api.gql(RECEIVE, { i: receipt('GRSSA000010') }, warehouse)).data.stockReceive.userErrors).toEqual([]);
    expect((await api.gql(RECEIVE, { i: receipt(CLUES) }, warehouse)).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
    expect(Object.keys(await levels(CLUES, undefined, coordinator))).toEqual([PARA, GASA]);
    expect((await api.gql(LEVELS, { clues: 'OCSSA000001' }, coordinator)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await api.gql(RECEIVE, { i: receipt(CLUES) }, coordinator)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await api.gql(`{ ledgerCheck { checked } }`, {}, coordinator)).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    for (const role of [Role.CENTRAL, Role.AUDITOR]) {
      const t = await api.token(role);
      expect(Object.keys(await levels(CLUES, undefined, t))).toEqual([PARA, GASA]);
      expect((await api.gql(RECEIVE, { i: receipt(CLUES) }, t)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  test('node() shows a movement only inside the caller’s scope', async () => {
    const r = await api.gql(`query { stockMovements(clues: "${CLUES}", first: 1) { edges { node { id } } } }`, {}, pharmacy);
    const id = r.data.stockMovements.edges[0].node.id;
    expect((await api.gql(`query($id: ID!) { node(id: $id) { ... on StockMovement { clues } } }`, { id }, pharmacy)).data.node).toEqual({ clues: CLUES });
    const stranger = await api.token(Role.PHARMACY, { clues: 'OCSSA000001' });
    expect((await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, stranger)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
