import { createHash } from 'node:crypto';
import { type PoolClient, type QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { Database } from './database';

type Db = DataSource | EntityManager;

const names = new Map<string, string>();

/** A statement's name is a digest of its text: one text, one name, on every connection. */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `abasto_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a hot read as a named prepared statement. Each connection of the hot-read pool parses and
 * plans it once and reuses that plan, which on the stock page saves about as much as the query itself
 * costs, on the pool the Database owns (src/db/database.ts). Counted and logged like every TypeORM
 * statement (the SQL-count tests and LOG_SQL see it). Inside a transaction it runs on the
 * transaction's connection. A pooler in transaction mode that cannot keep prepared statements
 * (PgBouncer before 1.21, or without max_prepared_statements) needs DATABASE_PREPARED_STATEMENTS=false.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function preparedQuery<T extends QueryResultRow = any>(db: Db, text: string, values: unknown[]): Promise<T[]> {
  const source = db instanceof DataSource ? db : db.connection;
  const hotReads = source instanceof Database ? source.hotReads : undefined;
  // without a hot-read pool (DATABASE_PREPARED_STATEMENTS=false), a plain statement
  if (!hotReads) return db.query(text, values);
  source.logger.logQuery(text, values);
  const runner = db instanceof EntityManager ? db.queryRunner : undefined;
  const query = { name: statementName(text), text, values };
  if (runner && !runner.isReleased) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query<T>(query)).rows;
  }
  return (await hotReads.query<T>(query)).rows;
}
