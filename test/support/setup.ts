import { startTestApi, TestApi } from './api';
import { createTestDatabase, TestDatabase } from './database';
import { addClaves, buildNetwork } from './network';

/**
 * What most database tests start with: a database of their own, the API on it, the small network of
 * test/support/network.ts and its three claves. Stop it with `stopNetworkApi` in `afterAll`.
 */
export async function startNetworkApi(): Promise<{ tdb: TestDatabase; api: TestApi }> {
  const tdb = await createTestDatabase();
  const api = await startTestApi(tdb.db);
  await buildNetwork(api);
  await addClaves(api);
  return { tdb, api };
}

export async function stopNetworkApi(api: TestApi | undefined, tdb: TestDatabase | undefined): Promise<void> {
  await api?.stop();
  await tdb?.drop();
}
