import 'reflect-metadata';
import fs from 'node:fs';
import { Viewer } from '../base/auth';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { Role } from '../domain/enums';
import { createContext } from '../graphql/context';
import { importKitTemplates, KitImportResult } from '../modules/distribution/distribution-files';
import { parseArgs, runCli } from './args';
import { progressFor, reportImport } from './progress';

const USAGE =
  'usage: npm run import:kits -- FILE.xlsx|FILE.csv [--rejects FILE.csv]\n' +
  '  columnas: KIT, NOMBRE, NIVEL (1, 2, 3), VIGENTE_DESDE, VIGENTE_HASTA (opcional), CLAVE, PIEZAS_POR_KIT; una fila por clave de cada kit';

/**
 * Imports kits of Rutas de la Salud (new versions) with the rules of kitTemplateCreate; a kit whose claves
 * and pieces did not change is left as it is, so running the same file again changes nothing.
 */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const unknown = [...flags.keys()].filter((f) => f !== 'rejects');
  if (unknown.length || positional.length > 1) throw new Error(`unexpected arguments: ${[...unknown.map((f) => `--${f}`), ...positional.slice(1)].join(' ')}\n${USAGE}`);
  if (flags.get('rejects') === true) throw new Error(`--rejects necesita el nombre del archivo, p. ej. --rejects rechazos.csv\n${USAGE}`);
  const file = positional[0];
  if (!file || !fs.existsSync(file)) throw new Error(`${file ? `no such file: ${file}\n` : ''}${USAGE}`);
  const config = parseConfig();
  const { db, close } = await connect(config, { applicationName: 'abasto-import-kits' });
  try {
    const progress = await progressFor(file, 'Kits');
    const summary = await importKitTemplates(createContext(db, config, new Viewer('cli-import-kits', Role.ADMIN, null, null)), file, progress.tick);
    progress.stop();
    reportImport(summary, file, flags);
    console.log(kitsLine(summary.kits));
  } finally {
    await close();
  }
});

function kitsLine(kits: KitImportResult[]): string {
  const of = (outcome: KitImportResult['outcome']) => kits.filter((k) => k.outcome === outcome);
  const named = (list: KitImportResult[], show: (k: KitImportResult) => string) => (list.length ? ` (${list.map(show).join(', ')})` : '');
  const created = of('CREATED');
  const versions = of('NEW_VERSION');
  const rejected = of('REJECTED');
  return (
    `kits: nuevos ${created.length}${named(created, (k) => `${k.code} v${k.version}`)} · ` +
    `versiones nuevas ${versions.length}${named(versions, (k) => `${k.code} v${k.version} desde ${k.validFrom}`)} · ` +
    `sin cambios ${of('UNCHANGED').length} · rechazados ${rejected.length}${named(rejected, (k) => k.code)}`
  );
}
