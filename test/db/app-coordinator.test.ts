import { Browser, Page } from 'playwright-core';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { checkView, describeInBrowser, docShot, go, launchApp, signIn } from '../support/app-page';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The state coordinator in the counter app (/app): Guerrero's orders waiting for approval, each line
 * beside what the supplying warehouse holds and can still promise; one order cut to what is available
 * and approved, one rejected with a reason — the database holds exactly those decisions.
 */
const PHARMACY = 'GRSSA015854';
const WAREHOUSE = 'GRSSA019419';

let tdb: TestDatabase;
let api: TestApi;
let browser: Browser;
let page: Page;
let problems: string[];
let base: string;
const orders: string[] = [];

/** usable − pending out at the warehouse, from the ledger and the open orders (SPEC §4), per clave. */
async function availableAtWarehouse(clave: string): Promise<{ usable: number; available: number }> {
  const [row] = await tdb.db.query(
    `SELECT (SELECT coalesce(sum(b.quantity), 0) FROM stock_balance b JOIN lot l ON l.id = b.lot_id
              WHERE b.establishment_id = w.id AND b.supply_item_id = s.id AND (l.expires_on IS NULL OR l.expires_on >= current_date))::int AS usable,
            (SELECT coalesce(sum(ol.approved - ol.dispatched), 0) FROM supply_order o JOIN supply_order_line ol ON ol.order_id = o.id
              WHERE o.supplying_id = w.id AND ol.supply_item_id = s.id AND o.status IN ('APPROVED', 'PARTIALLY_FULFILLED'))::int AS pending
       FROM establishment w, supply_item s WHERE w.clues = $1 AND s.clave = $2`,
    [WAREHOUSE, clave],
  );
  return { usable: row.usable, available: Math.max(0, row.usable - row.pending) };
}

describeInBrowser('the counter app (/app) for a state coordinator', () => {
  let claves: string[];
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await loadDemoDataIfEmpty(tdb.db);
    api = await startTestApi(tdb.db);
    base = api.server.url.replace(/\/graphql$/, '');
    const pharmacy = await api.token(Role.PHARMACY, { clues: PHARMACY });
    const wh = await api.token(Role.WAREHOUSE, { clues: WAREHOUSE });
    const theirs = await api.gql(`{ stockLevels(clues: "${WAREHOUSE}", first: 100, filter: { statuses: [ADEQUATE, OVERSTOCKED] }) { edges { node { clave usable } } } }`, {}, wh);
    claves = theirs.data.stockLevels.edges.map((e: any) => e.node).filter((s: any) => s.usable >= 20 && s.usable < 5000).map((s: any) => s.clave).slice(0, 3);
    // order 1 asks for more of its first clave than the warehouse holds; order 2 is the one rejected
    const usable0 = (await availableAtWarehouse(claves[0])).usable;
    for (const [n, lines] of [[1, [{ clave: claves[0], quantity: usable0 + 500 }, { clave: claves[1], quantity: 5 }]], [2, [{ clave: claves[2], quantity: 7 }]]] as const) {
      const r = await api.mutate(pharmacy, 'orderCreate', 'OrderCreateInput', { idempotencyKey: `coord-${n}`, kind: 'REPLENISHMENT', requestingClues: PHARMACY, lines }, 'order { number }');
      await api.mutate(pharmacy, 'orderSubmit', 'OrderNumberInput', { number: r.order.number });
      orders.push(r.order.number);
    }
    ({ browser, page, problems } = await launchApp());
    await signIn(page, base, await api.token(Role.STATE_COORDINATOR, { state: '12' }));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await tdb?.drop();
  });

  test('signing in lands on Por aprobar; each line shows the warehouse’s usable and available pieces', async () => {
    expect(await page.evaluate('location.hash')).toBe('#/aprobar');
    expect(await page.textContent('#whoami')).toContain('Coordinación estatal');
    const card = page.locator(`[data-order="${orders[0]}"]`);
    await card.waitFor();
    for (const clave of claves.slice(0, 2)) {
      const row = card.locator(`tr[data-clave="${clave}"]`);
      const { usable, available } = await availableAtWarehouse(clave);
      expect([Number(await row.locator('[data-usable]').getAttribute('data-usable')), Number(await row.locator('[data-available]').getAttribute('data-available'))]).toEqual([usable, available]);
    }
    // the first line asks for more than is available: marked
    await card.locator(`tr[data-clave="${claves[0]}"].short`).waitFor();
    await checkView(page, 'coord-aprobar');
    await docShot(page, 'app-coordinacion');
    expect(problems).toEqual([]);
  }, 60_000);

  test('Recortar a lo disponible, one line cut further by hand, Aprobar: the order holds those approvals', async () => {
    const card = page.locator(`[data-order="${orders[0]}"]`);
    const a0 = (await availableAtWarehouse(claves[0])).available;
    await card.locator('button[name=cut]').click();
    expect(await card.locator(`tr[data-clave="${claves[0]}"] input[name=approved]`).inputValue()).toBe(String(a0));
    await card.locator(`tr[data-clave="${claves[1]}"] input[name=approved]`).fill('3');
    await card.locator('button[name=approve]').click();
    await page.locator('#approve-done').waitFor();
    expect(await page.textContent('#approve-done')).toContain(`Orden ${orders[0]} aprobada: ${(a0 + 3).toLocaleString('es-MX')} de`);
    const lines = await tdb.db.query(
      `SELECT s.clave, l.requested, l.approved, o.status FROM supply_order o JOIN supply_order_line l ON l.order_id = o.id JOIN supply_item s ON s.id = l.supply_item_id WHERE o.number = $1 ORDER BY s.clave`,
      [orders[0]],
    );
    const usable0 = (await availableAtWarehouse(claves[0])).usable;
    expect(lines.map((l: any) => [l.clave, l.approved, l.status])).toEqual(
      [[claves[0], a0, 'APPROVED'], [claves[1], 3, 'APPROVED']].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(usable0).toBeGreaterThanOrEqual(a0);
    // the approved order left the list
    await page.locator(`[data-order="${orders[0]}"]`).waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  }, 60_000);

  test('Rechazar needs a reason; with one, the order is cancelled with it and leaves the list', async () => {
    const card = page.locator(`[data-order="${orders[1]}"]`);
    await card.locator('button[name=reject]').click();
    await card.locator('button[name=reject]').click(); // «Confirmar rechazo» without a reason
    expect(await card.locator('.error').textContent()).toMatch(/Escriba el motivo/);
    await card.locator('input[name=reason]').fill('Ya se surtió con la ruta de este mes');
    await checkView(page, 'coord-rechazo');
    await card.locator('button[name=reject]').click();
    await page.locator(`[data-order="${orders[1]}"]`).waitFor({ state: 'detached' });
    const [o] = await tdb.db.query(`SELECT status, end_reason FROM supply_order WHERE number = $1`, [orders[1]]);
    expect(o).toEqual({ status: 'CANCELLED', end_reason: 'Ya se surtió con la ruta de este mes' });
    expect(problems).toEqual([]);
  }, 60_000);

  test('Desabasto en mi estado: the units with claves stocked out, most first, as the API counts them', async () => {
    await go(page, 'desabasto');
    await page.locator('#stockouts-summary').waitFor();
    const coord = await api.token(Role.STATE_COORDINATOR, { state: '12' });
    const r = await api.gql(`{ stateStockOuts(stateCode: "12", first: 100, clavesPerUnit: 10) { units unitsWithStockOuts rows { clues stockedOut claves { clave } } } }`, {}, coord);
    const outs = r.data.stateStockOuts;
    const summary = await page.textContent('#stockouts-summary');
    expect(summary).toContain(`${outs.unitsWithStockOuts} de ${outs.units} unidades de Guerrero`);
    const cards = page.locator('li[data-clues]');
    expect(await cards.count()).toBe(outs.rows.length);
    expect(await cards.first().getAttribute('data-clues')).toBe(outs.rows[0].clues);
    await cards.first().locator('button[aria-expanded]').click();
    const shown = await cards.first().locator('tbody tr').evaluateAll((rows) => rows.map((tr) => tr.getAttribute('data-clave')));
    expect(shown).toEqual(outs.rows[0].claves.map((c: any) => c.clave));
    await checkView(page, 'coord-desabasto');
    expect(problems).toEqual([]);
  }, 60_000);
});
