import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { importCatalog } from '../modules/catalog/catalog-import';
import { flag, parseArgs, runCli } from './args';
import { progressFor, reportImport } from './progress';

const USAGE = 'usage: npm run import:catalog -- FILE.csv [--from-year 2024] [--to-year 2026] [--rejects FILE.csv]';

/** Imports the Compendio catalogue CSV; safe to run again, also after being killed halfway. */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const file = positional[0];
  if (!file || !fs.existsSync(file)) throw new Error(`${file ? `no such file: ${file}\n` : ''}${USAGE}`);
  const year = (name: string) => {
    const v = flag(flags, name);
    if (v === undefined) return undefined;
    if (!/^\d{4}$/.test(v)) throw new Error(`--${name} takes a year such as 2025\n${USAGE}`);
    return Number(v);
  };
  const fromYear = year('from-year');
  const toYear = year('to-year');
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-import-catalog' });
  try {
    const progress = await progressFor(file, 'Claves');
    const summary = await importCatalog(db, file, { fromYear, toYear, onProgress: progress.tick });
    progress.stop();
    reportImport(summary, file, flags);
  } finally {
    await close();
  }
});
