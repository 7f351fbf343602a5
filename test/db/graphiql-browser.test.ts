import fs from 'node:fs';
import { Browser, chromium } from 'playwright-core';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The GraphQL IDE a developer opens at /graphql: GraphiQL served from node_modules, so it works on a
 * hospital network with no internet — every request the page makes stays on this server — and runs
 * a query with the token typed in its token field.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package (apt-get install chromium)`);
const describeIf = available ? describe : describe.skip;

let tdb: TestDatabase;
let api: TestApi;
let browser: Browser;

describeIf('GraphiQL at /graphql', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    api = await startTestApi(tdb.db);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await tdb?.drop();
  });

  test('opens from the server alone, loads the schema and runs a query with the token field', async () => {
    const origin = new URL(api.server.url).origin;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'es-MX' });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.status()} ${r.url()}`));

    await page.goto(api.server.url); // /graphql, as a browser asks for it
    expect(new URL(page.url()).pathname).toBe('/graphiql/');
    await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
    await page.fill('#token', await api.token(Role.AUDITOR));
    await page.dispatchEvent('#token', 'change');
    // locators, not page functions: the page's CSP forbids evaluating strings (script-src 'self')
    await page.locator('#who', { hasText: 'sesión: AUDITOR' }).waitFor({ timeout: 10_000 });
    await page.click('.graphiql-execute-button');
    await page.locator('.result-window', { hasText: '"AUDITOR"' }).waitFor({ timeout: 10_000 });
    // the schema was introspected: the documentation explorer lists the root types
    await page.click('[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer >> text=Query', { timeout: 10_000 });

    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  }, 60_000);

  test('the page may only talk to its own server (Content-Security-Policy)', async () => {
    const res = await fetch(`${new URL(api.server.url).origin}/graphiql/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
  });
});
