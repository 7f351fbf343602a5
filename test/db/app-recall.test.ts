import { Browser, BrowserContext, Page } from 'playwright-core';
import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { checkView, describeInBrowser, docShot, go, launchApp, signIn } from '../support/app-page';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Lot recall in the counter app (issue 21): the unit that holds a recalled lot sees it first when it opens
 * «Mi existencia», apart from its usable stock; the unit a held lot is on its way to sees it flagged in
 * «Por recibir» and rejects it as RECALLED there.
 *
 * GRSSA000001 received 30 pieces of paracetamol lot RX-1; 20 more of RX-1 are on the road to GRSSA000002.
 * Central holds RX-1 across the network under alert COFEPRIS-AS-2026-041.
 */

const PARA = CLAVES.paracetamol;
const ALERT = 'COFEPRIS-AS-2026-041';
let tdb: TestDatabase;
let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];
let base: string;

describeInBrowser('the counter app (/app): a recalled lot, first on the stock page and flagged on the road', () => {
  beforeAll(async () => {
    ({ tdb, api } = await startNetworkApi());
    base = api.server.url.replace(/\/graphql$/, '');
    const central = await api.token(Role.CENTRAL);
    const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
    await api.mutate(warehouse, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'in', clues: 'GRSSA000010', lines: [{ clave: PARA, lotNumber: 'RX-1', expiresOn: '2030-01-31', acceptedQuantity: 100 }] });
    await api.mutate(await api.token(Role.PHARMACY, { clues: 'GRSSA000001' }), 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: 'in-u',
      clues: 'GRSSA000001',
      lines: [{ clave: PARA, lotNumber: 'RX-1', expiresOn: '2030-01-31', acceptedQuantity: 30 }, { clave: CLAVES.gasa, lotNumber: 'G-1', acceptedQuantity: 12 }],
    });
    const order = await api.mutate(central, 'redistributionOrderCreate', 'RedistributionOrderInput', { idempotencyKey: 'o', fromClues: 'GRSSA000010', toClues: 'GRSSA000002', clave: PARA, pieces: 20 }, 'order { number } userErrors { code }');
    await api.mutate(warehouse, 'shipmentDispatch', 'ShipmentDispatchInput', { idempotencyKey: 'd', orderNumber: order.order.number }, 'shipment { number } userErrors { code }');
    await api.mutate(central, 'lotHoldSet', 'LotHoldSetInput', { idempotencyKey: 'h', clave: PARA, lotNumber: 'RX-1', reason: 'Alerta sanitaria: lote falsificado detectado en farmacias', reference: ALERT }, 'hold { id } userErrors { code }');
    ({ browser, context, page, problems } = await launchApp());
  }, 90_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stopNetworkApi(api, tdb);
  });

  test('«Mi existencia»: the recalled lot first, its pieces held apart from the usable ones', async () => {
    await signIn(page, base, await api.token(Role.PHARMACY, { clues: 'GRSSA000001' }));
    await go(page, 'existencia');
    const banner = page.locator('#recalled-lots');
    await banner.waitFor();
    expect(await banner.locator('h2').textContent()).toBe('Lotes retenidos por alerta sanitaria (1)');
    const item = banner.locator('[data-held-lot="RX-1"]');
    expect(await item.textContent()).toContain(`lote RX-1 · 30 piezas · alerta ${ALERT}`);
    // before the table: the first thing the pharmacist reads
    const first = await page.evaluate(() => {
      const d = (globalThis as any).document;
      const banner = d.querySelector('#recalled-lots');
      const table = d.querySelector('table.stock');
      return !!banner && !!table && !!(banner.compareDocumentPosition(table) & 4);
    });
    expect(first).toBe(true);
    const row = page.locator(`tbody[data-clave="${PARA}"]`);
    expect(await row.locator('[data-usable]').getAttribute('data-usable')).toBe('0');
    expect(await row.locator('[data-held]').textContent()).toBe('30 retenidas');
    await row.locator('button.link').click();
    expect(await row.locator('tr.lots li.held').textContent()).toContain('RETENIDO por alerta sanitaria');
    await checkView(page, 'existencia-retenido');
    await docShot(page, 'app-lote-retenido');
    expect(problems).toEqual([]);
  });

  test('«Por recibir»: the shipment carrying the held lot says so, and the lot is rejected as RECALLED in two clicks', async () => {
    await page.click('#signout');
    await signIn(page, base, await api.token(Role.PHARMACY, { clues: 'GRSSA000002' }));
    await go(page, 'recibir');
    const notice = page.locator('[data-recalls]');
    await notice.waitFor();
    expect(await notice.textContent()).toContain(`lote RX-1 de ${PARA} (20 piezas, alerta ${ALERT})`);
    expect(await notice.textContent()).toContain('ya va marcado como rechazado con el motivo «Lote retenido (alerta sanitaria)»');
    await checkView(page, 'recibir-retenido');
    // the held lot comes marked: none accepted, rejected as recalled; the pharmacist only confirms
    await page.locator('[data-open]').click();
    const form = page.locator('form.receive');
    expect(await form.locator('tr[data-lot="RX-1"] input[name="accepted"]').inputValue()).toBe('0');
    expect(await form.locator('tr[data-lot="RX-1"] select[name="reason"]').inputValue()).toBe('RECALLED');
    await form.locator('button[name="receive"]').click();
    // the write goes through the app's queue: wait for it to land
    let line: unknown;
    for (let i = 0; i < 100; i++) {
      [line] = await tdb.db.query(`SELECT accepted, rejected, rejection_reason FROM shipment_line WHERE accepted IS NOT NULL`);
      if (line) break;
      await page.waitForTimeout(100);
    }
    expect(line).toEqual({ accepted: 0, rejected: 20, rejection_reason: 'RECALLED' });
    expect(problems).toEqual([]);
  });
});
