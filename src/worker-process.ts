// The job worker of the zero-setup start (`npm start` without DATABASE_URL, or START_WORKER=true):
// src/worker.ts as a child process on the API's database, restarted whenever it dies, so a crashed
// or killed worker does not leave jobs waiting for a person. Restarts back off exponentially (0.5 s,
// 1 s, 2 s … up to 30 s) while the worker keeps dying young, and start over once it has lived a
// minute; each one says so in the log. The chunks the dead worker held run again once their
// heartbeat lapses (WORKER_HEARTBEAT_SECONDS), with the same Idempotency-Keys (provider/wire.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

export type WorkerProcessOptions = {
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  healthyAfterMs?: number;
  /** WORKER_NICE: set on the child as soon as it exists, so its start-up (loading and compiling every module) yields too. */
  nice?: number;
};

export function superviseWorkerProcess(databaseUrl: string, log: Logger, options: WorkerProcessOptions = {}) {
  const firstBackoffMs = options.firstBackoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const healthyAfterMs = options.healthyAfterMs ?? 60_000;
  const script = fileURLToPath(new URL('./worker.ts', import.meta.url));
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let backoffMs = firstBackoffMs;
  let restartTimer: NodeJS.Timeout | undefined;

  const start = () => {
    restartTimer = undefined;
    const startedAt = performance.now();
    const current = fork(script, [], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'inherit' });
    child = current;
    if (options.nice && current.pid !== undefined) {
      try {
        setPriority(current.pid, options.nice);
      } catch {
        // The worker sets its own niceness again once it runs (src/worker.ts).
      }
    }
    log.info({ pid: current.pid, restarts }, 'job worker process started');
    current.on('exit', (code, signal) => {
      if (stopping) return;
      if (performance.now() - startedAt >= healthyAfterMs) backoffMs = firstBackoffMs;
      const wait = backoffMs;
      backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
      restarts++;
      log.warn(
        { pid: current.pid, code, signal, restartInMs: wait, restarts },
        `the job worker process exited (${signal ?? `code ${code}`}); restarting it in ${wait} ms`,
      );
      restartTimer = setTimeout(start, wait);
    });
  };
  start();

  return {
    get pid() {
      return child?.pid;
    },
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      const exit = once(current, 'exit');
      current.kill('SIGTERM');
      // Within the API's own 4 s shutdown budget; a worker checkpoints its chunks on SIGTERM.
      await Promise.race([exit, new Promise((r) => setTimeout(r, 2_500))]);
      if (current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
    },
  };
}
