// `npm start` (src/main.ts with its worker) restarts the job worker process when it is
// killed, with a log line saying so, and the new worker is up. Runs the real main.ts on a test database.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { getPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './test/harness.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

let h: Harness;
let main: ChildProcess | undefined;
const logs: { msg?: string; pid?: number; restartInMs?: number; signal?: string }[] = [];

function waitForLog(test: (line: (typeof logs)[number]) => boolean, timeoutMs = 20_000) {
  return new Promise<(typeof logs)[number]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no such log line within ${timeoutMs} ms; saw ${JSON.stringify(logs.map((l) => l.msg))}`)),
      timeoutMs,
    );
    const check = () => {
      const found = logs.find(test);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      } else setTimeout(check, 25);
    };
    check();
  });
}

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  if (main && main.exitCode === null) {
    const exited = once(main, 'exit');
    main.kill('SIGTERM');
    await exited;
  }
  await h?.close();
});

describe('npm start', () => {
  it('restarts its worker process when it is killed, and says so', async () => {
    main = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: h.db.url,
        REDIS_URL: '',
        START_WORKER: 'true',
        SEED_DEMO: 'false',
        HOST: '127.0.0.1',
        PORT: '0',
        JWT_SECRET: 'worker-process-test-secret-0123456789-abcdef',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: main.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) logs.push(JSON.parse(line));
    });
    const started = await waitForLog((l) => l.msg === 'job worker process started');
    // Niced (WORKER_NICE, 10 by default) from the start, before it has loaded a module.
    expect(getPriority(started.pid!)).toBe(10);
    await waitForLog((l) => l.msg === 'worker started');
    process.kill(started.pid!, 'SIGKILL');
    const exited = await waitForLog((l) => /^the job worker process exited/.test(l.msg ?? ''));
    expect(exited).toMatchObject({ pid: started.pid, signal: 'SIGKILL', restartInMs: 500 });
    expect(exited.msg).toContain('restarting it in 500 ms');
    const again = await waitForLog((l) => l.msg === 'job worker process started' && l.pid !== started.pid);
    // The worker's own line (its logger has no pid): a second one, from the new process.
    await waitForLog((l) => l.msg === 'worker started' && logs.filter((x) => x.msg === 'worker started').length >= 2);
    expect(() => process.kill(again.pid!, 0)).not.toThrow();
    expect(getPriority(again.pid!)).toBe(10);
  }, 40_000);
});
