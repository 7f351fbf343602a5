import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { isFiscalYear } from '../domain/dates';
import { Role } from '../domain/enums';
import { Viewer } from '../base/auth';
import { createContext } from '../graphql/context';
import { importCpm } from '../modules/cpm/cpm-io';
import { flag, parseArgs, runCli } from './args';
import { progressFor, reportImport } from './progress';

const USAGE = 'usage: npm run import:cpm -- FILE.csv --year YYYY [--rejects FILE.csv]   (columns clues,clave,cpm[,justificacion])';

/** Imports CPM lines into the year's submissions (proposed, not ratified), with the API's rules. */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const file = positional[0];
  const year = Number(flag(flags, 'year'));
  if (!file || !fs.existsSync(file)) throw new Error(`${file ? `no such file: ${file}\n` : ''}${USAGE}`);
  if (!isFiscalYear(year)) throw new Error(`--year is required\n${USAGE}`);
  const config = parseConfig();
  const { db, close } = await connect(config, { applicationName: 'abasto-import-cpm' });
  try {
    const progress = await progressFor(file, 'CPM');
    const summary = await importCpm(createContext(db, config, new Viewer('cli-import-cpm', Role.ADMIN, null, null)), file, year, progress.tick);
    progress.stop();
    reportImport(summary, file, flags);
  } finally {
    await close();
  }
});
