import { Client } from 'pg';
import { dropDeadTemplates } from './templates';

export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env.ABASTO_TEST_ADMIN_URL!;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${process.env.ABASTO_TEST_TEMPLATE} WITH (FORCE)`);
  // Another test run may be sharing the embedded server (it reused this one's): leave it running then.
  const others = await dropDeadTemplates(admin);
  await admin.end();
  if (others === 0) await (globalThis as { __EMBEDDED_STOP__?: () => Promise<void> }).__EMBEDDED_STOP__?.();
}
