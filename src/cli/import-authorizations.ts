import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { importAuthorizations } from '../modules/catalog/authorizations-import';
import { parseArgs, runCli } from './args';
import { progressFor, reportImport } from './progress';

const USAGE =
  'usage: npm run import:authorizations -- FILE.csv|FILE.xlsx [--rejects FILE.csv]\n' +
  '  FILE: the institution\'s list of authorised claves: CLAVE, NIVELES (1|2|3) and/or TIPOLOGIAS (DGIS typology codes or names),\n' +
  '  optionally ALTO_COSTO, RED_FRIA (sí/no), DESDE, HASTA (years); one row per clave, or several that add up';

/** Imports the institution's authorisations (levels, typologies, high cost, cold chain, years); safe to run again. */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const file = positional[0];
  if (!file || !fs.existsSync(file)) throw new Error(`${file ? `no such file: ${file}\n` : ''}${USAGE}`);
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-import-authorizations' });
  try {
    const progress = await progressFor(file, 'Claves');
    const summary = await importAuthorizations(db, file, { onProgress: progress.tick });
    progress.stop();
    reportImport(summary, file, flags);
  } finally {
    await close();
  }
});
