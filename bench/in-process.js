#!/usr/bin/env node
/* eslint-disable */
// node bench/in-process.js '<query>' [--seconds 5] [--concurrency 10] [--jit]
//
// Executes one GraphQL query against the schema inside this process (no HTTP, no Apollo), as a CENTRAL
// user, from `concurrency` loops for `seconds`, on DATABASE_URL, and prints operations per second and
// this process's CPU per operation (including JSON.stringify of each result). With --jit the query
// runs compiled by graphql-jit, as the server runs a repeated query (src/graphql/executor.ts). What it
// isolates is what resolving a query costs in Node; `npm run bench` measures the whole request. Not part of `npm test`.
require('ts-node/register/transpile-only');
require('reflect-metadata');
process.env.NODE_ENV = process.env.NODE_ENV || 'production';
const { parse, execute } = require('graphql');

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : dflt);
const query = argv.find((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--') && argv[i - 1] !== '--jit'));
if (!query || !process.env.DATABASE_URL) {
  console.error("usage: DATABASE_URL=… node bench/in-process.js '<query>' [--seconds 5] [--concurrency 10]");
  process.exit(1);
}

(async () => {
  const { parseConfig } = require('../src/config');
  const { connect } = require('../src/db/connect');
  const { getSchema } = require('../src/graphql/schema');
  const { createContext } = require('../src/graphql/context');
  const { viewerFromClaims } = require('../src/base/auth');
  const config = parseConfig({ ...process.env, DEMO_DATA: 'false', JWT_SECRET: 'in-process-secret-0123456789abcdef', DATABASE_POOL_SIZE: '20' });
  const { db, close } = await connect(config, { applicationName: 'abasto-in-process' });
  const schema = await getSchema();
  const document = parse(query);
  const viewer = viewerFromClaims({ sub: 'in-process', role: 'CENTRAL' });
  const { jitExecutor } = require('../src/graphql/executor');
  const jit = argv.includes('--jit') ? jitExecutor(schema, 0) : null;
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
  const run = async () => {
    const contextValue = createContext(db, config, viewer);
    const r = await (jit ? jit(document, null, operation, contextValue, {}) : execute({ schema, document, contextValue }));
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return JSON.stringify(r);
  };
  for (let i = 0; i < 50; i++) await run(); // warm-up: JIT, pool, plans
  const seconds = opt('seconds', 5);
  const until = Date.now() + seconds * 1000;
  let n = 0;
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: opt('concurrency', 10) }, async () => { while (Date.now() < until) { await run(); n++; } }));
  const used = process.cpuUsage(cpu);
  console.log(`${Math.round(n / seconds)} operations/s, ${((used.user + used.system) / 1000 / n).toFixed(2)} ms of this process's CPU per operation`);
  await close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
