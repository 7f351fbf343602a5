import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';
import { withDatabase } from './global-setup';

export interface TestDatabase {
  db: DataSource;
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.ABASTO_TEST_ADMIN_URL!;
  const name = `abasto_t_${randomBytes(5).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${process.env.ABASTO_TEST_TEMPLATE}`);
  const url = withDatabase(adminUrl, name);
  const db = await openDatabase({ url, poolSize: 20 });
  return {
    db,
    url,
    name,
    drop: async () => {
      if (db.isInitialized) await db.destroy();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // CREATE DATABASE … TEMPLATE fails while another session copies the same template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(sql);
        return;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await client.end();
  }
}
