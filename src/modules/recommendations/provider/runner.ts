// Scores a list of customers through a provider. The built-in scorer runs in process, in slices that
// yield to the event loop. The HTTP provider runs calls in parallel, as many as the provider's rate
// × latency needs to stay busy (a bit more, to absorb jitter), each call waiting for a token of the
// bucket every worker shares (Redis when there is one, PostgreSQL otherwise), retried per retry.ts,
// with the customer's Idempotency-Key (wire.ts); each customer ends scored or failed with a reason.
import type { Logger } from 'pino';
import type { Config } from '../../../config.ts';
import type { ProviderKind } from '../../../db/tables/index.ts';
import type { Db, Redis } from '../../../resources.ts';
import { createAdaptiveRate, createPace } from './adaptive-rate.ts';
import { pgBucket } from './pg-bucket.ts';
import { idempotencyKey } from './wire.ts';
import { createHttpProvider, type HttpProvider } from './http-provider.ts';
import { withRetries, type FailureReason, type RetryPolicy } from './retry.ts';
import { recommend, type CatalogCard, type CustomerSpend, type Recommendation } from '../catalog/scoring.ts';
import { bucketKey, redisBucket, type TokenBucket } from './token-bucket.ts';

export type JobCustomer = CustomerSpend & { seq: number };

export type Outcome =
  | { seq: number; customerRef: string; status: 'scored'; recommendations: Recommendation[]; attempts: number }
  | { seq: number; customerRef: string; status: 'failed'; reason: FailureReason; detail: string; attempts: number };

/** In-flight calls that keep a provider of `rate`/s and `latencyMs` busy, with 25% headroom for jitter. */
export function concurrencyFor(rate: number, latencyMs: number, burst: number): number {
  return Math.min(2_000, Math.max(1, Math.ceil(((rate * latencyMs) / 1000) * 1.25) + burst));
}

/**
 * A semaphore whose size follows the provider's latency actually observed (never below the configured
 * one). Its queue is the order calls go in: first come, first served, a retry ahead of customers not
 * tried yet. `fn` calls `began()` once its call leaves (after the rate limit's wait): only the time from
 * there counts as latency. Counting the wait too made the limit grow whenever the rate limit was the
 * bottleneck, until every customer of every chunk was "running" and queued in the bucket instead, in
 * no useful order: a worker's chunks then all reached their last, slowest customers together, and the
 * worker sent almost nothing while it waited for them.
 */
export function createCallLimiter(rate: number, configuredLatencyMs: number, burst: number) {
  let active = 0;
  let observed = configuredLatencyMs;
  const waiters: (() => void)[] = [];
  const limit = () => concurrencyFor(rate, Math.max(configuredLatencyMs, observed), burst);
  const next = () => {
    while (active < limit() && waiters.length) {
      active++;
      waiters.shift()!();
    }
  };
  return {
    get limit() {
      return limit();
    },
    get active() {
      return active;
    },
    /** Calls waiting for a place. */
    get waiting() {
      return waiters.length;
    },
    /** The provider's latency: the configured one, or the observed one when that is longer. */
    get latencyMs() {
      return Math.max(configuredLatencyMs, observed);
    },
    /** `first`: a retry, which waits ahead of customers not tried yet (so retries do not pile up at a job's end). */
    async run<T>(fn: (began: () => void) => Promise<T>, signal: AbortSignal, first = false): Promise<T> {
      if (active < limit()) active++;
      else {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            const i = waiters.indexOf(go);
            if (i >= 0) waiters.splice(i, 1);
            reject(signal.reason);
          };
          const go = () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          };
          if (signal.aborted) return onAbort();
          if (first) waiters.unshift(go);
          else waiters.push(go);
          signal.addEventListener('abort', onAbort, { once: true });
        });
      }
      let started = performance.now();
      try {
        return await fn(() => {
          started = performance.now();
        });
      } finally {
        // Exponentially weighted: follows a provider that slows down within a few dozen calls.
        observed = observed * 0.95 + (performance.now() - started) * 0.05;
        active--;
        next();
      }
    },
  };
}

/**
 * Runs `call`; when it has not answered after `afterMs` and `idle()` says nothing else waits to go out
 * (the end of a chunk or a job), sends it once more, after a slot of the shared rate limit, with the same
 * Idempotency-Key (the caller's `call` carries it). The first answer wins and the other call is
 * cancelled; it fails only when every call sent failed (with the first error seen). A provider that
 * honours the key answers the second call from its ledger, so the customer is still scored once, and a
 * call lost on the way costs about one latency more instead of the timeout, a backoff and a latency:
 * the tail that decides when a job ends. Google's "hedged requests" (The Tail at Scale, 2013).
 */
export function hedged<T>(options: {
  call: (signal: AbortSignal) => Promise<T>;
  afterMs: number;
  idle: () => boolean;
  slot: (signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
  onHedge?: () => void;
}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controllers: AbortController[] = [];
    let running = 0;
    let done = false;
    let firstError: unknown;
    const settle = (finish: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const c of controllers) c.abort(new Error('answered by the other call'));
      finish();
    };
    const launch = (withSlot: boolean) => {
      const controller = new AbortController();
      controllers.push(controller);
      running++;
      const signal = AbortSignal.any([options.signal, controller.signal]);
      (async () => {
        if (withSlot) {
          await options.slot(signal);
          // Counted once it goes out: a hedge whose first call answered during the wait is never sent.
          if (signal.aborted) throw signal.reason;
          options.onHedge?.();
        }
        return options.call(signal);
      })().then(
        (value) => settle(() => resolve(value)),
        (err) => {
          running--;
          if (firstError === undefined) firstError = err;
          if (running === 0) settle(() => reject(firstError));
        },
      );
    };
    const timer = setTimeout(() => {
      if (done || options.signal.aborted || !options.idle()) return;
      launch(true);
    }, options.afterMs);
    launch(false);
  });
}

export type ProviderRuntime = {
  http: {
    provider: HttpProvider;
    bucket: TokenBucket;
    limiter: ReturnType<typeof createCallLimiter>;
    policy: RetryPolicy;
    hedge: boolean;
    /** Calls sent a second time by hedged() (they spend none of the customer's attempts). */
    stats: { hedges: number };
  } | null;
  close(): void;
};

// We aim 1% under the provider's limit, for clocks that do not quite agree.
export const RATE_HEADROOM = 0.99;

/**
 * Our bucket, from the provider's limit: R calls a second with bursts of B (PROVIDER_BURST). Calls
 * bunch when we start late (lateMs × R of them) or when the network or the provider pauses; a
 * provider's token bucket absorbs bunching as long as it stays under B. We start at most a fifth of
 * B at once and allow lateness worth 30% of it, leaving half of B to jitter we cannot see.
 *
 * A provider with no burst (B = 1) counts calls in every 1 s window. There we send one call a second
 * less than R, spaced evenly, and a call may start at most 0.8 of a spacing late: a window then
 * holds at most R calls even when its first call was late and the rest on time, with a fifth of a
 * spacing left for the network's jitter.
 */
export function bucketOptions(rate: number, providerBurst: number) {
  const ratePerSecond =
    providerBurst <= 1 && rate >= 2 ? Math.min(rate * RATE_HEADROOM, rate - 1) : rate * RATE_HEADROOM;
  return {
    ratePerSecond,
    capacity: Math.max(1, Math.floor(providerBurst / 5)),
    lateMs:
      providerBurst <= 1
        ? Math.max(1, Math.floor(800 / ratePerSecond))
        : Math.min(1_000, Math.max(50, Math.floor((300 * providerBurst) / rate))),
  };
}

export function createProviderRuntime(config: Config, db: Db, redis: Redis | undefined, log: Logger): ProviderRuntime {
  const p = config.provider;
  if (!p.url) return { http: null, close() {} };
  const options = bucketOptions(p.rateLimit, p.burst);
  const rate = createAdaptiveRate({ target: options.ratePerSecond });
  const key = bucketKey(config.redis.prefix, p.url);
  // A provider without burst counts 1 s windows: follow our own lateness there (adaptive-rate.ts).
  const pace = createPace({ rate, lateMs: options.lateMs, windowLimit: p.burst <= 1 ? p.rateLimit : undefined });
  const bucket = redis
    ? redisBucket(redis, key, { ...options, rate, pace }, log)
    : pgBucket(db, { key: bucketKey('', p.url), pace }, log);
  const provider = createHttpProvider({ url: p.url, apiKey: p.apiKey, timeoutMs: p.timeoutMs });
  return {
    http: {
      provider,
      bucket,
      limiter: createCallLimiter(p.rateLimit, p.latencyMs, p.burst),
      policy: { maxAttempts: p.maxAttempts, baseMs: p.retryBaseMs, maxMs: p.retryMaxMs },
      hedge: p.hedge,
      stats: { hedges: 0 },
    },
    close: () => provider.close(),
  };
}

export type ScoreInput = {
  kind: ProviderKind;
  customers: JobCustomer[];
  catalog: CatalogCard[];
  /** The job's part of every Idempotency-Key (wire.ts idempotencyPrefix). */
  keyPrefix: string;
  onOutcome(outcome: Outcome): void;
  signal: AbortSignal;
};

export async function scoreCustomers(runtime: ProviderRuntime, input: ScoreInput): Promise<void> {
  if (input.kind === 'builtin') return scoreBuiltin(input);
  if (!runtime.http) {
    for (const c of input.customers) {
      input.onOutcome({
        seq: c.seq,
        customerRef: c.customerRef,
        status: 'failed',
        reason: 'worker_error',
        detail: 'this worker has no PROVIDER_URL configured; set it and retry the failed customers',
        attempts: 0,
      });
    }
    return;
  }
  const http = runtime.http;
  const cardIds = new Map(input.catalog.map((c) => [c.code, { id: c.id ?? 0, name: c.name }]));
  await Promise.all(
    input.customers.map(async (customer) => {
      const key = idempotencyKey(input.keyPrefix, customer.seq);
      const result = await withRetries(
        http.policy,
        (attempt) =>
          http.limiter.run(
            async (began) => {
              await http.bucket.take(input.signal);
              began();
              const call = (signal: AbortSignal) => http.provider.score(customer, cardIds, key, signal);
              if (!http.hedge) return call(input.signal);
              return hedged({
                call,
                // Late: a quarter past the provider's usual latency, and never after the timeout.
                afterMs: Math.min(http.limiter.latencyMs * 1.25, http.provider.timeoutMs * 0.9),
                idle: () => http.limiter.waiting === 0,
                slot: (signal) => http.bucket.take(signal),
                signal: input.signal,
                onHedge: () => http.stats.hedges++,
              });
            },
            input.signal,
            attempt > 1,
          ),
        input.signal,
        () => http.bucket.refused(),
      ).catch((err) => {
        if (input.signal.aborted) return null;
        throw err;
      });
      if (!result) return;
      input.onOutcome(
        result.ok
          ? {
              seq: customer.seq,
              customerRef: customer.customerRef,
              status: 'scored',
              recommendations: result.value,
              attempts: result.attempts,
            }
          : {
              seq: customer.seq,
              customerRef: customer.customerRef,
              status: 'failed',
              reason: result.error.reason,
              detail: result.error.message,
              attempts: result.attempts,
            },
      );
    }),
  );
}

async function scoreBuiltin(input: ScoreInput): Promise<void> {
  const SLICE = 250;
  for (let i = 0; i < input.customers.length; i += SLICE) {
    if (input.signal.aborted) return;
    for (const c of input.customers.slice(i, i + SLICE)) {
      input.onOutcome({
        seq: c.seq,
        customerRef: c.customerRef,
        status: 'scored',
        recommendations: recommend(input.catalog, c),
        attempts: 1,
      });
    }
    // Let heartbeats, flushes and other chunks run between slices.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
