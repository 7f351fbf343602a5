import { ApolloClient, gql, HttpLink, InMemoryCache, NormalizedCacheObject } from '@apollo/client/core';
import { relayStylePagination } from '@apollo/client/utilities';
import { isAbstractType } from 'graphql';
import { Role } from '../../src/domain/enums';
import { getSchema } from '../../src/graphql/schema';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Apollo Client 3 as a client team sets it up (README, "Client setup"): an InMemoryCache with
 * `possibleTypes` from the schema and `relayStylePagination()` on a list, against the real server on
 * PostgreSQL. Two pages merge into one normalised list; a stock mutation's payload updates the cached
 * StockLevel by its id, so the list shows the new figures without a refetch.
 */

let tdb: TestDatabase;
let api: TestApi;
let client: ApolloClient<NormalizedCacheObject>;
const { paracetamol: PARA, trastuzumab: TRAS, gasa: GASA } = CLAVES;
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
const levelId = (clave: string) => Buffer.from(`StockLevel:GRSSA000010:${clave}`).toString('base64url');

/** Every interface and union with the object types that may stand for it (what `possibleTypes` wants). */
async function possibleTypes(): Promise<Record<string, string[]>> {
  const schema = await getSchema();
  return Object.fromEntries(
    Object.values(schema.getTypeMap())
      .filter(isAbstractType)
      .map((t) => [t.name, schema.getPossibleTypes(t).map((p) => p.name)]),
  );
}

const STOCK = gql`
  query Stock($clues: String!, $first: Int, $after: String) {
    stockLevels(clues: $clues, first: $first, after: $after) {
      edges { cursor node { id clave usable onHand establishment { id clues name } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  // The state warehouse holds three claves: 200 paracetamol, 10 trastuzumab, 80 gasa.
  await api.mutate(warehouse, 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'apollo-stock',
    clues: 'GRSSA000010',
    lines: [
      { clave: PARA, lotNumber: 'AP-1', expiresOn: '2030-01-31', acceptedQuantity: 200 },
      { clave: TRAS, lotNumber: 'AP-2', expiresOn: '2030-01-31', acceptedQuantity: 10 },
      { clave: GASA, lotNumber: 'AP-3', acceptedQuantity: 80 },
    ],
  });
  const types = await possibleTypes();
  expect(types.Node).toEqual(expect.arrayContaining(['StockLevel', 'Establishment', 'ProcurementPlanRow']));
  client = new ApolloClient({
    link: new HttpLink({ uri: api.server.url, headers: { authorization: `Bearer ${warehouse}` }, fetch }),
    cache: new InMemoryCache({ possibleTypes: types, typePolicies: { Query: { fields: { stockLevels: relayStylePagination(['clues', 'filter']) } } } }),
  });
});
afterAll(async () => {
  client?.stop();
  await stopNetworkApi(api, tdb);
});

test('two pages of stockLevels merge into one list of normalised StockLevels', async () => {
  // As a list screen pages: the first page, then fetchMore after its endCursor.
  const list = client.watchQuery({ query: STOCK, variables: { clues: 'GRSSA000010', first: 2 } });
  const watching = list.subscribe(() => undefined);
  const first = await list.reobserve();
  expect(first.data.stockLevels.edges.map((e: any) => e.node.clave)).toEqual([PARA, TRAS]);
  expect(first.data.stockLevels.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  const second = await list.fetchMore({ variables: { after: first.data.stockLevels.pageInfo.endCursor } });
  expect(second.data.stockLevels.edges.map((e: any) => e.node.clave)).toEqual([GASA]);
  expect(second.data.stockLevels.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  expect(list.getCurrentResult().data.stockLevels.edges).toHaveLength(3);
  watching.unsubscribe();

  // Read back from the cache alone: both pages, in order, with the merged page info.
  const merged = client.readQuery({ query: STOCK, variables: { clues: 'GRSSA000010', first: 2 } });
  expect(merged.stockLevels.edges.map((e: any) => [e.node.clave, e.node.usable])).toEqual([
    [PARA, 200],
    [TRAS, 10],
    [GASA, 80],
  ]);
  expect(merged.stockLevels.pageInfo).toEqual({ __typename: 'PageInfo', hasNextPage: false, hasPreviousPage: false, startCursor: cursor(PARA), endCursor: cursor(GASA) });

  // Normalised: one entity per level and one for the establishment they share.
  const entities = client.cache.extract();
  expect(Object.keys(entities).filter((k) => k.startsWith('StockLevel:')).sort()).toEqual([PARA, TRAS, GASA].map((c) => `StockLevel:${levelId(c)}`).sort());
  expect(Object.keys(entities).filter((k) => k.startsWith('Establishment:'))).toHaveLength(1);
  expect(entities[`StockLevel:${levelId(GASA)}`]).toMatchObject({ clave: GASA, usable: 80, onHand: 80 });
});

test('a stock mutation’s payload updates the cached StockLevel by id: the list shows it without a refetch', async () => {
  const result = await client.mutate({
    mutation: gql`
      mutation Consume($i: StockConsumeInput!) {
        stockConsume(input: $i) { stockLevels { id usable onHand } userErrors { code message } }
      }
    `,
    variables: { i: { idempotencyKey: 'apollo-consume', clues: 'GRSSA000010', lines: [{ clave: PARA, quantity: 15 }] } },
  });
  expect(result.data.stockConsume.userErrors).toEqual([]);
  // 200 − 15 = 185, in the entity and in the merged list read from the cache.
  expect(client.cache.extract()[`StockLevel:${levelId(PARA)}`]).toMatchObject({ usable: 185, onHand: 185 });
  const list = client.readQuery({ query: STOCK, variables: { clues: 'GRSSA000010', first: 2 } });
  expect(list.stockLevels.edges.map((e: any) => [e.node.clave, e.node.usable])).toEqual([
    [PARA, 185],
    [TRAS, 10],
    [GASA, 80],
  ]);
});
