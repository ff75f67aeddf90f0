// Starts the real API process (`node src/main.ts`, as `npm start` does, worker process included) on a
// fresh test database and a free port of 127.0.0.1, for tests that drive it from outside (a browser).
// Resolves once it printed its ready banner, with the demo credentials it printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { TEST_JWT_SECRET } from './harness.ts';

export type StartedServer = { baseUrl: string; partnerKey: string; email: string; password: string; output: () => string; stop(): Promise<void> };

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export async function startServer(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<StartedServer> {
  const db: TestDatabase = await createTestDatabase(inject('templateDatabase'));
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      SEED_DEMO: 'true',
      START_WORKER: 'true',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      SERVER_ID: 'browser-test',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 6_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await db.drop();
  };
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ready = /GraphiQL:\s+(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output);
    const key = /Demo API key \(partner, read\+write\): (hgk_\S+)/.exec(output);
    if (ready && key) {
      return {
        baseUrl: ready[1],
        partnerKey: key[1],
        email: /Demo user: (\S+) \/ (\S+)/.exec(output)![1],
        password: /Demo user: (\S+) \/ (\S+)/.exec(output)![2],
        output: () => output,
        stop,
      };
    }
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`the server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
