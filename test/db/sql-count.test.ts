import { Role } from '../../src/domain/enums';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

/** No N+1: a page of 100 costs as many SQL statements as a page of 5 (one per relation, batched). */

let tdb: TestDatabase;
let api: TestApi;
let token: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  expect(await loadDemoDataIfEmpty(tdb.db)).toBe(true);
  api = await startTestApi(tdb.db);
  token = await api.token(Role.AUDITOR);
  // 120 claves in stock at the demo hospital, two lots each, for the stock pages below.
  const claves: Array<{ clave: string }> = await tdb.db.query('SELECT clave FROM supply_item ORDER BY clave LIMIT 120');
  const lines = claves.flatMap(({ clave }, i) => [
    { clave, lotNumber: `A${i}`, expiresOn: '2027-01-31', acceptedQuantity: 10 + i },
    { clave, lotNumber: `B${i}`, expiresOn: '2028-01-31', acceptedQuantity: 5 },
  ]);
  const r = await api.gql(
    `mutation($i: StockReceiveInput!) { stockReceive(input: $i) { userErrors { code } } }`,
    { i: { idempotencyKey: 'sql-count-stock', clues: 'GRSSA015854', lines } },
    await api.token(Role.ADMIN),
  );
  expect(r.data.stockReceive.userErrors).toEqual([]);
});
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

async function statements(query: string, first: number): Promise<{ count: number; edges: number }> {
  let edges = 0;
  const count = await api.countSql(async () => {
    const r = await api.gql(query, { first }, token);
    expect(r.errors).toBeUndefined();
    edges = (Object.values(r.data)[0] as { edges: unknown[] }).edges.length;
  });
  return { count, edges };
}

test.each([
  [
    'establishments with state and supplying warehouse (the issue’s query)',
    `query($first: Int) { establishments(first: $first) { edges { node { state { name } supplyingWarehouse { clues establishment { name } } } } } }`,
  ],
  [
    'establishments with every relation and totalCount',
    `query($first: Int) { establishments(first: $first) { totalCount edges { node { clues state { name } saiStatus warehouse { tier }
       supplyingWarehouse { clues tier establishment { name state { code } } } } } } }`,
  ],
  [
    'warehouses with the establishments they serve',
    `query($first: Int) { warehouses(first: $first) { totalCount edges { node { clues establishment { name state { name } }
       served(first: 30) { totalCount edges { node { clues saiStatus supplyingWarehouse { clues } } } } } } } }`,
  ],
  ['the catalogue', `query($first: Int) { supplyItems(first: $first) { totalCount edges { node { clave kind authorizedLevels } } } }`],
  [
    'a pharmacy stock page: claves with lots',
    `query($first: Int) { stockLevels(clues: "GRSSA015854", first: $first) { totalCount edges { node { clave onHand usable expired status
       supplyItem { description highCost } lots { lotNumber expiresOn quantity expired } } } } }`,
  ],
  [
    'the ledger with its relations',
    `query($first: Int) { stockMovements(clues: "GRSSA015854", first: $first) { totalCount edges { node { quantity kind lotNumber
       supplyItem { description } establishment { name state { name } } } } } }`,
  ],
])('%s', async (_name, query) => {
  const small = await statements(query, 5);
  const large = await statements(query, 100);
  expect(large.edges).toBeGreaterThan(small.edges);
  expect(large.count).toBe(small.count);
  expect(large.count).toBeLessThanOrEqual(10);
});

test('the issue’s query: exactly 4 statements (page, states, warehouses, warehouse establishments)', async () => {
  const { count, edges } = await statements(
    `query($first: Int) { establishments(first: $first) { edges { node { state { name } supplyingWarehouse { clues establishment { name } } } } } }`,
    100,
  );
  expect(edges).toBe(100);
  expect(count).toBe(4);
});
