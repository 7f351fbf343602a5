import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

type Db = DataSource | EntityManager;

const names = new Map<string, string>();
const unprepared = new WeakSet<DataSource>();

/** This database's hot reads run as plain statements (DATABASE_PREPARED_STATEMENTS=false). */
export function withoutPreparedStatements(db: DataSource): void {
  unprepared.add(db);
}

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
 * Runs a hot read as a named prepared statement. Each pooled connection parses and plans it once;
 * PostgreSQL then reuses the plan (a generic one once it costs no more than the custom plans), which
 * on the stock page saves about as much as the query itself costs. Counted and logged like every
 * TypeORM statement (the SQL-count tests and LOG_SQL see it). Inside a transaction it runs on the
 * transaction's connection. A pooler in transaction mode that cannot keep prepared statements
 * (PgBouncer before 1.21, or without max_prepared_statements) needs DATABASE_PREPARED_STATEMENTS=false.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function preparedQuery<T extends QueryResultRow = any>(db: Db, text: string, values: unknown[]): Promise<T[]> {
  const source = db instanceof DataSource ? db : db.connection;
  if (unprepared.has(source)) return db.query(text, values);
  source.logger.logQuery(text, values);
  const runner = db instanceof EntityManager ? db.queryRunner : undefined;
  const query = { name: statementName(text), text, values };
  if (runner && !runner.isReleased) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query<T>(query)).rows;
  }
  const pool = (source.driver as PostgresDriver).master as Pool;
  return (await pool.query<T>(query)).rows;
}
