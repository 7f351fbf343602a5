import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * stateStockOuts: a state's units with claves stocked out, for its coordinator. Its figures are those of
 * each unit's own stock page (stockLevels filtered to STOCKED_OUT), unit by unit; a clave used up today
 * joins the list at once; another state's coordinator, a pharmacy or a bad code are refused.
 */
let tdb: TestDatabase;
let api: TestApi;
let coord: string;
const Q = `query($s: String!, $first: Int) { stateStockOuts(stateCode: $s, first: $first, clavesPerUnit: 100) {
  stateCode units unitsWithStockOuts positions formula rows { clues stockedOut establishment { clues name } claves { clave cpm inTransit supplyItem { clave } } } } }`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await loadDemoDataIfEmpty(tdb.db);
  api = await startTestApi(tdb.db);
  coord = await api.token(Role.STATE_COORDINATOR, { state: '12' });
}, 180_000);
afterAll(async () => {
  await api?.stop();
  await tdb?.drop();
});

async function pageOuts(clues: string): Promise<string[]> {
  const r = await api.gql(`{ stockLevels(clues: "${clues}", first: 100, filter: { statuses: [STOCKED_OUT] }) { edges { node { clave } } } }`, {}, coord);
  return r.data.stockLevels.edges.map((e: any) => e.node.clave).sort();
}

test('every unit of the state: the same stocked-out claves as its own stock page', async () => {
  const r = await api.gql(Q, { s: '12', first: 500 }, coord);
  expect(r.errors).toBeUndefined();
  const outs = r.data.stateStockOuts;
  const units: Array<{ clues: string }> = await tdb.db.query(
    `SELECT clues FROM establishment WHERE state_code = '12' AND kind IN ('FIXED', 'MOBILE') AND operating AND in_network ORDER BY clues`,
  );
  expect(outs.units).toBe(units.length);
  const byUnit = new Map<string, string[]>();
  for (const u of units) {
    const claves = await pageOuts(u.clues.trim());
    if (claves.length) byUnit.set(u.clues.trim(), claves);
  }
  expect(byUnit.size).toBeGreaterThan(0);
  expect(outs.unitsWithStockOuts).toBe(byUnit.size);
  expect(outs.positions).toBe([...byUnit.values()].reduce((n, c) => n + c.length, 0));
  expect(new Map(outs.rows.map((row: any) => [row.clues, row.claves.map((c: any) => c.clave).sort()]))).toEqual(byUnit);
  // most stock-outs first, each row's count its claves
  for (const row of outs.rows) expect(row.stockedOut).toBe(row.claves.length);
  expect(outs.rows.map((row: any) => row.stockedOut)).toEqual([...outs.rows.map((row: any) => row.stockedOut)].sort((a: number, b: number) => b - a));
  expect(outs.rows[0].establishment.clues).toBe(outs.rows[0].clues);
  expect(outs.formula).toMatch(/existencia utilizable \(lotes no caducados\) es 0/);
});

test('a clave used up today joins the list at once', async () => {
  // a clave with a CPM and usable pieces at the demo pharmacy: consumed to 0
  const pharmacy = 'GRSSA015854';
  const token = await api.token(Role.PHARMACY, { clues: pharmacy });
  const r = await api.gql(`{ stockLevels(clues: "${pharmacy}", first: 100, filter: { statuses: [UNDERSTOCKED, ADEQUATE] }) { edges { node { clave usable cpm } } } }`, {}, token);
  const level = r.data.stockLevels.edges.map((e: any) => e.node).find((n: any) => n.cpm > 0 && n.usable > 0 && n.usable < 500);
  const before = (await api.gql(Q, { s: '12', first: 500 }, coord)).data.stateStockOuts;
  const had = before.rows.find((row: any) => row.clues === pharmacy)?.stockedOut ?? 0;
  await api.mutate(token, 'stockConsume', 'StockConsumeInput', { idempotencyKey: 'outs-1', clues: pharmacy, lines: [{ clave: level.clave, quantity: level.usable }] });
  const after = (await api.gql(Q, { s: '12', first: 500 }, coord)).data.stateStockOuts;
  const row = after.rows.find((x: any) => x.clues === pharmacy);
  expect(row.stockedOut).toBe(had + 1);
  expect(row.claves.find((c: any) => c.clave === level.clave)).toEqual({ clave: level.clave, cpm: level.cpm, inTransit: expect.any(Number), supplyItem: { clave: level.clave } });
  expect(after.positions).toBe(before.positions + 1);
});

test('another state’s coordinator, a pharmacy and a bad state code are refused; central sees any state', async () => {
  const other = await api.token(Role.STATE_COORDINATOR, { state: '20' });
  const pharmacy = await api.token(Role.PHARMACY, { clues: 'GRSSA015854' });
  for (const t of [other, pharmacy]) expect((await api.gql(Q, { s: '12' }, t)).errors![0].extensions?.code).toBe('FORBIDDEN');
  const bad = await api.gql(Q, { s: '99' }, coord);
  expect([bad.errors![0].extensions?.code, bad.errors![0].message]).toEqual(['UNKNOWN_STATE', 'No existe la entidad 99: use su clave INEGI de 01 a 32.']);
  const tooMany = await api.gql(Q, { s: "12", first: 0 }, coord);
  expect(tooMany.errors![0].extensions?.code).toBe('OUT_OF_RANGE');
  const central = await api.token(Role.CENTRAL);
  expect((await api.gql(Q, { s: '12' }, central)).data.stateStockOuts.stateCode).toBe('12');
});
