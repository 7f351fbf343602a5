#!/usr/bin/env node
/* eslint-disable */
// node bench/indicator-sql.js CODE [DIM,DIM] [--source LINES|ROLLUP|SUMMARY] [--runs 3]
//
// Runs the one statement an indicator sends (total and breakdown together, as the API does) for the
// last twelve months on DATABASE_URL, `runs` times one after the other, and prints each time in ms.
// Without --source it reads what the API would choose. Not part of `npm test`.
require('ts-node/register/transpile-only');
require('reflect-metadata');
const { Client } = require('pg');

const argv = process.argv.slice(2);
const opt = (name) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const [code, dims] = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
if (!code || !process.env.DATABASE_URL) {
  console.error('usage: DATABASE_URL=… node bench/indicator-sql.js CODE [DIM,DIM] [--source LINES|ROLLUP|SUMMARY] [--runs 3]');
  process.exit(1);
}

(async () => {
  require('../src/modules/indicators/order-indicators');
  require('../src/modules/indicators/cpm-ratification');
  require('../src/modules/indicators/sai-rollout');
  const { indicatorDefinition } = require('../src/modules/indicators/indicators');
  const { businessDay } = require('../src/domain/dates');
  const today = businessDay();
  const from = `${Number(today.slice(0, 4)) - 1}${today.slice(4, 8)}01`;
  const groupBy = dims ? dims.split(',') : [];
  let captured;
  const spy = { query: async (sql, params) => ((captured = { sql, params }), []) };
  await indicatorDefinition(code).compute(spy, {
    asOf: today, year: null, from, to: today, stateCodes: null, clues: null, levelsOfCare: null, warehouseClues: null, supplyKinds: null,
    groupBy, factSource: opt('source'), withTotal: groupBy.length > 0,
  });
  const c = new Client(process.env.DATABASE_URL);
  await c.connect();
  for (let i = 0; i < Number(opt('runs') ?? 3); i++) {
    const t = process.hrtime.bigint();
    const r = await c.query(captured.sql, captured.params);
    console.log(`${code} ${groupBy.join(' × ') || 'total'} (${opt('source') ?? 'default source'}): ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms, ${r.rows.length} rows`);
  }
  await c.end();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
