import fs from 'node:fs';
import path from 'node:path';
import { loadDemoDataIfEmpty } from '../../seeds/demo';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * Every GraphQL example of the README runs, in order, against the demo network, as the user it says
 * — a newcomer's first ten minutes must not meet an example that fails. Each ```graphql block is
 * introduced by an HTML comment (invisible on GitHub):
 *
 *   <!-- run as PHARMACY GRSSA015854 -->                          the user (role, and CLUES or state code)
 *   <!-- run as PHARMACY GRSSA015854; REP-2026-000090 = orderCreate.order.number -->
 *                                                                 then, in the blocks after it, that literal
 *                                                                 stands for the value the response gave
 *   <!-- run as AUDITOR; expect FORBIDDEN -->                     an example of an error: it must give that code
 *
 * An example fails when it has no such comment, answers with an error, or a payload's `userErrors` is
 * not empty.
 */
const README = path.resolve(__dirname, '../../README.md');

interface Example {
  line: number;
  query: string;
  role: Role;
  scope: { clues?: string; state?: string };
  captures: Array<{ literal: string; path: string[] }>;
  expect?: string;
}

function examples(text: string): { found: Example[]; unmarked: number[] } {
  const lines = text.split('\n');
  const found: Example[] = [];
  const unmarked: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```graphql') continue;
    const end = lines.indexOf('```', i + 1);
    const query = lines.slice(i + 1, end).join('\n');
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    const marker = /^<!-- run as (.+?) -->$/.exec(lines[j]?.trim() ?? '');
    if (!marker) {
      unmarked.push(i + 1);
    } else {
      const [who, ...parts] = marker[1].split(';').map((p) => p.trim());
      const [role, where] = who.split(/\s+/);
      const scope = where === undefined ? {} : /^\d{2}$/.test(where) ? { state: where } : { clues: where };
      const captures = parts.filter((p) => p.includes('=')).map((p) => {
        const [literal, at] = p.split('=').map((x) => x.trim());
        return { literal, path: at.split('.') };
      });
      const expected = parts.find((p) => p.startsWith('expect '))?.slice('expect '.length);
      found.push({ line: i + 1, query, role: role as Role, scope, captures, expect: expected });
    }
    i = end;
  }
  return { found, unmarked };
}

/** Every non-empty `userErrors` list in a response's data. */
function userErrorsIn(value: unknown, at = 'data'): string[] {
  if (!value || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => userErrorsIn(v, `${at}[${i}]`));
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'userErrors' && Array.isArray(v) && v.length ? [`${at}.userErrors: ${JSON.stringify(v)}`] : userErrorsIn(v, `${at}.${k}`),
  );
}

let tdb: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await loadDemoDataIfEmpty(tdb.db);
  api = await startTestApi(tdb.db);
}, 180_000);
afterAll(async () => {
  await api?.stop();
  await tdb?.drop();
});

test('every GraphQL example of the README runs against the demo network', async () => {
  const { found, unmarked } = examples(fs.readFileSync(README, 'utf8'));
  expect(unmarked.map((line) => `README.md:${line} has no <!-- run as … --> comment`)).toEqual([]);
  expect(found.length).toBeGreaterThan(10);
  const values = new Map<string, string>();
  const failures: string[] = [];
  for (const ex of found) {
    let query = ex.query;
    for (const [literal, value] of values) query = query.split(literal).join(value);
    const token = await api.token(ex.role, { ...ex.scope, sub: `readme-${ex.role.toLowerCase()}-${ex.scope.clues ?? ex.scope.state ?? ''}` });
    const r = await api.gql(query, {}, token);
    const codes = (r.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code);
    if (ex.expect) {
      const got = [...codes, ...userErrorsIn(r.data).map((u) => u)].join(' ');
      if (!got.includes(ex.expect)) failures.push(`README.md:${ex.line} (as ${ex.role}) should fail with ${ex.expect}; got ${JSON.stringify(r.errors ?? r.data).slice(0, 300)}`);
      continue;
    }
    const problems = [...(r.errors ?? []).map((e: { message: string }) => e.message), ...userErrorsIn(r.data)];
    if (problems.length) failures.push(`README.md:${ex.line} (as ${ex.role}): ${problems.join('; ').slice(0, 500)}`);
    for (const c of ex.captures) {
      const value = c.path.reduce<any>((v, k) => v?.[k], r.data);
      if (typeof value !== 'string' && typeof value !== 'number') failures.push(`README.md:${ex.line}: nothing at ${c.path.join('.')} to stand for ${c.literal}`);
      else values.set(c.literal, String(value));
    }
  }
  expect(failures).toEqual([]);
}, 180_000);
