#!/usr/bin/env node
/* eslint-disable */
// npm run bench -- [--duration 10] [--connections 10] [--out bench/results/latest.json]
//
// Runs, against one database (DATABASE_URL, e.g. the national data set of `npm run seed:national`):
//   - the real Abasto server (in this process, on its own port),
//   - PostGraphile 5 (from npm, Amber preset) over the same database, for the reads it can express,
//   - the raw SQL of each read, run directly with pg,
// each with the same number of concurrent clients for the same time, measured by the same client loop
// (keep-alive HTTP for the servers, a pg pool for raw SQL), and prints and writes a table of
// p50 / p95 / p99 latency (ms) and requests per second. Not part of `npm test`.
// PostGraphile 5 declares Node >= 22; on the project's Node 20 it needs the one API it misses.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((a, b) => ((resolve = a), (reject = b)));
    return { promise, resolve, reject };
  };
}
require('ts-node/register/transpile-only');
require('reflect-metadata');
process.env.GRAPHILE_ENV = process.env.GRAPHILE_ENV || 'production';

const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const os = require('node:os');
const { Pool } = require('pg');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']] : acc), []),
);
const DURATION = Number(args.duration || 10);
const CONNECTIONS = Number(args.connections || 10);
const OUT = args.out || path.join(__dirname, 'results', 'latest.json');
if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is required: the benchmark reads a database you seeded, e.g. npm run seed:national');
  process.exit(1);
}

function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => (s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : null);
  return { p50: at(50), p95: at(95), p99: at(99) };
}

/** Posts a GraphQL request from `connections` concurrent clients (keep-alive) for DURATION seconds. */
async function cannon(url, body, headers, connections = CONNECTIONS, makeBody) {
  let non2xx = 0;
  const r = await loop(
    null,
    async () => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(makeBody ? makeBody() : body) });
      const json = await res.json();
      if (res.status !== 200 || json.errors || Object.values(json.data ?? {}).some((v) => v && v.userErrors && v.userErrors.length)) {
        non2xx += 1;
        if (non2xx === 1) console.error(JSON.stringify(json).slice(0, 300));
      }
    },
    connections,
  );
  return { ...r, non2xx };
}

/** Runs `work` with `connections` concurrent clients for DURATION seconds; latencies in ms. */
async function loop(pool, work, connections = CONNECTIONS) {
  const latencies = [];
  const until = Date.now() + DURATION * 1000;
  let errors = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      let i = 0;
      while (Date.now() < until) {
        const t = process.hrtime.bigint();
        try {
          await work(c, i++);
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        } catch (e) {
          errors += 1;
          if (errors === 1) console.error(e.message);
        }
      }
    }),
  );
  const p = percentiles(latencies);
  return { p50: round(p.p50), p95: round(p.p95), p99: round(p.p99), rps: Math.round((latencies.length / DURATION) * 10) / 10, requests: latencies.length, errors };
}
const round = (x) => (x === null ? null : Math.round(x * 100) / 100);

async function startPostGraphile(port) {
  const { postgraphile } = require('postgraphile');
  const { PostGraphileAmberPreset } = require('postgraphile/presets/amber');
  const { makePgService } = require('postgraphile/adaptors/pg');
  const { grafserv } = require('postgraphile/grafserv/node');
  const pgl = postgraphile({
    extends: [PostGraphileAmberPreset],
    pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'], poolConfig: { max: CONNECTIONS } })],
    grafserv: { port, graphqlPath: '/graphql' },
    grafast: { explain: false },
  });
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  serv.addTo(server);
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/graphql`, stop: async () => { server.close(); await pgl.release(); } };
}

(async () => {
  const { parseConfig } = require('../src/config');
  const { connect } = require('../src/db/connect');
  const { startServer } = require('../src/server');
  const { signToken } = require('../src/graphql/auth');
  require('../src/modules/indicators/order-indicators');
  require('../src/modules/indicators/cpm-ratification');
  const { indicatorDefinition } = require('../src/modules/indicators/indicators');
  const { businessDay } = require('../src/domain/dates');

  const config = parseConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'false', DATABASE_POOL_SIZE: String(CONNECTIONS * 2), NODE_ENV: 'production', JWT_SECRET: 'benchmark-secret-0123456789abcdef' });
  const { db, close } = await connect(config, { applicationName: 'abasto-bench' });
  const abasto = await startServer(db, config);
  const pgl = await startPostGraphile(5433 + Math.floor(Math.random() * 1000) + 1000);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: CONNECTIONS * 2 });
  const token = async (role, scope = {}) => `Bearer ${await signToken(config.auth.secret, { sub: `bench-${role}`, role, ...scope })}`;
  const central = await token('CENTRAL');

  // The busiest hospital, and a warehouse to receive at.
  const [{ clues: hospital, id: hospitalId }] = (await pool.query(`
    SELECT e.clues, e.id FROM establishment e JOIN stock_balance b ON b.establishment_id = e.id WHERE e.kind = 'FIXED'
     GROUP BY e.id ORDER BY count(DISTINCT b.supply_item_id) DESC LIMIT 1`)).rows;
  const [{ clues: warehouse }] = (await pool.query(`SELECT e.clues FROM warehouse w JOIN establishment e ON e.id = w.establishment_id WHERE w.tier = 'STATE' ORDER BY e.clues LIMIT 1`)).rows;
  const claves = (await pool.query(`SELECT clave FROM supply_item WHERE kind = 'HEALING_MATERIAL' ORDER BY clave LIMIT 10`)).rows.map((r) => r.clave);
  const today = businessDay();
  const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4, 8)}01`;
  const counts = (await pool.query(`SELECT (SELECT count(*) FROM establishment)::int AS establishments, (SELECT count(*) FROM supply_order_line)::int AS order_lines,
    (SELECT count(*) FROM stock_movement)::int AS movements, (SELECT count(*) FROM cpm_calculation)::int AS cpm, pg_size_pretty(pg_database_size(current_database())) AS size`)).rows[0];
  console.log(`data: ${JSON.stringify(counts)}; hospital ${hospital}; ${DURATION} s × ${CONNECTIONS} clients per run`);

  /** The SQL an indicator runs, captured without running it. */
  async function indicatorSql(code, groupBy, factSource) {
    let captured;
    const spy = { query: async (sql, params) => ((captured = { sql, params }), []) };
    await indicatorDefinition(code).compute(spy, { asOf: today, year: null, from: yearAgo, to: today, stateCodes: null, clues: null, levelsOfCare: null, warehouseClues: null, supplyKinds: null, groupBy, factSource });
    return captured;
  }

  const reads = [
    {
      name: 'pharmacy stock page (one hospital, 100 claves with lots, cpm, monthsOfStock)',
      abasto: { query: `{ stockLevels(clues: "${hospital}", first: 100) { totalCount edges { node { clave usable cpm monthsOfStock status lots { lotNumber expiresOn quantity } } } } }` },
      postgraphile: { query: `{ allStockBalances(condition: { establishmentId: ${hospitalId} }, first: 100, orderBy: [SUPPLY_ITEM_ID_ASC]) { nodes { quantity supplyItemBySupplyItemId { clave } lotByLotId { lotNumber expiresOn } } } }` },
      raw: {
        sql: `SELECT si.clave, sum(b.quantity) FILTER (WHERE l.expires_on IS NULL OR l.expires_on >= $2::date) AS usable, c.cpm,
                     json_agg(json_build_object('lot', l.lot_number, 'expires', l.expires_on, 'q', b.quantity) ORDER BY l.expires_on) AS lots
                FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN supply_item si ON si.id = b.supply_item_id
                LEFT JOIN LATERAL cpm_in_force($1, b.supply_item_id, $3, date_trunc('month', $2::date)::date) c ON true
               WHERE b.establishment_id = $1 GROUP BY si.clave, c.cpm ORDER BY si.clave LIMIT 100`,
        params: [hospitalId, today, Number(today.slice(0, 4))],
      },
    },
    {
      name: 'establishments list (100) with nested state and supplying warehouse',
      abasto: { query: `{ establishments(first: 100) { edges { node { clues name state { name } supplyingWarehouse { clues establishment { name } } } } } }` },
      postgraphile: { query: `{ allEstablishments(first: 100, orderBy: [CLUES_ASC]) { nodes { clues name stateByStateCodeAndCluesPrefix { name } warehouseBySupplyingWarehouseId { establishmentByEstablishmentId { clues name } } } } }` },
      raw: {
        sql: `SELECT e.clues, e.name, s.name AS state, we.clues AS wh, we.name AS wh_name FROM establishment e JOIN state s ON s.code = e.state_code
                LEFT JOIN warehouse w ON w.id = e.supplying_warehouse_id LEFT JOIN establishment we ON we.id = w.establishment_id ORDER BY e.clues LIMIT 100`,
        params: [],
      },
    },
    ...['QUANTITY_FILL_RATE', 'PIECES_ISSUED_DELIVERED'].map((code) => ({
      name: `${code} national by STATE × MONTH over a year`,
      abasto: { query: `{ indicator(code: ${code}, filter: { from: "${yearAgo}", to: "${today}" }, groupBy: [STATE, MONTH]) { total { numerator denominator } rows { state { code } month numerator denominator } } }` },
      rawSql: () => indicatorSql(code, ['STATE', 'MONTH'], 'ROLLUP'),
      rawLines: () => indicatorSql(code, ['STATE', 'MONTH'], 'LINES'),
    })),
    {
      name: 'CPM_RATIFICATION by STATE',
      abasto: { query: `{ indicator(code: CPM_RATIFICATION, groupBy: [STATE]) { total { numerator denominator } rows { state { code } numerator denominator } } }` },
      rawSql: async () => {
        let captured;
        const spy = { query: async (sql, params) => ((captured = { sql, params }), []) };
        await indicatorDefinition('CPM_RATIFICATION').compute(spy, { asOf: today, year: null, from: monthsBack(today, 11), to: today, stateCodes: null, clues: null, levelsOfCare: null, warehouseClues: null, supplyKinds: null, groupBy: ['STATE'] });
        return captured;
      },
    },
  ];
  function monthsBack(day, n) {
    const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - n);
    return d.toISOString().slice(0, 10);
  }

  const results = [];
  for (const r of reads) {
    console.log(`\n${r.name}`);
    // Warm up and check the answer once.
    const check = await fetch(abasto.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: central }, body: JSON.stringify(r.abasto) }).then((x) => x.json());
    if (check.errors) throw new Error(`${r.name}: ${JSON.stringify(check.errors)}`);
    const row = { read: r.name, abasto: await cannon(abasto.url, r.abasto, { authorization: central }) };
    console.log('  abasto      ', JSON.stringify(row.abasto));
    if (r.postgraphile) {
      const pc = await fetch(pgl.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r.postgraphile) }).then((x) => x.json());
      if (pc.errors) throw new Error(`postgraphile ${r.name}: ${JSON.stringify(pc.errors)}`);
      row.postgraphile = await cannon(pgl.url, r.postgraphile, {});
      console.log('  postgraphile', JSON.stringify(row.postgraphile));
    }
    const raw = r.raw ?? (await r.rawSql());
    row.rawSql = await loop(pool, () => pool.query(raw.sql, raw.params));
    console.log('  raw SQL     ', JSON.stringify(row.rawSql));
    if (r.rawLines) {
      const lines = await r.rawLines();
      row.rawGroupByOrderLines = await loop(pool, () => pool.query(lines.sql, lines.params), Math.min(CONNECTIONS, 4));
      console.log('  raw GROUP BY over order lines', JSON.stringify(row.rawGroupByOrderLines));
    }
    results.push(row);
  }

  // Writes: a 10-line receipt at one warehouse, 20 concurrent clients; then the same writes as raw SQL.
  console.log('\n10-line receipt, 20 concurrent clients');
  const whToken = await token('WAREHOUSE', { clues: warehouse });
  let n = 0;
  const run = `${Date.now()}`;
  const receiptBody = () => ({
    query: 'mutation($i: StockReceiveInput!) { stockReceive(input: $i) { userErrors { code } } }',
    variables: { i: { idempotencyKey: `bench-${run}-${n++}`, clues: warehouse, lines: claves.map((clave, k) => ({ clave, lotNumber: `BENCH-${k}`, acceptedQuantity: 1 })) } },
  });
  const [{ id: whId }] = (await pool.query('SELECT id FROM establishment WHERE clues = $1', [warehouse])).rows;
  const balanceBefore = Number((await pool.query(`SELECT coalesce(sum(b.quantity), 0) AS q FROM stock_balance b JOIN lot l ON l.id = b.lot_id WHERE b.establishment_id = $1 AND l.lot_number LIKE 'BENCH-%'`, [whId])).rows[0].q);
  const abastoWrite = await cannon(abasto.url, null, { authorization: whToken }, 20, receiptBody);
  const balanceAfter = Number((await pool.query(`SELECT coalesce(sum(b.quantity), 0) AS q FROM stock_balance b JOIN lot l ON l.id = b.lot_id WHERE b.establishment_id = $1 AND l.lot_number LIKE 'BENCH-%'`, [whId])).rows[0].q);
  const acknowledged = abastoWrite.requests - abastoWrite.non2xx;
  abastoWrite.lostUpdates = acknowledged * claves.length - (balanceAfter - balanceBefore);
  console.log('  abasto ', JSON.stringify(abastoWrite));
  const items = (await pool.query('SELECT id, clave FROM supply_item WHERE clave = ANY ($1::text[]) ORDER BY clave', [claves])).rows;
  const rawWrite = await loop(
    pool,
    async (c, i) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const key = `rawbench-${run}-${c}-${i}`;
        await client.query(`INSERT INTO idempotency_key (key, operation, subject, request_hash) VALUES ($1, 'stockReceive', 'bench', 'x')`, [key]);
        const [{ id: receiptId }] = (await client.query(`INSERT INTO receipt (establishment_id, source, received_at, actor, idempotency_key) VALUES ($1, 'PURCHASE', now(), 'bench', $2) RETURNING id`, [whId, key])).rows;
        const lots = (await client.query(
          `INSERT INTO lot (supply_item_id, lot_number) SELECT unnest($1::int[]), unnest($2::text[])
           ON CONFLICT (supply_item_id, lot_number) DO UPDATE SET lot_number = EXCLUDED.lot_number RETURNING id, supply_item_id`,
          [items.map((x) => x.id), items.map((_, k) => `RAWBENCH-${k}`)],
        )).rows.sort((a, b) => a.id - b.id);
        await client.query(`INSERT INTO receipt_line (receipt_id, line, lot_id, accepted, rejected) SELECT $1, ord, lot, 1, 0 FROM unnest($2::int[]) WITH ORDINALITY AS x(lot, ord)`, [receiptId, lots.map((l) => l.id)]);
        await client.query(
          `INSERT INTO stock_balance (establishment_id, lot_id, supply_item_id, quantity) SELECT $1, unnest($2::int[]), unnest($3::int[]), 1
           ON CONFLICT (establishment_id, lot_id) DO UPDATE SET quantity = stock_balance.quantity + 1, updated_at = now()`,
          [whId, lots.map((l) => l.id), lots.map((l) => l.supply_item_id)],
        );
        await client.query(
          `INSERT INTO stock_movement (establishment_id, supply_item_id, lot_id, quantity, kind, reason, receipt_id, occurred_at, actor, idempotency_key)
           SELECT $1, unnest($2::int[]), unnest($3::int[]), 1, 'RECEIPT', 'PURCHASE', $4, now(), 'bench', $5`,
          [whId, lots.map((l) => l.supply_item_id), lots.map((l) => l.id), receiptId, key],
        );
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      } finally {
        client.release();
      }
    },
    20,
  );
  console.log('  raw SQL', JSON.stringify(rawWrite));
  results.push({ read: '10-line receipt, 20 concurrent clients', abasto: abastoWrite, rawSql: rawWrite });

  const mismatches = Number((await pool.query(`
    SELECT count(*) AS n FROM stock_balance b LEFT JOIN (SELECT establishment_id, lot_id, sum(quantity) AS s FROM stock_movement GROUP BY 1, 2) m USING (establishment_id, lot_id)
     WHERE b.establishment_id = $1 AND b.quantity <> coalesce(m.s, 0)`, [whId])).rows[0].n);
  const report = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: (await pool.query('SHOW server_version')).rows[0].server_version },
    data: counts,
    durationSeconds: DURATION,
    connections: CONNECTIONS,
    ledgerMismatchesAfterWrites: mismatches,
    results,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(report, null, 2));
  console.log('\n| read | Abasto p50/p95/p99 ms, req/s | PostGraphile 5 | raw SQL | raw GROUP BY over lines |');
  console.log('|---|---|---|---|---|');
  const cell = (x) => (x ? `${x.p50} / ${x.p95} / ${x.p99}, ${x.rps}` : '—');
  for (const r of results) console.log(`| ${r.read} | ${cell(r.abasto)} | ${cell(r.postgraphile)} | ${cell(r.rawSql)} | ${cell(r.rawGroupByOrderLines)} |`);
  console.log(`\nledger mismatches at the warehouse after the writes: ${mismatches}; lost updates: ${abastoWrite.lostUpdates}; written to ${OUT}`);
  await pgl.stop();
  await abasto.stop();
  await pool.end();
  await close();
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
