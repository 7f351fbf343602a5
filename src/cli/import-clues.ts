import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { importClues } from '../modules/registry/clues-import';
import { flag, parseArgs, runCli } from './args';
import { progressFor, reportImport } from './progress';

const USAGE = 'usage: npm run import:clues -- FILE.csv|FILE.xlsx [--institutions SSA,IMB] [--rejects FILE.csv]';

/** Imports the DGIS CLUES catalogue; safe to run again, also after being killed halfway. */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const file = positional[0];
  if (!file || !fs.existsSync(file)) throw new Error(`${file ? `no such file: ${file}\n` : ''}${USAGE}`);
  const institutions = flag(flags, 'institutions')?.split(',').filter(Boolean);
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-import-clues' });
  try {
    const progress = await progressFor(file, 'CLUES');
    const summary = await importClues(db, file, { institutions, onProgress: progress.tick });
    progress.stop();
    reportImport(summary, file, flags);
  } finally {
    await close();
  }
});
