import { Role } from '../../src/domain/enums';
import { storeCpmBatch } from '../../src/modules/cpm/cpm.queries';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

let tdb: TestDatabase;
let api: TestApi;
let admin: string;
let pharmacy: string;
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const UNIT = 'GRSSA000001';

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  admin = await api.token(Role.ADMIN);
  pharmacy = await api.token(Role.PHARMACY, { clues: UNIT });

  // The SPEC §4 example at GRSSA000001, paracetamol, in 2025:
  //   a lot of 300 pieces arrives on 1 January and expires on 14 February;
  //   January: 90 consumed, never out → a = 90;
  //   February (28 days): 56 consumed by the 14th, then the only lot has expired: 14 stock-out days → a = 56 × 28 / 14 = 112;
  //   March: nothing usable all month → left out;
  //   CPM for April (lookback 3) = ⌈(90 + 112) / 2⌉ = 101.
  const ops: Array<[string, Record<string, unknown>]> = [
    ['stockReceive', { clues: UNIT, receivedAt: '2025-01-01T08:00:00-06:00', lines: [{ clave: PARA, lotNumber: 'SPEC-A', expiresOn: '2025-02-14', acceptedQuantity: 300 }] }],
    ['stockConsume', { clues: UNIT, occurredAt: '2025-01-10T10:00:00-06:00', lines: [{ clave: PARA, quantity: 40 }] }],
    ['stockConsume', { clues: UNIT, occurredAt: '2025-01-31T23:30:00-06:00', lines: [{ clave: PARA, quantity: 50 }] }],
    ['stockConsume', { clues: UNIT, occurredAt: '2025-02-14T18:00:00-06:00', lines: [{ clave: PARA, quantity: 56 }] }],
    // A consumption recorded by mistake and reversed did not happen.
    ['stockConsume', { clues: UNIT, occurredAt: '2025-01-20T10:00:00-06:00', lines: [{ clave: PARA, quantity: 7 }] }],
  ];
  let i = 0;
  for (const [mutation, input] of ops) {
    const type = mutation === 'stockReceive' ? 'StockReceiveInput' : 'StockConsumeInput';
    const r = await api.gql(`mutation($i: ${type}!) { ${mutation}(input: $i) { movements { id } userErrors { code message } } }`, { i: { idempotencyKey: `cpm-${i++}`, ...input } }, admin);
    expect(r.data[mutation].userErrors).toEqual([]);
    if (input.lines && (input.lines as any[])[0].quantity === 7) {
      const rev = await api.gql(
        `mutation($i: StockMovementReverseInput!) { stockMovementReverse(input: $i) { userErrors { code } } }`,
        { i: { idempotencyKey: 'cpm-rev', movementId: r.data[mutation].movements[0].id, reason: 'capturado por error' } },
        admin,
      );
      expect(rev.data.stockMovementReverse.userErrors).toEqual([]);
    }
  }
});
afterAll(() => stopNetworkApi(api, tdb));

const CALC = `query($clues: String!, $clave: String!, $month: String!, $lookback: Int, $exclude: [String!]) {
  cpmCalculation(clues: $clues, clave: $clave, month: $month, lookbackMonths: $lookback, excludeMonths: $exclude) {
    clues clave month lookbackMonths excludeMonths value reason monthsKept adjustedTotal formula
    months { month consumption stockOutDays days adjusted included excludedReason } } }`;

async function calc(vars: Record<string, unknown>, token = pharmacy): Promise<any> {
  const r = await api.gql(CALC, { clues: UNIT, clave: PARA, month: '2025-04', lookback: 3, ...vars }, token);
  expect(r.errors).toBeUndefined();
  return r.data.cpmCalculation;
}

describe('cpmCalculation', () => {
  test('the SPEC example gives 101, with every input shown', async () => {
    const c = await calc({});
    expect(c).toMatchObject({ clues: UNIT, clave: PARA, month: '2025-04', lookbackMonths: 3, excludeMonths: [], value: 101, reason: null, monthsKept: 2, adjustedTotal: 202 });
    expect(c.formula).toMatch(/⌈Σ a\(m\) \/ k⌉/);
    expect(c.months).toEqual([
      { month: '2025-01', consumption: 90, stockOutDays: 0, days: 31, adjusted: 90, included: true, excludedReason: null },
      { month: '2025-02', consumption: 56, stockOutDays: 14, days: 28, adjusted: 112, included: true, excludedReason: null },
      { month: '2025-03', consumption: 0, stockOutDays: 31, days: 31, adjusted: null, included: false, excludedReason: 'STOCKED_OUT_ALL_MONTH' },
    ]);
  });

  test('an excluded month is left out: January alone gives 90', async () => {
    const c = await calc({ exclude: ['2025-02'] });
    expect(c.value).toBe(90);
    expect(c.months[1]).toMatchObject({ month: '2025-02', included: false, excludedReason: 'EXCLUDED' });
  });

  test('months before the location’s first ledger entry are left out', async () => {
    // Lookback 6 for April: October–December 2024 lie before the first entry (1 January 2025).
    const c = await calc({ lookback: 6 });
    expect(c.months.map((m: any) => [m.month, m.excludedReason])).toEqual([
      ['2024-10', 'BEFORE_FIRST_ENTRY'],
      ['2024-11', 'BEFORE_FIRST_ENTRY'],
      ['2024-12', 'BEFORE_FIRST_ENTRY'],
      ['2025-01', null],
      ['2025-02', null],
      ['2025-03', 'STOCKED_OUT_ALL_MONTH'],
    ]);
    expect(c.value).toBe(101);
  });

  test('NO_DATA when no month can be kept', async () => {
    expect(await calc({ clave: GASA })).toMatchObject({ value: null, reason: 'NO_DATA', monthsKept: 0 });
    expect(await calc({ month: '2025-01' })).toMatchObject({ value: null, reason: 'NO_DATA' }); // Oct–Dec 2024: before the first entry
    const elsewhere = await api.gql(CALC, { clues: 'OCSSA000001', clave: PARA, month: '2025-04', lookback: 3 }, admin);
    expect(elsewhere.data.cpmCalculation).toMatchObject({ value: null, reason: 'NO_DATA' });
  });

  test('the lookback moves with the month', async () => {
    // For March (lookback 3: Dec–Feb): January 90, February 112 → 101 again; December before the first entry.
    expect((await calc({ month: '2025-03' })).value).toBe(101);
  });

  test('bad arguments and scope', async () => {
    for (const [vars, code] of [
      [{ month: '2025-13' }, 'INVALID_MONTH'],
      [{ month: '2999-01' }, 'MONTH_IN_FUTURE'],
      [{ lookback: 2 }, 'OUT_OF_RANGE'],
      [{ lookback: 13 }, 'OUT_OF_RANGE'],
      [{ exclude: ['2025-2'] }, 'INVALID_MONTH'],
      [{ clave: '010.000.9999.00' }, 'UNKNOWN_CLAVE'],
      [{ clues: 'OCSSA000001' }, 'FORBIDDEN'],
    ] as Array<[Record<string, unknown>, string]>) {
      const r = await api.gql(CALC, { clues: UNIT, clave: PARA, month: '2025-04', lookback: 3, ...vars }, pharmacy);
      expect([vars, r.errors?.[0].extensions?.code]).toEqual([vars, code]);
    }
  });
});

describe('batch', () => {
  test('stores the same value as the single calculation for every location × authorised clave', async () => {
    const ids: Array<{ id: number }> = await tdb.db.query('SELECT id FROM establishment ORDER BY id');
    const stored = await storeCpmBatch(tdb.db, ids.map((r) => r.id), '2025-04-01', 3);
    // 9 establishments; units get the claves authorised for their level (a mobile unit, the first level's),
    // warehouses all 3: paracetamol and gasa are authorised for every level, trastuzumab only THIRD.
    const [{ expected }] = await tdb.db.query(`
      SELECT count(*)::int AS expected FROM establishment e JOIN supply_item s
          ON EXISTS (SELECT 1 FROM warehouse w WHERE w.establishment_id = e.id) OR e.care_level = ANY (s.authorized_levels)`);
    expect(stored).toBe(expected);
    const rows = await tdb.db.query(`
      SELECT e.clues, s.clave, c.value, c.reason FROM cpm_calculation c JOIN establishment e ON e.id = c.establishment_id
        JOIN supply_item s ON s.id = c.supply_item_id WHERE c.month = '2025-04-01' AND c.value IS NOT NULL`);
    expect(rows).toEqual([{ clues: UNIT, clave: PARA, value: 101, reason: null }]);
  });
});

describe('submissions', () => {
  const SUB = 'submission { clues year status calculatedFrom proposedBy ratifiedBy lines { clave cpm calculated deviation justification supplyItem { description } } history { action actor reason linesChanged } } userErrors { code field message }';
  const m = (name: string, type: string) => `mutation($i: ${type}!) { ${name}(input: $i) { ${SUB} } }`;
  const PROPOSE = m('cpmSubmissionPropose', 'CpmSubmissionKeyInput');
  const UPDATE = m('cpmSubmissionUpdate', 'CpmSubmissionUpdateInput');
  const RATIFY = m('cpmSubmissionRatify', 'CpmSubmissionKeyInput');
  const RETURN = m('cpmSubmissionReturn', 'CpmSubmissionReturnInput');
  const YEAR = 2025; // proposed from December 2025's calculation (or this month's, earlier in the year)

  async function send(q: string, i: Record<string, unknown>, token = pharmacy): Promise<any> {
    const r = await api.gql(q, { i }, token);
    expect(r.errors).toBeUndefined();
    return Object.values(r.data)[0];
  }

  test('propose → update (justified) → ratify; frozen until central returns it', async () => {
    // A CPM for 2025 proposed from the ledger; paracetamol is the only clave with a value.
    const proposed = await send(PROPOSE, { clues: UNIT, year: YEAR });
    expect(proposed.userErrors).toEqual([]);
    expect(proposed.submission).toMatchObject({ clues: UNIT, year: YEAR, status: 'PROPOSED', proposedBy: 'test-pharmacy' });
    const calculated = proposed.submission.lines.find((l: any) => l.clave === PARA)?.calculated ?? null;
    expect(proposed.submission.history.map((h: any) => h.action)).toEqual(['PROPOSED']);

    // More than 50 % away without a justification is refused; with one it is kept.
    const far = await send(UPDATE, { clues: UNIT, year: YEAR, lines: [{ clave: GASA, cpm: 300 }] });
    expect(far.userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')])).toEqual([['JUSTIFICATION_REQUIRED', 'lines.0.justification']]);
    const ok = await send(UPDATE, { clues: UNIT, year: YEAR, lines: [{ clave: GASA, cpm: 300, justification: 'apertura de quirófano' }] });
    expect(ok.userErrors).toEqual([]);
    expect(ok.submission.lines.find((l: any) => l.clave === GASA)).toMatchObject({ cpm: 300, calculated: null, deviation: null, justification: 'apertura de quirófano' });
    if (calculated) {
      const near = await send(UPDATE, { clues: UNIT, year: YEAR, lines: [{ clave: PARA, cpm: Math.round(calculated * 1.5) }] });
      expect(near.userErrors).toEqual([]);
    }

    // Another unit's user cannot ratify it; the unit can.
    const other = await api.token(Role.PHARMACY, { clues: 'GRSSA000002' });
    expect((await api.gql(RATIFY, { i: { clues: UNIT, year: YEAR } }, other)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
    expect((await api.gql(RATIFY, { i: { clues: UNIT, year: YEAR } }, coordinator)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const ratified = await send(RATIFY, { clues: UNIT, year: YEAR });
    expect(ratified.submission).toMatchObject({ status: 'RATIFIED', ratifiedBy: 'test-pharmacy' });

    // Frozen: no edit, no re-proposal, no second ratification.
    expect((await send(UPDATE, { clues: UNIT, year: YEAR, lines: [{ clave: GASA, cpm: 1, justification: 'x' }] })).userErrors[0].code).toBe('SUBMISSION_FROZEN');
    expect((await send(PROPOSE, { clues: UNIT, year: YEAR })).userErrors[0].code).toBe('SUBMISSION_FROZEN');
    expect((await send(RATIFY, { clues: UNIT, year: YEAR })).userErrors[0].code).toBe('INVALID_STATUS');

    // Only central returns it, with a reason; then it can be edited and ratified again.
    expect((await api.gql(RETURN, { i: { clues: UNIT, year: YEAR, reason: 'x' } }, pharmacy)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const central = await api.token(Role.CENTRAL);
    const returned = await send(RETURN, { clues: UNIT, year: YEAR, reason: 'gasa fuera de rango histórico' }, central);
    expect(returned.submission).toMatchObject({ status: 'RETURNED', ratifiedBy: null });
    const fixed = await send(UPDATE, { clues: UNIT, year: YEAR, lines: [{ clave: GASA, cpm: 150, justification: 'ajustado con la coordinación' }] });
    expect(fixed.submission.status).toBe('PROPOSED');
    const again = await send(RATIFY, { clues: UNIT, year: YEAR }, central);
    expect(again.submission.status).toBe('RATIFIED');
    expect(again.submission.history.map((h: any) => [h.action, h.actor, h.reason])).toEqual([
      ['PROPOSED', 'test-pharmacy', expect.stringMatching(/^calculado a \d{4}-\d{2}$/)],
      ['UPDATED', 'test-pharmacy', null],
      ...(calculated ? [['UPDATED', 'test-pharmacy', null]] : []),
      ['RATIFIED', 'test-pharmacy', null],
      ['RETURNED', 'test-central', 'gasa fuera de rango histórico'],
      ['UPDATED', 'test-pharmacy', null],
      ['RATIFIED', 'test-central', null],
    ]);

    const read = await api.gql(`{ cpmSubmission(clues: "${UNIT}", year: ${YEAR}) { status lines { clave cpm } } }`, {}, pharmacy);
    expect(read.data.cpmSubmission.status).toBe('RATIFIED');
    expect((await api.gql(`{ cpmSubmission(clues: "${UNIT}", year: 2019) { status } }`, {}, pharmacy)).data.cpmSubmission).toBeNull();
  });

  test('bad lines write nothing', async () => {
    const r = await send(PROPOSE, { clues: 'GRSSA000002', year: YEAR }, admin);
    expect(r.userErrors).toEqual([]);
    const before = JSON.stringify(await tdb.db.query('SELECT * FROM cpm_submission_line ORDER BY submission_id, supply_item_id'));
    const bad = await send(UPDATE, {
      clues: 'GRSSA000002',
      year: YEAR,
      lines: [
        { clave: CLAVES.trastuzumab, cpm: 5, justification: 'x' }, // THIRD level only; GRSSA000002 is SECOND
        { clave: '010.000.9999.00', cpm: 5, justification: 'x' },
        { clave: GASA, cpm: -1, justification: 'x' },
      ],
    }, admin);
    expect(bad.userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')])).toEqual([['OUT_OF_RANGE', 'lines.2.cpm']]);
    const bad2 = await send(UPDATE, {
      clues: 'GRSSA000002',
      year: YEAR,
      lines: [
        { clave: CLAVES.trastuzumab, cpm: 5, justification: 'x' },
        { clave: '010.000.9999.00', cpm: 5, justification: 'x' },
      ],
    }, admin);
    expect(bad2.userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')])).toEqual([
      ['NOT_AUTHORIZED_FOR_LEVEL', 'lines.0.clave'],
      ['UNKNOWN_CLAVE', 'lines.1.clave'],
    ]);
    expect(JSON.stringify(await tdb.db.query('SELECT * FROM cpm_submission_line ORDER BY submission_id, supply_item_id'))).toBe(before);
    const none = await send(UPDATE, { clues: 'OCSSA000002', year: YEAR, lines: [{ clave: GASA, cpm: 5, justification: 'x' }] }, admin);
    expect(none.userErrors[0].code).toBe('NO_SUBMISSION');
  });
});

describe('stock levels use the CPM in force', () => {
  test('status against the band, from the ratified CPM (else the latest calculation)', async () => {
    // stock_status: STOCKED_OUT without usable pieces; NO_CPM without a CPM; below 1 month UNDERSTOCKED; above 3 OVERSTOCKED.
    const cases = await tdb.db.query(`
      SELECT stock_status(0, 100, 1, 3) a, stock_status(50, NULL, 1, 3) b, stock_status(50, 0, 1, 3) c, stock_status(99, 100, 1, 3) d,
             stock_status(100, 100, 1, 3) e, stock_status(300, 100, 1, 3) f, stock_status(301, 100, 1, 3) g`);
    expect(cases).toEqual([{ a: 'STOCKED_OUT', b: 'NO_CPM', c: 'NO_CPM', d: 'UNDERSTOCKED', e: 'ADEQUATE', f: 'ADEQUATE', g: 'OVERSTOCKED' }]);

    const year = Number(new Date().toISOString().slice(0, 4));
    const central = await api.token(Role.CENTRAL);
    // Gasa at GRSSA000001: 120 usable pieces, ratified CPM 40 → 3 months → ADEQUATE; then CPM 30 → 4 months → OVERSTOCKED.
    await api.gql(`mutation($i: StockReceiveInput!) { stockReceive(input: $i) { userErrors { code } } }`,
      { i: { idempotencyKey: 'cpm-gasa', clues: UNIT, lines: [{ clave: GASA, lotNumber: 'G-CPM', acceptedQuantity: 120 }] } }, admin);
    const send = (q: string, i: Record<string, unknown>) => api.gql(q, { i }, central);
    await send(`mutation($i: CpmSubmissionKeyInput!) { cpmSubmissionPropose(input: $i) { userErrors { code } } }`, { clues: UNIT, year });
    const LEVEL = `{ stockLevels(clues: "${UNIT}", filter: { claves: ["${GASA}", "${PARA}"] }) { edges { node { clave usable cpm cpmSource monthsOfStock status } } } }`;
    const set = async (cpm: number) => {
      const r = await send(`mutation($i: CpmSubmissionUpdateInput!) { cpmSubmissionUpdate(input: $i) { userErrors { code } } }`, { clues: UNIT, year, lines: [{ clave: GASA, cpm, justification: 'prueba' }] });
      expect(r.data.cpmSubmissionUpdate.userErrors).toEqual([]);
      await send(`mutation($i: CpmSubmissionKeyInput!) { cpmSubmissionRatify(input: $i) { userErrors { code } } }`, { clues: UNIT, year });
    };
    await set(40);
    let r = await api.gql(LEVEL, {}, pharmacy);
    const nodes = Object.fromEntries(r.data.stockLevels.edges.map((e: any) => [e.node.clave, e.node]));
    expect(nodes[GASA]).toEqual({ clave: GASA, usable: 120, cpm: 40, cpmSource: 'RATIFIED', monthsOfStock: 3, status: 'ADEQUATE' });
    expect(nodes[PARA]).toMatchObject({ usable: 0, status: 'STOCKED_OUT' }); // its only lot expired in February
    await send(`mutation($i: CpmSubmissionReturnInput!) { cpmSubmissionReturn(input: $i) { userErrors { code } } }`, { clues: UNIT, year, reason: 'revisar' });
    await set(30);
    r = await api.gql(`{ stockLevels(clues: "${UNIT}", filter: { statuses: [OVERSTOCKED] }) { edges { node { clave cpm monthsOfStock status } } } }`, {}, pharmacy);
    expect(r.data.stockLevels.edges.map((e: any) => e.node)).toEqual([{ clave: GASA, cpm: 30, monthsOfStock: 4, status: 'OVERSTOCKED' }]);

    // The stock page's CPM (a join on the statement's ratified lines) is cpm_in_force's, clave by clave.
    const page = await api.gql(`{ stockLevels(clues: "${UNIT}", first: 100) { edges { node { clave cpm cpmSource } } } }`, {}, pharmacy);
    const shown = page.data.stockLevels.edges.map((e: any) => e.node);
    const inForce = await tdb.db.query(
      `SELECT s.clave, c.cpm, c.source AS "cpmSource" FROM supply_item s
         LEFT JOIN LATERAL cpm_in_force((SELECT id FROM establishment WHERE clues = $1), s.id, $2, date_trunc('month', now())::date) c ON true
        WHERE s.clave = ANY ($3::text[]) ORDER BY s.clave`,
      [UNIT, year, shown.map((n: any) => n.clave)],
    );
    expect(shown).toEqual(inForce);
    expect([...new Set(shown.map((n: any) => n.cpmSource))]).toEqual(expect.arrayContaining(['RATIFIED', 'CALCULATED']));

    // The claves the page lists, and its totalCount, are those with a balance (even of 0), a ratified CPM or pieces in transit — page after page, and with a claves filter.
    // Two claves with a ratified CPM and no stock ever received (lines written straight into the ratified submission).
    await tdb.db.query(
      `INSERT INTO cpm_submission_line (submission_id, supply_item_id, cpm)
       SELECT cs.id, s.id, 5 FROM cpm_submission cs JOIN establishment e ON e.id = cs.establishment_id, supply_item s
        WHERE e.clues = $1 AND cs.year = $2 AND cs.status = 'RATIFIED'
          AND NOT EXISTS (SELECT 1 FROM stock_balance b WHERE b.establishment_id = e.id AND b.supply_item_id = s.id)
          AND NOT EXISTS (SELECT 1 FROM cpm_submission_line l WHERE l.submission_id = cs.id AND l.supply_item_id = s.id)
        ORDER BY s.clave DESC LIMIT 2`,
      [UNIT, year],
    );
    const held: Array<{ clave: string }> = await tdb.db.query(
      `WITH est AS (SELECT id FROM establishment WHERE clues = $1)
       SELECT s.clave FROM supply_item s WHERE s.id IN (
         SELECT supply_item_id FROM stock_balance WHERE establishment_id = (SELECT id FROM est)
         UNION SELECT l.supply_item_id FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id
                WHERE cs.establishment_id = (SELECT id FROM est) AND cs.year = $2 AND cs.status = 'RATIFIED')
        ORDER BY s.clave`,
      [UNIT, year],
    );
    const withoutStock: Array<{ n: number }> = await tdb.db.query(
      `SELECT count(*)::int AS n FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id
        WHERE cs.establishment_id = (SELECT id FROM establishment WHERE clues = $1) AND cs.year = $2 AND cs.status = 'RATIFIED'
          AND NOT EXISTS (SELECT 1 FROM stock_balance b WHERE b.establishment_id = cs.establishment_id AND b.supply_item_id = l.supply_item_id)`,
      [UNIT, year],
    );
    expect(withoutStock[0].n).toBeGreaterThan(0);
    const listed: string[] = [];
    let after: string | null = null;
    for (;;) {
      const p: any = await api.gql(`query($after: String) { stockLevels(clues: "${UNIT}", first: 7, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { clave } } }`, { after }, pharmacy);
      expect(p.errors).toBeUndefined();
      expect(p.data.stockLevels.totalCount).toBe(held.length);
      listed.push(...p.data.stockLevels.nodes.map((n: any) => n.clave));
      if (!p.data.stockLevels.pageInfo.hasNextPage) break;
      after = p.data.stockLevels.pageInfo.endCursor;
    }
    expect(listed).toEqual(held.map((h) => h.clave));
    const some = [held[0].clave, held[held.length - 1].clave, '999.999.9999.99'];
    const filtered = await api.gql(`query($c: [String!]) { stockLevels(clues: "${UNIT}", filter: { claves: $c }) { totalCount nodes { clave } } }`, { c: some }, pharmacy);
    expect(filtered.data.stockLevels).toEqual({ totalCount: 2, nodes: some.slice(0, 2).map((clave) => ({ clave })) });
  });
});

describe('batch on the demo network', () => {
  test('equals the single calculation on a sample of CLUES × clave', async () => {
    const demo = await createTestDatabase();
    try {
      await loadDemoDataIfEmpty(demo.db);
      const month = `${new Date().toISOString().slice(0, 7)}-01`;
      const ids: Array<{ id: number }> = await demo.db.query(`SELECT id FROM establishment ORDER BY id`);
      await storeCpmBatch(demo.db, ids.map((r) => r.id), month, 6);
      const sample: Array<{ clues: string; clave: string; value: number | null }> = await demo.db.query(
        `SELECT e.clues, s.clave, c.value FROM cpm_calculation c JOIN establishment e ON e.id = c.establishment_id JOIN supply_item s ON s.id = c.supply_item_id
          WHERE c.month = $1 ORDER BY (c.value IS NULL), md5(e.clues || s.clave) LIMIT 40`,
        [month],
      );
      expect(sample.filter((s) => s.value !== null).length).toBeGreaterThan(20);
      const demoApi = await startTestApi(demo.db);
      try {
        const t = await demoApi.token(Role.AUDITOR);
        for (const s of sample) {
          const r = await demoApi.gql(CALC, { clues: s.clues, clave: s.clave, month: month.slice(0, 7), lookback: 6 }, t);
          expect([s.clues, s.clave, r.data.cpmCalculation.value]).toEqual([s.clues, s.clave, s.value]);
        }
      } finally {
        await demoApi.stop();
      }
    } finally {
      await demo.drop();
    }
  });
});

describe('CPM as CSV', () => {
  test('import through the API rules, per CLUES; export of the ratified lines', async () => {
    const { runCli } = await import('../support/cli');
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cpm-csv-'));
    const file = join(dir, 'cpm.csv');
    writeFileSync(
      file,
      [
        'clues,clave,cpm,justificacion',
        `OCSSA000002,${GASA},12,alta de servicio`,
        `OCSSA000002,${CLAVES.trastuzumab},3,oncología`,
        `GRSSA000003,${GASA},8,`, // no calculation and no justification: the whole CLUES is refused
        `GRSSA000003,${PARA},x,`,
      ].join('\n') + '\n',
    );
    const imported = await runCli('src/cli/import-cpm.ts', [file, '--year', '2024'], tdb.url);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/leídas 4 · creadas 2 · actualizadas 0 · sin cambios 0 · rechazadas 2/);
    expect(imported.stdout).toMatch(/línea 5 \(GRSSA000003\): INVALID_CPM/);
    expect(imported.stdout).toMatch(/línea 4 \(GRSSA000003\): JUSTIFICATION_REQUIRED/);
    const lines = await tdb.db.query(`
      SELECT e.clues, s.clave, l.cpm, cs.status FROM cpm_submission_line l JOIN cpm_submission cs ON cs.id = l.submission_id
        JOIN establishment e ON e.id = cs.establishment_id JOIN supply_item s ON s.id = l.supply_item_id WHERE cs.year = 2024 ORDER BY 1, 2`);
    expect(lines).toEqual([
      { clues: 'OCSSA000002', clave: CLAVES.trastuzumab, cpm: 3, status: 'PROPOSED' },
      { clues: 'OCSSA000002', clave: GASA, cpm: 12, status: 'PROPOSED' },
    ]);
    const central = await api.token(Role.CENTRAL);
    await api.gql(`mutation { cpmSubmissionRatify(input: { clues: "OCSSA000002", year: 2024 }) { userErrors { code } } }`, {}, central);
    const out = join(dir, 'out.csv');
    const exported = await runCli('src/cli/export-cpm.ts', ['--year', '2024', '--out', out], tdb.url);
    expect(exported.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(`clues,clave,cpm\nOCSSA000002,${CLAVES.trastuzumab},3\nOCSSA000002,${GASA},12\n`);
  });
});
