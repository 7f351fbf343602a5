import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in one transaction. Mutations that move stock use row locks or conditional
 * updates inside it; nothing here reads and writes back in application code.
 */
export function inTransaction<T>(db: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return db.transaction('READ COMMITTED', work);
}
