import { Browser, Page } from 'playwright-core';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';
import { checkView, describeInBrowser, docShot, go, launchApp, signIn } from '../support/app-page';

/**
 * Recibir de proveedor (/app #/recepcion) in a real browser, as the demo state warehouse GRSSA019419:
 * a purchase order made for it through the API (CENTRAL creates, submits and approves it), boxes
 * scanned as a keyboard-wedge scanner types GS1 codes (GS separators, Enter), an unknown GTIN linked
 * to its clave once, day 00 read as the end of the month, and the ledger holding exactly the pieces
 * scanned, lot by lot.
 */
const WAREHOUSE = 'GRSSA019419';
const GS = '\u001d';
// EAN-13 7501234567893 (7+15+0+3+2+9+4+15+6+21+8+27 = 117 → check digit 3): linked beforehand to clave A
const GTIN_A = '07501234567893';
// EAN-13 7501234567800 (7+15+0+3+2+9+4+15+6+21+8+0 = 90 → check digit 0): known to no clave until scanned
const GTIN_B = '07501234567800';

let tdb: TestDatabase;
let api: TestApi;
let browser: Browser;
let page: Page;
let base: string;
let token: string;
let problems: string[] = [];
let orderNumber: string;
let A: { clave: string; ppp: number };
let B: { clave: string; ppp: number };
const check = (name: string) => checkView(page, name);

async function scan(code: string) {
  await page.focus('#scan');
  await page.keyboard.insertText(code);
  await page.keyboard.press('Enter');
}

const draft = (lot: string) => page.locator(`[data-draft][data-lot="${lot}"]`);

/** Pieces the warehouse holds and received, per lot of this order's claves, straight from the ledger. */
async function ledger(): Promise<Array<{ clave: string; lot: string; expires_on: string; moved: number; balance: number }>> {
  return tdb.db.query(
    `SELECT s.clave, l.lot_number AS lot, to_char(l.expires_on, 'YYYY-MM-DD') AS expires_on,
            (SELECT sum(m.quantity)::int FROM stock_movement m WHERE m.lot_id = l.id AND m.establishment_id = e.id AND m.kind = 'RECEIPT') AS moved,
            (SELECT b.quantity FROM stock_balance b WHERE b.lot_id = l.id AND b.establishment_id = e.id) AS balance
       FROM lot l JOIN supply_item s ON s.id = l.supply_item_id CROSS JOIN establishment e
      WHERE e.clues = $1 AND l.lot_number LIKE 'GS1-%' ORDER BY l.lot_number`,
    [WAREHOUSE],
  );
}

describeInBrowser('Recibir de proveedor (/app #/recepcion) for a warehouse, with a GS1 scanner', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await loadDemoDataIfEmpty(tdb.db);
    api = await startTestApi(tdb.db);
    base = api.server.url.replace(/\/graphql$/, '');
    token = await api.token(Role.WAREHOUSE, { clues: WAREHOUSE });
    const central = await api.token(Role.CENTRAL);
    // two claves a warehouse may buy: one sold by the box of several pieces, one more
    const [a, b] = await tdb.db.query(
      `SELECT clave, pieces_per_package AS ppp FROM supply_item WHERE NOT high_cost ORDER BY (pieces_per_package > 1) DESC, clave LIMIT 2`,
    );
    A = a;
    B = b;
    expect(A.ppp).toBeGreaterThan(1);
    const order = await api.mutate(central, 'orderCreate', 'OrderCreateInput', {
      idempotencyKey: 'gs1-receipt-order', kind: 'PURCHASE', requestingClues: WAREHOUSE, supplier: 'Laboratorios GS1 de Prueba, S.A.',
      lines: [{ clave: A.clave, quantity: 10 * A.ppp }, { clave: B.clave, quantity: 100 * B.ppp }],
    }, 'order { number } userErrors { code message }');
    orderNumber = order.order.number;
    await api.mutate(central, 'orderSubmit', 'OrderNumberInput', { number: orderNumber });
    await api.mutate(central, 'orderApprove', 'OrderApproveInput', { number: orderNumber });
    // GTIN A was linked to its clave before (by central); GTIN B was not
    await api.mutate(central, 'supplyItemGtinLink', 'SupplyItemGtinLinkInput', { clave: A.clave, gtin: GTIN_A.slice(1) });
    ({ browser, page, problems } = await launchApp());
    await signIn(page, base, token);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await tdb?.drop();
  });

  test('boxes scanned, an unknown GTIN linked once, day 00 read as end of month; the ledger holds exactly what was scanned', async () => {
    await go(page, 'recepcion');
    await page.waitForSelector('#order');
    await page.selectOption('#order', orderNumber);
    await page.waitForSelector(`table.order-lines tr[data-clave="${A.clave}"]`);
    expect(await page.locator(`tr[data-clave="${B.clave}"] [data-remaining]`).getAttribute('data-remaining')).toBe(String(100 * B.ppp));
    // the camera button only where the browser can read codes with it (Debian's Chromium on Linux cannot)
    const detector = await page.evaluate(() => 'BarcodeDetector' in globalThis);
    expect(await page.locator('#camera').count()).toBe(detector ? 1 : 0);
    // the cursor waits in the scan field
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.id === 'scan');

    // GS1 DataMatrix as the scanner types it: ]d2, (01) GTIN A, (17) 30 June 2027, (10) lot then GS, (21) serial
    const boxA = `]d201${GTIN_A}17270630` + `10GS1-A1${GS}21SER001`;
    await scan(boxA);
    await page.waitForSelector('[data-draft][data-lot="GS1-A1"]');
    expect(await draft('GS1-A1').locator('input[name=pieces]').inputValue()).toBe(String(A.ppp));
    expect(await draft('GS1-A1').locator('input[name=expiresOn]').inputValue()).toBe('2027-06-30');
    // the same box again is one package more on the same line
    await scan(boxA.replace('SER001', 'SER002'));
    await page.waitForFunction((n) => (globalThis as any).document.querySelector('[data-draft][data-lot="GS1-A1"] input[name=pieces]')?.value === n, String(2 * A.ppp));
    expect(await page.locator('[data-draft]').count()).toBe(1);

    // GTIN B is known to no clave: the screen asks once, among the order's claves; expiry day 00 of February 2028 → the 29th
    await scan(`]d201${GTIN_B}17280200` + `10GS1-B1`);
    await page.waitForSelector('#gtin-form');
    const offered = await page.locator('#gtin-clave option').evaluateAll((os) => os.map((o) => (o as any).value));
    expect(offered.sort()).toEqual([A.clave, B.clave].sort());
    await check('almacen-recepcion-gtin');
    await page.selectOption('#gtin-clave', B.clave);
    await page.click('#gtin-link');
    await page.waitForSelector('[data-draft][data-lot="GS1-B1"]');
    expect(await draft('GS1-B1').locator('input[name=expiresOn]').inputValue()).toBe('2028-02-29');
    expect(await draft('GS1-B1').getAttribute('data-clave')).toBe(B.clave);
    expect(await tdb.db.query(`SELECT g.gtin, s.clave, g.linked_by FROM supply_item_gtin g JOIN supply_item s ON s.id = g.supply_item_id ORDER BY g.gtin`)).toEqual([
      { gtin: GTIN_B, clave: B.clave, linked_by: 'test-warehouse' },
      { gtin: GTIN_A, clave: A.clave, linked_by: 'test-central' },
    ]);

    // GTIN B again, another lot, in the human-readable form: not asked again; November 00 → the 30th
    await scan(`(01)${GTIN_B}(17)281100(10)GS1-B2`);
    await page.waitForSelector('[data-draft][data-lot="GS1-B2"]');
    expect(await page.locator('#gtin-form').count()).toBe(0);
    expect(await draft('GS1-B2').locator('input[name=expiresOn]').inputValue()).toBe('2028-11-30');
    expect(await draft('GS1-B2').locator('[data-fixed-clave]').textContent()).toBe(B.clave);
    // the count of a box is editable: 7 loose pieces of lot GS1-B2
    await draft('GS1-B2').locator('input[name=pieces]').fill('7');
    // a code with a bad check digit is refused in Spanish and adds nothing
    await scan(`01${GTIN_B.slice(0, 13)}1` + '10GS1-X');
    await page.waitForSelector('#scan-note.error');
    expect(await page.textContent('#scan-note')).toMatch(/dígito verificador/);
    expect(await page.locator('[data-draft]').count()).toBe(3);

    await page.fill('#supplier-document', 'FAC-GS1-0001');
    expect(await page.locator(`tr[data-clave="${A.clave}"] [data-now]`).getAttribute('data-now')).toBe(String(2 * A.ppp));
    await check('almacen-recepcion');
    await docShot(page, 'app-almacen-recepcion');
    await page.click('#register');
    await page.waitForSelector('[data-outcome="done"]');
    expect(await page.textContent('[data-outcome="done"]')).toContain(`contra la orden ${orderNumber}`);

    // by hand: A 2 packages, B one package plus 7 pieces
    expect(await ledger()).toEqual([
      { clave: A.clave, lot: 'GS1-A1', expires_on: '2027-06-30', moved: 2 * A.ppp, balance: 2 * A.ppp },
      { clave: B.clave, lot: 'GS1-B1', expires_on: '2028-02-29', moved: B.ppp, balance: B.ppp },
      { clave: B.clave, lot: 'GS1-B2', expires_on: '2028-11-30', moved: 7, balance: 7 },
    ]);
    const [receipt] = await tdb.db.query(`SELECT supplier_document, order_number, source FROM receipt WHERE order_number = $1`, [orderNumber]);
    expect(receipt).toEqual({ supplier_document: 'FAC-GS1-0001', order_number: orderNumber, source: 'PURCHASE' });
    const lines = await tdb.db.query(
      `SELECT s.clave, ol.approved, ol.accepted FROM supply_order_line ol JOIN supply_order o ON o.id = ol.order_id JOIN supply_item s ON s.id = ol.supply_item_id
        WHERE o.number = $1 ORDER BY s.clave`,
      [orderNumber],
    );
    expect(lines).toEqual(
      [
        { clave: A.clave, approved: 10 * A.ppp, accepted: 2 * A.ppp },
        { clave: B.clave, approved: 100 * B.ppp, accepted: B.ppp + 7 },
      ].sort((x, y) => x.clave.localeCompare(y.clave)),
    );
    // the screen reads the order again: what is still due
    await page.waitForFunction(
      ([c, n]) => (globalThis as any).document.querySelector(`tr[data-clave="${c}"] [data-remaining]`)?.getAttribute('data-remaining') === n,
      [A.clave, String(8 * A.ppp)],
    );
    expect(problems).toEqual([]);
  }, 90_000);

  test('more than is still due is refused with the server’s message, nothing written; the lines come back, are corrected, a line by hand added, and sent', async () => {
    const before = await ledger();
    await page.selectOption('#order', orderNumber);
    // a scanner in plain keyboard mode types the GS separator as Ctrl+]: the lot still ends where it should
    await page.focus('#scan');
    await page.keyboard.type(`]C101${GTIN_A}10GS1-A9`);
    await page.keyboard.press('Control+BracketRight');
    await page.keyboard.type('17270630');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-draft][data-lot="GS1-A9"]');
    expect(await draft('GS1-A9').locator('input[name=expiresOn]').inputValue()).toBe('2027-06-30');
    await draft('GS1-A9').locator('input[name=pieces]').fill(String(8 * A.ppp + 1));
    await page.fill('#supplier-document', 'FAC-GS1-0002');
    await page.click('#register');
    await page.waitForSelector('[data-outcome="failed"]');
    expect(await page.textContent('[data-outcome="failed"]')).toContain(`Quedan ${8 * A.ppp} piezas aprobadas de ${A.clave}`);
    expect(await ledger()).toEqual(before);
    await page.click('#restore');
    await page.waitForSelector('[data-draft][data-lot="GS1-A9"]');
    expect(await page.inputValue('#supplier-document')).toBe('FAC-GS1-0002');

    // corrected: one package of A, and a line typed by hand (no scanner) for B
    await draft('GS1-A9').locator('input[name=pieces]').fill(String(A.ppp));
    await page.click('#add-manual');
    const manual = page.locator('[data-draft="1"]');
    await manual.locator('select[name=clave]').selectOption(B.clave);
    await manual.locator('input[name=lot]').fill('GS1-M1');
    await manual.locator('input[name=expiresOn]').fill('2029-01-15');
    await manual.locator('input[name=pieces]').fill('3');
    await page.click('#register');
    await page.waitForSelector('[data-outcome="done"]');
    expect(await ledger()).toEqual([
      before[0],
      { clave: A.clave, lot: 'GS1-A9', expires_on: '2027-06-30', moved: A.ppp, balance: A.ppp },
      ...before.slice(1),
      { clave: B.clave, lot: 'GS1-M1', expires_on: '2029-01-15', moved: 3, balance: 3 },
    ]);
    expect(problems).toEqual([]);
  }, 60_000);
});

