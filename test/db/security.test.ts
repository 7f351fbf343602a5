import { Client } from 'pg';
import { SignJWT } from 'jose';
import { NormalizedLotNumbers1764748800000 } from '../../migrations/1764748800000-NormalizedLotNumbers';
import { openDatabase } from '../../src/db/data-source';
import { Role } from '../../src/domain/enums';
import { signToken } from '../../src/base/auth';
import { startServer } from '../../src/server';
import { parseConfig } from '../../src/config';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Issue 15: what hostile callers found, each against the real server. Every test here failed before
 * its fix; docs/security.md names the test behind each line of the threat model.
 */
let tdb: TestDatabase;
let api: TestApi;
let admin: string;
let auditor: string;
let pharmacy: string;
let warehouse: string;
let coordinator12: string;

const { paracetamol: PARA, gasa: GASA } = CLAVES;
const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;
const m = (name: string, type: string, body: string) => `mutation($i: ${type}!) { ${name}(input: $i) { ${body} userErrors { code field message } } }`;

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  admin = await api.token(Role.ADMIN);
  auditor = await api.token(Role.AUDITOR);
  pharmacy = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  coordinator12 = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  // A state warehouse in Oaxaca, for routes that cross a state line.
  await api.mutate(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'OCSSA000010', name: 'Almacén Estatal Oaxaca', kind: 'SUPPORT' });
  await api.mutate(admin, 'warehouseUpsert', 'WarehouseUpsertInput', { clues: 'OCSSA000010', tier: 'STATE' });
});
afterAll(() => stopNetworkApi(api, tdb));

/** The registry, orders and ledger as they stand: a refused request must leave it unchanged. */
async function snapshot(): Promise<string> {
  const [row] = await tdb.db.query(`
    SELECT (SELECT json_agg(e ORDER BY id) FROM establishment e) AS e, (SELECT json_agg(w ORDER BY id) FROM warehouse w) AS w,
           (SELECT json_agg(s ORDER BY id) FROM sai_status_change s) AS s, (SELECT json_agg(o ORDER BY id) FROM supply_order o) AS o,
           (SELECT count(*) FROM stock_movement) AS m, (SELECT count(*) FROM lot) AS l`);
  return JSON.stringify(row);
}

describe('1. the query limits fail closed and count alike', () => {
  test('a document whose fragment spreads push the cost calculator past its node limit is refused, not run unchecked', async () => {
    // 3,400 fields but 10,200 selections (each `...C` spreads `...D`, which holds one field): the selection
    // limit once counted only the fields, the cost calculator stopped at 10,000 nodes, and the document
    // ran with nested pages of 100 × 100 establishments uncosted.
    const spreads = Array.from({ length: 3400 }, () => '...C').join(' ');
    const query = `query { establishments(first: 100) { edges { node { supplyingWarehouse { served(first: 100) { edges { node { ...B } } } } } } } }
      fragment B on Establishment { clues ${spreads} }
      fragment C on Establishment { ...D }
      fragment D on Establishment { name }`;
    const r = await api.gql(query, {}, pharmacy);
    expect([r.status, codeOf(r)]).toEqual([400, 'QUERY_TOO_LARGE']);
    expect(r.data).toBeUndefined();
  });

  test('a document within the selection limit is always costed: nested pages past the cost are refused', async () => {
    const query = `query { establishments(first: 100) { edges { node { ...A } } } }
      fragment A on Establishment { supplyingWarehouse { served(first: 100) { edges { node { clues name } } } } }`;
    const r = await api.gql(query, {}, pharmacy);
    expect([r.status, codeOf(r)]).toEqual([400, 'QUERY_TOO_COSTLY']);
  });
});

describe('2. heavy root fields cost what they do; statements have a time limit; anonymous bodies are small', () => {
  test('ledgerCheck over the whole network costs 12,000: two fit in a request, three do not', async () => {
    const doc = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `l${i}: ledgerCheck { checked }`).join(' ')} }`;
    expect((await api.gql(doc(2), {}, auditor)).errors).toBeUndefined();
    const r = await api.gql(doc(3), {}, auditor);
    expect(codeOf(r)).toBe('QUERY_TOO_COSTLY');
    expect((r.errors![0].extensions as { cost: number }).cost).toBe(3 * (12_000 + 1));
    expect(codeOf(await api.gql(doc(30), {}, auditor))).toBe('QUERY_TOO_COSTLY');
    // One location's check is cheap.
    expect((await api.gql(`{ ${Array.from({ length: 30 }, (_, i) => `l${i}: ledgerCheck(clues: "GRSSA000010") { checked }`).join(' ')} }`, {}, auditor)).errors).toBeUndefined();
  });

  test('the dashboard’s eight indicators fit in one request; thirteen do not', async () => {
    const doc = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `i${i}: indicator(code: QUANTITY_FILL_RATE, groupBy: [STATE]) { rows { numerator denominator value } }`).join(' ')} }`;
    expect((await api.gql(doc(8), {}, auditor)).errors).toBeUndefined();
    expect(codeOf(await api.gql(doc(13), {}, auditor))).toBe('QUERY_TOO_COSTLY');
  });

  test('a statement past DATABASE_STATEMENT_TIMEOUT is cancelled: STATEMENT_TIMEOUT, nothing written', async () => {
    const db = await openDatabase({ url: tdb.url, poolSize: 4, statementTimeoutMs: 300 });
    const config = parseConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATABASE_STATEMENT_TIMEOUT: '300' });
    const server = await startServer(db, config);
    const blocker = new Client({ connectionString: tdb.url });
    await blocker.connect();
    try {
      const token = await signToken(config.auth.secret!, { sub: 'slow', role: Role.ADMIN }, { maxLifetimeSeconds: 600 });
      const post = async (query: string, variables = {}) => {
        const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
        return (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
      };
      const before = await snapshot();
      // Another session holds the ledger: the reads and writes that need it wait past the limit.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE stock_balance IN ACCESS EXCLUSIVE MODE');
      const read = await post('{ ledgerCheck { checked } }');
      expect(codeOf(read)).toBe('STATEMENT_TIMEOUT');
      expect(read.errors![0].message).toMatch(/tardó más de 0.3 s/);
      const write = await post(m('stockReceive', 'StockReceiveInput', 'movements { id }'), {
        i: { idempotencyKey: 'slow-1', clues: 'GRSSA000010', lines: [{ clave: GASA, lotNumber: 'T-1', acceptedQuantity: 5 }] },
      });
      expect(codeOf(write)).toBe('STATEMENT_TIMEOUT');
      await blocker.query('ROLLBACK');
      expect(await snapshot()).toBe(before);
      expect(Number((await tdb.db.query(`SELECT count(*) AS n FROM idempotency_key WHERE key = 'slow-1'`))[0].n)).toBe(0);
      // Once the lock is gone the same requests answer.
      expect((await post('{ ledgerCheck { checked } }')).errors).toBeUndefined();
    } finally {
      await blocker.end();
      await server.stop();
      await db.destroy();
    }
  });

  test('batch connections have no statement limit; the server’s have the configured one', async () => {
    const serving = await openDatabase({ url: tdb.url, poolSize: 1, statementTimeoutMs: 1234 });
    try {
      expect((await serving.query('SHOW statement_timeout'))[0].statement_timeout).toBe('1234ms');
      expect((await tdb.db.query('SHOW statement_timeout'))[0].statement_timeout).toBe('0');
    } finally {
      await serving.destroy();
    }
  });

  test('a bad token is answered 401 before its body is read; without a token the body may be 16 KB at most', async () => {
    const big = JSON.stringify({ query: '{ states { code } }', variables: { pad: 'x'.repeat(200_000) } });
    const bad = await fetch(api.server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' }, body: big });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const anonymous = await fetch(api.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(anonymous.status).toBe(413);
    expect(((await anonymous.json()) as any).errors[0]).toEqual({
      message: 'La solicitud es demasiado grande: el máximo es 16384 bytes sin un token válido.',
      extensions: { code: 'PAYLOAD_TOO_LARGE' },
    });
    const garbled = await fetch(api.server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auditor}` }, body: '{"query": ' });
    expect(garbled.status).toBe(400);
    expect(((await garbled.json()) as any).errors[0]).toEqual({ message: 'El cuerpo de la solicitud no es JSON válido.', extensions: { code: 'BAD_REQUEST' } });
    const small = await fetch(api.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ states { code } }' }) });
    expect(((await small.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const signedIn = await fetch(api.server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auditor}` }, body: big });
    expect(signedIn.status).toBe(200);
  });
});

describe('3. a state coordinator writes only its own state, never a CENTRAL warehouse', () => {
  const UPSERT = m('establishmentUpsert', 'EstablishmentUpsertInput', 'establishment { clues supplyingWarehouse { clues } }');
  const WAREHOUSE = m('warehouseUpsert', 'WarehouseUpsertInput', 'warehouse { clues tier }');
  const SAI = m('saiStatusSet', 'SaiStatusSetInput', 'establishment { clues }');

  test('the coordinator of Ciudad de México cannot demote, rename, take out of the network or set the SAI of the central warehouse', async () => {
    const cdmx = await api.token(Role.STATE_COORDINATOR, { state: '09' });
    const before = await snapshot();
    for (const [query, i] of [
      [WAREHOUSE, { clues: 'DFSSA004936', tier: 'STATE' }],
      [UPSERT, { clues: 'DFSSA004936', name: 'Almacén renombrado' }],
      [UPSERT, { clues: 'DFSSA004936', inNetwork: false }],
      [SAI, { clues: 'DFSSA004936', status: 'IN_OPERATION', effectiveOn: '2025-01-01' }],
    ] as const) {
      expect(codeOf(await api.gql(query, { i }, cdmx))).toBe('FORBIDDEN');
    }
    expect(await snapshot()).toBe(before);
    // Its other establishments it still writes; national roles write the central warehouse.
    await api.mutate(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'DFSSA000101', name: 'Centro de Salud Tlalpan', kind: 'FIXED', levelOfCare: 'FIRST' });
    expect((await api.gql(UPSERT, { i: { clues: 'DFSSA000101', jurisdiction: 'TLALPAN' } }, cdmx)).data.establishmentUpsert.userErrors).toEqual([]);
    expect((await api.gql(UPSERT, { i: { clues: 'DFSSA004936', name: 'Almacén central' } }, admin)).data.establishmentUpsert.userErrors).toEqual([]);
  });

  test('nor act for the central warehouse on its orders: create, submit or cancel', async () => {
    const cdmx = await api.token(Role.STATE_COORDINATOR, { state: '09' });
    const purchase = await api.mutate(admin, 'orderCreate', 'OrderCreateInput', {
      idempotencyKey: 'po-central-1', kind: 'PURCHASE', requestingClues: 'DFSSA004936', supplier: 'Laboratorios del Centro', lines: [{ clave: PARA, quantity: 500 }],
    }, 'order { number } userErrors { code }');
    const before = await snapshot();
    for (const [query, i] of [
      [m('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: purchase.order.number }],
      [m('orderCancel', 'OrderEndInput', 'order { status }'), { number: purchase.order.number, reason: 'no' }],
      [m('orderCreate', 'OrderCreateInput', 'order { number }'), { idempotencyKey: 'rep-central-1', kind: 'REPLENISHMENT', requestingClues: 'DFSSA004936', lines: [{ clave: PARA, quantity: 5 }] }],
    ] as const) {
      expect(codeOf(await api.gql(query, { i }, cdmx))).toBe('FORBIDDEN');
    }
    expect(await snapshot()).toBe(before);
    await api.mutate(admin, 'orderCancel', 'OrderEndInput', { number: purchase.order.number, reason: 'prueba' }, 'order { status } userErrors { code }');
  });

  test('routes: to its own warehouses or a CENTRAL one, never to another state’s', async () => {
    const before = await snapshot();
    expect(codeOf(await api.gql(UPSERT, { i: { clues: 'GRSSA000002', supplyingWarehouseClues: 'OCSSA000010' } }, coordinator12))).toBe('FORBIDDEN');
    expect(await snapshot()).toBe(before);
    const central = await api.gql(UPSERT, { i: { clues: 'GRSSA000002', supplyingWarehouseClues: 'DFSSA004936' } }, coordinator12);
    expect(central.data.establishmentUpsert).toEqual({ establishment: { clues: 'GRSSA000002', supplyingWarehouse: { clues: 'DFSSA004936' } }, userErrors: [] });
    const own = await api.gql(UPSERT, { i: { clues: 'GRSSA000002', supplyingWarehouseClues: 'GRSSA000010' } }, coordinator12);
    expect(own.data.establishmentUpsert.establishment.supplyingWarehouse).toEqual({ clues: 'GRSSA000010' });
  });

  test('an order against another state’s warehouse is not the coordinator’s to approve', async () => {
    // Routed across the state line by the national level (an exceptional route), the unit orders.
    await api.mutate(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'GRSSA000003', supplyingWarehouseClues: 'OCSSA000010' });
    const mobileUnit = await api.token(Role.PHARMACY, { clues: 'GRSSA000003' });
    const created = await api.mutate(mobileUnit, 'orderCreate', 'OrderCreateInput',
      { idempotencyKey: 'cross-1', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000003', lines: [{ clave: GASA, quantity: 10 }] }, 'order { number supplyingClues } userErrors { code }');
    expect(created.order.supplyingClues).toBe('OCSSA000010');
    await api.mutate(admin, 'orderSubmit', 'OrderNumberInput', { number: created.order.number }, 'order { status } userErrors { code }');
    const before = await snapshot();
    expect(codeOf(await api.gql(m('orderApprove', 'OrderApproveInput', 'order { status }'), { i: { number: created.order.number } }, coordinator12))).toBe('FORBIDDEN');
    expect(await snapshot()).toBe(before);
    const approved = await api.mutate(admin, 'orderApprove', 'OrderApproveInput', { number: created.order.number }, 'order { status } userErrors { code }');
    expect(approved.order.status).toBe('APPROVED');
    await api.mutate(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'GRSSA000003', supplyingWarehouseClues: 'GRSSA000010' });
  });
});

describe('4. indicators below the state stay in the caller’s scope', () => {
  const IND = `query($f: IndicatorFilter, $g: [IndicatorDimension!]) { indicator(code: QUANTITY_FILL_RATE, filter: $f, groupBy: $g) {
    total { numerator denominator } rows { establishment { clues } supplyItem { clave } month numerator denominator } } }`;
  const ask = async (token: string, f: Record<string, unknown> | null, g: string[] | null) => {
    const r = await api.gql(IND, { f, g }, token);
    return r.errors ? { code: codeOf(r), message: r.errors[0].message } : 'ok';
  };

  test('a pharmacy: another unit’s per-clave figures are refused, existing or not, alike; its own and the aggregates are not', async () => {
    const other = await ask(pharmacy, { clues: ['GRSSA000002'] }, ['ESTABLISHMENT', 'CLAVE', 'MONTH']);
    const ghost = await ask(pharmacy, { clues: ['GRSSA999999'] }, ['ESTABLISHMENT', 'CLAVE', 'MONTH']);
    expect(other).toEqual(ghost);
    expect(other).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('clues: ["GRSSA000001"]') });
    expect(await ask(pharmacy, null, ['CLAVE'])).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ask(pharmacy, null, ['ESTABLISHMENT'])).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ask(pharmacy, { clues: ['GRSSA000001', 'GRSSA000002'] }, null)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ask(pharmacy, { clues: ['GRSSA000001'] }, ['ESTABLISHMENT', 'CLAVE', 'MONTH'])).toBe('ok');
    expect(await ask(warehouse, { clues: ['GRSSA000010'] }, ['CLAVE'])).toBe('ok');
    for (const g of [['STATE'], ['MONTH'], ['LEVEL_OF_CARE'], ['SUPPLY_KIND'], null]) expect(await ask(pharmacy, { stateCodes: ['20'] }, g)).toBe('ok');
  });

  test('a warehouse filter or breakdown singles out units too: the warehouse’s own user, its coordinator and national roles only', async () => {
    // A state warehouse and a level of care can leave exactly one hospital.
    expect(await ask(pharmacy, { warehouseClues: 'OCSSA000010', levelsOfCare: ['THIRD'] }, null)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ask(pharmacy, null, ['WAREHOUSE', 'MONTH'])).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ask(warehouse, { warehouseClues: 'GRSSA000010' }, ['ESTABLISHMENT', 'CLAVE'])).toBe('ok');
    expect(await ask(warehouse, { warehouseClues: 'OCSSA000010' }, null)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ask(coordinator12, { stateCodes: ['12'] }, ['WAREHOUSE'])).toBe('ok');
    expect(await ask(auditor, null, ['WAREHOUSE'])).toBe('ok');
    // A network indicator is not narrowed by a warehouse: its own warehouse does not open its units.
    const units = await api.gql(`{ indicator(code: CPM_RATIFICATION, filter: { warehouseClues: "GRSSA000010" }, groupBy: [ESTABLISHMENT]) { total { value } } }`, {}, warehouse);
    expect(codeOf(units)).toBe('FORBIDDEN');
  });

  test('a state coordinator: units and claves of its own state only', async () => {
    expect(await ask(coordinator12, { stateCodes: ['12'] }, ['ESTABLISHMENT', 'CLAVE'])).toBe('ok');
    expect(await ask(coordinator12, { clues: ['GRSSA000001'] }, ['CLAVE'])).toBe('ok');
    expect(await ask(coordinator12, null, ['ESTABLISHMENT'])).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('stateCodes: ["12"]') });
    expect(await ask(coordinator12, { stateCodes: ['12', '20'] }, ['ESTABLISHMENT'])).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ask(coordinator12, { clues: ['OCSSA000001'] }, null)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ask(coordinator12, null, ['STATE'])).toBe('ok');
  });

  test('national roles: every breakdown', async () => {
    expect(await ask(auditor, null, ['ESTABLISHMENT', 'CLAVE', 'MONTH'])).toBe('ok');
    expect(await ask(auditor, { clues: ['OCSSA000001'] }, ['CLAVE'])).toBe('ok');
  });
});

describe('6. idempotency keys belong to their caller', () => {
  const RECEIVE = m('stockReceive', 'StockReceiveInput', 'movements { quantity actor }');
  const CONSUME = m('stockConsume', 'StockConsumeInput', 'movements { quantity actor }');

  test('a pharmacy’s key does not block a warehouse’s request, and its use is not revealed', async () => {
    const key = 'shared-key-1';
    const p = await api.gql(RECEIVE, { i: { idempotencyKey: key, clues: 'GRSSA000001', lines: [{ clave: GASA, lotNumber: 'K-1', acceptedQuantity: 10 }] } }, pharmacy);
    expect(p.data.stockReceive.userErrors).toEqual([]);
    const w = await api.gql(RECEIVE, { i: { idempotencyKey: key, clues: 'GRSSA000010', lines: [{ clave: GASA, lotNumber: 'K-1', acceptedQuantity: 7 }] } }, warehouse);
    expect(w.data.stockReceive).toEqual({ movements: [{ quantity: 7, actor: 'test-warehouse' }], userErrors: [] });
    // Each caller's replay returns its own first result.
    const again = await api.gql(RECEIVE, { i: { idempotencyKey: key, clues: 'GRSSA000010', lines: [{ clave: GASA, lotNumber: 'K-1', acceptedQuantity: 7 }] } }, warehouse);
    expect(again.data.stockReceive).toEqual({ movements: [{ quantity: 7, actor: 'test-warehouse' }], userErrors: [] });
    // The same caller reusing its key for something else is still refused.
    const reused = await api.gql(CONSUME, { i: { idempotencyKey: key, clues: 'GRSSA000001', lines: [{ clave: GASA, quantity: 1 }] } }, pharmacy);
    expect(reused.data.stockConsume.userErrors.map((e: { code: string }) => e.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    const [{ n }] = await tdb.db.query(`SELECT sum(quantity)::int AS n FROM stock_movement WHERE idempotency_key = $1`, [key]);
    expect(n).toBe(17);
  });

  test('two users of one unit with the same key and input are two requests', async () => {
    const ana = await api.token(Role.PHARMACY, { clues: 'GRSSA000001', sub: 'ana' });
    const luis = await api.token(Role.PHARMACY, { clues: 'GRSSA000001', sub: 'luis' });
    const i = { idempotencyKey: 'turno-matutino', clues: 'GRSSA000001', lines: [{ clave: GASA, lotNumber: 'K-2', acceptedQuantity: 3 }] };
    await Promise.all([api.gql(RECEIVE, { i }, ana), api.gql(RECEIVE, { i }, luis), api.gql(RECEIVE, { i }, ana)]);
    const rows = await tdb.db.query(`SELECT actor, sum(quantity)::int AS n FROM stock_movement WHERE idempotency_key = 'turno-matutino' GROUP BY actor ORDER BY actor`);
    expect(rows).toEqual([{ actor: 'ana', n: 3 }, { actor: 'luis', n: 3 }]);
  });
});

describe('7. smaller holes', () => {
  test('tokens: exp is required; an HS256 token may not outlive JWT_MAX_LIFETIME; npm run token makes none that would', async () => {
    const secret = new TextEncoder().encode(api.config.auth.secret);
    const now = Math.floor(Date.now() / 1000);
    const forever = await new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt().sign(secret);
    const noIat = await new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime(now + 60).sign(secret);
    const tooLong = await new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt(now).setExpirationTime(now + 31 * 86400).sign(secret);
    const old = await new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt(now - 31 * 86400).setExpirationTime(now + 60).sign(secret);
    for (const t of [forever, noIat, tooLong, old]) {
      const r = await api.gql('{ me { role } }', {}, t);
      expect([r.status, codeOf(r)]).toEqual([401, 'UNAUTHENTICATED']);
    }
    const fine = await new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt(now).setExpirationTime(now + 30 * 86400).sign(secret);
    expect((await api.gql('{ me { role } }', {}, fine)).data.me.role).toBe('ADMIN');
    await expect(signToken('a-secret-of-enough-length', { sub: 'x', role: Role.ADMIN }, { lifetimeSeconds: 31 * 86400, maxLifetimeSeconds: 30 * 86400 })).rejects.toThrow(/at most/);
  });

  test('who recorded an SAI status change: national roles and that state’s coordinator only', async () => {
    await api.mutate(coordinator12, 'saiStatusSet', 'SaiStatusSetInput', { clues: 'GRSSA000001', status: 'IMPLEMENTING', effectiveOn: '2025-03-01' }, 'establishment { clues } userErrors { code }');
    const actor = async (token: string) => (await api.gql('{ establishment(clues: "GRSSA000001") { saiHistory { status actor } } }', {}, token)).data.establishment.saiHistory[0];
    expect(await actor(auditor)).toEqual({ status: 'IMPLEMENTING', actor: 'test-state_coordinator' });
    expect(await actor(coordinator12)).toEqual({ status: 'IMPLEMENTING', actor: 'test-state_coordinator' });
    expect(await actor(await api.token(Role.STATE_COORDINATOR, { state: '20' }))).toEqual({ status: 'IMPLEMENTING', actor: null });
    expect(await actor(pharmacy)).toEqual({ status: 'IMPLEMENTING', actor: null });
  });

  test('lot numbers that look alike are one lot (NFKC); invisible characters are INVALID_TEXT and write nothing', async () => {
    const RECEIVE = m('stockReceive', 'StockReceiveInput', 'movements { lotNumber quantity }');
    const CONSUME = m('stockConsume', 'StockConsumeInput', 'movements { lotNumber quantity }');
    const r = await api.gql(RECEIVE, { i: { idempotencyKey: 'lot-rt3', clues: 'GRSSA000001', lines: [{ clave: PARA, lotNumber: 'RT3', expiresOn: '2031-01-31', acceptedQuantity: 20 }] } }, pharmacy);
    expect(r.data.stockReceive.userErrors).toEqual([]);
    const wide = await api.gql(CONSUME, { i: { idempotencyKey: 'lot-wide', clues: 'GRSSA000001', lines: [{ clave: PARA, lotNumber: 'ＲＴ３', quantity: 5 }] } }, pharmacy);
    expect(wide.data.stockConsume).toEqual({ movements: [{ lotNumber: 'RT3', quantity: -5 }], userErrors: [] });
    const before = await snapshot();
    for (const [n, lot] of ['RT\u200b3', 'RT\u202e3', 'RT\u00ad3', 'RT\u034f3', 'RT\ufe0f3', 'RT\u31643'].entries()) {
      const bad = await api.gql(RECEIVE, { i: { idempotencyKey: `lot-bad-${n}`, clues: 'GRSSA000001', lines: [{ clave: PARA, lotNumber: lot, expiresOn: '2031-01-31', acceptedQuantity: 1 }] } }, pharmacy);
      expect(bad.data.stockReceive.userErrors.map((e: { code: string; field: string[] }) => [e.code, e.field.join('.')])).toEqual([['INVALID_TEXT', 'input.lines.0.lotNumber']]);
    }
    expect(await snapshot()).toBe(before);
    const [{ n }] = await tdb.db.query(`SELECT count(*)::int AS n FROM lot l JOIN supply_item s ON s.id = l.supply_item_id WHERE s.clave = $1 AND l.lot_number LIKE 'RT%'`, [PARA]);
    expect(n).toBe(1);
  });

  test('order mutations: another unit’s order and a number that does not exist answer alike, and the scope is checked before the lock', async () => {
    const oaxaca = await api.token(Role.PHARMACY, { clues: 'OCSSA000001' });
    await api.mutate(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'OCSSA000001', supplyingWarehouseClues: 'OCSSA000010' });
    const { order } = await api.mutate(oaxaca, 'orderCreate', 'OrderCreateInput', { idempotencyKey: 'oax-1', kind: 'REPLENISHMENT', requestingClues: 'OCSSA000001', lines: [{ clave: GASA, quantity: 4 }] }, 'order { number } userErrors { code }');
    const SUBMIT = m('orderSubmit', 'OrderNumberInput', 'order { status }');
    // The order's row is locked by another transaction: a caller outside its scope is answered at once.
    const locker = new Client({ connectionString: tdb.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM supply_order WHERE number = $1 FOR UPDATE', [order.number]);
      const outOfScope = await Promise.race([api.gql(SUBMIT, { i: { number: order.number } }, pharmacy), new Promise((r) => setTimeout(() => r('waited'), 3000))]);
      expect(outOfScope).not.toBe('waited');
      const missing = await api.gql(SUBMIT, { i: { number: 'OS-2026-9999999' } }, pharmacy);
      expect({ ...(outOfScope as any), errors: (outOfScope as any).errors.map((e: any) => ({ message: e.message, code: e.extensions.code })) }).toEqual({
        ...missing,
        errors: missing.errors!.map((e: any) => ({ message: e.message, code: e.extensions.code })),
      });
      expect(codeOf(missing)).toBe('FORBIDDEN');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await api.gql(SUBMIT, { i: { number: 'OS-2026-9999999' } }, admin)).data.orderSubmit.userErrors[0].code).toBe('UNKNOWN_ORDER');
  });

  test('a reversal checks scope before it locks the movement', async () => {
    const { movements } = await api.mutate(warehouse, 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: 'rev-lock-1', clues: 'GRSSA000010', lines: [{ clave: GASA, lotNumber: 'RL-1', acceptedQuantity: 3 }],
    }, 'movements { id } userErrors { code }');
    const REVERSE = m('stockMovementReverse', 'StockMovementReverseInput', 'movements { id }');
    const locker = new Client({ connectionString: tdb.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM stock_movement WHERE idempotency_key = 'rev-lock-1' FOR UPDATE`);
      const ghost = Buffer.from('StockMovement:999999').toString('base64url');
      const answer = await Promise.race([
        api.gql(REVERSE, { i: { idempotencyKey: 'rev-x', movementId: movements[0].id, reason: 'x' } }, pharmacy),
        new Promise((r) => setTimeout(() => r('waited'), 3000)),
      ]);
      expect(answer).not.toBe('waited');
      const missing = await api.gql(REVERSE, { i: { idempotencyKey: 'rev-y', movementId: ghost, reason: 'x' } }, pharmacy);
      expect([codeOf(answer as any), codeOf(missing)]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  test('lot numbers stored before in another form are rewritten to NFKC, unless that would merge two lots', async () => {
    const [{ id: item }] = await tdb.db.query('SELECT id FROM supply_item WHERE clave = $1', [PARA]);
    await tdb.db.query(`INSERT INTO lot (supply_item_id, lot_number, expires_on) VALUES ($1, 'ＬＴ９', '2031-01-31'), ($1, 'ＲＴ３', '2031-01-31')`, [item]);
    const runner = tdb.db.createQueryRunner();
    try {
      await new NormalizedLotNumbers1764748800000().up(runner);
    } finally {
      await runner.release();
    }
    const lots = await tdb.db.query(`SELECT lot_number FROM lot WHERE supply_item_id = $1 AND lot_number IN ('LT9', 'ＬＴ９', 'RT3', 'ＲＴ３') ORDER BY 1`, [item]);
    // RT3 existed already (the look-alike test above): ＲＴ３ stays for a person to merge.
    expect(lots.map((l: { lot_number: string }) => l.lot_number)).toEqual(['LT9', 'RT3', 'ＲＴ３']);
    const r = await api.gql(m('stockReceive', 'StockReceiveInput', 'movements { lotNumber }'), {
      i: { idempotencyKey: 'lt9', clues: 'GRSSA000001', lines: [{ clave: PARA, lotNumber: 'ＬＴ９', expiresOn: '2031-01-31', acceptedQuantity: 2 }] },
    }, pharmacy);
    expect(r.data.stockReceive).toEqual({ movements: [{ lotNumber: 'LT9' }], userErrors: [] });
  });

  test('out-of-range months, years, dates and cursors are bad input with a code, not internal errors', async () => {
    const calc = await api.gql(`{ cpmCalculation(clues: "GRSSA000001", clave: "${PARA}", month: "0000-01") { value } }`, {}, pharmacy);
    expect(codeOf(calc)).toBe('INVALID_MONTH');
    const year = await api.gql(`{ cpmSubmission(clues: "GRSSA000001", year: 2147483647) { status } }`, {}, pharmacy);
    expect(codeOf(year)).toBe('OUT_OF_RANGE');
    const cursor = Buffer.from(JSON.stringify(['GRSSA000001', 'x'])).toString('base64url');
    expect(codeOf(await api.gql(`{ establishments(first: 2, after: "${cursor}") { totalCount } }`, {}, pharmacy))).toBe('INVALID_CURSOR');
    const movementCursor = Buffer.from(JSON.stringify('2025-01-01')).toString('base64url');
    expect(codeOf(await api.gql(`{ stockMovements(clues: "GRSSA000001", first: 2, after: "${movementCursor}") { totalCount } }`, {}, pharmacy))).toBe('INVALID_CURSOR');
    for (const key of [['99999', '1'], ['1', '1'], ['+275760-09-13T00:00:00.000Z', '1'], ['2025-02-30T00:00:00.000Z', '1'], ['2025-01-01T25:00:00.000Z', '1']]) {
      const c = Buffer.from(JSON.stringify(key)).toString('base64url');
      expect(codeOf(await api.gql(`{ stockMovements(clues: "GRSSA000001", first: 2, after: "${c}") { edges { cursor } } }`, {}, pharmacy))).toBe('INVALID_CURSOR');
    }
    const early = await api.gql(`{ indicator(code: QUANTITY_FILL_RATE, filter: { from: "0202-08-01" }, groupBy: [MONTH]) { rows { month } } }`, {}, pharmacy);
    expect(codeOf(early)).toBe('BAD_USER_INPUT');
    expect(early.errors![0].message).toMatch(/Fecha inválida: se espera un día AAAA-MM-DD entre 1900 y 2999/);
    for (const r of [calc, year, early]) expect(r.errors![0].message).not.toMatch(/interno/i);
  });

  test('GraphQL responses are never cached', async () => {
    const res = await fetch(api.server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auditor}` }, body: JSON.stringify({ query: '{ me { role } }' }) });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
