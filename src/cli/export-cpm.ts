import 'reflect-metadata';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { isFiscalYear } from '../domain/dates';
import { Role } from '../domain/enums';
import { Viewer } from '../base/auth';
import { createContext } from '../graphql/context';
import { exportCpm } from '../modules/cpm/cpm-io';
import { flag, parseArgs, runCli } from './args';

const USAGE = 'usage: npm run export:cpm -- --year YYYY [--out FILE.csv] [--all]   (ratified only unless --all)';

/** Writes the year's CPM as CSV `clues,clave,cpm` (to stdout unless --out). */
runCli(async () => {
  const { flags } = parseArgs(process.argv.slice(2));
  const year = Number(flag(flags, 'year'));
  if (!isFiscalYear(year)) throw new Error(`--year is required\n${USAGE}`);
  const config = parseConfig();
  const { db, close } = await connect(config, { applicationName: 'abasto-export-cpm' });
  try {
    const out = flag(flags, 'out') ?? null;
    const n = await exportCpm(createContext(db, config, new Viewer('cli-export-cpm', Role.AUDITOR, null, null)), year, out, flags.has('all'));
    if (out) console.log(`wrote ${n} lines to ${out}`);
  } finally {
    await close();
  }
});
