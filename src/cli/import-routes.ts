import 'reflect-metadata';
import fs from 'node:fs';
import { Viewer } from '../base/auth';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { Role } from '../domain/enums';
import { createContext } from '../graphql/context';
import { importRoutes } from '../modules/distribution/distribution-files';
import { parseArgs, runCli } from './args';
import { progressFor, reportImport } from './progress';

const USAGE =
  'usage: npm run import:routes -- FILE.csv|FILE.xlsx [--rejects FILE.csv]\n' +
  '  columnas: RUTA, NOMBRE, ALMACEN (CLUES), TRANSPORTISTA, SEMANA (1 a 5), KIT, PARADA, CLUES; una fila por parada';

/**
 * Imports routes of Rutas de la Salud (Birmex, Correos de México…) with the rules of routeUpsert; a route
 * equal to the stored one is left as it is, so running the same file again changes nothing.
 */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const unknown = [...flags.keys()].filter((f) => f !== 'rejects');
  if (unknown.length || positional.length > 1) throw new Error(`unexpected arguments: ${[...unknown.map((f) => `--${f}`), ...positional.slice(1)].join(' ')}\n${USAGE}`);
  if (flags.get('rejects') === true) throw new Error(`--rejects necesita el nombre del archivo, p. ej. --rejects rechazos.csv\n${USAGE}`);
  const file = positional[0];
  if (!file || !fs.existsSync(file)) throw new Error(`${file ? `no such file: ${file}\n` : ''}${USAGE}`);
  const config = parseConfig();
  const { db, close } = await connect(config, { applicationName: 'abasto-import-routes' });
  try {
    const progress = await progressFor(file, 'Rutas');
    const summary = await importRoutes(createContext(db, config, new Viewer('cli-import-routes', Role.ADMIN, null, null)), file, progress.tick);
    progress.stop();
    reportImport(summary, file, flags);
    const count = (o: string) => summary.routes.filter((r) => r.outcome === o).length;
    const rejected = summary.routes.filter((r) => r.outcome === 'REJECTED').map((r) => r.code);
    console.log(
      `rutas: nuevas ${count('CREATED')} · actualizadas ${count('UPDATED')} · sin cambios ${count('UNCHANGED')} · rechazadas ${rejected.length}${rejected.length ? ` (${rejected.join(', ')})` : ''}`,
    );
  } finally {
    await close();
  }
});
