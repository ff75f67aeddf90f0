// Real worker processes (src/worker.ts) for the tests that kill them: forked with a test's
// environment, started once they say they are ready, killed with SIGKILL, and every one still
// running ended by stopAll (afterAll).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

export type WorkerProcesses = {
  /** A new worker, once it has said it is ready; throws if it exits before. */
  start(): Promise<ChildProcess>;
  /** SIGKILL, and wait until it has exited. */
  kill(child: ChildProcess): Promise<void>;
  /** Kill every worker still running. */
  stopAll(): Promise<void>;
};

/**
 * `env` is read at each start (a test's harness and mocks exist only after beforeAll); it comes on
 * top of the test defaults: NODE_ENV=test, the test log level, a 10 s heartbeat, 1 s supervision.
 */
export function workerProcesses(
  env: () => NodeJS.ProcessEnv,
  { stdout = 'inherit' }: { stdout?: 'inherit' | 'ignore' } = {},
): WorkerProcesses {
  const children = new Set<ChildProcess>();

  async function start(): Promise<ChildProcess> {
    const child = fork(WORKER, [], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        WORKER_HEARTBEAT_SECONDS: '10',
        WORKER_SUPERVISE_SECONDS: '1',
        JWT_SECRET: 'crash-test-secret-crash-test-secret-0123456789',
        ...env(),
      },
      stdio: ['ignore', stdout, 'inherit', 'ipc'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    const [message] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(() => [{ exited: true }]),
    ])) as [{ ready?: boolean }];
    if (!message.ready) throw new Error('the worker process exited before it was ready');
    return child;
  }

  async function kill(child: ChildProcess) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async function stopAll() {
    for (const child of [...children]) await kill(child);
  }

  return { start, kill, stopAll };
}

/**
 * The teardown of a suite with worker processes: after its tests, every worker still running is
 * killed first (none may write to a closed database), then each of `opened()` (the harness, the
 * mocks the workers call) is closed, in that order.
 */
export function stopAllAfterAll(
  workers: WorkerProcesses,
  opened: () => ({ close(): Promise<unknown> } | undefined)[],
): void {
  afterAll(async () => {
    await workers.stopAll();
    for (const resource of opened()) await resource?.close();
  });
}
