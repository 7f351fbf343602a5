import { AbstractLogger, DataSource, LogLevel, LogMessage, QueryRunner } from 'typeorm';
import { migrations } from '../../migrations';
import { Database } from './database';
import { SupplyItem } from '../modules/catalog/supply-item.entity';
import { Establishment } from '../modules/registry/establishment.entity';
import { State } from '../modules/registry/state.entity';
import { SaiStatusChange, Warehouse } from '../modules/registry/warehouse.entity';

export const entities = [State, Establishment, Warehouse, SaiStatusChange, SupplyItem];

/**
 * Counts every SQL statement TypeORM sends: the N+1 tests assert on it, and LOG_SQL prints them.
 * Counting is a number increment, so it stays on in production too.
 */
export class SqlCounter extends AbstractLogger {
  count = 0;

  constructor(private readonly print: boolean) {
    super('all');
  }

  logQuery(query: string, parameters?: unknown[], _runner?: QueryRunner): void {
    this.count += 1;
    if (this.print) process.stderr.write(`[sql] ${query}${parameters?.length ? ` -- ${JSON.stringify(parameters)}` : ''}\n`);
  }

  protected writeLog(_level: LogLevel, _message: LogMessage | LogMessage[]): void {
    // errors surface as exceptions; schema-build and migration chatter is not wanted
  }
}

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  logSql?: boolean;
  applicationName?: string;
  /** Hot reads as named prepared statements (default true); see src/db/prepared.ts. */
  preparedStatements?: boolean;
  /**
   * statement_timeout of every connection (ms; the server's DATABASE_STATEMENT_TIMEOUT). Unset or 0:
   * none, as for batch commands. Migrations always run without it.
   */
  statementTimeoutMs?: number;
}

const MIGRATION_LOCK = 7_246_501; // any constant unique to Abasto

export function createDataSource(opts: DatabaseOptions): Database {
  const timeout = opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {};
  const hotReads =
    opts.preparedStatements === false ? null : { connectionString: opts.url, max: opts.poolSize ?? 10, application_name: opts.applicationName ?? 'abasto', ...timeout };
  return new Database({
    type: 'postgres',
    url: opts.url,
    entities,
    migrations,
    migrationsTableName: 'schema_migration',
    synchronize: false,
    logging: ['query'],
    logger: new SqlCounter(opts.logSql ?? false),
    applicationName: opts.applicationName ?? 'abasto',
    extra: { max: opts.poolSize ?? 10, ...timeout },
  }, hotReads);
}

export function sqlCounter(db: DataSource): SqlCounter {
  return db.logger as SqlCounter;
}

/** Connects and brings the schema up to date. Refuses PostgreSQL older than 15. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  // A migration may take longer than a request's statement limit (an index over the ledger): the
  // schema is brought up to date on connections of its own without one (two: the migration lock holds one).
  if (opts.statementTimeoutMs) {
    const migrator = await openDatabase({ url: opts.url, poolSize: 2, preparedStatements: false, applicationName: opts.applicationName });
    await migrator.destroy();
  }
  const db = createDataSource(opts);
  await db.initialize();
  const [{ server_version_num }] = await db.query('SHOW server_version_num');
  if (Number(server_version_num) < 150000) {
    await db.destroy();
    throw new Error(`Abasto needs PostgreSQL 15 or newer; this server is ${server_version_num}.`);
  }
  if (opts.statementTimeoutMs) return db;
  // Two processes starting on one database take turns: the second finds nothing left to run.
  const lock = db.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await db.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
  return db;
}
