import 'reflect-metadata';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { runCli } from './args';

/** Applies pending migrations (connecting does) and lists what is applied. */
runCli(async () => {
  const { db, description, close } = await connect(parseConfig(), { applicationName: 'abasto-migrate' });
  try {
    const applied: Array<{ name: string }> = await db.query('SELECT name FROM schema_migration ORDER BY id');
    console.log(`${description}\napplied migrations:\n${applied.map((m) => `  ${m.name}`).join('\n')}`);
  } finally {
    await close();
  }
});
