import { ChildProcess, spawn } from 'node:child_process';
import { ROOT } from './cli';

/** Starts another Abasto server process (`src/main.ts`) on a database; resolves with its URL. */
export function startServerProcess(databaseUrl: string, jwtSecret: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'false', NODE_ENV: 'test', GRAPHQL_JIT_AFTER: '0', JWT_SECRET: jwtSecret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /GraphQL API on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1].replace('localhost', '127.0.0.1') });
      }
    });
    child.stderr!.on('data', (d) => (out += d));
  });
}
