import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/cli';

/** `npm start` on a machine where the embedded PostgreSQL's port is taken says so, and what to do. */
test('the embedded PostgreSQL cannot start on a port in use: a clear message, not "undefined"', async () => {
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as net.AddressInfo).port;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abasto-embedded-'));
  fs.chmodSync(dir, 0o755);
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, EMBEDDED_PG_PORT: String(port), PORT: '0', DEMO_DATA: 'false' };
    delete env.DATABASE_URL;
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done, fail) => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], { cwd: ROOT, env });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('error', fail);
      child.on('close', (c) => done({ code: c, stderr: err }));
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`could not start .*port ${port}[\\s\\S]*Set EMBEDDED_PG_PORT to a free port, or DATABASE_URL`));
    expect(stderr).not.toMatch(/^undefined$/m);
  } finally {
    taken.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
