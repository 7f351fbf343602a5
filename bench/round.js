#!/usr/bin/env node
/* eslint-disable */
// node bench/round.js   (DATABASE_URL: the national data set of `npm run seed:national`; also `npm run bench -- --only round`)
//
// Rutas de la Salud at national scale (issue 20): on the national data set (kits, sizes and routes are
// added by seedNationalDistribution when missing), it
//   1. makes a FULL_KIT round for a month no round has, through the use case the API runs
//      (distributionRoundCreate: validation, locks, needs, fair shares, orders, lines, report), timed;
//   2. times the same round's planning statement alone (needs and fair shares, the raw SQL), in a
//      transaction rolled back;
//   3. exports every route's manifest as XLSX (routeManifestExport), timed;
//   4. removes the round again, so the script can be run any number of times.
// Targets (issue 20): the round in under 60 s, its manifests in under 30 s.
require('ts-node/register/transpile-only');
require('reflect-metadata');

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Pool } = require('pg');

if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is required: the national data set (npm run seed:national)');
  process.exit(1);
}

(async () => {
  const { parseConfig } = require('../src/config');
  const { connect } = require('../src/db/connect');
  const { Viewer } = require('../src/base/auth');
  const { createContext } = require('../src/graphql/context');
  const { createRound, roundTotals } = require('../src/modules/distribution/rounds');
  const { routeManifestFile } = require('../src/modules/distribution/route-dispatch');
  const { seedNationalDistribution } = require('../seeds/national-distribution');

  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  const q = (sql, params) => pool.query(sql, params).then((r) => r.rows);
  const seeded = await seedNationalDistribution(q);
  const config = parseConfig({ ...process.env, DEMO_DATA: 'false' });
  const { db, close } = await connect(config, { applicationName: 'abasto-bench-round' });
  const central = createContext(db, config, new Viewer('bench-round', 'CENTRAL', null, null));
  const [{ month }] = await q(`SELECT to_char(greatest(date_trunc('month', now() AT TIME ZONE 'America/Mexico_City'),
                                        coalesce(max(month) + interval '1 month', '-infinity')), 'YYYY-MM') AS month FROM distribution_round`);
  const key = `bench-round-${Date.now()}`;
  console.log(`data: ${seeded.routes} routes, ${seeded.stops} centres on them, a kit of ${seeded.claves} claves; round for ${month}`);

  // 1. The use case.
  let t = process.hrtime.bigint();
  const round = await createRound(central, { idempotencyKey: key, month, kitTemplate: 'KIT-PN', mode: 'FULL_KIT' });
  const roundSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  const [made] = await q(
    `SELECT count(*)::int AS orders, (SELECT count(*) FROM supply_order_line l JOIN supply_order o ON o.id = l.order_id WHERE o.distribution_round_id = $1)::int AS lines,
            (SELECT count(*) FROM distribution_round_clave WHERE round_id = $1 AND short_units > 0)::int AS short
       FROM supply_order WHERE distribution_round_id = $1`,
    [round.id],
  );
  const totals = (await roundTotals(db, [round.id], central.viewer)).get(round.id);
  console.log(`round ${round.number}: ${totals.units} centres, ${totals.kits} kits, ${made.orders} orders, ${made.lines} order lines, ${made.short} claves shared out; ${roundSeconds.toFixed(1)} s`);

  // 2. The planning statement alone, as the use case writes it, rolled back.
  const { roundPlanSql } = require('../src/modules/distribution/rounds');
  const plan = await roundPlanSql(db.manager, round.id);
  const client = await pool.connect();
  let planSeconds;
  try {
    await client.query('BEGIN');
    t = process.hrtime.bigint();
    await client.query(plan.sql, plan.params);
    planSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
  console.log(`raw SQL, needs and fair shares alone: ${planSeconds.toFixed(1)} s (${Math.round((planSeconds / roundSeconds) * 100)} % of the use case)`);

  // 3. Every route's manifest as a workbook.
  // as a warehouse gets them: `npm run export:manifests` (the round read in one go, a writing thread per core)
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'abasto-manifests-'));
  t = process.hrtime.bigint();
  const printed = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/export-manifests.ts', '--round', round.number, '--out', out], {
    cwd: path.resolve(__dirname, '..'),
    env: process.env,
    encoding: 'utf8',
  }).trim();
  const manifestSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  const routes = fs.readdirSync(out);
  fs.rmSync(out, { recursive: true, force: true });
  // and one route's, as routeManifestExport answers it
  t = process.hrtime.bigint();
  await routeManifestFile(central, round.number, routes[0].replace(`manifiesto-${round.number}-`, '').replace(/\.xlsx$/, ''));
  const oneSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`manifests: ${printed}; ${manifestSeconds.toFixed(1)} s with the process's start; one route alone (routeManifestExport) ${(oneSeconds * 1000).toFixed(0)} ms`);

  // 4. Gone again.
  await q(`DELETE FROM distribution_round_clave WHERE round_id = $1`, [round.id]);
  await q(`DELETE FROM distribution_round_unit WHERE round_id = $1`, [round.id]);
  await q(`DELETE FROM distribution_round_skip WHERE round_id = $1`, [round.id]);
  await q(`DELETE FROM order_fill WHERE order_id IN (SELECT id FROM supply_order WHERE distribution_round_id = $1)`, [round.id]);
  await q(`DELETE FROM supply_order_line WHERE order_id IN (SELECT id FROM supply_order WHERE distribution_round_id = $1)`, [round.id]);
  await q(`DELETE FROM supply_order WHERE distribution_round_id = $1`, [round.id]);
  await q(`DELETE FROM distribution_round WHERE id = $1`, [round.id]);
  await q(`DELETE FROM idempotency_key WHERE subject = 'bench-round'`);

  console.log('\n| target | met | measured |\n|---|---|---|');
  console.log(`| a national round in under 60 s | ${roundSeconds < 60 ? 'yes' : '**no**'} | ${roundSeconds.toFixed(1)} s (${made.lines} order lines) |`);
  console.log(`| its manifests exported in under 30 s | ${manifestSeconds < 30 ? 'yes' : '**no**'} | ${manifestSeconds.toFixed(1)} s (${routes.length} routes) |`);
  await close();
  await pool.end();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
