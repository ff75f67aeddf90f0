// A task run every `intervalMs` in this process, skipping a turn while the last one still runs, on a
// timer that does not keep the process alive. Scheduled maintenance (the daily intake refresh, the
// prune of expired bookkeeping rows) goes through it; the task handles its own errors.

/** Runs `task` every `intervalMs` (0 or less: never); returns the function that stops it. */
export function repeatEvery(intervalMs: number, task: () => Promise<void>): () => void {
  if (intervalMs <= 0) return () => {};
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
