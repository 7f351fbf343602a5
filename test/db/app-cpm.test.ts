import { Browser, Page } from 'playwright-core';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { checkView, describeInBrowser, go, launchApp, signIn } from '../support/app-page';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * Mi CPM in the counter app (/app): the demo pharmacy's ratified CPM for this year is returned by central
 * with a reason; the pharmacy sees the reason, the calculation behind a value, raises one clave beyond
 * +50 % (the justification is asked for before anything is sent), saves, and ratifies — the database holds
 * exactly that value, its justification and the status.
 */
const PHARMACY = 'GRSSA015854';
const YEAR = new Date().getFullYear();
const REASON = 'Revise el CPM de las claves de temporada';

let tdb: TestDatabase;
let api: TestApi;
let browser: Browser;
let page: Page;
let problems: string[];
let line: { clave: string; calculated: number; cpm: number };

async function dbSubmission(): Promise<{ status: string; ratified_by: string | null }> {
  const [row] = await tdb.db.query(
    `SELECT s.status, s.ratified_by FROM cpm_submission s JOIN establishment e ON e.id = s.establishment_id WHERE e.clues = $1 AND s.year = $2`,
    [PHARMACY, YEAR],
  );
  return row;
}

describeInBrowser('the counter app (/app): Mi CPM', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await loadDemoDataIfEmpty(tdb.db);
    api = await startTestApi(tdb.db);
    const base = api.server.url.replace(/\/graphql$/, '');
    expect((await dbSubmission()).status).toBe('RATIFIED');
    await api.mutate(await api.token(Role.CENTRAL), 'cpmSubmissionReturn', 'CpmSubmissionReturnInput', { clues: PHARMACY, year: YEAR, reason: REASON });
    // a line with a calculated value of at least 4, from the database
    [line] = await tdb.db.query(
      `SELECT i.clave, l.calculated, l.cpm FROM cpm_submission_line l JOIN cpm_submission s ON s.id = l.submission_id
         JOIN establishment e ON e.id = s.establishment_id JOIN supply_item i ON i.id = l.supply_item_id
        WHERE e.clues = $1 AND s.year = $2 AND l.calculated >= 4 ORDER BY l.calculated DESC, i.clave LIMIT 1`,
      [PHARMACY, YEAR],
    );
    ({ browser, page, problems } = await launchApp());
    await signIn(page, base, await api.token(Role.PHARMACY, { clues: PHARMACY }));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await tdb?.drop();
  });

  test('the returned submission: its status and reason, each clave’s calculated value, and where it comes from', async () => {
    await go(page, 'cpm');
    await page.locator('#cpm-status[data-status="RETURNED"]').waitFor();
    expect(await page.textContent('#cpm-returned')).toBe(`Motivo de la devolución: ${REASON}`);
    await page.fill('#cpm-search', line.clave);
    const row = page.locator(`tbody[data-clave="${line.clave}"]`);
    expect(Number(await row.locator('[data-calculated]').getAttribute('data-calculated'))).toBe(line.calculated);
    expect(await row.locator('input[name=cpm]').inputValue()).toBe(String(line.cpm));
    await row.getByRole('button', { name: '¿De dónde sale?' }).click();
    const why = page.locator(`#behind-${line.clave.replace(/\./g, '\\.')}`);
    await why.locator('[data-calc-value]').waitFor();
    // the same calculation the API gives for the month the proposal started from, month by month
    const sub = (await api.gql(`{ cpmSubmission(clues: "${PHARMACY}", year: ${YEAR}) { calculatedFrom } }`, {}, await api.token(Role.CENTRAL))).data.cpmSubmission;
    const calc = (
      await api.gql(
        `{ cpmCalculation(clues: "${PHARMACY}", clave: "${line.clave}", month: "${sub.calculatedFrom}") { value lookbackMonths months { month consumption } } }`,
        {},
        await api.token(Role.CENTRAL),
      )
    ).data.cpmCalculation;
    expect(await why.locator('[data-calc-value]').textContent()).toBe(calc.value.toLocaleString('es-MX'));
    expect(await why.locator('tr[data-month]').count()).toBe(calc.lookbackMonths);
    for (const m of calc.months) expect(await why.locator(`tr[data-month="${m.month}"] td`).first().textContent()).toBe(m.consumption.toLocaleString('es-MX'));
    await checkView(page, 'cpm');
    expect(problems).toEqual([]);
  }, 60_000);

  test('a value beyond +50 % asks for a justification before anything is sent; saved with one, then ratified', async () => {
    const row = page.locator(`tbody[data-clave="${line.clave}"]`);
    const raised = line.calculated * 2; // +100 %
    await row.locator('input[name=cpm]').fill(String(raised));
    expect(await row.locator('td[data-label="Desviación"]').textContent()).toBe('+100 %');
    expect(await row.locator('input[name=justification]').getAttribute('placeholder')).toMatch(/Requerida/);
    // without a justification the app says so and sends nothing
    await page.locator('#cpm-save').click();
    expect(await page.textContent('#cpm-error')).toBe(`${line.clave}: el valor se aleja más del 50 % del calculado; escriba la justificación.`);
    expect(await dbSubmission()).toEqual({ status: 'RETURNED', ratified_by: null });
    await row.locator('input[name=justification]').fill('Campaña de vacunación en la región');
    await page.locator('#cpm-save').click();
    await page.locator('#cpm-status[data-status="PROPOSED"]').waitFor();
    const [saved] = await tdb.db.query(
      `SELECT l.cpm, l.calculated, l.justification FROM cpm_submission_line l JOIN cpm_submission s ON s.id = l.submission_id
         JOIN establishment e ON e.id = s.establishment_id JOIN supply_item i ON i.id = l.supply_item_id
        WHERE e.clues = $1 AND s.year = $2 AND i.clave = $3`,
      [PHARMACY, YEAR, line.clave],
    );
    expect(saved).toEqual({ cpm: raised, calculated: line.calculated, justification: 'Campaña de vacunación en la región' });
    expect(await dbSubmission()).toEqual({ status: 'PROPOSED', ratified_by: null });

    await page.locator('#cpm-ratify').click();
    await page.locator('#cpm-status[data-status="RATIFIED"]').waitFor();
    expect(await dbSubmission()).toEqual({ status: 'RATIFIED', ratified_by: 'test-pharmacy' });
    const actions = await page.locator('#cpm-history li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-action')));
    expect(actions.slice(-3)).toEqual(['RETURNED', 'UPDATED', 'RATIFIED']);
    // frozen: nothing to edit any more
    expect(await page.locator('table.cpm input').count()).toBe(0);
    await checkView(page, 'cpm-ratificado');
    expect(problems).toEqual([]);
  }, 60_000);
});
