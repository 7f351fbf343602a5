import { DataSource } from 'typeorm';
import { Config, parseConfig } from '../../src/config';
import { sqlCounter } from '../../src/db/data-source';
import { Role } from '../../src/domain/enums';
import { signToken } from '../../src/base/auth';
import { RunningServer, startServer } from '../../src/server';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export interface TestApi {
  server: RunningServer;
  config: Config;
  /** POSTs a document as a real client would (JSON, bearer token) and returns status and body. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  /** A token for `role` (subject `test-<role>` unless `sub` names another user). */
  token(role: Role, scope?: { clues?: string; state?: string; sub?: string }): Promise<string>;
  /** Runs `mutation(input: $i)` and returns its payload; throws on any GraphQL or user error. */
  mutate(token: string, mutation: string, inputType: string, input: Record<string, unknown>, body?: string): Promise<any>;
  /** SQL statements sent while `work` ran. */
  countSql(work: () => Promise<unknown>): Promise<number>;
  stop(): Promise<void>;
}

export async function startTestApi(db: DataSource, env: Record<string, string> = {}): Promise<TestApi> {
  // Every query compiled on its first run: the suite tests the executor production uses for repeated queries.
  const config = parseConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', GRAPHQL_JIT_AFTER: '0', ...env });
  const server = await startServer(db, config);
  const api: TestApi = {
    server,
    config,
    async gql(query, variables, token) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as object) };
    },
    async mutate(token, mutation, inputType, input, body = 'userErrors { code message }') {
      const r = await api.gql(`mutation($i: ${inputType}!) { ${mutation}(input: $i) { ${body} } }`, { i: input }, token);
      const payload = r.data?.[mutation];
      if (r.errors || !payload || payload.userErrors?.length) throw new Error(`${mutation} ${JSON.stringify(input).slice(0, 300)}: ${JSON.stringify(r.errors ?? payload?.userErrors)}`);
      return payload;
    },
    token: (role, scope = {}) => signToken(config.auth.secret!, { sub: `test-${role.toLowerCase()}`, role, ...scope }, { maxLifetimeSeconds: config.auth.maxLifetimeSeconds }),
    async countSql(work) {
      const counter = sqlCounter(db);
      const before = counter.count;
      await work();
      return counter.count - before;
    },
    stop: () => server.stop(),
  };
  return api;
}
