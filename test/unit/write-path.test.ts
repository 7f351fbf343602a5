import fs from 'node:fs';
import path from 'node:path';

/**
 * One write path: no module validates, opens a transaction or claims an idempotency key on its own —
 * each writing mutation does it through `runMutation` (src/db/mutation.ts). The fill-rate check is a
 * maintenance command (`npm run fill:check`), not a mutation.
 */
const MODULES = path.resolve(__dirname, '../../src/modules');
const OWN_TRANSACTION_ALLOWED = new Set(['orders/order-fill.ts']);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test('modules write only through runMutation', () => {
  const offending = files(MODULES)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => {
      const rel = path.relative(MODULES, f).split(path.sep).join('/');
      const source = fs.readFileSync(f, 'utf8');
      const found = ['inTransaction(', 'claimIdempotencyKey(', 'parseInput(', '.transaction('].filter((s) => source.includes(s));
      return OWN_TRANSACTION_ALLOWED.has(rel) ? [] : found.map((s) => `${rel}: ${s}`);
    });
  expect(offending).toEqual([]);
});
