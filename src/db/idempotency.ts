import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { ErrorCode, fail } from '../base/errors';

/**
 * Idempotency keys (SPEC §5): the first request with a key does the work; a retry with the same
 * key and the same input gets the first result and changes nothing; the same key with another
 * input or operation is refused. Keys belong to the caller (the token's subject): the same key from
 * another user is another request, and nothing tells one user what keys another used. The key is
 * claimed inside the work's transaction, so a request that fails leaves the key free, and a concurrent
 * twin waits for the first to commit. A replay finds its document by (subject, key): each document
 * stores both, in the column that records who wrote it.
 */
export async function claimIdempotencyKey(
  em: EntityManager,
  claim: { key: string; operation: string; subject: string; input: unknown },
): Promise<'fresh' | 'replay'> {
  const hash = requestHash(claim.operation, claim.input);
  const inserted = await em.query(
    `INSERT INTO idempotency_key (key, operation, subject, request_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (subject, key) DO NOTHING RETURNING key`,
    [claim.key, claim.operation, claim.subject, hash],
  );
  if (inserted.length) return 'fresh';
  const [first] = await em.query('SELECT operation, request_hash FROM idempotency_key WHERE subject = $1 AND key = $2', [claim.subject, claim.key]);
  if (first.operation !== claim.operation || first.request_hash !== hash) {
    fail(
      ErrorCode.IDEMPOTENCY_KEY_REUSED,
      ['idempotencyKey'],
      'Esta clave de idempotencia ya se usó con otros datos; genere una nueva para una operación nueva.',
    );
  }
  return 'replay';
}

/** SHA-256 of the operation and the input as canonical JSON (keys sorted, dates as ISO text). */
export function requestHash(operation: string, input: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(input)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * When a caller's key was first claimed: the moment its request was recorded. A replay answers what
 * depends on that moment (a warning about a date "more than 30 days back") as the first answer did.
 */
export async function keyClaimedAt(em: EntityManager, subject: string, key: string): Promise<Date> {
  const [row] = await em.query('SELECT created_at FROM idempotency_key WHERE subject = $1 AND key = $2', [subject, key]);
  return row ? new Date(row.created_at) : new Date();
}
