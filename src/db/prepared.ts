import { createHash } from 'node:crypto';
import { Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

type Db = DataSource | EntityManager;

const names = new Map<string, string>();
const unprepared = new WeakSet<DataSource>();
const hotPools = new WeakMap<DataSource, Pool>();

/** This database's hot reads run as plain statements (DATABASE_PREPARED_STATEMENTS=false). */
export function withoutPreparedStatements(db: DataSource): void {
  unprepared.add(db);
}

/**
 * The hot reads outside a transaction get a pool of their own, whose connections plan named statements
 * once (plan_cache_mode = force_generic_plan). These statements are written for one plan each (only the
 * conditions a request sets, in their own text); with PostgreSQL's default, the stock page was planned
 * again on every execution, which cost about as much as running it. The setting cannot stay on the
 * TypeORM pool: it also applies to statements with parameters sent unnamed, and an indicator planned
 * once for any filter ran twice as long. The pool closes with the DataSource.
 */
export function useHotReadPool(db: DataSource, config: PoolConfig): void {
  const pool = new Pool({ ...config, options: [process.env.PGOPTIONS, '-c plan_cache_mode=force_generic_plan'].filter(Boolean).join(' ') });
  pool.on('error', () => undefined); // an idle connection the server closed; the next query gets another
  hotPools.set(db, pool);
  const destroy = db.destroy.bind(db);
  db.destroy = async () => {
    hotPools.delete(db);
    await pool.end().catch(() => undefined);
    return destroy();
  };
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
 * Runs a hot read as a named prepared statement. Each connection of the hot-read pool parses and
 * plans it once and reuses that plan, which on the stock page saves about as much as the query itself
 * costs. Counted and logged like every
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
  const pool = hotPools.get(source) ?? ((source.driver as PostgresDriver).master as Pool);
  return (await pool.query<T>(query)).rows;
}
