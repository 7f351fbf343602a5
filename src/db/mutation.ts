import { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { Viewer } from '../base/auth';
import { Context, viewerOf } from '../base/context';
import { parseInput } from '../base/validation';
import { Role } from '../domain/enums';
import { claimIdempotencyKey } from './idempotency';
import { inTransaction } from './transaction';

/**
 * Who may run a mutation, as far as its input tells: a role among `roles`, acting at `clues` when the
 * input names an establishment. Decided by `Viewer.mayActAt`, the one home of that rule.
 */
export interface MutationScope {
  roles: readonly Role[];
  clues?: string;
}

/** What a mutation's steps know besides its input. */
export interface MutationMeta<K extends string | null = string | null> {
  viewer: Viewer;
  /** The token's subject: who every row the mutation writes records. */
  actor: string;
  /** The key claimed, for an idempotent mutation (null otherwise). */
  idempotencyKey: K;
}

export interface MutationSpec<S extends z.ZodTypeAny, L, K extends string | null> {
  /** The operation's name, as its idempotency key records it (the GraphQL field). */
  operation: string;
  /** The input's schema, declared next to its input class, and the input as sent. */
  schema: S;
  raw: unknown;
  /** Who may run it, decided from the parsed input before the transaction opens. */
  scope?: MutationScope | ((input: z.output<S>) => MutationScope);
  /** Checks of the input as a whole that need the caller or the configuration; before the transaction. */
  check?: (input: z.output<S>, viewer: Viewer) => void;
  /** Makes the mutation idempotent: the key it claims (the replay callback then answers a repeat). */
  idempotencyKey?: (input: z.output<S>) => K;
  /**
   * Finds (and locks) what the mutation acts on, in the transaction and before the key is claimed, and
   * checks the scope that depends on it with `meta.viewer.assertMayActAt`: a caller out of scope is
   * refused before it claims a key. Its result is handed to the work and to the replay.
   */
  locate?: (em: EntityManager, input: z.output<S>, meta: MutationMeta<K>) => Promise<L>;
}

/**
 * The one write path: every mutation that writes runs through here, in this order —
 *
 *   1. validation: the input is parsed with its schema (stable codes, Spanish messages) before any SQL;
 *   2. scope: the caller's role and CLUES, when the input alone decides them (`Viewer.mayActAt`);
 *   3. the input's remaining checks (`check`);
 *   4. one transaction (`inTransaction`: run again from the start on a deadlock or serialization
 *      failure), in which `locate` finds and locks the rows and checks the scope they decide, the
 *      idempotency key is claimed with the request as sent, and then `work` runs — or, for a key
 *      already used with the same request, `replay` returns the first result and nothing is written.
 *
 * A step that throws rolls everything back, the key's claim included.
 */
export async function runMutation<S extends z.ZodTypeAny, T, L = undefined, K extends string | null = null>(
  ctx: Context,
  spec: MutationSpec<S, L, K>,
  work: (em: EntityManager, input: z.output<S>, meta: MutationMeta<K>, located: L) => Promise<T>,
  replay?: (em: EntityManager, input: z.output<S>, meta: MutationMeta<K>, located: L) => Promise<T>,
): Promise<T> {
  const input: z.output<S> = parseInput(spec.schema, spec.raw);
  const viewer = viewerOf(ctx);
  if (spec.scope) {
    const scope = typeof spec.scope === 'function' ? spec.scope(input) : spec.scope;
    viewer.assertMayActAt(scope.roles, scope.clues);
  }
  spec.check?.(input, viewer);
  const key = (spec.idempotencyKey ? spec.idempotencyKey(input) : null) as K;
  if (key !== null && !replay) throw new Error(`${spec.operation}: an idempotent mutation needs its replay`);
  const meta: MutationMeta<K> = { viewer, actor: viewer.subject, idempotencyKey: key };
  return inTransaction(ctx.db, async (em) => {
    const located = spec.locate ? await spec.locate(em, input, meta) : (undefined as L);
    if (key !== null) {
      // The request as sent is what a retry repeats (defaults such as "now" would differ).
      const claim = await claimIdempotencyKey(em, { key, operation: spec.operation, subject: viewer.subject, input: spec.raw });
      if (claim === 'replay') return replay!(em, input, meta, located);
    }
    return work(em, input, meta, located);
  });
}
