import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { importClues } from '../modules/registry/clues-import';
import { SuccessionReport } from '../modules/registry/succession';
import { flag, parseArgs, runCli } from './args';
import { progressFor, reportImport } from './progress';

const USAGE = 'usage: npm run import:clues -- FILE.csv|FILE.xlsx [--institutions SSA,IMB] [--crosswalk EQUIVALENCIAS.csv] [--rejects FILE.csv]';
const SHOWN = 20;

/** Imports the DGIS CLUES catalogue; safe to run again, also after being killed halfway. */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const file = positional[0];
  if (!file || !fs.existsSync(file)) throw new Error(`${file ? `no such file: ${file}\n` : ''}${USAGE}`);
  const institutions = flag(flags, 'institutions')?.split(',').filter(Boolean);
  const crosswalk = flag(flags, 'crosswalk');
  if (flags.get('crosswalk') === true) throw new Error(`--crosswalk necesita el archivo de equivalencias (CLUES_ANTERIOR, CLUES_NUEVA, FECHA)\n${USAGE}`);
  if (crosswalk && !fs.existsSync(crosswalk)) throw new Error(`no existe la tabla de equivalencias: ${crosswalk}\n${USAGE}`);
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-import-clues' });
  try {
    const progress = await progressFor(file, 'CLUES');
    const summary = await importClues(db, file, { institutions, crosswalk, onProgress: progress.tick });
    progress.stop();
    reportImport(summary, file, flags);
    if (summary.institutionsNotInFile?.length) console.log(`ninguna fila es de ${summary.institutionsNotInFile.join(', ')}: revise --institutions`);
    printSuccession(summary.succession);
  } finally {
    await close();
  }
});

function printSuccession(r: SuccessionReport): void {
  const list = <T>(items: T[], show: (item: T) => string) => {
    for (const item of items.slice(0, SHOWN)) console.log(`  ${show(item)}`);
    if (items.length > SHOWN) console.log(`  … y ${items.length - SHOWN} más`);
  };
  console.log(
    `CLUES sucesoras: ${r.linked.length} vínculos nuevos (${r.linked.filter((l) => l.method === 'CROSSWALK').length} por tabla de equivalencias, ` +
      `${r.linked.filter((l) => l.method === 'FILE_MATCH').length} por coincidencia) · ${r.ambiguous.length} ambiguas · ${r.unmatched.length} sin sucesora`,
  );
  list(r.linked, (l) => `${l.predecessor} → ${l.successor} desde ${l.effectiveOn} (${l.method === 'CROSSWALK' ? 'tabla de equivalencias' : 'coincidencia en el archivo'})`);
  if (r.ambiguous.length) {
    console.log('ambiguas, no vinculadas (dé la equivalencia con --crosswalk):');
    list(r.ambiguous, (a) => `${a.clues}: ${a.candidates.join(', ')}`);
  }
  if (r.unmatched.length) {
    console.log('dadas de baja por cambio de institución sin CLUES nueva que coincida (dé la equivalencia con --crosswalk):');
    list(r.unmatched, (c) => c);
  }
  if (r.rejected.length) {
    console.log('equivalencias no aplicadas:');
    list(r.rejected, (x) => `línea ${x.line}: ${x.code} — ${x.message}`);
  }
}
