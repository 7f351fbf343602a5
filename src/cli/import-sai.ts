import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { importSai } from '../modules/registry/sai-import';
import { parseArgs, runCli } from './args';
import { progressFor, reportImport } from './progress';

const USAGE = 'usage: npm run import:sai -- FILE.csv [--rejects FILE.csv]   (columns clues,status,effective_on)';

/** Imports SAI rollout statuses into each establishment's status history; safe to run again. */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const file = positional[0];
  if (!file || !fs.existsSync(file)) throw new Error(`${file ? `no such file: ${file}\n` : ''}${USAGE}`);
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-import-sai' });
  try {
    const progress = await progressFor(file, 'SAI');
    const summary = await importSai(db, file, { onProgress: progress.tick });
    progress.stop();
    reportImport(summary, file, flags);
  } finally {
    await close();
  }
});
