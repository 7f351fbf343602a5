#!/usr/bin/env node
/* eslint-disable */
// node bench/lot-hold.js   (DATABASE_URL: the national data set of `npm run seed:national`)
//
// Lot holds at national scale (issue 21): on the lots held in the most places, through the use cases
// the API runs, it times
//   1. lotHoldSet across the network (the lot's balances everywhere locked, the hold written);
//   2. who must act: the holders of the hold (every place with pieces on the shelf or on the road);
//   3. a unit's held lots (what «Mi existencia» reads first);
//   4. lotHoldRelease;
// then removes what it wrote, so it can be run any number of times. Prints p50 / p95 / max per step.
require('ts-node/register/transpile-only');
require('reflect-metadata');

if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is required: the national data set (npm run seed:national)');
  process.exit(1);
}

(async () => {
  const { parseConfig } = require('../src/config');
  const { connect } = require('../src/db/connect');
  const { Viewer } = require('../src/base/auth');
  const { createContext } = require('../src/graphql/context');
  const { setHold, releaseHold, holdersOf, heldLotsAt } = require('../src/modules/stock/stock.holds');

  const config = parseConfig({ ...process.env, DEMO_DATA: 'false' });
  const { db, close } = await connect(config, { applicationName: 'abasto-bench-lot-hold' });
  const viewer = new Viewer('bench-hold', 'CENTRAL', null, null);
  const central = createContext(db, config, viewer);
  const N = Number(process.env.LOTS ?? 20);
  const lots = await db.query(
    `SELECT s.clave, l.lot_number AS "lotNumber", count(*)::int AS places, sum(b.quantity)::int AS pieces,
            (SELECT b2.establishment_id FROM stock_balance b2 WHERE b2.lot_id = l.id AND b2.quantity > 0 ORDER BY b2.establishment_id DESC LIMIT 1) AS unit
       FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN supply_item s ON s.id = l.supply_item_id
      WHERE b.quantity > 0 AND NOT EXISTS (SELECT 1 FROM lot_hold h WHERE h.lot_id = l.id AND h.released_at IS NULL)
      GROUP BY s.clave, l.id ORDER BY count(*) DESC, l.id LIMIT $1`,
    [N],
  );
  console.log(`${lots.length} lots held in the most places: ${lots[0].places}–${lots[lots.length - 1].places} places, ${lots.reduce((n, l) => n + l.pieces, 0).toLocaleString('en')} pieces in all`);
  const times = { hold: [], holders: [], heldAtUnit: [], release: [] };
  const timed = async (step, work) => {
    const t = process.hrtime.bigint();
    const r = await work();
    times[step].push(Number(process.hrtime.bigint() - t) / 1e6);
    return r;
  };
  const stamp = Date.now();
  let holders = 0;
  for (const [i, lot] of lots.entries()) {
    const hold = await timed('hold', () =>
      setHold(central, { idempotencyKey: `bench-${stamp}-${i}`, clave: lot.clave, lotNumber: lot.lotNumber, reason: 'bench', reference: `BENCH-${stamp}` }),
    );
    const found = await timed('holders', () => holdersOf(db, [hold], viewer));
    holders += (found.get(hold.id) ?? []).length;
    await timed('heldAtUnit', () => heldLotsAt(db, lot.unit));
    await timed('release', () => releaseHold(central, { idempotencyKey: `bench-${stamp}-${i}-r`, clave: lot.clave, lotNumber: lot.lotNumber, reason: 'bench' }));
  }
  await db.query(`DELETE FROM lot_hold WHERE held_by = 'bench-hold'`);
  await db.query(`DELETE FROM idempotency_key WHERE subject = 'bench-hold'`);
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
  console.log(`\n${holders} holders listed in all\n\n| step | p50 ms | p95 ms | max ms |\n|---|---|---|---|`);
  for (const [step, xs] of Object.entries(times)) console.log(`| ${step} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 95).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`);
  await close();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
