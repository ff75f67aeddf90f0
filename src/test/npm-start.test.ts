// `npm start` runs the server through a shell: a SIGTERM to npm (a process manager stopping it, or
// `kill` of its pid) must stop the server, its worker and its database too, not leave them running
// without a parent (the next `npm start` then found the embedded PostgreSQL's data directory locked).
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { startServerProcess } from './server-process.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject('templateDatabase'));
});
afterAll(async () => {
  await db?.drop();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('stops the server and its worker when npm itself gets SIGTERM', async () => {
  const server = await startServerProcess(
    {
      DATABASE_URL: db.url,
      REDIS_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SEED_DEMO: 'false',
      START_WORKER: 'true',
      JWT_SECRET: 'npm-start-test-secret-0123456789-abcdef',
    },
    120_000,
    'npm',
  );
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
  let worker: number | undefined;
  for (let i = 0; i < 200 && worker === undefined; i++) {
    worker = Number(/"pid":(\d+)[^\n]*"job worker process started"/.exec(server.output())?.[1]) || undefined;
    if (worker === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  expect(worker).toBeDefined();
  await server.stop('SIGTERM');
  // npm has exited; the server and the worker follow within the shutdown budget.
  let up = true;
  for (let i = 0; i < 100 && (up || alive(worker!)); i++) {
    await new Promise((r) => setTimeout(r, 100));
    up = await fetch(`${server.url}/health`).then(
      () => true,
      () => false,
    );
  }
  expect(up).toBe(false);
  expect(alive(worker!)).toBe(false);
}, 60_000);
