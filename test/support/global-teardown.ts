import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env.ABASTO_TEST_ADMIN_URL!;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${process.env.ABASTO_TEST_TEMPLATE} WITH (FORCE)`);
  await admin.end();
  await (globalThis as { __EMBEDDED_STOP__?: () => Promise<void> }).__EMBEDDED_STOP__?.();
}
