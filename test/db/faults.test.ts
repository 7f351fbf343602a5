import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Role } from '../../src/domain/enums';
import { signToken } from '../../src/base/auth';
import { startTestApi, TestApi } from '../support/api';
import { ROOT, runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { addClaves, buildNetwork, CLAVES } from '../support/network';
import { startServerProcess } from '../support/server-process';

/**
 * Faults: a process killed with SIGKILL in the middle of an import and of a storm of receipts, then
 * restarted; and hostile or malformed requests, answered without a 5xx, writing nothing, the server up.
 */
let tdb: TestDatabase;
let api: TestApi;
const SECRET = 'faults-test-secret-0123456789abcdef';

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db, { JWT_SECRET: SECRET });
  await buildNetwork(api);
  await addClaves(api);
}, 60_000);
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(20);
  }
}

test('an import killed halfway, run again: every CLUES once, nothing half-written', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kill-import-'));
  const file = path.join(dir, 'clues.csv');
  const N = 6000;
  const header = 'CLUES,CLAVE DE LA INSTITUCION,CLAVE DE LA ENTIDAD,MUNICIPIO,NOMBRE TIPO ESTABLECIMIENTO,NOMBRE DE LA UNIDAD,ESTATUS DE OPERACION,NIVEL ATENCION';
  const rows = Array.from({ length: N }, (_, i) => `OCIMB${String(100000 + i)},IMB,20,OAXACA,DE CONSULTA EXTERNA,CENTRO DE SALUD ${i},EN OPERACION,PRIMER NIVEL`);
  fs.writeFileSync(file, [header, ...rows].join('\n'));
  const count = async () => Number((await tdb.db.query(`SELECT count(*) AS n FROM establishment WHERE clues LIKE 'OCIMB1%'`))[0].n);

  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/import-clues.ts', file], { cwd: ROOT, env: { ...process.env, DATABASE_URL: tdb.url }, stdio: 'ignore' });
  await waitFor(async () => (await count()) > 0);
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const partial = await count();
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(N);
  // Whole batches only: the import commits 500 rows at a time.
  expect(partial % 500).toBe(0);

  const again = await runCli('src/cli/import-clues.ts', [file], tdb.url);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain(`creadas ${N - partial} · actualizadas 0 · sin cambios ${partial}`);
  expect(await count()).toBe(N);
  const [{ histories }] = await tdb.db.query(`
    SELECT count(*)::int AS histories FROM establishment_status_change sc JOIN establishment e ON e.id = sc.establishment_id WHERE e.clues LIKE 'OCIMB1%'`);
  expect(histories).toBe(N);
}, 120_000);

test('a server killed during a storm of receipts: every acknowledged receipt is there, whole; retries apply once', async () => {
  const token = await signToken(SECRET, { sub: 'storm', role: Role.WAREHOUSE, clues: 'GRSSA000010' }, { maxLifetimeSeconds: 3600 });
  const { child, url } = await startServerProcess(tdb.url, SECRET);
  const body = (k: number) =>
    JSON.stringify({
      query: 'mutation($i: StockReceiveInput!) { stockReceive(input: $i) { receipt { id } userErrors { code } } }',
      variables: { i: { idempotencyKey: `storm-${k}`, clues: 'GRSSA000010', lines: [1, 2, 3].map((n) => ({ clave: CLAVES.gasa, lotNumber: `STORM-${n}`, acceptedQuantity: n })) } },
    });
  const acknowledged = new Set<number>();
  const post = (target: string, k: number) =>
    fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body(k) })
      .then(async (r) => {
        const j = (await r.json()) as any;
        if (r.status === 200 && j.data?.stockReceive?.receipt) acknowledged.add(k);
      })
      .catch(() => undefined);
  const K = 400;
  const storm = Array.from({ length: K }, (_, k) => sleep(k * 3).then(() => post(url, k)));
  await waitFor(async () => acknowledged.size >= 20);
  child.kill('SIGKILL');
  await Promise.all(storm);
  expect(acknowledged.size).toBeLessThan(K);

  const keys: string[] = (await tdb.db.query(`SELECT idempotency_key AS k FROM receipt WHERE idempotency_key LIKE 'storm-%'`)).map((r: { k: string }) => r.k);
  for (const k of acknowledged) expect(keys).toContain(`storm-${k}`);
  // No half receipts: each has its three lines and its three movements.
  const [{ broken }] = await tdb.db.query(`
    SELECT count(*)::int AS broken FROM receipt r
     WHERE r.idempotency_key LIKE 'storm-%'
       AND ((SELECT count(*) FROM receipt_line l WHERE l.receipt_id = r.id) <> 3 OR (SELECT count(*) FROM stock_movement m WHERE m.receipt_id = r.id) <> 3)`);
  expect(broken).toBe(0);

  // Restarted, the clients retry everything: what was written is not written again.
  const restarted = await startServerProcess(tdb.url, SECRET);
  try {
    await Promise.all(Array.from({ length: K }, (_, k) => post(restarted.url, k)));
    expect(acknowledged.size).toBe(K);
    const [{ n, pieces }] = await tdb.db.query(`
      SELECT count(*)::int AS n, (SELECT sum(quantity)::int FROM stock_movement WHERE idempotency_key LIKE 'storm-%') AS pieces FROM receipt WHERE idempotency_key LIKE 'storm-%'`);
    expect(n).toBe(K);
    expect(pieces).toBe(K * 6);
    const check = await api.gql(`{ ledgerCheck { mismatches { clues } } }`, {}, await api.token(Role.ADMIN));
    expect(check.data.ledgerCheck.mismatches).toEqual([]);
  } finally {
    restarted.child.kill('SIGTERM');
  }
}, 120_000);

describe('hostile and malformed requests', () => {
  let token: string;
  let writes: () => Promise<number>;
  beforeAll(async () => {
    token = await api.token(Role.ADMIN);
    writes = async () => Number((await tdb.db.query(`SELECT (SELECT count(*) FROM idempotency_key) + (SELECT count(*) FROM stock_movement) + (SELECT count(*) FROM establishment) AS n`))[0].n);
  });

  /** Sends raw bytes, so bodies that are not JSON, or not UTF-8, can be sent as they are. */
  function raw(body: Buffer | string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
    const u = new URL(api.server.url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const doc = (query: string, variables?: unknown) => JSON.stringify({ query, variables });
  const RECEIVE = 'mutation($i: StockReceiveInput!) { stockReceive(input: $i) { userErrors { code } } }';

  const cases: Array<[string, () => Buffer | string]> = [
    ['deep nesting', () => doc(`{ ${'establishments { edges { node { supplyingWarehouse { establishment { '.repeat(60)} clues ${'} } } } } '.repeat(60)} }`)],
    ['deep selection of a scalar', () => doc(`{ me ${'{ role '.repeat(500)}${'}'.repeat(500)} }`)],
    ['alias bomb', () => doc(`{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: states { code }`).join(' ')} }`)],
    ['fragment cycle', () => doc('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }')],
    ['fragment fan-out', () => doc(`query { ...F0 } ${Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { states { code } ${i < 29 ? `...F${i + 1} ...F${i + 1}` : ''} }`).join(' ')}`)],
    ['a 5 MB string', () => doc('query($s: String!) { establishment(clues: $s) { clues } }', { s: 'x'.repeat(5_000_000) })],
    ['a 1 MB name', () => doc(RECEIVE, { i: { idempotencyKey: 'huge-name', clues: 'GRSSA000010', lines: [{ clave: CLAVES.gasa, lotNumber: 'x'.repeat(900_000), acceptedQuantity: 1 }] } })],
    ['100,000 lines', () => doc(RECEIVE, { i: { idempotencyKey: 'many-lines', clues: 'GRSSA000010', lines: Array.from({ length: 100_000 }, () => ({ clave: CLAVES.gasa, lotNumber: 'L', acceptedQuantity: 1 })) } })],
    ['wrong types in variables', () => doc(RECEIVE, { i: { idempotencyKey: 7, clues: ['x'], lines: 'many' } })],
    ['a float where pieces go', () => doc(RECEIVE, { i: { idempotencyKey: 'float', clues: 'GRSSA000010', lines: [{ clave: CLAVES.gasa, lotNumber: 'F', acceptedQuantity: 1.5 }] } })],
    ['a huge integer', () => doc(RECEIVE, { i: { idempotencyKey: 'bigint', clues: 'GRSSA000010', lines: [{ clave: CLAVES.gasa, lotNumber: 'F', acceptedQuantity: 1e30 }] } })],
    ['variables that are not an object', () => JSON.stringify({ query: '{ me { role } }', variables: [1, 2, 3] })],
    ['a query that is not a string', () => JSON.stringify({ query: { evil: true } })],
    ['not JSON', () => '{"query": "{ me { role } }"'],
    ['invalid UTF-8', () => Buffer.concat([Buffer.from('{"query":"{ establishment(clues: \\"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('\\") { clues } }"}')])],
    ['a NUL byte in a string', () => doc('query($s: String!) { establishment(clues: $s) { clues } }', { s: 'GRSSA\u0000000001' })],
    ['syntax garbage', () => doc('{{{{{{ ]]]] mutation !!!')],
    ['an unknown operation name', () => JSON.stringify({ query: 'query A { me { role } }', operationName: 'B' })],
    ['two operations, none named', () => doc('query A { me { role } } query B { me { role } }')],
    ['introspection of everything, nested', () => doc(`{ __schema { types { fields { type { ${'ofType { '.repeat(40)}name${' }'.repeat(40)} } } } } }`)],
    ['a form post', () => 'query=%7B+me+%7B+role+%7D+%7D'],
  ];

  test.each(cases)('%s: a 4xx or GraphQL errors, nothing written, the server up', async (name, make) => {
    const before = await writes();
    const body = make();
    const res = await raw(body, name === 'a form post' ? 'application/x-www-form-urlencoded' : 'application/json');
    expect(res.status).toBeLessThan(500);
    if (res.status === 200) {
      const parsed = JSON.parse(res.text);
      const payload = parsed.data && (Object.values(parsed.data)[0] as { userErrors?: unknown[] } | null);
      expect(Boolean(parsed.errors?.length) || Boolean(payload && payload.userErrors && payload.userErrors.length) || parsed.data?.establishment === null).toBe(true);
    }
    expect(await writes()).toBe(before);
    const health = await fetch(api.server.url.replace(/\/graphql$/, '/healthz'));
    expect(health.status).toBe(200);
  }, 30_000);

  test('a NUL character in a string argument is the caller’s error (INVALID_TEXT), not an internal one', async () => {
    const res = await raw(doc('query($s: String!) { establishment(clues: $s) { clues } }', { s: 'GRSSA\u0000000001' }), 'application/json');
    expect(JSON.parse(res.text).errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['INVALID_TEXT']);
  });
});
