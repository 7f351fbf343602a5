import path from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../../src/db/data-source';
import { startEmbedded } from '../../src/db/embedded';
import { dropDeadTemplates } from './templates';

/**
 * One PostgreSQL for the run: TEST_DATABASE_URL's server, or an embedded one under .data/test-pg.
 * A template database is migrated once; every test file clones it (CREATE DATABASE … TEMPLATE),
 * so files run in parallel on databases of their own.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const embedded = await startEmbedded({
      dataDir: path.resolve(__dirname, '../../.data/test-pg'),
      port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54339),
    });
    adminUrl = embedded.adminUrl;
    (globalThis as { __EMBEDDED_STOP__?: () => Promise<void> }).__EMBEDDED_STOP__ = embedded.stop;
  }
  const template = `abasto_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const { rows } = await admin.query('SHOW server_version');
  await dropDeadTemplates(admin);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();

  const db = await openDatabase({ url: withDatabase(adminUrl, template) });
  await db.destroy();

  process.env.ABASTO_TEST_ADMIN_URL = adminUrl;
  process.env.ABASTO_TEST_TEMPLATE = template;
  process.stdout.write(`\nPostgreSQL ${rows[0].server_version} at ${new URL(adminUrl).host}, template ${template}\n`);
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
