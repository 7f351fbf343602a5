import 'reflect-metadata';
import cluster, { Worker } from 'node:cluster';
import { Config, parseConfig } from './config';
import { connect, Connected } from './db/connect';
import { demoTokens, loadDemoDataIfEmpty } from '../seeds/demo';
import { startServer } from './server';

/**
 * Start-up only: configuration → database → demo data → server. With WORKERS above 1 this process
 * is the primary: it starts the database (the embedded one, when DATABASE_URL is not set), migrates
 * and loads demo data, then forks the workers that serve HTTP on one shared port, replaces a worker
 * that dies, and on SIGINT/SIGTERM stops them before the database.
 */
async function main(): Promise<void> {
  const config = parseConfig();
  if (cluster.isWorker) return serveAsWorker(config);

  const connected = await connect(config, { applicationName: 'abasto-server', serving: true });
  console.log(`database: ${connected.description}`);
  if (config.demoData) {
    const loaded = await loadDemoDataIfEmpty(connected.db, (line) => console.log(line), config);
    if (loaded) console.log('demo data loaded');
  }
  const url = config.workers > 1 ? await startWorkers(config, connected) : await serve(config, connected);
  console.log(`Abasto GraphQL API on ${url}  (health: /healthz, readiness: /readyz)${config.workers > 1 ? `, ${config.workers} worker processes` : ''}`);
  const site = url.replace(/\/graphql$/, '');
  console.log(`App (pharmacies): ${site}/app/   Dashboard: ${site}/dashboard/${config.production ? '' : `   GraphiQL: ${site}/graphql (in a browser)`}`);
  // Demo users only with the demo data: with DEMO_DATA=false the registry is the user's own.
  if (config.auth.secret && !config.production && config.demoData) {
    console.log('\nDemo bearer tokens (send as "Authorization: Bearer <token>"):');
    for (const t of await demoTokens(config.auth, connected.db)) console.log(`  ${t.label}\n    ${t.token}`);
  } else if (config.auth.secret && !config.production) {
    console.log('\nDEMO_DATA=false: no demo users. Make a token with: npm run token -- --role PHARMACY --clues <CLUES>');
  }
}

/** Serves from this process until SIGINT/SIGTERM, which stop the server, then the database. */
async function serve(config: Config, connected: Connected, announce = true): Promise<string> {
  const server = await startServer(connected.db, config);
  onStopSignal(async () => {
    await server.stop();
    await connected.close();
  }, announce);
  return server.url;
}

/** A worker: connects to the primary's database and serves on the shared port until told to stop. */
async function serveAsWorker(config: Config): Promise<void> {
  const connected = await connect(config, { applicationName: 'abasto-server', serving: true });
  await serve(config, connected, false).catch(async (err) => {
    await connected.close();
    throw err;
  });
}

/** Forks the workers and resolves with the URL once every one of them listens. */
async function startWorkers(config: Config, connected: Connected): Promise<string> {
  // Workers connect to the database this process started (or was given) and never load demo data.
  const env = { DATABASE_URL: connected.url, DEMO_DATA: 'false' };
  let stopping = false;
  // A larger young generation for the workers: each request allocates a few hundred kilobytes that die
  // young, and fewer scavenges cost less (3–6 % of a worker's CPU per request in bench/run.js). Flags
  // given in NODE_OPTIONS or on the command line win.
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!flags.includes('semi-space')) cluster.setupPrimary({ execArgv: [...process.execArgv, '--max-semi-space-size=32'] });
  const fork = (): Worker => cluster.fork(env);
  const listening = new Promise<string>((resolve, reject) => {
    let ready = 0;
    cluster.on('listening', (_worker, address) => {
      if (++ready === config.workers) resolve(`http://localhost:${address.port}/graphql`);
    });
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) return;
      if (ready < config.workers) return reject(new Error(`worker ${worker.process.pid} exited during start-up (${signal ?? code})`));
      // A worker that dies while serving is replaced; the others go on serving meanwhile.
      console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      ready--;
      fork();
    });
  });
  for (let i = 0; i < config.workers; i++) fork();
  // Every worker, then the database: on a stop signal, or when start-up fails.
  const stopAll = async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve()).process.kill('SIGTERM'))));
    await connected.close();
  };
  onStopSignal(stopAll);
  try {
    return await listening;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits. */
function onStopSignal(stop: () => Promise<void>, announce = true): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (announce) console.log(`\n${signal}: stopping`);
    await stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
