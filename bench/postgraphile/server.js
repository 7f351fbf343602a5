#!/usr/bin/env node
/* eslint-disable */
// PostGraphile 5 (Amber preset, from npm) over DATABASE_URL on 127.0.0.1:PORT, in its own process(es),
// as the Abasto server runs. It serves the schema `public` and `bench_pgl` (bench/postgraphile-functions.sql:
// the stock page's figures as a function, which bench/run.js creates first). Started by bench/run.js; prints
// "listening <url>" when it answers.
//
// PostGraphile 5 declares Node >= 22; on the project's Node 20 it needs the one API it misses
// (without it every data query fails).
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((a, b) => ((resolve = a), (reject = b)));
    return { promise, resolve, reject };
  };
}
process.env.GRAPHILE_ENV = process.env.GRAPHILE_ENV || 'production';
const port = Number(process.env.PORT);

// WORKERS > 1: as many processes sharing the port (node:cluster), as the Abasto server runs with the same setting.
const cluster = require('node:cluster');
const WORKERS = Number(process.env.WORKERS || 1);
if (WORKERS > 1 && cluster.isPrimary) {
  let ready = 0;
  cluster.on('listening', () => ++ready === WORKERS && console.log(`listening http://127.0.0.1:${port}/graphql (${WORKERS} workers)`));
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  const stop = () => {
    const workers = Object.values(cluster.workers);
    let left = workers.length;
    for (const w of workers) w.once('exit', () => --left === 0 && process.exit(0)).process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return;
}

const http = require('node:http');
const { postgraphile } = require('postgraphile');
const { PostGraphileAmberPreset } = require('postgraphile/presets/amber');
const { makePgService } = require('postgraphile/adaptors/pg');
const { grafserv } = require('postgraphile/grafserv/node');

const pgl = postgraphile({
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public', 'bench_pgl'], poolConfig: { max: Number(process.env.POOL_SIZE || 10) } })],
  grafserv: { port, graphqlPath: '/graphql' },
  grafast: { explain: false },
});
const serv = pgl.createServ(grafserv);
const server = http.createServer();
serv.addTo(server);
server.listen(port, '127.0.0.1', () => cluster.isPrimary && console.log(`listening http://127.0.0.1:${port}/graphql`));
const stop = async () => {
  server.close();
  await pgl.release();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
