#!/usr/bin/env node
/* eslint-disable */
// node bench/lot-trace.js   (DATABASE_URL: the national data set of `npm run seed:national`; also `npm run bench -- --only lot-trace`)
//
// Tracing a lot at national scale (issue 21): on the national data set it picks the lots that reached the
// most places (then the most movements) and times lotTrace for each through the use case the API runs
// (src/modules/recall/lot-trace.ts, a central caller, a fresh request context per call as a request has),
// after a warm-up pass; then the busiest lot's XLSX (lotTraceExport). Read-only: nothing is written
// (connecting applies pending migrations, as every command does).
// Target (issue 21): lotTrace under 1 s at p95.
require('ts-node/register/transpile-only');
require('reflect-metadata');

const { Pool } = require('pg');

if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is required: the national data set (npm run seed:national)');
  process.exit(1);
}
const LOTS = Number(process.env.LOT_TRACE_LOTS || 50);
const ROUNDS = Number(process.env.LOT_TRACE_ROUNDS || 3);

(async () => {
  const { parseConfig } = require('../src/config');
  const { connect } = require('../src/db/connect');
  const { sqlCounter } = require('../src/db/data-source');
  const { Viewer } = require('../src/base/auth');
  const { createContext } = require('../src/graphql/context');
  const { lotTrace } = require('../src/modules/recall/lot-trace');
  const { lotTraceFile } = require('../src/modules/recall/lot-trace-export');

  const config = parseConfig({ ...process.env, DEMO_DATA: 'false' });
  const { db, close } = await connect(config, { applicationName: 'abasto-bench-lot-trace' });
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  const viewer = new Viewer('bench-lot-trace', 'CENTRAL', null, null);
  const request = () => createContext(db, config, viewer);

  let t = process.hrtime.bigint();
  const { rows: lots } = await pool.query(
    `SELECT s.clave, l.lot_number, x.places, x.movements
       FROM (SELECT lot_id, count(DISTINCT establishment_id)::int AS places, count(*)::int AS movements
               FROM stock_movement GROUP BY lot_id ORDER BY 2 DESC, 3 DESC LIMIT $1) x
       JOIN lot l ON l.id = x.lot_id JOIN supply_item s ON s.id = l.supply_item_id
      ORDER BY x.places DESC, x.movements DESC`,
    [LOTS],
  );
  const [{ movements, lots: allLots }] = (await pool.query('SELECT (SELECT count(*) FROM stock_movement)::bigint AS movements, (SELECT count(*) FROM lot)::int AS lots')).rows;
  console.log(`data: ${Number(movements).toLocaleString('en')} movements, ${allLots.toLocaleString('en')} lots; ${lots.length} busiest lots picked in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s`);
  console.log(`  from ${lots[0].places} places / ${lots[0].movements} movements to ${lots.at(-1).places} places / ${lots.at(-1).movements} movements`);

  // warm-up: every lot once (plans, caches, the JIT), not recorded
  for (const l of lots) await lotTrace(request(), l.clave, l.lot_number);

  const samples = [];
  const counter = sqlCounter(db);
  let statements = 0;
  let biggest = { places: 0, timeline: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    for (const l of lots) {
      const before = counter.count;
      t = process.hrtime.bigint();
      const trace = await lotTrace(request(), l.clave, l.lot_number);
      samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      statements = Math.max(statements, counter.count - before);
      if (trace.places.length > biggest.places) biggest = { places: trace.places.length, timeline: trace.timeline.length, lot: `${l.clave} ${l.lot_number}` };
    }
  }
  samples.sort((a, b) => a - b);
  const at = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  const [p50, p95, max] = [at(50), at(95), samples.at(-1)];
  console.log(`lotTrace, ${samples.length} calls (${lots.length} lots × ${ROUNDS}): p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${max.toFixed(0)} ms; at most ${statements} statements a call`);
  console.log(`  widest: ${biggest.lot}, ${biggest.places} places, ${biggest.timeline} movements in its timeline`);

  t = process.hrtime.bigint();
  const file = await lotTraceFile(await lotTrace(request(), lots[0].clave, lots[0].lot_number));
  const exportMs = Number(process.hrtime.bigint() - t) / 1e6;
  console.log(`lotTraceExport of the busiest lot: ${exportMs.toFixed(0)} ms, ${file.rows} rows, ${Math.round((file.contentBase64.length * 3) / 4 / 1024)} KiB`);

  console.log('\n| target | met | measured |\n|---|---|---|');
  console.log(`| lotTrace under 1 s at p95 | ${p95 < 1000 ? 'yes' : '**no**'} | p95 ${p95.toFixed(0)} ms, p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms (${lots.length} busiest lots, up to ${biggest.places} places and ${biggest.timeline} movements; ${statements} statements) |`);
  await pool.end();
  await close();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
