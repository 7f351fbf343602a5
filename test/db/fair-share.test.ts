import { fairShareSql } from '../../src/modules/distribution/fair-share';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The fair share's SQL on its own (src/modules/distribution/fair-share.ts): hand-computed cases where
 * whole pieces matter, and a thousand generated ones checked against the rule's invariants.
 */
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await tdb?.drop();
});

type Need = [clues: string, need: number, lack: number, stockedOut: boolean];

async function share(available: number, needs: Need[]): Promise<Record<string, number>> {
  const values = needs.map(([c, n, l, s], i) => `(1, 1, ${i + 1}, '${c}', ${n}, ${l}, ${s})`).join(', ');
  const rows: Array<{ clues: string; allocated: number }> = await tdb.db.query(
    fairShareSql(
      `SELECT * FROM (VALUES ${values}) v(warehouse_id, supply_item_id, establishment_id, clues, need, lack, stocked_out)`,
      `SELECT 1 AS warehouse_id, 1 AS supply_item_id, ${available} AS available`,
    ),
  );
  return Object.fromEntries(rows.map((r) => [r.clues, r.allocated]));
}

test('three stocked-out centres need 4 each, 10 pieces: 3 each and the tenth to the lowest CLUES', async () => {
  // 10 × 4 / 12 = 3.33…: whole pieces 3, 3, 3, one left over; equal remainders, so the lowest CLUES
  expect(await share(10, [['B', 4, 4, true], ['A', 4, 4, true], ['C', 4, 4, true]])).toEqual({ A: 4, B: 3, C: 3 });
});

test('the worked example of the README: 45 pieces for needs 10, 30, 20, 10', async () => {
  expect(await share(45, [['U1', 10, 10, true], ['U2', 30, 18, false], ['U3', 20, 20, true], ['U4', 10, 7, false]])).toEqual({ U1: 10, U2: 11, U3: 20, U4: 4 });
});

test('enough for every lack, not every kit: the rest of the kits in proportion (FULL_KIT tier 3)', async () => {
  // tier 1: none; tier 2 lacks 4 + 2 = 6 ≤ 9; tier 3: 3 left for the rest of the kits 6 and 8 → 3×6/14 = 1.29, 3×8/14 = 1.71 → 1 + 1, the last to the larger remainder (B)
  expect(await share(9, [['A', 10, 4, false], ['B', 10, 2, false]])).toEqual({ A: 5, B: 4 });
});

test('a thousand generated cases: whole pieces, never above a need, all the available when short, all needs when not', async () => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const cases: string[] = [];
  const expected: Array<{ available: number; needs: number[] }> = [];
  for (let c = 1; c <= 1000; c++) {
    const units = 1 + rand(12);
    const needs: number[] = [];
    for (let u = 1; u <= units; u++) {
      const need = 1 + rand(60);
      const lack = rand(need + 1);
      const stockedOut = lack === need && rand(2) === 0;
      needs.push(need);
      cases.push(`(${c}, 1, ${u}, 'U${String(u).padStart(2, '0')}', ${need}, ${lack}, ${stockedOut})`);
    }
    expected.push({ available: rand(needs.reduce((a, b) => a + b, 0) * 2), needs });
  }
  const rows: Array<{ warehouse_id: number; need: string; allocated: number }> = await tdb.db.query(
    fairShareSql(
      `SELECT * FROM (VALUES ${cases.join(', ')}) v(warehouse_id, supply_item_id, establishment_id, clues, need, lack, stocked_out)`,
      `SELECT * FROM (VALUES ${expected.map((e, i) => `(${i + 1}, 1, ${e.available})`).join(', ')}) a(warehouse_id, supply_item_id, available)`,
    ),
  );
  const problems: string[] = [];
  expected.forEach((e, i) => {
    const mine = rows.filter((r) => r.warehouse_id === i + 1);
    const total = mine.reduce((s, r) => s + r.allocated, 0);
    const needed = e.needs.reduce((a, b) => a + b, 0);
    if (mine.some((r) => !Number.isInteger(r.allocated) || r.allocated < 0 || r.allocated > Number(r.need))) problems.push(`case ${i + 1}: a share outside 0..need`);
    if (total !== Math.min(needed, e.available)) problems.push(`case ${i + 1}: ${total} allocated of ${e.available} available for ${needed} needed`);
  });
  expect(problems).toEqual([]);
});
