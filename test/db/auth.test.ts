import { SignJWT } from 'jose';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';
import { buildNetwork } from '../support/network';

let tdb: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
  await buildNetwork(api);
});
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

const READ = `query($clues: String!) { establishment(clues: $clues) { clues name } }`;
const WRITE = `mutation($clues: String!) { establishmentUpsert(input: { clues: $clues, operating: true }) { establishment { clues } userErrors { code } } }`;
const CATALOG_WRITE = `mutation { supplyItemUpsert(input: { clave: "010.000.0104.00", description: "Paracetamol 500 mg", kind: MEDICINE }) { supplyItem { clave } userErrors { code } } }`;

type Outcome = 'ok' | 'FORBIDDEN' | 'UNAUTHENTICATED';

async function outcome(query: string, variables: Record<string, unknown>, token: string | null): Promise<Outcome> {
  const r = await api.gql(query, variables, token);
  if (r.errors) return r.errors[0].extensions!.code as Outcome;
  const payload = Object.values(r.data)[0] as { userErrors?: unknown[] } | null;
  expect(payload?.userErrors ?? []).toEqual([]);
  return 'ok';
}

/**
 * Each role × a read and a write inside and outside its scope. Inside = Guerrero (GRSSA000001, the
 * pharmacy's own unit; GRSSA000010, the warehouse's own CLUES); outside = Oaxaca. The registry and
 * catalogue are readable by every authenticated caller (SPEC §6), so reads succeed outside too.
 */
const MATRIX: Array<[string, Role, { clues?: string; state?: string }, Record<string, Outcome>]> = [
  ['ADMIN', Role.ADMIN, {}, { readIn: 'ok', readOut: 'ok', writeIn: 'ok', writeOut: 'ok', catalog: 'ok' }],
  ['CENTRAL', Role.CENTRAL, {}, { readIn: 'ok', readOut: 'ok', writeIn: 'ok', writeOut: 'ok', catalog: 'ok' }],
  ['STATE_COORDINATOR of Guerrero', Role.STATE_COORDINATOR, { state: '12' }, { readIn: 'ok', readOut: 'ok', writeIn: 'ok', writeOut: 'FORBIDDEN', catalog: 'FORBIDDEN' }],
  ['WAREHOUSE GRSSA000010', Role.WAREHOUSE, { clues: 'GRSSA000010' }, { readIn: 'ok', readOut: 'ok', writeIn: 'FORBIDDEN', writeOut: 'FORBIDDEN', catalog: 'FORBIDDEN' }],
  ['PHARMACY GRSSA000001', Role.PHARMACY, { clues: 'GRSSA000001' }, { readIn: 'ok', readOut: 'ok', writeIn: 'FORBIDDEN', writeOut: 'FORBIDDEN', catalog: 'FORBIDDEN' }],
  ['AUDITOR', Role.AUDITOR, {}, { readIn: 'ok', readOut: 'ok', writeIn: 'FORBIDDEN', writeOut: 'FORBIDDEN', catalog: 'FORBIDDEN' }],
];

describe.each(MATRIX)('%s', (_name, role, scope, expected) => {
  test('reads and writes inside and outside its scope', async () => {
    const token = await api.token(role, scope);
    const inClues = scope.clues ?? 'GRSSA000001';
    const actual = {
      readIn: await outcome(READ, { clues: inClues }, token),
      readOut: await outcome(READ, { clues: 'OCSSA000001' }, token),
      writeIn: await outcome(WRITE, { clues: inClues }, token),
      writeOut: await outcome(WRITE, { clues: 'OCSSA000001' }, token),
      catalog: await outcome(CATALOG_WRITE, {}, token),
    };
    expect(actual).toEqual(expected);
  });
});

test('FORBIDDEN does not reveal whether the CLUES exists', async () => {
  const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  const existing = await api.gql(WRITE, { clues: 'OCSSA000001' }, coordinator);
  const missing = await api.gql(WRITE, { clues: 'OCSSA999999' }, coordinator);
  expect(existing.errors).toEqual(missing.errors);
  expect(existing.errors![0].extensions!.code).toBe('FORBIDDEN');
});

test('a state coordinator cannot register a central warehouse', async () => {
  const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  const r = await api.gql(`mutation { warehouseUpsert(input: { clues: "GRSSA000002", tier: CENTRAL }) { warehouse { clues } userErrors { code field } } }`, {}, coordinator);
  expect(r.data.warehouseUpsert).toEqual({ warehouse: null, userErrors: [{ code: 'INVALID_VALUE', field: ['input', 'tier'] }] });
  expect(await tdb.db.query(`SELECT count(*)::int AS n FROM warehouse`)).toEqual([{ n: 2 }]);
});

test('me tells the role and scope', async () => {
  const pharmacy = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  const r = await api.gql('{ me { role national canWrite clues state { code } establishment { name } } }', {}, pharmacy);
  expect(r.data.me).toEqual({ role: 'PHARMACY', national: false, canWrite: true, clues: 'GRSSA000001', state: null, establishment: { name: 'Centro de Salud Tixtla' } });
  const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  const c = await api.gql('{ me { role national state { name } establishment { name } } }', {}, coordinator);
  expect(c.data.me).toEqual({ role: 'STATE_COORDINATOR', national: false, state: { name: 'Guerrero' }, establishment: null });
});

describe('authentication', () => {
  test('no token: UNAUTHENTICATED on reads and writes', async () => {
    expect(await outcome(READ, { clues: 'GRSSA000001' }, null)).toBe('UNAUTHENTICATED');
    expect(await outcome(WRITE, { clues: 'GRSSA000001' }, null)).toBe('UNAUTHENTICATED');
    expect(await outcome('{ me { role } }', {}, null)).toBe('UNAUTHENTICATED');
  });

  test('bad, expired, wrongly signed or scope-less tokens: 401 UNAUTHENTICATED', async () => {
    const secret = new TextEncoder().encode(api.config.auth.secret);
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      'not-a-jwt',
      await new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime(now - 60).sign(secret),
      await new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(new TextEncoder().encode('another-secret-of-enough-length')),
      await new SignJWT({ role: 'PHARMACY' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(secret),
      await new SignJWT({ role: 'STATE_COORDINATOR', state: '99' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(secret),
      await new SignJWT({ role: 'KING' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(secret),
    ];
    for (const token of tokens) {
      const r = await api.gql('{ states { code } }', {}, token);
      expect([r.status, r.errors?.[0].extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect(r.data).toBeUndefined();
    }
  });
});

describe('verified tokens remembered', () => {
  test('a token that verified is accepted again without a new check, but never past its exp', async () => {
    const secret = new TextEncoder().encode(api.config.auth.secret);
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ role: 'AUDITOR' }).setProtectedHeader({ alg: 'HS256' }).setSubject('brief').setIssuedAt().setExpirationTime(exp).sign(secret);
    expect((await api.gql('{ me { role } }', {}, token)).data.me.role).toBe('AUDITOR');
    expect((await api.gql('{ me { role } }', {}, token)).data.me.role).toBe('AUDITOR');
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 1100));
    const late = await api.gql('{ me { role } }', {}, token);
    expect([late.status, late.errors?.[0].extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});

describe('OIDC provider (JWKS)', () => {
  test('RS256 tokens verified against the provider’s JWKS; the development HS256 secret is then refused', async () => {
    const { generateKeyPair, exportJWK } = await import('jose');
    const http = await import('node:http');
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const provider = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    const port = (provider.address() as { port: number }).port;
    const oidc = await startTestApi(tdb.db, { JWKS_URL: `http://127.0.0.1:${port}/jwks`, JWT_ISSUER: 'https://idp.example' });
    try {
      const good = await new SignJWT({ role: 'CENTRAL' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('ana@imss-bienestar').setIssuer('https://idp.example').setExpirationTime('5m').sign(privateKey);
      const r = await oidc.gql('{ me { subject role } }', {}, good);
      expect(r.data.me).toEqual({ subject: 'ana@imss-bienestar', role: 'CENTRAL' });
      const wrongIssuer = await new SignJWT({ role: 'CENTRAL' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('x').setIssuer('https://evil.example').sign(privateKey);
      expect((await oidc.gql('{ me { role } }', {}, wrongIssuer)).status).toBe(401);
      const hs = await api.token(Role.ADMIN);
      expect((await oidc.gql('{ me { role } }', {}, hs)).status).toBe(401);
    } finally {
      await oidc.stop();
      provider.closeAllConnections();
      provider.close();
    }
  });
});
