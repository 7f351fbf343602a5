import 'reflect-metadata';
import { parseConfig } from './config';
import { connect } from './db/connect';
import { demoTokens, loadDemoDataIfEmpty } from '../seeds/demo';
import { startServer } from './server';

/** Start-up only: configuration → database → demo data → server. */
async function main(): Promise<void> {
  const config = parseConfig();
  const { db, description, close } = await connect(config, { applicationName: 'abasto-server' });
  console.log(`database: ${description}`);
  if (config.demoData) {
    const loaded = await loadDemoDataIfEmpty(db, (line) => console.log(line), config);
    if (loaded) console.log('demo data loaded');
  }
  const server = await startServer(db, config);
  console.log(`Abasto GraphQL API on ${server.url}  (health: /healthz, readiness: /readyz)`);
  if (config.auth.secret && !config.production) {
    console.log('\nDemo bearer tokens (send as "Authorization: Bearer <token>"):');
    for (const t of await demoTokens(config.auth)) console.log(`  ${t.label}\n    ${t.token}`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    await server.stop();
    await close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
