import fs from 'node:fs';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core (no browser download),
 * on a tablet-sized screen, signing in and drilling down with the keyboard, on the demo network.
 * Screenshots go to test-output/screenshots (git-ignored).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-output/screenshots');
const available = fs.existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package (apt-get install chromium)`);
if (!available) console.warn(`dashboard browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
const describeIf = available ? describe : describe.skip;

let tdb: TestDatabase;
let api: TestApi;
let browser: Browser;
let page: Page;
let base: string;
const problems: string[] = [];
const TODAY = businessDay();

function monthsBack(day: string, n: number): string {
  const [y, m] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 - n, 1)).toISOString().slice(0, 10);
}

describeIf('dashboard', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await loadDemoDataIfEmpty(tdb.db);
    api = await startTestApi(tdb.db);
    base = api.server.url.replace(/\/graphql$/, '');
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    // A tablet held upright.
    page = await browser.newPage({ viewport: { width: 820, height: 1180 }, isMobile: true, hasTouch: true, locale: 'es-MX', timezoneId: 'America/Mexico_City' });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await tdb?.drop();
  });

  test('a bad token is refused with a message', async () => {
    await page.goto(`${base}/dashboard`);
    await page.fill('#token', 'not-a-token');
    await page.click('#signin-form button[type=submit]');
    await page.waitForFunction("document.getElementById('signin-error').textContent !== ''");
    expect(await page.textContent('#signin-error')).toMatch(/no es válido/);
    problems.length = 0; // the browser logs the 401 it was meant to get
  });

  test('signs in with the keyboard; the cards show what the API says', async () => {
    const token = await api.token(Role.CENTRAL);
    await page.goto(`${base}/dashboard/`);
    await page.focus('#token');
    await page.keyboard.insertText(token);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#states table', { timeout: 30_000 });

    const f = { asOf: TODAY, to: TODAY, from: monthsBack(TODAY, 11) };
    for (const code of ['SAI_ROLLOUT', 'PIECES_ISSUED_DELIVERED', 'CPM_RATIFICATION', 'QUANTITY_FILL_RATE']) {
      const r = await api.gql(`query($f: IndicatorFilter) { indicator(code: ${code}, filter: $f) { total { numerator denominator value } } }`, { f }, token);
      const total = r.data.indicator.total;
      expect(total.denominator).toBeGreaterThan(0);
      const card = page.locator(`[data-indicator="${code}"]`);
      expect(Number(await card.locator('.value').getAttribute('data-value'))).toBe(total.value);
      expect(await card.textContent()).toContain(`${total.numerator.toLocaleString('es-MX')} / ${total.denominator.toLocaleString('es-MX')}`);
    }
    // Twelve months in each chart's data table; nothing wider than the screen.
    expect(await page.locator('[data-chart="QUANTITY_FILL_RATE"] tbody tr').count()).toBe(12);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(820);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-cards.png'), fullPage: true });
  }, 60_000);

  test('drills into a state, then into one CLUES', async () => {
    const token = await api.token(Role.CENTRAL);
    // Keyboard: focus the state's button and press Enter; the heading of the drill-down takes focus.
    await page.focus('tr[data-state="12"] th button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#drill-table table', { timeout: 30_000 });
    expect(await page.evaluate('document.activeElement.id')).toBe('drill-title');
    expect(await page.textContent('#drill-title')).toBe('Unidades de Guerrero');

    const f = { asOf: TODAY, to: TODAY, from: monthsBack(TODAY, 11), stateCodes: ['12'] };
    const r = await api.gql(`query($f: IndicatorFilter) { indicator(code: SAI_ROLLOUT, filter: $f, groupBy: [ESTABLISHMENT]) { rows { establishment { clues } value } } }`, { f }, token);
    const rows = r.data.indicator.rows as Array<{ establishment: { clues: string }; value: number }>;
    expect(rows.length).toBeGreaterThan(10);
    expect(await page.locator('#drill-table tbody tr').count()).toBeGreaterThanOrEqual(rows.length);
    const hospital = rows.find((x) => x.establishment.clues === 'GRSSA015854')!;
    const cells = await page.locator('#drill-table tr[data-clues="GRSSA015854"] td.num .v').allTextContents();
    // 52 for one unit is yes or no, in words.
    expect(cells[1]).toBe(hospital.value === 100 ? 'Sí' : 'No');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-state-12.png'), fullPage: true });

    await page.focus('#drill-table tr[data-clues="GRSSA015854"] button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-table="expiring"]', { timeout: 30_000 });
    const s = await api.gql(
      `{ stockLevels(clues: "GRSSA015854", first: 100, filter: { statuses: [STOCKED_OUT, UNDERSTOCKED] }) { edges { node { clave cpm } } } }`,
      {},
      token,
    );
    const shortages = s.data.stockLevels.edges.filter((e: any) => e.node.cpm !== null).map((e: any) => e.node.clave).sort();
    expect(shortages.length).toBeGreaterThan(0);
    expect((await page.locator('[data-table="shortages"] tbody th').allTextContents()).sort()).toEqual(shortages);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-clues.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);
  test('a unit’s pharmacy sees every state’s aggregates, and drills into none (units stay in their own scope)', async () => {
    await page.click('#signout');
    await page.waitForSelector('#signin-form');
    const token = await api.token(Role.PHARMACY, { clues: 'GRSSA015854' });
    await page.fill('#token', token);
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#states table', { timeout: 30_000 });
    expect(await page.locator('#states tbody tr').count()).toBeGreaterThan(1);
    expect(await page.locator('#states tbody th button').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);
});
