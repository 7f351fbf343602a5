import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { importCatalog } from '../modules/catalog/catalog-import';
import { parseLevels } from '../modules/catalog/compendio';
import { flag, parseArgs, runCli } from './args';
import { progressFor, reportImport } from './progress';

const USAGE =
  'usage: npm run import:catalog -- FILE.csv|FILE.xlsx [--levels 1,2] [--from-year 2024] [--to-year 2026] [--rejects FILE.csv]\n' +
  '  FILE: the Compendio\'s own export (Clave, Nombre genérico, Presentación y envase…) or the project\'s CSV (clave, descripcion, tipo…)\n' +
  '  --levels: levels of care the claves the file creates are authorised for (none unless given; existing claves keep theirs)';

/** Imports the catalogue (the Compendio's export or the project's CSV); safe to run again. */
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
  const levelsText = flag(flags, 'levels');
  const levelsForNew = levelsText === undefined ? undefined : parseLevels(levelsText);
  if (flags.get('levels') === true || (levelsText !== undefined && levelsForNew === undefined)) {
    throw new Error(`--levels lleva niveles de atención del 1 al 3 separados por comas, p. ej. --levels 1,2\n${USAGE}`);
  }
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-import-catalog' });
  try {
    const progress = await progressFor(file, 'Claves');
    const summary = await importCatalog(db, file, { fromYear, toYear, levelsForNew, onProgress: progress.tick });
    progress.stop();
    console.log(summary.layout === 'COMPENDIO' ? 'formato: exportación del Compendio Nacional de Insumos' : 'formato: CSV del catálogo de Abasto');
    reportImport(summary, file, flags);
    if (summary.layout === 'COMPENDIO' && summary.created > 0 && !levelsForNew?.length) {
      console.log(`las ${summary.created} claves nuevas no están autorizadas en ningún nivel: cargue la lista institucional con npm run import:authorizations -- ARCHIVO`);
    }
  } finally {
    await close();
  }
});
