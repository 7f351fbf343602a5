import { Role } from '../../src/domain/enums';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { openDatabase } from '../../src/db/data-source';
import { preparedQuery } from '../../src/db/prepared';
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
  // 120 open contracts, so a contract page of 100 is full.
  const central = await api.token(Role.CENTRAL);
  const today = new Date().toISOString().slice(0, 10);
  for (const [i, { clave }] of claves.entries()) {
    const c = await api.gql(
      `mutation($i: ProcurementContractCreateInput!) { procurementContractCreate(input: $i) { userErrors { code } } }`,
      { i: { idempotencyKey: `sql-count-contract-${i}`, supplier: `Proveedor ${i % 7}`, clave, stateCode: i % 2 ? '12' : null, minPieces: 40, maxPieces: 100, unitPrice: 10, validFrom: '2025-01-01', validTo: today } },
      central,
    );
    expect(c.data.procurementContractCreate.userErrors).toEqual([]);
  }
}, 120_000);
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

const LISTS: Array<[string, string]> = [
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
  [
    'orders with their lines, claves and contract',
    `query($first: Int) { orders(first: $first) { totalCount edges { node { number status requestingClues supplyingClues
       contract { number supplyItem { clave } progress { accepted } } lines { clave approved accepted inTransit supplyItem { description highCost } } } } } }`,
  ],
  [
    'orders with the establishments they name (requesting, supplying) beside the codes',
    `query($first: Int) { orders(first: $first) { totalCount edges { node { number requestingClues requesting { name state { name } }
       supplyingClues supplying { name levelOfCare } } } } }`,
  ],
  [
    'shipments with where they leave from and where they go',
    `query($first: Int) { shipments(first: $first) { totalCount edges { node { number fromClues from { name } toClues to { name state { name } } } } } }`,
  ],
  [
    'the ledger with its reversal links as objects',
    `query($first: Int) { stockMovements(clues: "GRSSA015854", first: $first) { edges { node { id kind reversedByMovement { id kind } reversesMovement { id kind } } } } }`,
  ],
  [
    'open contracts with clave, state and progress',
    `query($first: Int) { procurementContracts(first: $first) { totalCount edges { node { number supplier supplyItem { description } state { name }
       progress { accepted committed available percentOfMaximum orders } } } } }`,
  ],
  [
    'the procurement plan per state with clave and state',
    `query($first: Int) { procurementPlan(year: ${new Date().getFullYear()}, byState: true, first: $first) { totalCount edges { node { clave need maximum minimum
       state { name } supplyItem { description piecesPerPackage } } } } }`,
  ],
];

test.each(LISTS)('%s', async (_name, query) => {
  const small = await statements(query, 5);
  const large = await statements(query, 100);
  expect(large.edges).toBeGreaterThan(small.edges);
  expect(large.count).toBe(small.count);
  expect(large.count).toBeLessThanOrEqual(10);
});

test('the issue’s query is one statement: states come from the reference table in memory, the supplying warehouse and its establishment are joined to the page', async () => {
  const { count, edges } = await statements(
    `query($first: Int) { establishments(first: $first) { edges { node { state { name } supplyingWarehouse { clues establishment { name } } } } } }`,
    100,
  );
  expect(edges).toBe(100);
  expect(count).toBe(1);
});

test('the pharmacy stock page with lots and totalCount: the location is one statement; the page, its lots and its count another', async () => {
  const { count, edges } = await statements(
    `query($first: Int) { stockLevels(clues: "GRSSA015854", first: $first) { totalCount edges { node { clave usable cpm monthsOfStock status lots { lotNumber expiresOn quantity } } } } }`,
    100,
  );
  expect(edges).toBe(100);
  // the location (its establishment by CLUES with its warehouse role, for the scope check and the band) and the page
  expect(count).toBe(2);
});

test('the stock page with each level’s id and establishment: still two statements (the location is the one the page already read)', async () => {
  const { count, edges } = await statements(
    `query($first: Int) { stockLevels(clues: "GRSSA015854", first: $first) { edges { node { id clave usable establishment { clues name } } } } }`,
    100,
  );
  expect(edges).toBe(100);
  expect(count).toBe(2);
});

test('relations read with a page equal the same relations read through the loaders', async () => {
  // Stock: the everyday page brings its lots in its statement; with an expiry filter they come from the loader.
  const stock = (filter: string) =>
    api.gql(
      `{ stockLevels(clues: "GRSSA015854", first: 100${filter}) { totalCount edges { node { clave usable cpm status lots { lotNumber expiresOn quantity expired } } } } }`,
      {},
      token,
    );
  const everyday = await stock('');
  const viaLoader = await stock(', filter: { expiringWithinDays: 3650 }');
  expect(everyday.errors).toBeUndefined();
  const withLots = viaLoader.data.stockLevels.edges.map((e: { node: { clave: string } }) => e.node.clave);
  const same = everyday.data.stockLevels.edges.filter((e: { node: { clave: string } }) => withLots.includes(e.node.clave));
  expect(same.length).toBeGreaterThan(90);
  expect(same).toEqual(viaLoader.data.stockLevels.edges.slice(0, same.length));
  expect(same[0].node.lots.length).toBeGreaterThanOrEqual(2);

  // Establishments: the list joins each one's supplying warehouse; `establishment(clues:)` loads it.
  const list = await api.gql(`{ establishments(first: 100) { edges { node { clues supplyingWarehouse { id clues tier establishment { id name state { name } } } } } } }`, {}, token);
  const served = list.data.establishments.edges.map((e: { node: object }) => e.node).filter((n: { supplyingWarehouse: unknown }) => n.supplyingWarehouse);
  expect(served.length).toBeGreaterThan(10);
  // Every row's warehouse, against the tables; the page holds runs of one warehouse interrupted by another.
  const expected: Array<{ clues: string; wh: string | null }> = await tdb.db.query(
    `SELECT e.clues, we.clues AS wh FROM establishment e LEFT JOIN warehouse w ON w.id = e.supplying_warehouse_id
       LEFT JOIN establishment we ON we.id = w.establishment_id ORDER BY e.clues LIMIT 100`,
  );
  const nodes = list.data.establishments.edges.map((e: { node: { clues: string; supplyingWarehouse: { clues: string } | null } }) => e.node);
  expect(nodes.map((n: { clues: string; supplyingWarehouse: { clues: string } | null }) => ({ clues: n.clues, wh: n.supplyingWarehouse?.clues ?? null }))).toEqual(expected);
  const runs = expected.map((r) => r.wh).filter((wh, i, all) => wh !== null && wh !== all[i - 1]);
  expect(new Set(runs).size).toBeLessThan(runs.length);
  for (const node of served.slice(0, 10)) {
    const one = await api.gql(`query($c: String!) { establishment(clues: $c) { clues supplyingWarehouse { id clues tier establishment { id name state { name } } } } }`, { c: node.clues }, token);
    expect(one.data.establishment).toEqual(node);
  }
});

test('with DATABASE_PREPARED_STATEMENTS=false the same reads give the same answers, as plain statements', async () => {
  const plain = await openDatabase({ url: tdb.url, poolSize: 2, preparedStatements: false });
  const other = await startTestApi(plain);
  try {
    const query = `{ stockLevels(clues: "GRSSA015854", first: 100) { totalCount edges { node { clave usable cpm status lots { lotNumber quantity } } } }
                     establishments(first: 50) { edges { node { clues supplyingWarehouse { clues establishment { name } } } } } }`;
    const prepared = await api.gql(query, {}, token);
    expect(prepared.errors).toBeUndefined();
    expect(await other.gql(query, {}, token)).toEqual(prepared);
    const named: Array<{ n: string }> = await plain.query(`SELECT count(*) AS n FROM pg_prepared_statements WHERE name LIKE 'abasto_%'`);
    expect(Number(named[0].n)).toBe(0);
  } finally {
    await other.stop();
    await plain.destroy();
  }
});

test('indicator rows and redistribution suggestions: the nested fields are batched, whatever the number of rows', async () => {
  const rows = (groupBy: string) =>
    `{ indicator(code: SAI_ROLLOUT, groupBy: [${groupBy}]) { rows { numerator establishment { clues state { name } supplyingWarehouse { clues } } state { name } } } }`;
  const count = async (query: string) => {
    let n = 0;
    const c = await api.countSql(async () => {
      const r = await api.gql(query, {}, token);
      expect(r.errors).toBeUndefined();
      n = r.data.indicator.rows.length;
    });
    return { c, n };
  };
  const byState = await count(rows('STATE'));
  const byEstablishment = await count(rows('ESTABLISHMENT'));
  expect(byEstablishment.n).toBeGreaterThan(100);
  expect(byState.n).toBeLessThan(10);
  // total + rows, then one statement per relation level however many rows there are
  expect(byEstablishment.c).toBeLessThanOrEqual(byState.c + 3);
  expect(byEstablishment.c).toBeLessThanOrEqual(8);
  const [{ clave }] = await tdb.db.query('SELECT clave FROM supply_item ORDER BY clave LIMIT 1');
  const suggestions = await api.countSql(async () => {
    const r = await api.gql(`{ redistributionSuggestions(clave: "${clave}") { from { clues state { name } } to { clues } supplyItem { description } } }`, {}, token);
    expect(r.errors).toBeUndefined();
  });
  expect(suggestions).toBeLessThanOrEqual(10);
});

test('compiled queries (graphql-jit) answer exactly as graphql-js interprets them: data, errors, nulls, fragments, directives', async () => {
  const interpreted = await startTestApi(tdb.db, { GRAPHQL_JIT: 'false' });
  const pharmacist = await api.token(Role.PHARMACY, { clues: 'GRSSA015854' });
  const [{ clues: elsewhere }] = await tdb.db.query(`SELECT clues FROM establishment WHERE clues <> 'GRSSA015854' ORDER BY clues LIMIT 1`);
  try {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ...LISTS.map(([, q]): [string, Record<string, unknown>, string] => [q, { first: 100 }, token]),
      // nodes beside edges, aliases, a named fragment, an inline fragment on an interface, @skip/@include
      [
        `query($skip: Boolean!, $first: Int) { a: establishments(first: $first) { nodes { ...E } edges { cursor node { clues } } pageInfo { hasNextPage endCursor } }
           b: node(id: "RXN0YWJsaXNobWVudDpHUlNTQTAxNTg1NA") { id ... on Establishment { clues name @skip(if: $skip) typology { code } } }
           c: states { code name @include(if: $skip) } }
         fragment E on Establishment { clues kind levelOfCare inNetworkSince latitude supplyingWarehouse { tier } }`,
        { skip: true, first: 7 },
        token,
      ],
      // field errors inside data: a CLUES outside the pharmacist's scope, an invalid cursor, an unknown clave
      [`{ stockLevels(clues: "${elsewhere}", first: 2) { totalCount } }`, {}, pharmacist],
      [`{ establishments(first: 2, after: "not-a-cursor") { totalCount } }`, {}, token],
      [`{ supplyItem(clave: "000.000.0000.00") { clave } me { role } }`, {}, token],
      // a resolver that fails on a database error (PostgreSQL refuses a NUL character in text)
      [`query($s: String!) { establishment(clues: $s) { clues } }`, { s: 'GRSSA\u0000000001' }, token],
      [`{ indicator(code: SAI_ROLLOUT, groupBy: [STATE]) { code total { numerator denominator value } rows { state { code } numerator denominator value } } }`, {}, token],
    ];
    const codes: unknown[] = [];
    for (const [query, variables, who] of cases) {
      const compiled = await api.gql(query, variables, who);
      codes.push(compiled.errors?.map((e) => e.extensions?.code) ?? Object.keys(compiled.data ?? {}));
      expect(await interpreted.gql(query, variables, who)).toEqual(compiled);
      // the second request of a document runs the compiled plan kept for it
      expect(await api.gql(query, variables, who)).toEqual(compiled);
    }
    expect(codes.slice(LISTS.length)).toEqual([['a', 'b', 'c'], ['FORBIDDEN'], ['INVALID_CURSOR'], ['supplyItem', 'me'], ['INVALID_TEXT'], ['indicator']]);
  } finally {
    await interpreted.stop();
  }
});

test('the list reads only the columns its selection needs, through fragments too, and never lends a partial row to other fields', async () => {
  const full = `clues name municipality jurisdiction kind levelOfCare typology { code name } operating inNetwork inNetworkSince latitude longitude state { code }
                institutionCode establishmentType saiStatus supplyingWarehouse { clues }`;
  const whole = await api.gql(`{ establishments(first: 30) { nodes { ${full} } } }`, {}, token);
  expect(whole.errors).toBeUndefined();
  const byClues = new Map(whole.data.establishments.nodes.map((n: { clues: string }) => [n.clues, n]));
  const target = whole.data.establishments.nodes[7];
  expect(target.municipality).not.toBeNull();

  // A narrow page and, in the same request, the same establishment by CLUES with every field.
  const mixed = await api.gql(
    `query($c: String!) { establishments(first: 30) { nodes { id name } } establishment(clues: $c) { ${full} } }`,
    { c: target.clues },
    token,
  );
  expect(mixed.errors).toBeUndefined();
  expect(mixed.data.establishment).toEqual(target);
  expect(mixed.data.establishments.nodes.map((n: { name: string }) => n.name)).toEqual(whole.data.establishments.nodes.map((n: { name: string }) => n.name));
  // Indicator rows load their establishment by id: the page's narrow rows must not answer for them.
  const withRows = await api.gql(
    `{ establishments(first: 100) { nodes { name } } indicator(code: SAI_ROLLOUT, groupBy: [ESTABLISHMENT]) { rows { establishment { ${full} } } } }`,
    {},
    token,
  );
  expect(withRows.errors).toBeUndefined();
  const rowsOnPage = withRows.data.indicator.rows.map((r: { establishment: { clues: string } }) => r.establishment).filter((e: { clues: string }) => byClues.has(e.clues));
  expect(rowsOnPage.length).toBeGreaterThan(0);
  for (const e of rowsOnPage) expect(e).toEqual(byClues.get(e.clues));

  // Fields asked for through a named fragment, an inline fragment and edges, each answered from its columns.
  const frag = await api.gql(
    `fragment Place on Establishment { municipality state { code } ... on Establishment { latitude longitude } }
     { establishments(first: 30) { edges { node { clues ...Place typology { code } } } } }`,
    {},
    token,
  );
  expect(frag.errors).toBeUndefined();
  for (const { node } of frag.data.establishments.edges) {
    const w = byClues.get(node.clues) as Record<string, unknown>;
    expect(node).toEqual({ clues: w.clues, municipality: w.municipality, state: w.state, latitude: w.latitude, longitude: w.longitude, typology: w.typology && { code: (w.typology as { code: string }).code } });
  }
});

test('hot reads plan once per connection (their own pool); every other statement is planned for its parameters', async () => {
  const setting = 'SELECT current_setting($1) AS mode';
  expect(await preparedQuery(tdb.db, setting, ['plan_cache_mode'])).toEqual([{ mode: 'force_generic_plan' }]);
  expect(await tdb.db.query(setting, ['plan_cache_mode'])).toEqual([{ mode: 'auto' }]);
});

test('the stock page reads only the columns its query shows, and every selection answers as the whole one does', async () => {
  const all = ['clave', 'onHand', 'usable', 'expired', 'inTransit', 'cpm', 'cpmSource', 'monthsOfStock', 'status', 'minMonths', 'asOf'];
  // A demo location with pieces in transit, and one of its lots made to have expired since it arrived
  // (lots are dated by their supplier; this one by hand), so that no column is 0 or null everywhere.
  const [{ clues, id }] = await tdb.db.query(`
    SELECT e.clues, e.id FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN establishment e ON e.id = o.requesting_id
     WHERE sh.status = 'IN_TRANSIT' GROUP BY e.id ORDER BY (SELECT count(*) FROM stock_balance b WHERE b.establishment_id = e.id) DESC, e.id LIMIT 1`);
  await tdb.db.query(`UPDATE lot SET expires_on = '2024-01-31' WHERE id = (SELECT lot_id FROM stock_balance WHERE establishment_id = $1 AND quantity > 0 ORDER BY lot_id LIMIT 1)`, [id]);
  const page = (selection: string, connection = 'totalCount') => {
    const used = `${connection} ${selection}`;
    const fragments = `${used.includes('...C') ? 'fragment C on StockLevelConnection { totalCount }' : ''} ${used.includes('...L') ? 'fragment L on StockLevel { onHand cpmSource }' : ''}`;
    return api.gql(`${fragments} { stockLevels(clues: "${clues}", first: 100) { ${connection} nodes { ${selection} lots { lotNumber quantity } } } }`, {}, token);
  };
  const whole = await page(all.join(' '));
  expect(whole.errors).toBeUndefined();
  const nodes: Array<Record<string, unknown>> = whole.data.stockLevels.nodes;
  expect(nodes.length).toBeGreaterThan(10);
  // something in every column
  for (const f of ['onHand', 'expired', 'inTransit', 'cpm', 'cpmSource']) expect([f, nodes.some((n) => n[f])]).toEqual([f, true]);
  const pick = (n: Record<string, unknown>, fields: string[]) => Object.fromEntries([...fields, 'lots'].map((f) => [f, n[f]]));
  for (const fields of [['clave'], ['clave', 'expired'], ['clave', 'onHand', 'cpm'], ['clave', 'inTransit', 'status'], ['clave', 'cpmSource', 'monthsOfStock'], ['usable', 'asOf']]) {
    const r = await page(fields.join(' '), '');
    expect(r.errors).toBeUndefined();
    expect(r.data.stockLevels.totalCount).toBeUndefined();
    expect(r.data.stockLevels.nodes).toEqual(nodes.map((n) => pick(n, fields)));
  }
  // through fragments, on the connection and on its items
  const viaFragments = await page('clave ...L', '...C');
  expect(viaFragments.data.stockLevels.totalCount).toBe(whole.data.stockLevels.totalCount);
  expect(viaFragments.data.stockLevels.nodes).toEqual(nodes.map((n) => pick(n, ['clave', 'onHand', 'cpmSource'])));
});
