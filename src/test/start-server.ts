// The real API process (`node src/main.ts`, as `npm start` runs it, job worker process included) on a
// fresh test database and a free port of 127.0.0.1, for tests that drive it from outside (a browser).
import { inject } from 'vitest';
import { createTestDatabase } from './db.ts';
import { TEST_JWT_SECRET } from './harness.ts';
import { freePort, startServerProcess } from './server-process.ts';

export type StartedServer = {
  baseUrl: string;
  partnerKey: string;
  email: string;
  password: string;
  output: () => string;
  stop(): Promise<void>;
};

export async function startServer(env: Record<string, string> = {}): Promise<StartedServer> {
  const db = await createTestDatabase(inject('templateDatabase'));
  try {
    const server = await startServerProcess({
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      REDIS_URL: undefined,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      JWT_SECRET: TEST_JWT_SECRET,
      SEED_DEMO: 'true',
      START_WORKER: 'true',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      SERVER_ID: 'browser-test',
      ...env,
    });
    const user = /Demo user: (\S+) \/ (\S+)/.exec(server.output());
    if (!server.demoKey || !user) throw new Error(`the server printed no demo credentials:\n${server.output()}`);
    return {
      baseUrl: server.url,
      partnerKey: server.demoKey,
      email: user[1],
      password: user[2],
      output: server.output,
      async stop() {
        await server.stop('SIGTERM');
        await db.drop();
      },
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}
