import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { businessDay } from '../domain/dates';
import { codeField } from '../modules/distribution/distribution.types';
import { kitTemplatesFile } from '../modules/distribution/distribution-files';
import { flag, parseArgs, runCli } from './args';

const USAGE = 'usage: npm run export:kits -- [--code KIT-PN] [--all-versions] [--format xlsx|csv] [--out FILE]';

/**
 * Writes the kits of Rutas de la Salud in the layout npm run import:kits reads (one row per clave, with
 * DESCRIPCION to read by): the versions not yet ended, or every version with --all-versions.
 */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const known = new Set(['code', 'all-versions', 'format', 'out']);
  const unknown = [...flags.keys()].filter((f) => !known.has(f));
  if (unknown.length || positional.length) throw new Error(`unexpected arguments: ${[...unknown.map((f) => `--${f}`), ...positional].join(' ')}\n${USAGE}`);
  if (flags.get('all-versions') !== undefined && flags.get('all-versions') !== true) throw new Error(`--all-versions no lleva valor\n${USAGE}`);
  for (const name of ['code', 'format', 'out']) if (flags.get(name) === true) throw new Error(`--${name} necesita un valor\n${USAGE}`);
  const codeText = flag(flags, 'code');
  const code = codeText === undefined ? null : codeField.safeParse(codeText);
  if (code && !code.success) throw new Error(`--code: ${code.error.issues[0].message}\n${USAGE}`);
  const out = flag(flags, 'out');
  const format = (flag(flags, 'format') ?? (out?.toLowerCase().endsWith('.csv') ? 'csv' : 'xlsx')).toUpperCase();
  if (format !== 'CSV' && format !== 'XLSX') throw new Error(`--format is csv or xlsx\n${USAGE}`);
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-export-kits' });
  try {
    const file = await kitTemplatesFile(db, { code: code?.data ?? null, allVersions: flags.has('all-versions'), today: businessDay() }, format);
    const target = out ?? file.filename;
    fs.writeFileSync(target, file.content);
    const what = file.versions ? `${file.versions} ${file.versions === 1 ? 'versión' : 'versiones'} de kit, ${file.rows} ${file.rows === 1 ? 'fila' : 'filas'}` : 'ningún kit (solo los encabezados)';
    console.log(`kits: ${what} → ${target}`);
  } finally {
    await close();
  }
});
