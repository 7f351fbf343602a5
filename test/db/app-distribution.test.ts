import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { BrowserContext, Browser, Page } from 'playwright-core';
import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { checkView, countClicks, describeInBrowser, go as goTo, launchApp, SHOTS, signIn } from '../support/app-page';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Rutas de la Salud in the counter app (issue 20), in a real browser, on the round of
 * test/db/distribution.test.ts built through the API:
 *
 *   kit KIT-PN: paracetamol 10, gasa 4 a kit; route GRO-01 from GRSSA000010 (Birmex, week 3), stops
 *   GRIMB000101 (1 kit), GRIMB000102 (3), GRSSA000003 (2), GRSSA000001 (1); the warehouse holds 50
 *   paracetamol (lot P-2031, 5 promised elsewhere: 45 free) and 100 gasa (G-1); a FULL_KIT round next month.
 *   Paracetamol needed 70 > 45: shared 10, 11, 20, 4 (two units short); gasa 4, 12, 8, 4 in full.
 *
 * The warehouse opens «Rutas», the manifest (stops in order, the lots of each), downloads the XLSX,
 * prints it and dispatches the route; the centre GRIMB000102 receives its kit by exception, one lot
 * with a difference; the state coordinator follows the round in «Ronda del mes». Every figure expected is
 * worked out by hand above, or read from the database, never from the screen under test.
 */
const WAREHOUSE = 'GRSSA000010';
const CENTRE = 'GRIMB000102';
const UNITS = ['GRIMB000101', 'GRIMB000102', 'GRSSA000003', 'GRSSA000001'];
const KITS = [1, 3, 2, 1];
const PARA = CLAVES.paracetamol;
const GASA = CLAVES.gasa;
const TODAY = businessDay();
const M1 = (() => {
  const [y, m] = TODAY.slice(0, 7).split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 7);
})();
/** What each stop loads, by hand (the fair share of paracetamol, gasa in full). */
const LOADS: Record<string, string[]> = {
  GRIMB000101: [`${PARA}/P-2031/10`, `${GASA}/G-1/4`],
  GRIMB000102: [`${PARA}/P-2031/11`, `${GASA}/G-1/12`],
  GRSSA000003: [`${PARA}/P-2031/20`, `${GASA}/G-1/8`],
  GRSSA000001: [`${PARA}/P-2031/4`, `${GASA}/G-1/4`],
};

let tdb: TestDatabase;
let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let problems: string[];
let round: string;
const clicks: Record<string, number> = {};
const go = (view: string) => goTo(page, view);

describeInBrowser('the counter app (/app): Rutas de la Salud — the manifest, the route dispatched, a kit received, the round followed', () => {
  beforeAll(async () => {
    ({ tdb, api } = await startNetworkApi());
    base = api.server.url.replace(/\/graphql$/, '');
    const central = await api.token(Role.CENTRAL);
    const admin = await api.token(Role.ADMIN);
    const ok = api.mutate;
    await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', {
      clues: 'GRIMB000101', name: 'Centro de Salud Rural San Juan', kind: 'FIXED', levelOfCare: 'FIRST', typologyCode: 'CSR1', typologyName: 'RURAL DE 01 NÚCLEO BÁSICO', supplyingWarehouseClues: WAREHOUSE,
    });
    await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', {
      clues: 'GRIMB000102', name: 'Centro de Salud Urbano Chilpancingo', kind: 'FIXED', levelOfCare: 'FIRST', typologyCode: 'CSU3', typologyName: 'URBANO DE 03 NÚCLEOS BÁSICOS', supplyingWarehouseClues: WAREHOUSE,
    });
    await ok(central, 'kitTemplateCreate', 'KitTemplateCreateInput', {
      code: 'KIT-PN', name: 'Kit primer nivel', levelOfCare: 'FIRST', validFrom: `${TODAY.slice(0, 7)}-01`, lines: [{ clave: PARA, pieces: 10 }, { clave: GASA, pieces: 4 }],
    });
    await ok(central, 'kitSizeRuleSet', 'KitSizeRuleSetInput', { typologyCode: 'UMM', kits: 2 });
    await ok(await api.token(Role.STATE_COORDINATOR, { state: '12' }), 'kitsPerMonthSet', 'KitsPerMonthSetInput', { clues: 'GRSSA000001', kits: 1, reason: 'atiende medio turno' });
    await ok(central, 'routeUpsert', 'RouteUpsertInput', { code: 'GRO-01', name: 'Ruta Centro', warehouseClues: WAREHOUSE, carrier: 'Birmex', deliveryWeek: 3, kitTemplateCode: 'KIT-PN', stops: UNITS });
    await ok(await api.token(Role.WAREHOUSE, { clues: WAREHOUSE }), 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: 'in-almacen', clues: WAREHOUSE,
      lines: [{ clave: PARA, lotNumber: 'P-2031', expiresOn: '2031-06-30', acceptedQuantity: 50 }, { clave: GASA, lotNumber: 'G-1', acceptedQuantity: 100 }],
    });
    await ok(central, 'redistributionOrderCreate', 'RedistributionOrderInput', { idempotencyKey: 'promesa', fromClues: WAREHOUSE, toClues: 'GRSSA000002', clave: PARA, pieces: 5 }, 'order { number }');
    for (const [clues, pieces] of [['GRIMB000102', 12], ['GRSSA000001', 3]] as const) {
      await ok(await api.token(Role.PHARMACY, { clues }), 'stockReceive', 'StockReceiveInput', {
        idempotencyKey: `in-${clues}`, clues, lines: [{ clave: PARA, lotNumber: `U-${clues}`, expiresOn: '2031-06-30', acceptedQuantity: pieces }],
      });
    }
    const r = await ok(central, 'distributionRoundCreate', 'DistributionRoundCreateInput', { idempotencyKey: 'ronda-app', month: M1, kitTemplate: 'KIT-PN', mode: 'FULL_KIT' }, 'round { number } userErrors { code message }');
    round = r.round.number;
    ({ browser, context, page, problems } = await launchApp());
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stopNetworkApi(api, tdb);
    // eslint-disable-next-line no-console
    console.log(`clicks per task: ${JSON.stringify(clicks)}`);
  });

  test('Rutas: the round of next month with its route; the manifest lists the stops in order with the lots of each', async () => {
    await signIn(page, base, await api.token(Role.WAREHOUSE, { clues: WAREHOUSE }));
    await go('rutas');
    const card = page.locator(`li[data-round="${round}"]`);
    const row = card.locator('tr[data-route="GRO-01"]');
    await row.waitFor();
    expect(await row.evaluate((tr) => ['units', 'kits', 'dispatched', 'received'].map((k) => tr.querySelector(`[data-${k}]`)!.getAttribute(`data-${k}`)))).toEqual(['4', '7', '0', '0']);
    await checkView(page, 'rutas');

    const count = await countClicks(page);
    await row.locator('button[data-open="GRO-01"]').click();
    const manifest = card.locator('.manifest[data-manifest="GRO-01"]');
    await manifest.locator('tbody.stop').first().waitFor();
    const stops = await manifest.locator('tbody.stop').evaluateAll((bodies) =>
      bodies.map((b) => ({
        clues: b.getAttribute('data-clues'),
        kits: Number(b.querySelector('[data-kits]')!.getAttribute('data-kits')),
        lots: [...b.querySelectorAll('tr[data-lot]')].map((tr) => `${tr.getAttribute('data-clave')}/${tr.getAttribute('data-lot')}/${tr.querySelector('[data-quantity]')!.getAttribute('data-quantity')}`),
      })),
    );
    expect(stops).toEqual(UNITS.map((clues, i) => ({ clues, kits: KITS[i], lots: LOADS[clues] })));
    // the route's pick list: every stop's pieces added up per lot; the day to deliver by is the end of week 3
    const picks = await manifest.locator('table.manifest-picks tbody tr[data-lot]').evaluateAll((rows) => rows.map((tr) => `${tr.getAttribute('data-clave')}/${tr.getAttribute('data-lot')}/${tr.querySelector('[data-quantity]')!.getAttribute('data-quantity')}`));
    expect(picks).toEqual([`${PARA}/P-2031/45`, `${GASA}/G-1/28`]);
    expect(await manifest.locator('#deliver-by').getAttribute('data-date')).toBe(`${M1}-21`);
    expect(await manifest.locator('#deliver-by').textContent()).toMatch(/^entregar a más tardar el 21/);
    await checkView(page, 'rutas-manifiesto');
    clicks['ver el manifiesto'] = await count();
    expect(problems).toEqual([]);
  }, 90_000);

  test('Descargar XLSX: the workbook the API makes, under its filename; Imprimir: only the manifest, on an A4 page', async () => {
    const manifest = page.locator('.manifest[data-manifest="GRO-01"]');
    const link = manifest.locator('a[download]');
    await link.waitFor();
    const count = await countClicks(page);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    clicks['descargar el XLSX'] = await count();
    expect(download.suggestedFilename()).toBe(`manifiesto-${round}-GRO-01.xlsx`);
    const file = path.join(SHOTS, '..', download.suggestedFilename());
    await download.saveAs(file);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const sheet = book.getWorksheet('Paradas')!;
    const rows: string[] = [];
    sheet.eachRow((r, n) => n > 2 && rows.push(`${r.getCell(2).value}/${r.getCell(7).value}/${r.getCell(8).value}/${r.getCell(10).value}`));
    expect(rows).toEqual(UNITS.flatMap((clues) => LOADS[clues].map((l) => `${clues}/${l}`)));

    // printed: no header, no buttons, no other text than the manifest; the column headers repeat on each page
    await page.emulateMedia({ media: 'print' });
    expect(await Promise.all([
      page.locator('header.top').isVisible(),
      page.locator('main > h1').isVisible(),
      manifest.locator('table.manifest-stops').isVisible(),
      manifest.locator('table.manifest-picks').isVisible(),
      manifest.locator('button[name="dispatch-route"]').isVisible(),
      manifest.locator('a[download]').isVisible(),
      page.locator('table.round-routes').isVisible(),
      manifest.locator('tr.sign').first().isVisible(),
    ])).toEqual([false, false, true, true, false, false, false, true]);
    expect(await manifest.locator('table.manifest-stops thead').evaluate((t) => (globalThis as any).getComputedStyle(t).display)).toBe('table-header-group');
    // an A4 page less its margins is about 700 CSS pixels wide: the tables fit
    await page.setViewportSize({ width: 700, height: 1000 });
    expect(await manifest.evaluate((m) => [...m.querySelectorAll('table')].map((t) => t.scrollWidth - m.clientWidth).filter((d) => d > 0))).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'app-rutas-manifiesto-impreso.png'), fullPage: true });
    await page.pdf({ path: path.join(SHOTS, 'app-rutas-manifiesto.pdf'), format: 'A4' });
    await page.pdf({ path: path.join(SHOTS, 'app-rutas-manifiesto-carta.pdf'), format: 'Letter' });
    await page.setViewportSize({ width: 1366, height: 1000 });
    await page.emulateMedia({ media: 'screen' });
    expect(problems).toEqual([]);
  }, 60_000);

  test('Despachar ruta: refused offline with a Spanish word; online, one confirmation and a remisión per stop, as the manifest said', async () => {
    const manifest = page.locator('.manifest[data-manifest="GRO-01"]');
    await context.setOffline(true);
    await page.waitForSelector('.net.off');
    expect(await manifest.locator('button[name="dispatch-route"]').isDisabled()).toBe(true);
    expect(await manifest.locator('.notice').textContent()).toMatch(/^Sin conexión: despachar la ruta necesita la red/);
    await context.setOffline(false);
    await page.waitForSelector('.net.on');

    // from the open manifest: Despachar ruta, the question (the focus on Cancelar), Sí
    const count = await countClicks(page);
    await manifest.locator('button[name="dispatch-route"]').click();
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.textContent === 'Cancelar');
    expect(await manifest.locator('[role=alertdialog]').textContent()).toContain('4 paradas con algo que cargar: 73 piezas de 2 lotes');
    await checkView(page, 'rutas-confirmar');
    await manifest.locator('button[name="dispatch-confirm"]').click();
    const done = page.locator('[data-dispatched="GRO-01"]');
    await done.waitFor();
    clicks['despachar la ruta (con el manifiesto abierto)'] = await count();
    clicks['despachar la ruta (desde Rutas)'] = clicks['ver el manifiesto'] + clicks['despachar la ruta (con el manifiesto abierto)'];
    const shown = await done.locator('li[data-shipment]').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-clues'), li.getAttribute('data-shipment')]));
    const db: Array<{ number: string; clues: string; lots: string[] }> = await tdb.db.query(
      `SELECT sh.number, e.clues, array_agg(s.clave || '/' || l.lot_number || '/' || sl.quantity ORDER BY s.clave) AS lots
         FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN establishment e ON e.id = o.requesting_id
         JOIN shipment_line sl ON sl.shipment_id = sh.id JOIN lot l ON l.id = sl.lot_id JOIN supply_item s ON s.id = sl.supply_item_id
        WHERE o.origin = 'DISTRIBUTION' GROUP BY sh.id, e.clues ORDER BY sh.id`,
    );
    expect(db.map((s) => [s.clues, s.lots])).toEqual(UNITS.map((clues) => [clues, LOADS[clues]]));
    expect(shown).toEqual(db.map((s) => [s.clues, s.number]));
    expect(await done.locator('[data-skipped]').count()).toBe(0);
    // the round's row follows, and the manifest now says each stop has gone
    await page.locator(`li[data-round="${round}"] tr[data-route="GRO-01"] [data-dispatched="4"]`).waitFor();
    // …each stop with its remisión and the lots that went in it (what the driver's manifest prints)
    await manifest.locator('tbody.stop tr.shipment-head').nth(3).waitFor();
    await manifest.locator('tbody.stop').nth(3).locator('tr[data-shipped-lot]').nth(1).waitFor();
    const gone = await manifest.locator('tbody.stop').evaluateAll((bodies) =>
      bodies.map((b) => [
        b.getAttribute('data-clues'),
        b.querySelector('tr.shipment-head')!.getAttribute('data-shipment'),
        [...b.querySelectorAll('tr[data-shipped-lot]')].map((tr) => `${tr.getAttribute('data-clave')}/${tr.getAttribute('data-shipped-lot')}/${tr.querySelector('td.num strong')!.textContent}`).sort(),
      ]),
    );
    expect(gone).toEqual(db.map((s) => [s.clues, s.number, s.lots]));
    expect(await manifest.locator('tbody.stop tr[data-lot]').count()).toBe(0);
    expect(await manifest.locator('button[name="dispatch-route"]').isDisabled()).toBe(true);
    await checkView(page, 'rutas-despachada');
    // «Mis registros» holds the dispatch under the key it was sent with
    const outbox: Array<{ field: string; status: string; ref: string }> = await page.evaluate(() => JSON.parse((globalThis as any).localStorage.getItem('abasto.outbox') ?? '[]'));
    expect(outbox.map((w) => [w.field, w.ref, w.status])).toEqual([['routeDispatch', `${round}/GRO-01`, 'done']]);
    const [{ on_hand }] = await tdb.db.query(
      `SELECT sum(b.quantity)::int AS on_hand FROM stock_balance b JOIN establishment e ON e.id = b.establishment_id JOIN supply_item s ON s.id = b.supply_item_id WHERE e.clues = $1 AND s.clave = $2`,
      [WAREHOUSE, PARA],
    );
    expect(on_hand).toBe(5);
    expect(problems).toEqual([]);
  }, 90_000);

  test('Por recibir: the centre sees its kit of the round, and receives it by exception, one lot with a difference', async () => {
    await page.click('#signout');
    await signIn(page, base, await api.token(Role.PHARMACY, { clues: CENTRE }));
    const [{ number }] = await tdb.db.query(
      `SELECT sh.number FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN establishment e ON e.id = o.requesting_id WHERE e.clues = $1`,
      [CENTRE],
    );
    await go('recibir');
    const card = page.locator(`li[data-number="${number}"]`);
    await card.locator('.kit-label').waitFor();
    expect(await card.getAttribute('data-kit-round')).toBe(round);
    expect(await card.locator('.kit-label').textContent()).toBe(`Kit de Rutas de la Salud · ronda ${round} (${new Date(`${M1}-01T12:00:00`).toLocaleDateString('es-MX', { month: 'long', year: 'numeric' })}) · Kit primer nivel`);
    await checkView(page, 'rutas-por-recibir');

    const count = await countClicks(page);
    await card.locator(`button[data-open="${number}"]`).click();
    const row = page.locator(`form[data-shipment="${number}"] tr[data-lot="G-1"]`);
    await row.locator('input[name=diff]').check();
    await row.locator('input[name=accepted]').fill('10');
    expect(await row.locator('select[name=reason]').inputValue()).toBe('DAMAGED');
    await checkView(page, 'rutas-recibir-kit');
    await page.click(`form[data-shipment="${number}"] button[name=receive]`);
    await page.waitForSelector('[data-outcome="done"]');
    clicks['recibir el kit con un lote con diferencia (más teclear las piezas)'] = await count();
    const lines = await tdb.db.query(
      `SELECT s.clave, l.lot_number, sl.quantity, sl.accepted, sl.rejected, sl.rejection_reason AS reason FROM shipment sh JOIN shipment_line sl ON sl.shipment_id = sh.id
         JOIN lot l ON l.id = sl.lot_id JOIN supply_item s ON s.id = sl.supply_item_id WHERE sh.number = $1 AND sh.status = 'RECEIVED' ORDER BY s.clave`,
      [number],
    );
    expect(lines).toEqual([
      { clave: PARA, lot_number: 'P-2031', quantity: 11, accepted: 11, rejected: 0, reason: null },
      { clave: GASA, lot_number: 'G-1', quantity: 12, accepted: 10, rejected: 2, reason: 'DAMAGED' },
    ]);
    await card.waitFor({ state: 'detached' });
    // a unit has no «Rutas» of its own
    expect(await page.locator('nav a[data-view="rutas"], nav a[data-view="ronda"]').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);

  test('Ronda del mes: the coordinator sees the route with 4 dispatched and 1 received, the clave that was short and the centres still waiting', async () => {
    await page.click('#signout');
    const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
    await signIn(page, base, coordinator);
    await go('ronda');
    const body = page.locator('table.round-progress tbody[data-route="GRO-01"]');
    await body.waitFor();
    expect(await page.locator('#round-pick').inputValue()).toBe(round);
    const api_ = (await api.gql(`{ distributionRound(number: "${round}") { routes { code units kits dispatched received } claves { clave planned allocated shortUnits } } }`, {}, coordinator)).data.distributionRound;
    expect(api_.routes).toEqual([{ code: 'GRO-01', units: 4, kits: 7, dispatched: 4, received: 1 }]);
    expect(await body.evaluate((b) => ['units', 'kits', 'dispatched', 'received'].map((k) => b.querySelector(`[data-${k}]`)!.getAttribute(`data-${k}`)))).toEqual(['4', '7', '4', '1']);
    expect(await body.locator('[data-pct]').textContent()).toBe('25 %');
    expect(await page.textContent('#round-summary')).toContain('despachadas 4, recibidas 1 (25 %)');
    // paracetamol was short (70 planned, 45 allocated, 2 units short); gasa was not
    const short = await page.locator('table.round-claves tbody tr').evaluateAll((rows) =>
      rows.map((tr) => [tr.getAttribute('data-clave'), tr.querySelector('[data-planned]')!.getAttribute('data-planned'), tr.querySelector('[data-allocated]')!.getAttribute('data-allocated'), tr.querySelector('[data-short]')!.getAttribute('data-short')]),
    );
    expect(short).toEqual([[PARA, '70', '45', '2']]);

    const count = await countClicks(page);
    await body.locator('button[data-open="GRO-01"]').click();
    const waiting = body.locator('[data-waiting="GRO-01"] li[data-clues]');
    await waiting.first().waitFor();
    clicks['ver los centros en espera de una ruta'] = await count();
    expect(await waiting.evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-clues'), li.getAttribute('data-state')]))).toEqual(
      UNITS.filter((c) => c !== CENTRE).map((c) => [c, 'on-the-road']),
    );
    expect(await waiting.first().textContent()).toContain('Parada 1: Centro de Salud Rural San Juan (GRIMB000101) — en camino: 14 piezas despachadas sin recibir');
    await checkView(page, 'ronda');
    expect(problems).toEqual([]);
  }, 60_000);

  test('Ronda del mes for central too; a warehouse has «Rutas» and no «Ronda del mes»', async () => {
    await page.click('#signout');
    await signIn(page, base, await api.token(Role.CENTRAL));
    const views = await page.locator('nav a[data-view]').evaluateAll((as) => as.map((a) => a.getAttribute('data-view')));
    expect(views).toContain('ronda');
    expect(views).not.toContain('rutas');
    await go('ronda');
    await page.locator('table.round-progress tbody[data-route="GRO-01"] [data-received="1"]').waitFor();
    await checkView(page, 'ronda-central');
    await page.click('#signout');
    await signIn(page, base, await api.token(Role.WAREHOUSE, { clues: WAREHOUSE }));
    const mine = await page.locator('nav a[data-view]').evaluateAll((as) => as.map((a) => a.getAttribute('data-view')));
    expect([mine.includes('rutas'), mine.includes('ronda')]).toEqual([true, false]);
    expect(problems).toEqual([]);
    expect(fs.existsSync(path.join(SHOTS, 'app-rutas-manifiesto-1366.png'))).toBe(true);
  }, 60_000);
});
