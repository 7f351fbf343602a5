import { Browser, BrowserContext, Page } from 'playwright-core';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';
import { checkView, describeInBrowser, docShot, go as goTo, launchApp, signIn as signInAt } from '../support/app-page';

/**
 * The counter app (/app) in a real browser — Debian's Chromium driven by playwright-core, never a
 * downloaded browser — as the demo pharmacy GRSSA015854 (supplied by GRSSA019419): its stock, a
 * shipment received by exception, a prescription dispensed, and the same work done offline and sent once
 * when the connection returns. Every view: no horizontal scrolling at 1366 and 768 px, no serious or
 * critical axe-core violation, a screenshot in test-output/screenshots/app-*.png.
 */
const PHARMACY = 'GRSSA015854';
const WAREHOUSE = 'GRSSA019419';

let tdb: TestDatabase;
let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let token: string;
let problems: string[] = [];
const go = (view: string) => goTo(page, view);
const check = (name: string) => checkView(page, name);
const signIn = () => signInAt(page, base, token);

interface InTransit { number: string; lines: Array<{ clave: string; lotNumber: string; quantity: number }> }

async function inTransit(): Promise<InTransit[]> {
  const r = await api.gql(
    `query($c: String!) { shipments(filter: { toClues: $c, statuses: [IN_TRANSIT] }, first: 50) { edges { node { number lines { clave lotNumber quantity } } } } }`,
    { c: PHARMACY },
    token,
  );
  return r.data.shipments.edges.map((e: any) => e.node);
}

/** One more shipment on its way to the pharmacy, through the same API the people use. */
async function shipToPharmacy(n: number): Promise<void> {
  const wh = await api.token(Role.WAREHOUSE, { clues: WAREHOUSE });
  const coord = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  const mine = await api.gql(`{ stockLevels(clues: "${PHARMACY}", first: 100) { edges { node { clave } } } }`, {}, token);
  const held = new Set(mine.data.stockLevels.edges.map((e: any) => e.node.clave));
  const theirs = await api.gql(`{ stockLevels(clues: "${WAREHOUSE}", first: 100, filter: { statuses: [ADEQUATE, OVERSTOCKED] }) { edges { node { clave usable } } } }`, {}, wh);
  const claves = theirs.data.stockLevels.edges.map((e: any) => e.node).filter((s: any) => held.has(s.clave) && s.usable >= 50).map((s: any) => s.clave);
  const order = await api.mutate(token, 'orderCreate', 'OrderCreateInput', {
    idempotencyKey: `app-test-order-${n}`, kind: 'REPLENISHMENT', requestingClues: PHARMACY,
    lines: claves.slice(n * 2, n * 2 + 2).map((clave: string) => ({ clave, quantity: 10 })),
  }, 'order { number } userErrors { code message }');
  const number = order.order.number;
  await api.mutate(token, 'orderSubmit', 'OrderNumberInput', { number });
  await api.mutate(coord, 'orderApprove', 'OrderApproveInput', { number });
  await api.mutate(wh, 'shipmentDispatch', 'ShipmentDispatchInput', { idempotencyKey: `app-test-dispatch-${n}`, orderNumber: number });
}

/** Claves the pharmacy holds plenty of (usable pieces), to dispense from. */
async function plentiful(): Promise<string[]> {
  const r = await api.gql(`{ stockLevels(clues: "${PHARMACY}", first: 100, filter: { statuses: [ADEQUATE, OVERSTOCKED] }) { edges { node { clave usable } } } }`, {}, token);
  return r.data.stockLevels.edges.map((e: any) => e.node).filter((s: any) => s.usable >= 30).map((s: any) => s.clave);
}

async function usable(clave: string): Promise<number> {
  const [row] = await tdb.db.query(
    `SELECT coalesce(sum(b.quantity), 0)::int AS n FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN establishment e ON e.id = b.establishment_id
     JOIN supply_item s ON s.id = b.supply_item_id WHERE e.clues = $1 AND s.clave = $2 AND (l.expires_on IS NULL OR l.expires_on >= current_date)`,
    [PHARMACY, clave],
  );
  return row.n;
}




async function dispense(folio: string, lines: Array<{ clave: string; prescribed: number; dispensed?: number; lot?: string }>) {
  await page.fill('#folio', folio);
  for (const [i, l] of lines.entries()) {
    if (i > 0) await page.click('#add-line');
    const row = page.locator(`[data-line="${i}"]`);
    await row.locator('input[name=clave]').fill(l.clave);
    await row.locator('input[name=prescribed]').fill(String(l.prescribed));
    if (l.dispensed !== undefined) await row.locator('input[name=dispensed]').fill(String(l.dispensed));
    if (l.lot) {
      await row.locator(`select[name=lot] option[value="${l.lot}"]`).waitFor({ state: 'attached' });
      await row.locator('select[name=lot]').selectOption(l.lot);
    }
  }
  await page.click('#dispense');
}

async function outbox(): Promise<Array<{ key: string; field: string; status: string; messages: string[] }>> {
  return page.evaluate("JSON.parse(localStorage.getItem('abasto.outbox') ?? '[]')");
}

describeInBrowser('the counter app (/app) for a pharmacy', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await loadDemoDataIfEmpty(tdb.db);
    api = await startTestApi(tdb.db);
    base = api.server.url.replace(/\/graphql$/, '');
    token = await api.token(Role.PHARMACY, { clues: PHARMACY });
    for (let n = 0; (await inTransit()).length < 2; n++) await shipToPharmacy(n);
    ({ browser, context, page, problems } = await launchApp());
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await tdb?.drop();
  });

  test('a bad token is refused in Spanish; the real one signs in with the keyboard and the header says who', async () => {
    const res = await fetch(`${base}/app/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toMatch(/unsafe|https?:/);
    await page.goto(`${base}/app`);
    expect(page.url()).toBe(`${base}/app/`);
    await page.fill('#token', 'no-es-un-token');
    await page.click('#signin-form button[type=submit]');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('signin-error').textContent !== '');
    expect(await page.textContent('#signin-error')).toMatch(/no es válido/);
    await check('signin');
    problems.length = 0; // the 401 it was meant to get
    await signIn();
    expect(await page.textContent('#whoami')).toContain(`Farmacia · ${PHARMACY}`);
    expect(await page.textContent('.top .who strong')).toMatch(/hospital general chilpancingo/i);
  }, 60_000);

  test('Mi existencia: a clave searched, its lots opened', async () => {
    const clave = (await plentiful())[0];
    await page.waitForSelector('table.stock tbody');
    await check('existencia');
    await page.fill('#stock-search', clave);
    await page.keyboard.press('Enter');
    await page.waitForFunction((c) => {
      const d = (globalThis as any).document;
      return d.querySelectorAll('table.stock tbody').length === 1 && !!d.querySelector(`tbody[data-clave="${c}"]`);
    }, clave);
    const row = page.locator(`tbody[data-clave="${clave}"]`);
    expect(Number(await row.locator('[data-usable]').getAttribute('data-usable'))).toBe(await usable(clave));
    await row.locator('button[aria-expanded]').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('tr.lots li');
    const [lots] = await tdb.db.query(
      `SELECT count(*)::int AS n FROM stock_balance b JOIN establishment e ON e.id = b.establishment_id JOIN supply_item s ON s.id = b.supply_item_id
       WHERE e.clues = $1 AND s.clave = $2 AND b.quantity > 0`,
      [PHARMACY, clave],
    );
    expect(await page.locator('tr.lots li').count()).toBe(lots.n);
    await check('existencia-lotes');
    await docShot(page, 'app-farmacia');
    // a search that finds nothing says what to do
    await page.fill('#stock-search', 'zzzz-no-existe');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.empty');
    expect(await page.textContent('.empty')).toMatch(/Revise la clave/);
    expect(problems).toEqual([]);
  }, 60_000);

  test('Por recibir: a shipment received by exception, one lot rejected as damaged', async () => {
    const [shipment] = await inTransit();
    await go('recibir');
    await page.waitForSelector(`[data-number="${shipment.number}"]`);
    await check('recibir');
    await page.click(`button[data-open="${shipment.number}"]`);
    const lot = shipment.lines[0];
    const row = page.locator(`form[data-shipment="${shipment.number}"] tr[data-lot="${lot.lotNumber}"]`);
    await row.locator('input[name=diff]').check();
    await row.locator('input[name=accepted]').fill('0');
    await row.locator('select[name=reason]').selectOption('DAMAGED');
    await check('recibir-diferencia');
    await page.click(`form[data-shipment="${shipment.number}"] button[name=receive]`);
    await page.waitForSelector('[data-outcome="done"]');
    const lines = await tdb.db.query(
      `SELECT l.lot_number, sl.quantity, sl.accepted, sl.rejected, sl.rejection_reason FROM shipment sh JOIN shipment_line sl ON sl.shipment_id = sh.id
       JOIN lot l ON l.id = sl.lot_id WHERE sh.number = $1 AND sh.status = 'RECEIVED' ORDER BY sl.line`,
      [shipment.number],
    );
    expect(lines).toHaveLength(shipment.lines.length);
    for (const l of lines) {
      if (l.lot_number === lot.lotNumber) expect([l.accepted, l.rejected, l.rejection_reason]).toEqual([0, lot.quantity, 'DAMAGED']);
      else expect([l.accepted, l.rejected]).toEqual([l.quantity, 0]);
    }
    await page.waitForSelector(`[data-number="${shipment.number}"]`, { state: 'detached' });
    expect(problems).toEqual([]);
  }, 60_000);

  test('Dispensar: a two-line prescription, the fill shown after; too much is refused with the server’s message', async () => {
    const [a, b] = await plentiful();
    const before = [await usable(a), await usable(b)];
    await go('dispensar');
    await check('dispensar');
    // b from the lot that expires last (the box in the pharmacist's hand), not FEFO's
    const [late] = await tdb.db.query(
      `SELECT l.lot_number AS lot FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN establishment e ON e.id = b.establishment_id JOIN supply_item s ON s.id = b.supply_item_id
        WHERE e.clues = $1 AND s.clave = $2 AND b.quantity > 0 AND (l.expires_on IS NULL OR l.expires_on >= current_date) ORDER BY l.expires_on DESC NULLS FIRST LIMIT 1`,
      [PHARMACY, b],
    );
    await dispense('APP-0001', [{ clave: a, prescribed: 2 }, { clave: b, prescribed: 3, dispensed: 1, lot: late.lot }]);
    await page.waitForSelector('[data-outcome="done"] [data-detail]');
    // a's lots as the ledger has them (FEFO), b's the one named
    const fromA = await tdb.db.query(
      `SELECT l.lot_number AS lot, -sum(m.quantity)::int AS n FROM stock_movement m JOIN lot l ON l.id = m.lot_id JOIN supply_item s ON s.id = m.supply_item_id
        WHERE m.kind = 'DISPENSE' AND m.document = 'receta APP-0001' AND s.clave = $1 GROUP BY l.lot_number, l.expires_on ORDER BY l.expires_on NULLS LAST, l.lot_number`,
      [a],
    );
    const aLots = `lote${fromA.length > 1 ? 's' : ''} ${fromA.map((x: any) => `${x.lot}: ${x.n}`).join(', ')}`;
    expect(await page.textContent('[data-detail]')).toBe(`Receta APP-0001 surtida parcialmente — ${a}: 2 de 2 (${aLots}); ${b}: 1 de 3 (lote ${late.lot}: 1)`);
    expect([await usable(a), await usable(b)]).toEqual([before[0] - 2, before[1] - 1]);
    await check('dispensar-surtida');

    await dispense('APP-0002', [{ clave: a, prescribed: 99_999 }]);
    await page.waitForSelector('[data-outcome="failed"]');
    expect(await page.textContent('[data-outcome="failed"]')).toMatch(/existencia|piezas|insuficiente/i);
    await check('dispensar-error');
    const [none] = await tdb.db.query(`SELECT count(*)::int AS n FROM prescription WHERE folio = 'APP-0002'`);
    expect(none.n).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);

  test('Consumo de servicio: the ward’s pieces leave the pharmacy', async () => {
    const [, , c] = await plentiful();
    const before = await usable(c);
    await go('consumo');
    await check('consumo');
    await page.fill('#ward', 'Urgencias');
    await page.fill('#consume-clave', c);
    await page.fill('#consume-quantity', '4');
    await page.click('#consume');
    await page.waitForSelector('[data-outcome="done"]');
    expect(await usable(c)).toBe(before - 4);
    expect(problems).toEqual([]);
  }, 60_000);

  test('Mi pedido: a draft from the suggestion, one line changed, sent to the warehouse and followed', async () => {
    await go('pedido');
    await page.waitForSelector('#order-create, [data-status="DRAFT"]');
    if (await page.locator('#order-create').count()) {
      await check('pedido-sugerencia');
      await page.click('#order-create');
    }
    const draft = page.locator('[data-status="DRAFT"]');
    await draft.waitFor();
    const number = await draft.getAttribute('data-order');
    const first = draft.locator('tbody tr').first();
    const clave = await first.getAttribute('data-clave');
    await first.locator('input[name=requested]').fill('7');
    await page.click('#order-save');
    await page.waitForFunction(() => !(globalThis as any).document.querySelector('#order-save:not([disabled])'));
    await check('pedido-borrador');
    await page.click('#order-submit');
    await page.waitForSelector(`[data-order="${number}"][data-status="SUBMITTED"]`);
    const [line] = await tdb.db.query(
      `SELECT o.status, l.requested FROM supply_order o JOIN supply_order_line l ON l.order_id = o.id JOIN supply_item s ON s.id = l.supply_item_id WHERE o.number = $1 AND s.clave = $2`,
      [number, clave],
    );
    expect(line).toEqual({ status: 'SUBMITTED', requested: 7 });
    await check('pedido-enviado');
    expect(problems).toEqual([]);
  }, 60_000);

  test('the keyboard alone: to Dispensar and a prescription recorded without the mouse', async () => {
    const [clave] = await plentiful();
    await page.focus('nav a[data-view="dispensar"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.tagName === 'H1');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Dispensar');
    await page.keyboard.press('Tab');
    await page.keyboard.insertText('APP-TECLADO');
    // past the date (today; Chromium stops on its day, month and year)
    for (let i = 0; i < 6 && (await page.evaluate('document.activeElement.name')) !== 'clave'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.name')).toBe('clave');
    await page.keyboard.insertText(clave);
    await page.keyboard.press('Tab');
    await page.keyboard.insertText('2');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-outcome="done"] [data-detail]');
    expect(await page.textContent('[data-detail]')).toMatch(new RegExp(`^Receta APP-TECLADO surtida completa — ${clave.replace(/\./g, '\\.')}: 2 de 2 \\(lotes? `));
    // the form is ready for the next prescription
    expect(await page.evaluate('document.activeElement.id')).toBe('folio');
  }, 60_000);

  test('offline: three dispensings and a receipt wait as pending, and reach the ledger exactly once when the network returns', async () => {
    const [shipment] = await inTransit();
    const claves = (await plentiful()).slice(0, 3);
    // read while online: the shipments to receive are then in the local cache
    await go('recibir');
    await page.waitForSelector(`[data-number="${shipment.number}"]`);
    const sent: string[] = [];
    // writes that reached the server (attempts made offline fail in the browser and are not counted)
    page.on('requestfinished', (r) => r.method() === 'POST' && /mutation/.test(r.postData() ?? '') && sent.push(r.postData()!));

    await context.setOffline(true);
    await page.waitForSelector('.net.off');
    await go('dispensar');
    for (const [i, clave] of claves.entries()) {
      await dispense(`APP-OFF-${i + 1}`, [{ clave, prescribed: i + 1 }]);
      // functions, not strings: the page's CSP forbids evaluating strings
      await page.waitForFunction(
        (n) => JSON.parse((globalThis as any).localStorage.getItem('abasto.outbox') ?? '[]').filter((w: any) => w.status === 'pending').length === n,
        i + 1,
      );
      await page.waitForSelector('[data-outcome="pending"]');
    }
    await go('recibir');
    await page.waitForSelector(`[data-number="${shipment.number}"]`);
    expect(await page.textContent('.readat')).toMatch(/sin conexión/);
    await page.click(`button[data-open="${shipment.number}"]`);
    await page.click(`form[data-shipment="${shipment.number}"] button[name=receive]`);
    await page.waitForSelector(`[data-number="${shipment.number}"] [data-outcome="pending"]`);
    await go('envios');
    // the list is read from the browser's outbox once the view is up: wait for it, then count
    await page.locator('.writes li[data-status="pending"]').nth(3).waitFor();
    expect(await page.locator('.writes li[data-status="pending"]').count()).toBe(4);
    expect(await page.textContent('nav a[data-view="envios"]')).toContain('4 pendientes');
    await check('envios-sin-conexion');
    const keys = (await outbox()).filter((w) => w.status === 'pending').map((w) => w.key);
    expect(keys).toHaveLength(4);
    const [nothing] = await tdb.db.query(`SELECT count(*)::int AS n FROM stock_movement WHERE idempotency_key = ANY($1)`, [keys]);
    expect(nothing.n).toBe(0);

    await context.setOffline(false);
    await page.waitForFunction(() => JSON.parse((globalThis as any).localStorage.getItem('abasto.outbox') ?? '[]').every((w: any) => w.status !== 'pending'), undefined, { timeout: 30_000 });
    expect((await outbox()).filter((w) => keys.includes(w.key)).map((w) => [w.status, w.messages])).toEqual(keys.map(() => ['done', []]));
    await check('envios-enviados');

    const ledger = async () =>
      tdb.db.query(
        `SELECT idempotency_key AS key, kind, count(*)::int AS movements, sum(quantity)::int AS pieces FROM stock_movement
         WHERE idempotency_key = ANY($1) GROUP BY 1, 2 ORDER BY 2, 1`,
        [keys],
      );
    const after = await ledger();
    expect(after.map((r: any) => r.kind).sort()).toEqual(['DISPENSE', 'DISPENSE', 'DISPENSE', 'TRANSFER_IN']);
    const prescriptions = await tdb.db.query(`SELECT folio FROM prescription WHERE idempotency_key = ANY($1) ORDER BY folio`, [keys]);
    expect(prescriptions.map((p: any) => p.folio)).toEqual(['APP-OFF-1', 'APP-OFF-2', 'APP-OFF-3']);
    const dispensed = after.filter((r: any) => r.kind === 'DISPENSE').map((r: any) => -r.pieces).sort();
    expect(dispensed).toEqual([1, 2, 3]);
    const received = after.find((r: any) => r.kind === 'TRANSFER_IN');
    expect(received.pieces).toBe(shipment.lines.reduce((n, l) => n + l.quantity, 0));
    expect(sent).toHaveLength(4);

    // a reload and another drop and return of the network send nothing again
    await page.reload();
    await page.waitForSelector('#whoami');
    await context.setOffline(true);
    await context.setOffline(false);
    await page.waitForTimeout(1500);
    expect(sent).toHaveLength(4);
    expect(await ledger()).toEqual(after);

    // opened again without a network: the page comes from the service worker, my stock from the local cache
    await page.waitForFunction(() => !!(globalThis as any).navigator.serviceWorker?.controller, undefined, { timeout: 10_000 });
    await go('existencia');
    await page.waitForSelector('table.stock tbody');
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('table.stock tbody', { timeout: 15_000 });
    expect(await page.textContent('.readat')).toMatch(/Leído del servidor: .*sin conexión/);
    await check('existencia-sin-conexion');
    await context.setOffline(false);
    expect(problems.filter((p) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(p))).toEqual([]);
  }, 120_000);

  test('a write queued offline that the server then refuses is shown with the server’s Spanish message', async () => {
    const [clave] = await plentiful();
    await go('dispensar');
    await context.setOffline(true);
    await dispense('APP-OFF-TOO-MUCH', [{ clave, prescribed: 99_999 }]);
    await page.waitForSelector('[data-outcome="pending"]');
    await context.setOffline(false);
    await page.waitForSelector('[data-outcome="failed"]', { timeout: 30_000 });
    expect(await page.textContent('[data-outcome="failed"]')).toMatch(/Existencia utilizable insuficiente/);
    const [none] = await tdb.db.query(`SELECT count(*)::int AS n FROM prescription WHERE folio = 'APP-OFF-TOO-MUCH'`);
    expect(none.n).toBe(0);
  }, 60_000);

  test('Salir returns to sign-in; an expired token does too', async () => {
    await page.click('#signout');
    await page.waitForSelector('#signin-form');
    // this user's list of writes is not left on the computer for the next one
    expect(await outbox()).toEqual([]);
    expect(await page.evaluate("sessionStorage.getItem('abasto.token')")).toBeNull();
    // a token that expired while the tab was open
    const expired = await api.token(Role.PHARMACY, { clues: PHARMACY });
    await page.evaluate(`sessionStorage.setItem('abasto.token', ${JSON.stringify(expired.slice(0, -4) + 'AAAA')})`);
    await page.evaluate(`sessionStorage.setItem('abasto.me', JSON.stringify({ role: 'PHARMACY', subject: 'x', clues: 'GRSSA015854', canWrite: true, establishment: { name: 'x' }, state: null }))`);
    await page.reload();
    await page.waitForSelector('#signin-form .field');
    await page.waitForSelector('.notice');
    expect(await page.textContent('.notice')).toMatch(/venció|no es válido/);
  }, 60_000);
});
