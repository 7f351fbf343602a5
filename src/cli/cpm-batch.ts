import 'reflect-metadata';
import cliProgress from 'cli-progress';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { runCpmBatch } from '../modules/cpm/cpm-batch';
import { currentMonth } from '../modules/cpm/cpm.service';
import { flag, parseArgs, runCli } from './args';

const USAGE = 'usage: npm run cpm:batch -- [--month YYYY-MM (default this month)] [--lookback 6]';

/** Computes and stores the CPM of every CLUES × authorised clave for a month. */
runCli(async () => {
  const { flags } = parseArgs(process.argv.slice(2));
  const month = flag(flags, 'month') ?? currentMonth();
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month) || month > currentMonth()) throw new Error(`--month must be YYYY-MM, this month at the latest\n${USAGE}`);
  const lookback = Number(flag(flags, 'lookback') ?? 6);
  if (!Number.isInteger(lookback) || lookback < 3 || lookback > 12) throw new Error(`--lookback goes from 3 to 12\n${USAGE}`);
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-cpm-batch' });
  try {
    const bar = new cliProgress.SingleBar(
      { format: `CPM ${month} [{bar}] {percentage}% | {value}/{total} CLUES | {duration_formatted}`, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(1, 0);
    const r = await runCpmBatch(db, {
      month,
      lookback,
      onProgress: (done, total) => {
        bar.setTotal(total);
        bar.update(done);
      },
    });
    bar.stop();
    console.log(
      `CPM ${month} (lookback ${lookback}): ${r.calculations} calculations at ${r.locations} CLUES, ${r.withValue} with a value, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await close();
  }
});
