import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';
import { buildNetwork, NETWORK_SIZE } from '../support/network';

let tdb: TestDatabase;
let api: TestApi;
let admin: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
  admin = await api.token(Role.ADMIN);
  await buildNetwork(api);
});
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

const LIST = `query($filter: EstablishmentFilter, $first: Int, $after: String) {
  establishments(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { clues } } pageInfo { hasNextPage endCursor } } }`;

async function cluesOf(filter: Record<string, unknown>): Promise<string[]> {
  const r = await api.gql(LIST, { filter, first: 100 }, admin);
  expect(r.errors).toBeUndefined();
  expect(r.data.establishments.totalCount).toBe(r.data.establishments.edges.length);
  return r.data.establishments.edges.map((e: { node: { clues: string } }) => e.node.clues);
}

/** A snapshot of the registry tables, to prove a refused mutation wrote nothing. */
async function snapshot(): Promise<string> {
  const rows = await tdb.db.query(`
    SELECT (SELECT json_agg(e ORDER BY id) FROM establishment e) AS e,
           (SELECT json_agg(w ORDER BY id) FROM warehouse w) AS w,
           (SELECT json_agg(s ORDER BY id) FROM sai_status_change s) AS s`);
  return JSON.stringify(rows);
}

describe('establishments filters', () => {
  test.each([
    [{}, ['DFSSA004936', 'GRIMB000004', 'GRSSA000001', 'GRSSA000002', 'GRSSA000003', 'GRSSA000010', 'JCSSA000001', 'OCSSA000001', 'OCSSA000002']],
    [{ stateCodes: ['12'] }, ['GRIMB000004', 'GRSSA000001', 'GRSSA000002', 'GRSSA000003', 'GRSSA000010']],
    [{ stateCodes: ['20', '14'] }, ['JCSSA000001', 'OCSSA000001', 'OCSSA000002']],
    [{ kinds: ['MOBILE'] }, ['GRSSA000003']],
    [{ kinds: ['SUPPORT'] }, ['DFSSA004936', 'GRSSA000010']],
    [{ levelsOfCare: ['SECOND', 'THIRD'] }, ['GRSSA000002', 'OCSSA000002']],
    [{ inNetwork: false }, ['JCSSA000001']],
    [{ operating: false }, ['GRIMB000004']],
    [{ search: 'almacen' }, ['DFSSA004936', 'GRSSA000010']],
    [{ search: 'ÑUU' }, ['GRSSA000003']],
    [{ search: 'ocssa' }, ['OCSSA000001', 'OCSSA000002']],
    [{ search: '100%' }, []],
    [{ stateCodes: ['12'], kinds: ['FIXED'], levelsOfCare: ['FIRST'], operating: true }, ['GRSSA000001']],
  ])('%j', async (filter, expected) => {
    expect(await cluesOf(filter)).toEqual(expected);
  });
});

describe('pagination', () => {
  test('pages of 4 cover the list once, in order, without overlap', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r: any = await api.gql(LIST, { first: 4, after }, admin);
      expect(r.data.establishments.totalCount).toBe(NETWORK_SIZE);
      seen.push(...r.data.establishments.edges.map((e: any) => e.node.clues));
      pages++;
      if (!r.data.establishments.pageInfo.hasNextPage) break;
      after = r.data.establishments.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(NETWORK_SIZE);
    expect(new Set(seen).size).toBe(NETWORK_SIZE);
    expect(seen).toEqual([...seen].sort());
  });

  test('first defaults to 50 and is capped at 100', async () => {
    const all = await api.gql(LIST, {}, admin);
    expect(all.data.establishments.edges).toHaveLength(NETWORK_SIZE);
    expect((await api.gql(LIST, { first: 100 }, admin)).errors).toBeUndefined();
    for (const first of [101, -1]) {
      const r = await api.gql(LIST, { first }, admin);
      expect(r.errors?.[0].extensions?.code).toBe('PAGE_SIZE_OUT_OF_RANGE');
    }
    const zero = await api.gql(LIST, { first: 0 }, admin);
    expect(zero.data.establishments).toMatchObject({ edges: [], totalCount: NETWORK_SIZE, pageInfo: { hasNextPage: false } });
  });

  test('a forged cursor is refused', async () => {
    const r = await api.gql(LIST, { after: Buffer.from('{"x":1}').toString('base64url') }, admin);
    expect(r.errors?.[0].extensions?.code).toBe('INVALID_CURSOR');
  });
});

describe('single objects', () => {
  test('establishment by CLUES, case-insensitive, with its relations', async () => {
    const r = await api.gql(
      `{ establishment(clues: " grssa000001") { id clues name municipality jurisdiction kind levelOfCare inNetwork inNetworkSince operating
           saiStatus typology { code } state { code name cluesPrefix federalizedBy }
           supplyingWarehouse { clues tier establishment { name } } warehouse { tier } }
         missing: establishment(clues: "GRSSA999999") { clues } }`,
      {},
      admin,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.missing).toBeNull();
    expect(r.data.establishment).toMatchObject({
      clues: 'GRSSA000001',
      municipality: 'Tixtla de Guerrero',
      kind: 'FIXED',
      levelOfCare: 'FIRST',
      inNetwork: true,
      inNetworkSince: '2022-12-31', // Guerrero federalized by 2022-12-31
      operating: true,
      saiStatus: 'NOT_STARTED',
      typology: null,
      state: { code: '12', name: 'Guerrero', cluesPrefix: 'GR', federalizedBy: '2022-12-31' },
      supplyingWarehouse: { clues: 'GRSSA000010', tier: 'STATE', establishment: { name: 'Almacén Estatal Guerrero' } },
      warehouse: null,
    });
  });

  test('inNetworkSince: none for a unit outside the network, the state date otherwise, or as given', async () => {
    const r = await api.gql(
      `{ jc: establishment(clues: "JCSSA000001") { inNetwork inNetworkSince } oc: establishment(clues: "OCSSA000001") { inNetworkSince } }`,
      {},
      admin,
    );
    expect(r.data).toEqual({ jc: { inNetwork: false, inNetworkSince: null }, oc: { inNetworkSince: '2023-06-30' } });
    const m = await api.gql(
      `mutation { establishmentUpsert(input: { clues: "OCSSA000003", name: "CS Zaachila", kind: FIXED, levelOfCare: FIRST, inNetworkSince: "2024-01-15" }) {
         establishment { inNetworkSince } userErrors { code } } }`,
      {},
      admin,
    );
    expect(m.data.establishmentUpsert).toEqual({ establishment: { inNetworkSince: '2024-01-15' }, userErrors: [] });
    await tdb.db.query(`DELETE FROM establishment WHERE clues = 'OCSSA000003'`);
  });

  test('node() resolves every global ID it hands out', async () => {
    const r = await api.gql(
      `{ establishment(clues: "GRSSA000010") { id warehouse { id } state { id } } }`,
      {},
      admin,
    );
    const { id, warehouse, state } = r.data.establishment;
    const n = await api.gql(
      `query($a: ID!, $b: ID!, $c: ID!) {
         a: node(id: $a) { __typename id ... on Establishment { clues } }
         b: node(id: $b) { __typename ... on Warehouse { clues tier } }
         c: node(id: $c) { __typename ... on State { code } }
         junk: node(id: "bm9wZQ") { id } }`,
      { a: id, b: warehouse.id, c: state.id },
      admin,
    );
    expect(n.errors).toBeUndefined();
    expect(n.data).toEqual({
      a: { __typename: 'Establishment', id, clues: 'GRSSA000010' },
      b: { __typename: 'Warehouse', clues: 'GRSSA000010', tier: 'STATE' },
      c: { __typename: 'State', code: '12' },
      junk: null,
    });
  });

  test('states: all 32 with prefixes and federalization dates', async () => {
    const r = await api.gql('{ states { code name cluesPrefix federalizedBy } }', {}, admin);
    expect(r.data.states).toHaveLength(32);
    expect(r.data.states.filter((s: any) => s.federalizedBy === null)).toHaveLength(9);
    expect(r.data.states[8]).toEqual({ code: '09', name: 'Ciudad de México', cluesPrefix: 'DF', federalizedBy: '2023-06-30' });
  });
});

describe('warehouses', () => {
  test('list, state filter and the establishments each serves', async () => {
    const r = await api.gql(
      `{ all: warehouses { totalCount edges { node { clues tier establishment { name } served(first: 2) { totalCount edges { node { clues } } pageInfo { hasNextPage } } } } }
         gr: warehouses(stateCodes: ["12"]) { totalCount edges { node { clues } } } }`,
      {},
      admin,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.gr).toEqual({ totalCount: 1, edges: [{ node: { clues: 'GRSSA000010' } }] });
    expect(r.data.all.edges.map((e: any) => e.node)).toEqual([
      {
        clues: 'DFSSA004936',
        tier: 'CENTRAL',
        establishment: { name: 'Almacén central' },
        served: { totalCount: 1, edges: [{ node: { clues: 'GRSSA000010' } }], pageInfo: { hasNextPage: false } },
      },
      {
        clues: 'GRSSA000010',
        tier: 'STATE',
        establishment: { name: 'Almacén Estatal Guerrero' },
        served: {
          totalCount: 3,
          edges: [{ node: { clues: 'GRSSA000001' } }, { node: { clues: 'GRSSA000002' } }],
          pageInfo: { hasNextPage: true },
        },
      },
    ]);
  });

  test('warehouseUpsert changes the tier; an unknown CLUES is refused', async () => {
    const up = `mutation($i: WarehouseUpsertInput!) { warehouseUpsert(input: $i) { warehouse { clues tier } userErrors { code field } } }`;
    let r = await api.gql(up, { i: { clues: 'GRSSA000010', tier: 'REGIONAL' } }, admin);
    expect(r.data.warehouseUpsert).toEqual({ warehouse: { clues: 'GRSSA000010', tier: 'REGIONAL' }, userErrors: [] });
    r = await api.gql(up, { i: { clues: 'GRSSA000010', tier: 'STATE' } }, admin);
    expect(r.data.warehouseUpsert.warehouse.tier).toBe('STATE');
    const before = await snapshot();
    r = await api.gql(up, { i: { clues: 'GRSSA777777', tier: 'STATE' } }, admin);
    expect(r.data.warehouseUpsert).toEqual({ warehouse: null, userErrors: [{ code: 'UNKNOWN_CLUES', field: ['input', 'clues'] }] });
    expect(await snapshot()).toBe(before);
  });
});

describe('establishmentUpsert', () => {
  const UPSERT = `mutation($i: EstablishmentUpsertInput!) {
    establishmentUpsert(input: $i) { establishment { clues name municipality jurisdiction levelOfCare operating supplyingWarehouse { clues } } userErrors { code field message } } }`;

  test('fields left out keep their value, null clears', async () => {
    let r = await api.gql(UPSERT, { i: { clues: 'GRSSA000001', operating: false } }, admin);
    expect(r.data.establishmentUpsert.establishment).toMatchObject({
      name: 'Centro de Salud Tixtla',
      municipality: 'Tixtla de Guerrero',
      operating: false,
      supplyingWarehouse: { clues: 'GRSSA000010' },
    });
    r = await api.gql(UPSERT, { i: { clues: 'GRSSA000001', operating: true, jurisdiction: null } }, admin);
    expect(r.data.establishmentUpsert.establishment).toMatchObject({ jurisdiction: null, municipality: 'Tixtla de Guerrero', operating: true });
    r = await api.gql(UPSERT, { i: { clues: 'GRSSA000001', jurisdiction: 'CENTRO', name: null, operating: null } }, admin);
    expect(r.data.establishmentUpsert.establishment).toMatchObject({ name: 'Centro de Salud Tixtla', operating: true });
    expect(r.data.establishmentUpsert.establishment.jurisdiction).toBe('CENTRO');
  });

  test('concurrent first saves of one new CLUES end as one row, without errors', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api.gql(UPSERT, { i: { clues: 'OCSSA000050', name: `CS Tlacolula ${i}`, kind: 'FIXED' } }, admin)),
    );
    for (const r of results) expect([r.errors, r.data.establishmentUpsert.userErrors]).toEqual([undefined, []]);
    expect(await tdb.db.query(`SELECT count(*)::int AS n FROM establishment WHERE clues = 'OCSSA000050'`)).toEqual([{ n: 1 }]);
    await tdb.db.query(`DELETE FROM establishment WHERE clues = 'OCSSA000050'`);
  });

  test.each([
    ['malformed CLUES', { clues: 'GRSSA12', name: 'x', kind: 'FIXED' }, [['INVALID_CLUES', 'clues']]],
    ['CLUES of another state', { clues: 'GRSSA000099', stateCode: '20', name: 'x', kind: 'FIXED' }, [['CLUES_STATE_MISMATCH', 'stateCode']]],
    ['prefix of no state', { clues: 'XXSSA000001', name: 'x', kind: 'FIXED' }, [['CLUES_STATE_MISMATCH', 'clues']]],
    ['unknown state', { clues: 'GRSSA000099', stateCode: '40', name: 'x', kind: 'FIXED' }, [['UNKNOWN_STATE', 'stateCode']]],
    ['new CLUES without name or kind', { clues: 'GRSSA000099' }, [['REQUIRED', 'name'], ['REQUIRED', 'kind']]],
    ['blank name', { clues: 'GRSSA000099', name: '   ', kind: 'FIXED' }, [['REQUIRED', 'name']]],
    ['over-long name', { clues: 'GRSSA000099', name: 'x'.repeat(251), kind: 'FIXED' }, [['TOO_LONG', 'name']]],
    ['over-long municipality', { clues: 'GRSSA000001', municipality: 'm'.repeat(251) }, [['TOO_LONG', 'municipality']]],
    ['support with a level of care', { clues: 'GRSSA000099', name: 'Almacén', kind: 'SUPPORT', levelOfCare: 'FIRST' }, [['INCONSISTENT', 'levelOfCare']]],
    ['unknown supplier', { clues: 'GRSSA000001', supplyingWarehouseClues: 'GRSSA888888' }, [['UNKNOWN_CLUES', 'supplyingWarehouseClues']]],
    ['supplier that is not a warehouse', { clues: 'GRSSA000001', supplyingWarehouseClues: 'GRSSA000002' }, [['NOT_A_WAREHOUSE', 'supplyingWarehouseClues']]],
    ['supplies itself', { clues: 'GRSSA000010', supplyingWarehouseClues: 'GRSSA000010' }, [['SELF_SUPPLY', 'supplyingWarehouseClues']]],
    ['supply cycle', { clues: 'DFSSA004936', supplyingWarehouseClues: 'GRSSA000010' }, [['SUPPLY_CYCLE', 'supplyingWarehouseClues']]],
  ])('%s → user error, nothing written', async (_name, input, expected) => {
    const before = await snapshot();
    const r = await api.gql(UPSERT, { i: input }, admin);
    expect(r.errors).toBeUndefined();
    const { establishment, userErrors } = r.data.establishmentUpsert;
    expect(establishment).toBeNull();
    expect(userErrors.map((e: any) => [e.code, e.field[1]])).toEqual(expected);
    for (const e of userErrors) expect(e.message).toMatch(/[a-záéíóúñ]{3,}/i);
    expect(await snapshot()).toBe(before);
  });

  test('an impossible date is refused before anything runs', async () => {
    const before = await snapshot();
    const r = await api.gql(UPSERT, { i: { clues: 'GRSSA000001', inNetworkSince: '2024-02-30' } }, admin);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await snapshot()).toBe(before);
  });
});

describe('saiStatusSet', () => {
  const SET = `mutation($i: SaiStatusSetInput!) { saiStatusSet(input: $i) { establishment { clues saiStatus } userErrors { code field } } }`;

  test('the latest status on or before today is the current one', async () => {
    await api.gql(SET, { i: { clues: 'OCSSA000001', status: 'IMPLEMENTING', effectiveOn: '2024-01-10' } }, admin);
    const r = await api.gql(SET, { i: { clues: 'OCSSA000001', status: 'IN_OPERATION', effectiveOn: '2024-06-01' } }, admin);
    expect(r.data.saiStatusSet).toEqual({ establishment: { clues: 'OCSSA000001', saiStatus: 'IN_OPERATION' }, userErrors: [] });
    const rows = await tdb.db.query(`SELECT status, effective_on::text FROM sai_status_change ORDER BY effective_on`);
    expect(rows).toEqual([
      { status: 'IMPLEMENTING', effective_on: '2024-01-10' },
      { status: 'IN_OPERATION', effective_on: '2024-06-01' },
    ]);
  });

  test('a future date or an unknown CLUES writes nothing', async () => {
    const before = await snapshot();
    let r = await api.gql(SET, { i: { clues: 'OCSSA000001', status: 'NOT_STARTED', effectiveOn: '2999-01-01' } }, admin);
    expect(r.data.saiStatusSet.userErrors).toEqual([{ code: 'DATE_IN_FUTURE', field: ['input', 'effectiveOn'] }]);
    r = await api.gql(SET, { i: { clues: 'OCSSA999999', status: 'IN_OPERATION', effectiveOn: '2024-01-01' } }, admin);
    expect(r.data.saiStatusSet.userErrors).toEqual([{ code: 'UNKNOWN_CLUES', field: ['input', 'clues'] }]);
    expect(await snapshot()).toBe(before);
  });
});
