import 'reflect-metadata';
import cliProgress from 'cli-progress';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import { checkOrderFill } from '../modules/orders/order-fill';
import { parseArgs, runCli } from './args';

const USAGE = 'usage: npm run fill:check -- [--repair]';

/**
 * Recomputes the fill-rate rollup from the orders' documents and reports any order whose rollup
 * differs, then compares the rollup's summary with the rollup added up (exit code 2 if either
 * differs), e.g. after someone edited documents by hand in SQL. --repair keeps the recomputed rows
 * and rebuilds the summary.
 */
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  const unknown = [...flags.keys()].filter((f) => f !== 'repair');
  if (unknown.length || positional.length) throw new Error(`unexpected arguments\n${USAGE}`);
  const repair = flags.has('repair');
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-fill-check' });
  try {
    const bar = new cliProgress.SingleBar({ format: 'fill rollup [{bar}] {value}/{total} orders', stream: process.stderr }, cliProgress.Presets.shades_classic);
    const started = Date.now();
    bar.start(1, 0);
    const r = await checkOrderFill(db, {
      repair,
      onProgress: (done, total) => {
        bar.setTotal(total);
        bar.update(done);
      },
    });
    bar.stop();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (!r.differing.length) {
      console.log(`fill rollup: ${r.orders} orders checked, all equal to their documents (${seconds} s)`);
    } else {
      const list = r.differing.slice(0, 20).join(', ') + (r.differing.length > 20 ? ', …' : '');
      console.log(`fill rollup: ${r.orders} orders checked, ${r.differing.length} differed from their documents: ${list} (${seconds} s)`);
    }
    console.log(
      r.summaryDiffering
        ? `fill summary: ${r.summaryDiffering} rows differed from the rollup added up`
        : 'fill summary: equal to the rollup added up',
    );
    if (!r.differing.length && !r.summaryDiffering) return;
    if (r.repaired) console.log('repaired: the rollup of those orders was recomputed from their documents, and the summary from the rollup');
    else process.exitCode = 2;
  } finally {
    await close();
  }
});
