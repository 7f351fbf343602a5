import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { z } from 'zod';
import { Roles, Viewer } from '../../src/base/auth';
import type { Context } from '../../src/base/context';
import { UserInputError } from '../../src/base/errors';
import { cluesField, idempotencyKeyField, text } from '../../src/base/validation';
import { sqlCounter } from '../../src/db/data-source';
import { runMutation } from '../../src/db/mutation';
import { Role } from '../../src/domain/enums';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * The one write path (src/db/mutation.ts), on a table of the test's own: a bad input and a caller out
 * of scope are refused before any SQL; a key used twice writes once; a scope decided by a row refuses
 * before the key is claimed; a serialization failure runs the whole transaction again.
 */
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.db.query(`CREATE TABLE write_probe (id serial PRIMARY KEY, clues text NOT NULL, note text NOT NULL, actor text NOT NULL, idempotency_key text)`);
});
afterAll(() => tdb?.drop());

const ProbeSchema = z.object({ idempotencyKey: idempotencyKeyField, clues: cluesField, note: text(40) });

const pharmacy = (sub: string) => new Viewer(sub, Role.PHARMACY, 'GRSSA000001', null);
const ctxOf = (viewer: Viewer) => ({ viewer, db: tdb.db }) as unknown as Context;

/** A stock-writer mutation at the input's CLUES that writes one probe row; `during` runs after the row is written. */
function probeWrite(viewer: Viewer, raw: Record<string, unknown>, opts: { during?: () => void; locate?: (v: Viewer) => void } = {}): Promise<number> {
  return runMutation(
    ctxOf(viewer),
    {
      operation: 'probeWrite',
      schema: ProbeSchema,
      raw,
      scope: (input) => ({ roles: Roles.stockWriters, clues: input.clues }),
      idempotencyKey: (input) => input.idempotencyKey,
      locate: async (em, _input, meta) => {
        await em.query('SELECT count(*) FROM write_probe');
        opts.locate?.(meta.viewer);
      },
    },
    async (em, input, meta) => {
      const [row] = await em.query('INSERT INTO write_probe (clues, note, actor, idempotency_key) VALUES ($1, $2, $3, $4) RETURNING id', [
        input.clues,
        input.note,
        meta.actor,
        meta.idempotencyKey,
      ]);
      opts.during?.();
      return row.id as number;
    },
    async (em, _input, meta) => (await em.query('SELECT id FROM write_probe WHERE actor = $1 AND idempotency_key = $2', [meta.actor, meta.idempotencyKey]))[0].id,
  );
}

const rows = async (actor: string) => Number((await tdb.db.query('SELECT count(*) AS n FROM write_probe WHERE actor = $1', [actor]))[0].n);
const keys = async (actor: string) => Number((await tdb.db.query('SELECT count(*) AS n FROM idempotency_key WHERE subject = $1', [actor]))[0].n);

/** The error a call fails with. */
async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected the mutation to fail');
}

async function statementsDuring(work: () => Promise<unknown>): Promise<number> {
  const counter = sqlCounter(tdb.db);
  const before = counter.count;
  await work();
  return counter.count - before;
}

it('refuses a bad input with its stable codes before any SQL, and writes nothing', async () => {
  let err: unknown;
  // Out of scope too: validation answers first.
  const sent = await statementsDuring(async () => {
    err = await failure(probeWrite(pharmacy('wp-bad'), { idempotencyKey: 'k1', clues: 'OCSSA00000X', note: '  ' }));
  });
  expect(err).toBeInstanceOf(UserInputError);
  expect((err as UserInputError).errors.map((e) => [e.code, e.field.join('.')])).toEqual([
    ['INVALID_CLUES', 'input.clues'],
    ['REQUIRED', 'input.note'],
  ]);
  expect(sent).toBe(0);
  expect(await rows('wp-bad')).toBe(0);
});

it('writes once for a key used twice: the repeat gets the first result; the key with other data is refused', async () => {
  const v = pharmacy('wp-replay');
  const first = await probeWrite(v, { idempotencyKey: 'k1', clues: 'grssa000001', note: 'uno' });
  const again = await probeWrite(v, { idempotencyKey: 'k1', clues: 'grssa000001', note: 'uno' });
  expect(again).toBe(first);
  // Two twins at once: the second waits for the first's commit, then replays it.
  const [a, b] = await Promise.all([
    probeWrite(v, { idempotencyKey: 'k2', clues: 'GRSSA000001', note: 'dos' }),
    probeWrite(v, { idempotencyKey: 'k2', clues: 'GRSSA000001', note: 'dos' }),
  ]);
  expect(a).toBe(b);
  const reused = await failure(probeWrite(v, { idempotencyKey: 'k1', clues: 'GRSSA000001', note: 'otra' }));
  expect((reused as UserInputError).errors.map((e) => e.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
  expect(await rows('wp-replay')).toBe(2);
  expect(await keys('wp-replay')).toBe(2);
});

it('refuses a caller out of scope with FORBIDDEN, before any SQL or after the row that decides it, and writes nothing', async () => {
  const v = pharmacy('wp-scope');
  let err: unknown;
  const sent = await statementsDuring(async () => {
    err = await failure(probeWrite(v, { idempotencyKey: 'k1', clues: 'OCSSA000001', note: 'ajena' }));
  });
  expect((err as GraphQLError).extensions?.code).toBe('FORBIDDEN');
  expect(sent).toBe(0);
  // A scope the located row decides: refused before the key is claimed.
  const late = await failure(probeWrite(v, { idempotencyKey: 'k2', clues: 'GRSSA000001', note: 'propia' }, { locate: (viewer) => viewer.assertMayActAt(Roles.national) }));
  expect((late as GraphQLError).extensions?.code).toBe('FORBIDDEN');
  expect(await rows('wp-scope')).toBe(0);
  expect(await keys('wp-scope')).toBe(0);
  // The same rule, for a state coordinator: its own state's CLUES, not another's.
  const coordinator = new Viewer('wp-coordinator', Role.STATE_COORDINATOR, null, '12');
  expect(coordinator.mayActAt(Roles.registryWriters, 'GRSSA000001')).toBe(true);
  expect(coordinator.mayActAt(Roles.registryWriters, 'OCSSA000001')).toBe(false);
  expect(coordinator.mayActAt(Roles.stockWriters, 'GRSSA000001')).toBe(false);
});

it('runs the whole transaction again after a serialization failure: the first attempt left nothing, its key claim included', async () => {
  const v = pharmacy('wp-retry');
  let attempts = 0;
  const id = await probeWrite(
    v,
    { idempotencyKey: 'k1', clues: 'GRSSA000001', note: 'reintento' },
    {
      during: () => {
        if (++attempts === 1) throw new QueryFailedError('INSERT INTO write_probe', [], Object.assign(new Error('could not serialize access'), { code: '40001' }));
      },
    },
  );
  expect(attempts).toBe(2);
  expect(await tdb.db.query('SELECT id FROM write_probe WHERE actor = $1', ['wp-retry'])).toEqual([{ id }]);
  expect(await keys('wp-retry')).toBe(1);
  // Any other failure is not retried.
  let other = 0;
  const err = await failure(probeWrite(v, { idempotencyKey: 'k2', clues: 'GRSSA000001', note: 'falla' }, { during: () => { other++; throw new Error('boom'); } }));
  expect((err as Error).message).toBe('boom');
  expect(other).toBe(1);
  expect(await rows('wp-retry')).toBe(1);
});
