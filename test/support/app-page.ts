import fs from 'node:fs';
import path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

/**
 * What every browser test of the counter app (/app) shares: Debian's Chromium through playwright-core
 * (never a downloaded browser), signing in with a token typed at the keyboard, moving between views, and
 * the check each view must pass — no horizontal scrolling at 1366 and 768 px, no serious or critical
 * axe-core violation, a screenshot in test-output/screenshots/app-NAME-WIDTH.png.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = path.resolve(__dirname, '../../test-output/screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const chromiumAvailable = fs.existsSync(CHROMIUM);
if (!chromiumAvailable && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package (apt-get install chromium)`);
/** `describe` where Chromium is installed; elsewhere the file is skipped with a warning saying how to install it. */
export function describeInBrowser(name: string, fn: () => void): void {
  if (!chromiumAvailable) {
    console.warn(`${name}: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    return describe.skip(name, fn);
  }
  return describe(name, fn);
}

export interface AppBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** page errors and console errors seen so far; a test expects it empty */
  problems: string[];
}

export async function launchApp(): Promise<AppBrowser> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1366, height: 1000 }, locale: 'es-MX', timezoneId: 'America/Mexico_City' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  return { browser, context, page, problems };
}

/** Signs in at BASE/app/ with the keyboard alone: the token typed, Tab to the button, Enter. */
export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/app/`);
  await page.focus('#token');
  await page.keyboard.insertText(token);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#whoami');
}

/** Opens a view from the navigation bar. */
export async function go(page: Page, view: string): Promise<void> {
  await page.click(`nav a[data-view="${view}"]`);
  await page.waitForFunction((v) => (globalThis as any).location.hash === `#/${v}`, view);
}

/** No horizontal scrolling at either width, no serious or critical axe violation, a screenshot at each. */
export async function checkView(page: Page, name: string): Promise<void> {
  for (const width of [1366, 768]) {
    await page.setViewportSize({ width, height: 1000 });
    await page.waitForTimeout(50);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect({ name, width, overflow }).toEqual({ name, width, overflow: 0 });
    await page.screenshot({ path: path.join(SHOTS, `app-${name}-${width}.png`), fullPage: true });
  }
  // The page's CSP forbids inline scripts: axe is evaluated through the DevTools protocol, which CSP does not govern.
  if (!(await page.evaluate('typeof window.axe'))?.toString().includes('object')) await page.evaluate(AXE);
  const axe: { passes: number; violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> } = await page.evaluate(
    "axe.run(document).then(r => ({ passes: r.passes.length, violations: r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => ({ target: n.target })) })) }))",
  );
  expect(axe.passes).toBeGreaterThan(5);
  expect({ name, violations: axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') }).toEqual({ name, violations: [] });
  await page.setViewportSize({ width: 1366, height: 1000 });
}

/**
 * The README's picture of a screen (docs/img/NAME.png, 1366 × 900, the top of the page), taken only
 * when DOCS_SHOTS is set: `DOCS_SHOTS=1 npx jest test/db/app-…` refreshes them.
 */
export async function docShot(page: Page, name: string): Promise<void> {
  if (!process.env.DOCS_SHOTS) return;
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: path.resolve(__dirname, '../../docs/img', `${name}.png`) });
  await page.setViewportSize({ width: 1366, height: 1000 });
}

/**
 * Counts the user's clicks in the page from now on (trusted click events: a mouse click, or Enter or
 * Space on a button); the function returned reads the count. Navigation inside the app keeps counting; a
 * reload (signing in again) starts from nothing.
 */
export async function countClicks(page: Page): Promise<() => Promise<number>> {
  await page.evaluate(() => {
    const w = globalThis as any;
    w.__clicks = 0;
    if (!w.__countingClicks) {
      w.__countingClicks = true;
      w.document.addEventListener('click', (e: any) => e.isTrusted && w.__clicks++, true);
    }
  });
  return async () => Number(await page.evaluate(() => (globalThis as any).__clicks));
}
