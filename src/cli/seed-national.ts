import 'reflect-metadata';
import cliProgress from 'cli-progress';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { seedNational } from '../../seeds/national';
import { flag, parseArgs, runCli } from './args';

const USAGE = 'usage: npm run seed:national -- [--scale 1] [--months 12] [--prescriptions 2]   (on a database with no establishments)';

/**
 * Generates the national data set (SPEC §1: the 2023 network) with set-based SQL. Point it at a
 * fresh database: DATABASE_URL, or DATA_DIR for a new embedded one (and DEMO_DATA=false).
 */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const unknown = [...flags.keys()].filter((f) => !['scale', 'months', 'prescriptions'].includes(f));
  if (unknown.length || positional.length) throw new Error(`unexpected arguments\n${USAGE}`);
  const scale = Number(flag(flags, 'scale') ?? 1);
  const months = Number(flag(flags, 'months') ?? 12);
  const rx = Number(flag(flags, 'prescriptions') ?? 2);
  if (!(scale > 0 && scale <= 2)) throw new Error(`--scale goes from 0.001 to 2\n${USAGE}`);
  if (!Number.isInteger(months) || months < 1 || months > 24) throw new Error(`--months goes from 1 to 24\n${USAGE}`);
  if (!Number.isInteger(rx) || rx < 0 || rx > 100) throw new Error(`--prescriptions (per unit a month) goes from 0 to 100\n${USAGE}`);
  const { db, close, description } = await connect(parseConfig(), { applicationName: 'abasto-seed-national' });
  try {
    console.log(`database: ${description}`);
    const bar = new cliProgress.SingleBar({ format: 'seed:national [{bar}] {value}/{total} {step} | {duration_formatted}', stream: process.stderr }, cliProgress.Presets.shades_classic);
    bar.start(1, 0, { step: '' });
    const times: string[] = [];
    let last = Date.now();
    let lastLabel = '';
    const r = await seedNational(db, {
      scale,
      months,
      prescriptionsPerUnitMonth: rx,
      onStep: (done, total, step) => {
        if (lastLabel) times.push(`  ${lastLabel}: ${((Date.now() - last) / 1000).toFixed(1)} s`);
        last = Date.now();
        lastLabel = step === 'done' ? '' : step;
        bar.setTotal(total);
        bar.update(done, { step });
      },
    });
    bar.stop();
    const [{ size }] = await db.query('SELECT pg_size_pretty(pg_database_size(current_database())) AS size');
    console.log(times.join('\n'));
    console.log(
      `scale ${scale}: ${r.establishments} establishments (${r.warehouses} warehouses), ${r.claves} claves, ${r.cpmCalculations} CPM, ` +
        `${r.ratifiedSubmissions} ratified submissions, ${r.orders} orders, ${r.orderLines} order lines, ${r.shipments} shipments, ` +
        `${r.movements} stock movements, ${r.prescriptions} prescriptions in ${r.seconds} s; database ${size}`,
    );
  } finally {
    await close();
  }
});
