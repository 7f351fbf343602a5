import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../config';
import { connect } from '../db/connect';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { roundManifests } from '../modules/distribution/route-dispatch';
import { flag, parseArgs, runCli } from './args';

const USAGE = 'usage: npm run export:manifests -- --round RS-2026-12-0001 [--routes GRO-CENTRO,GRO-NORTE] [--out DIRECTORIO]';

/** Every route manifest of a round (or of the routes named) as XLSX workbooks in a directory: what the warehouses print. */
runCli(async () => {
  const { flags } = parseArgs(process.argv.slice(2));
  const round = flag(flags, 'round');
  if (!round) throw new Error(`--round lleva el número de la ronda\n${USAGE}`);
  const routes = flag(flags, 'routes')?.split(',').map((r) => r.trim().toUpperCase()).filter(Boolean) ?? null;
  const out = path.resolve(flag(flags, 'out') ?? `manifiestos-${round}`);
  const { db, close } = await connect(parseConfig(), { applicationName: 'abasto-export-manifests' });
  try {
    const started = Date.now();
    const manifests = await roundManifests(db, round, routes);
    if (!manifests.length) throw new Error(`La ronda ${round} no existe o no tiene esas rutas.\n${USAGE}`);
    const read = Date.now();
    fs.mkdirSync(out, { recursive: true });
    // writing a workbook is CPU work: the manifests are shared out over a thread per core
    const threads = Math.max(1, Math.min(os.availableParallelism(), Math.ceil(manifests.length / 50)));
    const shares = Array.from({ length: threads }, (_, i) => manifests.filter((_, k) => k % threads === i));
    const written = await Promise.all(
      shares.map(
        (share) =>
          new Promise<number>((done, fail) => {
            const worker = new Worker(path.join(__dirname, 'manifest-worker.ts'), { workerData: { manifests: share, out }, execArgv: ['-r', 'ts-node/register/transpile-only'] });
            worker.once('message', done);
            worker.once('error', fail);
          }),
      ),
    );
    const bytes = written.reduce((a, b) => a + b, 0);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${manifests.length} manifiestos (${manifests.reduce((n, m) => n + m.stops.length, 0)} paradas, ${(bytes / 1e6).toFixed(1)} MB) en ${out}: ` +
        `${seconds.toFixed(1)} s (lectura ${((read - started) / 1000).toFixed(1)} s)`,
    );
  } finally {
    await close();
  }
});
