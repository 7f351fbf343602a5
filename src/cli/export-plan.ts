import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { businessDay, isFiscalYear } from '../domain/dates';
import { stateByCode } from '../domain/states';
import { planRows } from '../modules/procurement/plan';
import { planFile } from '../modules/procurement/plan-export';
import { flag, parseArgs, runCli } from './args';

const USAGE = 'usage: npm run export:plan -- --year Y [--by-state] [--states 12,20] [--claves C1,C2] [--format csv|xlsx] [--out FILE]';

/** Writes the procurement plan of a fiscal year as CSV or XLSX (Spanish column names, totals per state). */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const known = new Set(['year', 'by-state', 'states', 'claves', 'format', 'out']);
  const unknown = [...flags.keys()].filter((f) => !known.has(f));
  if (unknown.length || positional.length) throw new Error(`unexpected arguments: ${[...unknown.map((f) => `--${f}`), ...positional].join(' ')}\n${USAGE}`);
  const year = Number(flag(flags, 'year'));
  if (!isFiscalYear(year)) throw new Error(`--year takes a fiscal year such as 2027\n${USAGE}`);
  const list = (name: string) => flag(flags, name)?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
  const stateCodes = list('states');
  for (const c of stateCodes ?? []) if (!stateByCode(c)) throw new Error(`unknown state code ${c}\n${USAGE}`);
  const out = flag(flags, 'out');
  const format = (flag(flags, 'format') ?? (out?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv')).toUpperCase();
  if (format !== 'CSV' && format !== 'XLSX') throw new Error(`--format is csv or xlsx\n${USAGE}`);
  const config = parseConfig();
  const { db, close } = await connect(config, { applicationName: 'abasto-export-plan' });
  try {
    const q = {
      year,
      byState: flags.has('by-state') || stateCodes !== null,
      stateCodes,
      claves: list('claves'),
      safetyMonths: config.procurement.safetyMonths,
      minimumRatio: config.procurement.contractMinRatio,
      today: businessDay(),
    };
    const rows = await planRows(db, q);
    const file = await planFile(rows, q, format);
    const target = out ?? file.filename;
    fs.writeFileSync(target, file.content);
    const maximum = rows.reduce((s, r) => s + r.maximum, 0);
    console.log(`plan ${year}: ${rows.length} rows, maximum ${maximum} pieces, minimum ${rows.reduce((s, r) => s + r.minimum, 0)} → ${target}`);
  } finally {
    await close();
  }
});
