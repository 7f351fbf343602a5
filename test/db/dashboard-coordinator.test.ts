import fs from 'node:fs';
import path from 'node:path';
import { Page } from 'playwright-core';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { signToken } from '../../src/base/auth';
import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { AppBrowser, describeInBrowser, launchApp, SHOTS } from '../support/app-page';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The dashboard as Guerrero's state coordinator uses it (issue 18): every view fits at 1366 and 768 px
 * with nothing cut or scrolled sideways; figures carry their band and distance to the target in words;
 * the month still under way is marked partial; indicator 51 is read for the fiscal year chosen; an
 * expired session leaves no figure behind; Spanish only; the header with "Salir" stays on screen.
 */
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const DOCS_IMG = path.resolve(__dirname, '../../docs/img');
const TODAY = businessDay();
const YEAR = Number(TODAY.slice(0, 4));
const STATE = '12';
/** Enum values and role names of the API that must never reach the screen. */
const ENGLISH = /\b(FIXED|MOBILE|STATE_COORDINATOR|PHARMACY|WAREHOUSE|CENTRAL|ADMIN|AUDITOR|IN_OPERATION|RATIFIED|STOCKED_OUT|UNDERSTOCKED)\b/;

let tdb: TestDatabase;
let api: TestApi;
let ab: AppBrowser;
let page: Page;
let base: string;
let coordinator: string;
/** The units counted by indicator 51 in Guerrero today, and the three whose next year's CPM the test ratifies. */
let units: string[] = [];
let ratifiedNextYear: string[] = [];

const es1 = (n: number) => n.toLocaleString('es-MX', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const pts = (n: number) => `${n > 0 ? '+' : n < 0 ? '−' : ''}${es1(Math.abs(n))} pts`;
/** The bands by hand: at or past the target "En meta"; short by ≤ 10 points "Cerca"; ≤ 25 "Lejos"; beyond "Muy lejos". */
function bandOf(value: number, target: number, lowerIsBetter = false): string {
  const short = Math.round((lowerIsBetter ? value - target : target - value) * 10) / 10;
  return short <= 0 ? 'En meta' : short <= 10 ? 'Cerca' : short <= 25 ? 'Lejos' : 'Muy lejos';
}

function lastDayOfMonth(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.getUTCDate() === 1;
}

async function signIn(token: string): Promise<void> {
  await page.goto(`${base}/dashboard/`);
  await page.focus('#token');
  await page.keyboard.insertText(token);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#states table', { timeout: 30_000 });
}

/** What overflows: the page sideways, and any table wider than its box (or a box that must scroll). */
async function overflow(): Promise<{ page: number; tables: string[] }> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const tables: string[] = [];
    for (const t of doc.querySelectorAll('table')) {
      if (!t.offsetParent) continue; // closed or hidden
      const box = t.parentElement;
      if (t.getBoundingClientRect().width > box.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1) {
        tables.push(`${t.getAttribute('data-table') ?? t.querySelector('caption')?.textContent?.slice(0, 40)}: ${Math.round(t.getBoundingClientRect().width)} > ${box.clientWidth}`);
      }
    }
    return { page: doc.documentElement.scrollWidth - doc.documentElement.clientWidth, tables };
  });
}

/** The check of every view: at both widths no overflow, a screenshot; then no serious or critical axe violation. */
async function checkDashboard(name: string, more?: (width: number) => Promise<void>): Promise<void> {
  for (const width of [1366, 768]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(100);
    expect({ name, width, ...(await overflow()) }).toEqual({ name, width, page: 0, tables: [] });
    await more?.(width);
    await page.screenshot({ path: path.join(SHOTS, `dashboard-${name}-${width}.png`), fullPage: true });
  }
  if (!String(await page.evaluate('typeof window.axe')).includes('object')) await page.evaluate(AXE);
  const axe: { violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> } = await page.evaluate(
    'axe.run(document).then(r => ({ violations: r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => ({ target: n.target })) })) }))',
  );
  expect({ name, violations: axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') }).toEqual({ name, violations: [] });
  await page.setViewportSize({ width: 1366, height: 900 });
}

async function visibleText(): Promise<string> {
  return page.evaluate(() => (globalThis as any).document.body.innerText as string);
}

describeInBrowser('the dashboard of a state coordinator', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await loadDemoDataIfEmpty(tdb.db);
    api = await startTestApi(tdb.db);
    base = api.server.url.replace(/\/graphql$/, '');
    fs.mkdirSync(DOCS_IMG, { recursive: true });
    coordinator = await api.token(Role.STATE_COORDINATOR, { state: STATE, sub: 'coordinacion.guerrero' });
    // The units indicator 51 counts in Guerrero today (one row each), and next year's CPM ratified at three of them.
    const r = await api.gql(
      `query($f: IndicatorFilter) { indicator(code: CPM_RATIFICATION, filter: $f, groupBy: [ESTABLISHMENT]) { rows { establishment { clues } numerator } } }`,
      { f: { stateCodes: [STATE] } },
      coordinator,
    );
    units = r.data.indicator.rows.map((x: any) => x.establishment.clues).sort();
    expect(units.length).toBeGreaterThan(10);
    const central = await api.token(Role.CENTRAL);
    // Three that ratified this year's (so they have a calculated CPM to propose from).
    const rows = r.data.indicator.rows as Array<{ establishment: { clues: string }; numerator: number }>;
    ratifiedNextYear = rows.filter((x) => x.numerator === 1).map((x) => x.establishment.clues).sort().slice(0, 3);
    expect(ratifiedNextYear).toHaveLength(3);
    for (const clues of ratifiedNextYear) {
      await api.mutate(central, 'cpmSubmissionPropose', 'CpmSubmissionKeyInput', { clues, year: YEAR + 1 });
      await api.mutate(central, 'cpmSubmissionRatify', 'CpmSubmissionKeyInput', { clues, year: YEAR + 1 });
    }
    ab = await launchApp();
    page = ab.page;
    await page.setViewportSize({ width: 1366, height: 900 });
  }, 180_000);
  afterAll(async () => {
    await ab?.browser.close();
    await api?.stop();
    await tdb?.drop();
  });

  test('overview: the header in Spanish, bands with their distance, nothing wider than the screen', async () => {
    await signIn(coordinator);
    expect(await page.textContent('#who')).toBe('coordinacion.guerrero · Coordinación estatal · Guerrero');
    expect(await page.inputValue('#state')).toBe(STATE);

    // The bands' legend, and each card's band and distance from the API's numerator and denominator, by hand.
    const legend = await page.textContent('#legend');
    expect(legend).toContain(`Cerca a ${es1(10)} pts o menos`);
    expect(legend).toContain(`Muy lejos a más de ${es1(25)} pts`);
    expect(legend).toMatch(/En meta.*Lejos.*parcial/);
    const f = { asOf: TODAY, to: TODAY, stateCodes: [STATE] };
    for (const [code, target, lower] of [['SAI_ROLLOUT', 60, false], ['CPM_RATIFICATION', 100, false], ['PIECES_ISSUED_DELIVERED', 100, true]] as const) {
      const r = await api.gql(`query($f: IndicatorFilter) { indicator(code: ${code}, filter: $f) { total { numerator denominator } } }`, { f }, coordinator);
      const { numerator, denominator } = r.data.indicator.total;
      expect(denominator).toBeGreaterThan(0);
      const value = (numerator / denominator) * 100;
      const card = page.locator(`[data-indicator="${code}"]`);
      expect(await card.locator('.value').textContent()).toBe(`${es1(value)} %`);
      const band = bandOf(value, target, lower);
      expect(await card.locator('.band .band-label').textContent()).toBe(band);
      if (band !== 'En meta') expect(await card.locator('.band .gap').textContent()).toBe(` ${pts(value - target)}`);
      expect(await card.getAttribute('class')).toContain({ 'En meta': 'b-met', Cerca: 'b-near', Lejos: 'b-far', 'Muy lejos': 'b-off' }[band]);
    }
    // 52 in Guerrero's row of the state table: the value, its band in words, numerator / denominator in the cell.
    const sai = await api.gql(`query($f: IndicatorFilter) { indicator(code: SAI_ROLLOUT, filter: $f, groupBy: [STATE]) { rows { state { code } numerator denominator } } }`, { f: { asOf: TODAY } }, coordinator);
    const row = sai.data.indicator.rows.find((x: any) => x.state.code === STATE);
    const cell = page.locator(`#states tr[data-state="${STATE}"] td[data-col="SAI_ROLLOUT"]`);
    const v = (row.numerator / row.denominator) * 100;
    expect(await cell.locator('.v').textContent()).toBe(`${es1(v)} %`);
    expect(await cell.locator('.band-label').textContent()).toBe(bandOf(v, 60));
    expect(await cell.locator('.nd').textContent()).toBe(`${row.numerator.toLocaleString('es-MX')} / ${row.denominator.toLocaleString('es-MX')}`);
    expect(await cell.getAttribute('title')).toBeNull();

    // The picture in the README: what a coordinator sees on signing in.
    await page.evaluate(() => (globalThis as any).window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(DOCS_IMG, 'dashboard-coordinador.png'), fullPage: false });

    // Spanish only, formulas included.
    for (const d of await page.locator('#cards details').all()) await d.locator('summary').click();
    expect(await visibleText()).not.toMatch(ENGLISH);
    expect(await page.textContent('[data-indicator="CPM_RATIFICATION"] details')).toContain('fijas o móviles');

    await checkDashboard('overview');
    expect(ab.problems).toEqual([]);
  }, 120_000);

  test('the month under way is marked partial, in the chart and in its data table', async () => {
    const month = TODAY.slice(0, 7);
    const partial = !lastDayOfMonth(TODAY);
    for (const code of ['QUANTITY_FILL_RATE', 'SAI_ROLLOUT']) {
      const chart = page.locator(`[data-chart="${code}"]`);
      await chart.locator('summary').click();
      const rows = chart.locator('tbody tr');
      expect(await rows.count()).toBe(12);
      const current = chart.locator(`tbody tr[data-month="${month}"]`);
      expect(await current.locator('.band.partial').count()).toBe(partial ? 2 : 0); // beside the month and in the value
      expect(await chart.locator('tbody .band.partial').count()).toBe(partial ? 2 : 0); // and nowhere else
      // A partial month takes no band: it is not judged against the target.
      if (partial) expect(await current.locator('.band-label').count()).toBe(0);
      expect(await chart.locator('canvas').getAttribute('aria-label')).toMatch(partial ? /es parcial/ : /último mes cerrado/);
    }
    await checkDashboard('charts');
  }, 60_000);

  test('indicator 51 is read for the fiscal year chosen', async () => {
    const options = await page.locator('#fiscal-year option').evaluateAll((os) => os.map((o: any) => o.value));
    expect(options).toEqual([String(YEAR + 1), String(YEAR)]);
    expect(await page.inputValue('#fiscal-year')).toBe(String(YEAR));
    const card = page.locator('[data-indicator="CPM_RATIFICATION"]');
    const before = await card.locator('.value').textContent();
    await page.selectOption('#fiscal-year', String(YEAR + 1));
    // The cards paint first and the state table after: wait for the status line, written when both are done.
    const refreshed = (y: number) => page.waitForFunction((y) => (globalThis as any).document.getElementById('status')?.textContent?.endsWith(`ejercicio ${y}`), y);
    await refreshed(YEAR + 1);
    expect(await card.locator('.fiscal').textContent()).toBe(`Ejercicio ${YEAR + 1}`);
    // By hand: three of Guerrero's network units ratified next year's CPM.
    const value = (3 / units.length) * 100;
    expect(await card.locator('.value').textContent()).toBe(`${es1(value)} %`);
    expect(await card.textContent()).toContain(`3 / ${units.length}`);
    expect(`${es1(value)} %`).not.toBe(before);
    expect(await card.locator('.band-label').textContent()).toBe('Muy lejos');
    expect(await card.locator('.gap').textContent()).toBe(` ${pts(value - 100)}`);
    const stateCell = page.locator(`#states tr[data-state="${STATE}"] td[data-col="CPM_RATIFICATION"] .nd`);
    expect(await stateCell.textContent()).toBe(`3 / ${units.length}`);
    await page.selectOption('#fiscal-year', String(YEAR));
    await refreshed(YEAR);
    expect(await card.locator('.value').textContent()).toBe(before);
  }, 60_000);

  test('Rutas de la Salud: this month\'s round route by route, with the claves shared out', async () => {
    await page.waitForSelector('#round tr[data-route="GRO-CENTRO"]');
    const cells = async (route: string) => page.locator(`#round tr[data-route="${route}"] td`).allTextContents();
    // demo: GRO-CENTRO 5 centres, 11 kits, dispatched, 3 received; GRO-NORTE 4 centres, 8 kits, at the warehouse
    expect(await cells('GRO-CENTRO')).toEqual(['Birmex', '3', 'GRSSA019419', '5', '11', '5', '3', `${es1(60)} %`]);
    expect(await cells('GRO-NORTE')).toEqual(['Correos de México', '4', 'GRSSA019419', '4', '8', '0', '0', `${es1(0)} %`]);
    expect(await page.textContent('#round')).toContain('Claves que el almacén no cubrió completas');
    await checkDashboard('round');
  }, 60_000);

  test('a drill-down into the state and one CLUES: the stock button on screen at both widths', async () => {
    await page.focus(`tr[data-state="${STATE}"] th button`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#drill-table table', { timeout: 30_000 });
    expect(await page.locator('#drill-table tbody tr').count()).toBeGreaterThanOrEqual(units.length);
    const clues = 'GRSSA015854';
    await checkDashboard('state-12', async () => {
      const button = page.locator(`#drill-table tr[data-clues="${clues}"] button`);
      await button.scrollIntoViewIfNeeded();
      const box = (await button.boundingBox())!;
      const width = page.viewportSize()!.width;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      expect(await button.isVisible()).toBe(true);
    });
    await page.focus(`#drill-table tr[data-clues="${clues}"] button`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-table="expiring"]', { timeout: 30_000 });
    await checkDashboard('clues');
    expect(await visibleText()).not.toMatch(ENGLISH);
    expect(ab.problems).toEqual([]);
  }, 90_000);

  test('the header with "Salir" stays on screen, and does not cover what takes focus', async () => {
    for (const width of [1366, 768]) {
      await page.setViewportSize({ width, height: 900 });
      await page.evaluate(() => (globalThis as any).window.scrollTo(0, (globalThis as any).document.body.scrollHeight));
      await page.waitForTimeout(50);
      expect(await page.evaluate(() => (globalThis as any).window.scrollY)).toBeGreaterThan(1000);
      const out = (await page.locator('#signout').boundingBox())!;
      expect(out.y).toBeGreaterThanOrEqual(0);
      expect(out.y + out.height).toBeLessThanOrEqual(900);
      expect(await page.locator('#signout').isVisible()).toBe(true);
      // Focus moved to a control far above: it lands below the header, not under it.
      await page.focus('#asof');
      const header = (await page.locator('header.top').boundingBox())!;
      const field = (await page.locator('#asof').boundingBox())!;
      expect(field.y).toBeGreaterThanOrEqual(header.y + header.height);
      await page.screenshot({ path: path.join(SHOTS, `dashboard-sticky-${width}.png`) });
    }
    await page.setViewportSize({ width: 1366, height: 900 });
  }, 60_000);

  test('a 401 returns to sign-in with no figure left on screen', async () => {
    // The session's token is no longer accepted (here: replaced by one the server refuses); the next request answers 401.
    await page.evaluate(() => (globalThis as any).sessionStorage.setItem('abasto.token', 'caducado.no.valido'));
    await page.click('#filters button[type=submit]');
    await page.waitForSelector('#signin:not([hidden])');
    expect(await page.textContent('#signin-error')).toMatch(/^Su sesión venció/);
    await expectNoFigures();
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-expired-1366.png') });
    ab.problems.length = 0; // the browser logs the 401 it was meant to get
  }, 60_000);

  test('a token whose exp passes returns to sign-in by itself', async () => {
    const short = await signToken(api.config.auth.secret!, { sub: 'coordinacion.guerrero', role: Role.STATE_COORDINATOR, state: STATE }, { lifetimeSeconds: 10, maxLifetimeSeconds: api.config.auth.maxLifetimeSeconds });
    await page.goto(`${base}/dashboard/`);
    await page.fill('#token', short);
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#cards [data-value]', { timeout: 10_000 });
    expect(await page.locator('#cards [data-value]').count()).toBe(8);
    await page.waitForSelector('#signin:not([hidden])', { timeout: 15_000 });
    expect(await page.textContent('#signin-error')).toMatch(/^Su sesión venció/);
    await expectNoFigures();
    ab.problems.length = 0;
  }, 60_000);
});

async function expectNoFigures(): Promise<void> {
  expect(await page.isHidden('#app')).toBe(true);
  expect(await page.locator('[data-value], canvas, table, .band').count()).toBe(0);
  expect(await page.textContent('#who')).toBe('');
  expect(await page.isHidden('#signout')).toBe(true);
  expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('abasto.token'))).toBeNull();
  expect(await visibleText()).not.toMatch(/\d %/);
}
