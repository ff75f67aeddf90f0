// Deadlines for promises: the request deadline (src/http/edge.ts), Redis calls, health checks.
export type Deadlined<T> = { ok: true; value: T } | { ok: false; reason: 'timeout' | 'error'; error?: unknown };

/**
 * The one deadline helper: says whether `promise` settled within `ms`, so callers can tell trouble from a value.
 * When the event loop was busy past the deadline, the timer and a reply that already arrived are due
 * together, and timers run first: the timeout waits for one setImmediate, after pending I/O, so only a
 * late reply counts as late, not our own lag.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<Deadlined<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Deadlined<T>>((resolve) => {
    timer = setTimeout(() => setImmediate(() => resolve({ ok: false, reason: 'timeout' })), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): Deadlined<T> => ({ ok: true, value }),
        (error: unknown): Deadlined<T> => ({ ok: false, reason: 'error', error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with `fallback` when `promise` takes longer than `ms` or rejects; never throws. */
export async function withFallback<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  const outcome = await withDeadline(promise, ms);
  return outcome.ok ? outcome.value : fallback;
}
