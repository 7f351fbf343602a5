import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 5;

/**
 * Runs `work` in one transaction. Stock writes in it use row locks taken in a fixed order and
 * conditional updates; nothing reads and writes back in application code. A deadlock between
 * transactions that touch the same rows is retried from the start.
 */
export async function inTransaction<T>(db: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // PostgreSQL's default isolation, READ COMMITTED, is the one these transactions are written for;
      // naming it would cost a SET TRANSACTION round trip per write.
      return await db.transaction(work);
    } catch (err) {
      const code = err instanceof QueryFailedError ? (err.driverError as { code?: string }).code : undefined;
      if (!code || !RETRYABLE.has(code) || attempt >= ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}
