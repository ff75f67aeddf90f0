// Retrying one provider call: 429, 5xx, timeouts and connection resets are retried with exponential
// backoff and full jitter (a random wait in [0, min(cap, base × 2^attempt)]), never sooner than the
// provider's Retry-After; anything else fails at once. The caller learns how many attempts were spent.
//
// A 429 is not a failed attempt: the provider did not look at the customer, it asked us to come back
// later, and usually because of our own pace (or another client's). It delays the customer (Retry-After,
// or the same backoff), tells the bucket to slow down, and spends none of the customer's attempts;
// only 5xx, timeouts, dropped connections and unreadable answers do. A provider that
// refuses one customer MAX_RATE_LIMITED times in a row is broken rather than busy: that customer fails
// as rate_limited, and retryFailedRecommendations can run it again later.
import { sleep } from './token-bucket.ts';

export const FAILURE_REASONS = [
  'rate_limited',
  'server_error',
  'timeout',
  'connection_reset',
  'rejected',
  'invalid_response',
  'worker_error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** A failed provider call, classified. */
export class ProviderCallError extends Error {
  readonly reason: FailureReason;
  readonly retryable: boolean;
  readonly retryAfterMs: number | null;
  constructor(
    reason: FailureReason,
    message: string,
    options: { retryable?: boolean; retryAfterMs?: number | null } = {},
  ) {
    super(message);
    this.name = 'ProviderCallError';
    this.reason = reason;
    this.retryable = options.retryable ?? reason !== 'rejected';
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

export type RetryPolicy = { maxAttempts: number; baseMs: number; maxMs: number; random?: () => number };

export type Attempted<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: ProviderCallError; attempts: number };

// Retry-After is the provider's word, but one absurd header must not park a customer for hours.
const MAX_RETRY_AFTER_MS = 10 * 60_000;

export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | null): number {
  const random = policy.random ?? Math.random;
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  const jitter = Math.floor(random() * ceiling);
  return retryAfterMs === null ? jitter : Math.max(jitter, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

export const MAX_RATE_LIMITED = 500;

/**
 * Runs `call` until it succeeds, fails permanently, or maxAttempts attempts were spent (429s spend
 * none: `onRateLimited` hears of each). Aborts with the signal.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  call: (attempt: number) => Promise<T>,
  signal?: AbortSignal,
  onRateLimited?: () => void,
): Promise<Attempted<T>> {
  let refusedInARow = 0;
  for (let attempt = 1; ; ) {
    try {
      return { ok: true, value: await call(attempt), attempts: attempt };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const error =
        err instanceof ProviderCallError
          ? err
          : new ProviderCallError('invalid_response', (err as Error).message, { retryable: false });
      if (error.reason === 'rate_limited' && error.retryable) {
        onRateLimited?.();
        if (++refusedInARow >= MAX_RATE_LIMITED) return { ok: false, error, attempts: attempt };
        await sleep(backoffMs(policy, Math.min(refusedInARow, 8), error.retryAfterMs), signal);
        continue;
      }
      refusedInARow = 0;
      if (!error.retryable || attempt >= policy.maxAttempts) return { ok: false, error, attempts: attempt };
      await sleep(backoffMs(policy, attempt, error.retryAfterMs), signal);
      attempt++;
    }
  }
}

/** Retry-After as seconds or an HTTP date → milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
