import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

let tdb: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
});
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

test('states and an upsert', async () => {
  const admin = await api.token(Role.ADMIN);
  const r = await api.gql('{ states { code name cluesPrefix federalizedBy } me { role national } }', {}, admin);
  expect(r.errors).toBeUndefined();
  expect(r.data.states).toHaveLength(32);
  const m = await api.gql(
    `mutation($i: EstablishmentUpsertInput!) { establishmentUpsert(input: $i) { establishment { id clues state { name } inNetworkSince kind } userErrors { code field message } } }`,
    { i: { clues: 'GRSSA000001', name: 'Centro de Salud Chilpancingo', kind: 'FIXED', levelOfCare: 'FIRST' } },
    admin,
  );
  expect(m.errors).toBeUndefined();
  expect(m.data.establishmentUpsert).toMatchObject({ userErrors: [], establishment: { clues: 'GRSSA000001', inNetworkSince: '2022-12-31' } });
});
