import { getIntrospectionQuery } from 'graphql';
import { parseConfig } from '../../src/config';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

let tdb: TestDatabase;
let api: TestApi;
let token: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
  token = await api.token(Role.AUDITOR);
});
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0].extensions?.code;

test('depth beyond 12 is refused', async () => {
  let selection = 'name';
  for (let i = 0; i < 6; i++) selection = `supplyingWarehouse { establishment { ${selection} } }`;
  const r = await api.gql(`{ establishments(first: 1) { edges { node { ${selection} } } } }`, {}, token);
  expect(codeOf(r)).toBe('QUERY_TOO_DEEP');
  expect(r.status).toBe(400);
});

test("the introspection query of GraphiQL and other clients is within the depth limit (ofType nests without adding depth)", async () => {
  const r = await api.gql(getIntrospectionQuery({ inputValueDeprecation: true, descriptions: true, specifiedByUrl: true }), {}, token);
  expect(r.errors).toBeUndefined();
  expect(r.data.__schema.queryType.name).toBe('Query');
});

test('more than 30 aliases are refused', async () => {
  const fields = Array.from({ length: 31 }, (_, i) => `s${i}: states { code }`).join(' ');
  expect(codeOf(await api.gql(`{ ${fields} }`, {}, token))).toBe('TOO_MANY_ALIASES');
  const ok = Array.from({ length: 30 }, (_, i) => `s${i}: me { role }`).join(' ');
  expect((await api.gql(`{ ${ok} }`, {}, token)).errors).toBeUndefined();
});

test('a query whose pages multiply past the cost limit is refused, with its cost', async () => {
  const query = `query($n: Int) { establishments(first: 100) { edges { node { supplyingWarehouse { served(first: $n) { edges { node { clues name } } } } } } } }`;
  const r = await api.gql(query, { n: 100 }, token);
  expect(codeOf(r)).toBe('QUERY_TOO_COSTLY');
  const cost = (r.errors![0].extensions as { cost: number }).cost;
  expect(cost).toBeGreaterThan(25000);
  // The cost is remembered per document and variables: the same request is refused again with the
  // same cost, and the same document with a small page runs.
  expect((await api.gql(query, { n: 100 }, token)).errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', cost });
  expect((await api.gql(query, { n: 2 }, token)).errors).toBeUndefined();
  expect(codeOf(await api.gql(query, { n: 100 }, token))).toBe('QUERY_TOO_COSTLY');
});

test('fragment cycles are invalid documents', async () => {
  const r = await api.gql(`{ states { ...A } } fragment A on State { code ...B } fragment B on State { name ...A }`, {}, token);
  expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
});

test('a body over the size limit gets 413', async () => {
  const res = await fetch(api.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: `{ states { code } }`, variables: { pad: 'x'.repeat(1_100_000) } }),
  });
  expect(res.status).toBe(413);
  expect(((await res.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
});

test('CSRF prevention: simple cross-site requests are refused', async () => {
  const plain = await fetch(api.server.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ states { code } }"}' });
  expect(plain.status).toBe(400);
  const get = await fetch(`${api.server.url}?query=${encodeURIComponent('{ states { code } }')}`, { headers: { authorization: `Bearer ${token}` } });
  expect(get.status).toBe(400);
  const preflighted = await fetch(`${api.server.url}?query=${encodeURIComponent('{ states { code } }')}`, {
    headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
  });
  expect(preflighted.status).toBe(200);
});

test('health and readiness', async () => {
  const base = api.server.url.replace('/graphql', '');
  expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
  const ready = await fetch(`${base}/readyz`);
  expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
});

describe('production', () => {
  test('refuses to start without a JWT secret or JWKS URL', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET or JWKS_URL/);
  });

  test('introspection and field suggestions are off', async () => {
    const prod = await startTestApi(tdb.db, { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-for-tests' });
    try {
      const t = await prod.token(Role.AUDITOR);
      expect(codeOf(await prod.gql('{ __schema { types { name } } }', {}, t))).toBe('GRAPHQL_VALIDATION_FAILED');
      const typo = await prod.gql('{ statez { code } }', {}, t);
      expect(typo.errors![0].message).not.toMatch(/Did you mean/);
      const dev = await api.gql('{ statez { code } }', {}, token);
      expect(dev.errors![0].message).toMatch(/Did you mean "states"/);
    } finally {
      await prod.stop();
    }
  });
});
