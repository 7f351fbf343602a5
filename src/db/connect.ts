import path from 'node:path';
import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { ensureDatabase, startEmbedded } from './embedded';
import { openDatabase } from './data-source';

export interface Connected {
  db: DataSource;
  /** Where it connected, with the password masked, for the start-up banner. */
  description: string;
  /** The connection URL (the embedded server's when DATABASE_URL is not set). */
  url: string;
  close(): Promise<void>;
}

/**
 * The database every command uses: DATABASE_URL when set, else the embedded PostgreSQL under
 * DATA_DIR (started here, or reused when another process already runs it). Migrations run on connect.
 */
export async function connect(
  config: Config,
  opts: { applicationName: string; log?: (line: string) => void; /** The server's connections: DATABASE_STATEMENT_TIMEOUT applies. */ serving?: boolean },
): Promise<Connected> {
  const options = {
    poolSize: config.poolSize,
    logSql: config.logSql,
    preparedStatements: config.preparedStatements,
    applicationName: opts.applicationName,
    statementTimeoutMs: opts.serving ? config.database.statementTimeoutMs : undefined,
  };
  if (config.databaseUrl) {
    const db = await openDatabase({ url: config.databaseUrl, ...options });
    return { db, description: mask(config.databaseUrl), url: config.databaseUrl, close: () => db.destroy() };
  }
  const embedded = await startEmbedded({ dataDir: path.join(config.dataDir, 'pg'), port: config.embeddedPort, log: opts.log });
  try {
    const url = await ensureDatabase(embedded.adminUrl, 'abasto');
    const db = await openDatabase({ url, ...options });
    return {
      db,
      url,
      description: `embedded PostgreSQL ${mask(url)} (data in ${path.join(config.dataDir, 'pg')})`,
      close: async () => {
        await db.destroy();
        await embedded.stop();
      },
    };
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}

function mask(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
