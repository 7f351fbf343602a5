import fs from 'node:fs';
import { Role } from '../../src/domain/enums';
import { signToken } from '../../src/base/auth';
import { startTestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';
import { addClaves, buildNetwork, CLAVES } from '../support/network';
import { startServerProcess } from '../support/server-process';

/**
 * WORKERS=2: the primary process starts the database and two workers serve one port; both serve,
 * a worker killed with SIGKILL is replaced while the other goes on serving, and SIGTERM to the
 * primary stops every process. Linux only (reads /proc).
 */
let tdb: TestDatabase;
const SECRET = 'workers-test-secret-0123456789abcdef';
const linux = fs.existsSync('/proc/self/stat');

beforeAll(async () => {
  tdb = await createTestDatabase();
  const api = await startTestApi(tdb.db, { JWT_SECRET: SECRET });
  try {
    await buildNetwork(api);
    await addClaves(api);
  } finally {
    await api.stop();
  }
}, 60_000);
afterAll(async () => {
  await tdb.drop();
});

/** The processes whose parent is `pid`, with the CPU time (ticks) each has used. */
function children(pid: number): Map<number, number> {
  const found = new Map<number, number>();
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      if (Number(f[1]) === pid) found.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

(linux ? test : test.skip)('two workers share the load; a killed worker is replaced; SIGTERM stops them all', async () => {
  const { child, url } = await startServerProcess(tdb.url, SECRET, { WORKERS: '2' });
  const primary = child.pid!;
  try {
    const token = await signToken(SECRET, { sub: 'workers', role: Role.WAREHOUSE, clues: 'GRSSA000010' }, { maxLifetimeSeconds: 3600 });
    const read = () =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ stockLevels(clues: "GRSSA000010", first: 100) { totalCount nodes { clave usable } } }' }) }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as any }),
      );
    const receive = (key: string, quantity: number) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation($i: StockReceiveInput!) { stockReceive(input: $i) { userErrors { code } } }',
          variables: { i: { idempotencyKey: key, clues: 'GRSSA000010', lines: [{ clave: CLAVES.gasa, lotNumber: 'WK-1', acceptedQuantity: quantity }] } },
        }),
      }).then((r) => r.json() as Promise<any>);
    expect((await receive('workers-0', 5)).data.stockReceive.userErrors).toEqual([]);
    const before = children(primary);
    expect(before.size).toBe(2);
    // 400 reads at once: every answer whole, and both workers did work.
    const answers = await Promise.all(Array.from({ length: 400 }, () => read()));
    expect(answers.every((a) => a.status === 200 && !a.body.errors && a.body.data.stockLevels.totalCount >= 1)).toBe(true);
    const after = children(primary);
    for (const [pid, ticks] of before) expect(after.get(pid)! - ticks).toBeGreaterThan(0);

    // One worker killed: the other answers meanwhile, and the primary starts a replacement.
    const [victim, survivor] = [...before.keys()];
    process.kill(victim, 'SIGKILL');
    await until(() => !alive(victim));
    // fetch may first reuse a kept-alive connection to the dead worker ("other side closed"), as any
    // client would; it retries a read on a new connection, which the surviving worker answers.
    const retried = async (attempts = 3): Promise<{ status: number }> => {
      try {
        return await read();
      } catch (err) {
        if (attempts <= 1) throw err;
        return retried(attempts - 1);
      }
    };
    expect((await retried()).status).toBe(200);
    await until(() => children(primary).size === 2 && !children(primary).has(victim));
    const replacement = [...children(primary).keys()].find((p) => p !== survivor)!;
    expect(replacement).toBeDefined();
    // A receipt through the new set of workers, then reads: all consistent.
    expect((await receive('workers-1', 7)).data.stockReceive.userErrors).toEqual([]);
    const reads = await Promise.all(Array.from({ length: 20 }, () => read()));
    expect(new Set(reads.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(reads[0].body.data.stockLevels.nodes).toEqual([{ clave: CLAVES.gasa, usable: 12 }]);

    // SIGTERM to the primary: every process exits.
    const workers = [survivor, replacement];
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await until(() => workers.every((p) => !alive(p)));
  } finally {
    if (alive(primary)) child.kill('SIGKILL');
    for (const p of children(primary).keys()) process.kill(p, 'SIGKILL');
  }
}, 120_000);
