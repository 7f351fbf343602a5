import { Client } from 'pg';

/**
 * Template databases are named after the test run's process id. Those of runs that died
 * (killed, Ctrl-C) are dropped; those of live runs are left alone, and their server kept up.
 */
export async function dropDeadTemplates(admin: Client): Promise<number> {
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'abasto_template_%'`);
  let live = 0;
  for (const { datname } of rows as Array<{ datname: string }>) {
    const pid = Number(datname.slice('abasto_template_'.length));
    if (pid && isAlive(pid)) live++;
    else await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
  return live;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
