// One token bucket per provider, shared by every worker process through Redis, so N workers together
// never call the provider faster than its limit (without Redis they share it through PostgreSQL:
// pg-bucket.ts). Each call *reserves* a slot: the script moves the provider's next free slot on by
// one spacing and answers how long the caller must wait for its slot. A caller then sleeps exactly
// that long — one Redis round trip per call, no polling herd. While Redis is down a token bucket
// runs in process memory instead. Every bucket sends at the rate of
// its AdaptiveRate, which slows down when the provider answers 429 (adaptive-rate.ts).
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { luaScript, runLua } from '../../../limits/lua.ts';
import type { Redis } from '../../../resources.ts';
import type { AdaptiveRate, Pace } from './adaptive-rate.ts';

export type TokenBucket = {
  /** Resolves when the caller may start one call. Rejects with the signal's reason when aborted. */
  take(signal?: AbortSignal): Promise<void>;
  readonly shared: boolean;
  /** The provider answered 429: send slower for a while. */
  refused(): void;
};

export type BucketOptions = {
  ratePerSecond: number;
  /** When given, the rate sent at follows it (at most ratePerSecond). */
  rate?: AdaptiveRate;
  /** Calls that may start at once. */
  capacity: number;
  /** How late after its slot a call may still start (see waitForSlot); 50 ms when not given. */
  lateMs?: number;
};

// A reservation further out than this is not made; the caller waits and asks again, so an aborted
// burst of callers cannot push the bucket minutes into debt, and a worker that dies takes at most
// this long of its share of the slots with it (they go unused: never extra calls). A quarter of a
// second: with 1 s, a worker SIGKILLed mid-job took half a second of a two-worker job's calls with
// it (25 of the 50 a second at R = 50); each caller further out asks again about once a second.
const MAX_RESERVE_MS = 250;

// A caller that wakes too long after its slot (a stalled event loop, a busy machine) gives the slot
// up and reserves again: otherwise every call a stall delayed goes out at once with the ones on
// time, a burst. Calls at most L late bunch at most L × rate, so L is sized from the burst the
// provider allows (runner.ts), never below 50 ms.
export const DEFAULT_LATE_MS = 50;

/**
 * Sleeps until a reserved slot; false when the caller woke too late to use it. The bucket computed
 * the wait at some moment between `askedAt` and `answeredAt`, so the slot is somewhere in
 * [askedAt + wait, answeredAt + wait]: we sleep to the end of that range (never early) and count
 * lateness from its start (a reply that sat in a stalled event loop counts as late too).
 */
async function waitForSlot(
  askedAt: number,
  answeredAt: number,
  wait: number,
  lateMs: number,
  signal?: AbortSignal,
  pace?: Pace,
): Promise<boolean> {
  await sleep(answeredAt + wait - performance.now(), signal);
  const woke = performance.now();
  pace?.woke(woke - (answeredAt + wait));
  return woke - (askedAt + wait) <= lateMs;
}

// KEYS[1] the next free slot (GCRA's theoretical arrival time, ms on Redis's clock); ARGV: rate per
// second, capacity, max reservation (ms). Returns {wait in ms, or -wait when no slot was reserved
// because it would be further away than the max; Redis's now in ms}. The state is an absolute time,
// not a token count, so slots only move forward even when callers' rates differ or change (our pace
// follows 429s and lateness): with a token count, a debt read at a higher rate than it was made at
// gave new callers slots before the ones already handed out, a burst.
const RESERVE_SCRIPT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = 1000 / tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local slot = math.max(now, tat - (capacity - 1) * interval)
local wait = math.ceil(slot - now)
if wait > maxWait then return {-wait, now} end
local nextSlot = math.max(tat, now) + interval
-- Without burst, the first call after a quiet spell leaves the slot after it empty (see pg-bucket.ts).
if capacity <= 1 and tat <= now then nextSlot = now + 2 * interval end
redis.call('SET', KEYS[1], tostring(nextSlot), 'PX', math.ceil(nextSlot - now) + 60000)
return {wait, now}
`);

/** Bounds on (the shared clock − this process's clock), narrowed by every round trip (NTP's filter). */
export function clockOffset() {
  let lo = -Infinity;
  let hi = Infinity;
  return {
    observe(askedAt: number, dbNow: number, answeredAt: number) {
      const newLo = dbNow - answeredAt;
      const newHi = dbNow - askedAt;
      // Disjoint bounds mean a clock moved (NTP stepped one): start again from this round trip.
      if (newLo > hi || newHi < lo) [lo, hi] = [newLo, newHi];
      else [lo, hi] = [Math.max(lo, newLo), Math.min(hi, newHi)];
    },
    /** [earliest, latest] local time of a database time. */
    local(dbMs: number): [number, number] {
      return [dbMs - hi, dbMs - lo];
    },
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The in-process bucket: same reservation rule, for one process. */
export function memoryBucket(
  options: BucketOptions,
  now: () => number = () => performance.now(),
): TokenBucket & { reserve(): number } {
  let tokens = options.capacity;
  let ts = now();
  const reserve = () => {
    const t = now();
    const rate = currentRate(options);
    const level = Math.min(options.capacity, tokens + ((t - ts) * rate) / 1000) - 1;
    const wait = level < 0 ? Math.ceil((-level * 1000) / rate) : 0;
    if (wait > MAX_RESERVE_MS) return -wait;
    tokens = level;
    ts = t;
    return wait;
  };
  return {
    shared: false,
    reserve,
    refused: () => options.rate?.refused(),
    async take(signal) {
      for (;;) {
        const askedAt = performance.now();
        const wait = reserve();
        if (wait < 0) await sleep(Math.min(-wait - MAX_RESERVE_MS, 1_000), signal);
        else if (await waitForSlot(askedAt, askedAt, wait, options.lateMs ?? DEFAULT_LATE_MS, signal)) return;
      }
    },
  };
}

function currentRate(options: BucketOptions): number {
  return options.rate ? Math.min(options.ratePerSecond, options.rate.current()) : options.ratePerSecond;
}

export function bucketKey(prefix: string, providerUrl: string): string {
  return `${prefix}provider-slots:${createHash('sha256').update(providerUrl).digest('hex').slice(0, 16)}`;
}

/** The shared bucket in Redis, falling back to memory for any call Redis cannot answer. */
export function redisBucket(
  redis: Redis,
  key: string,
  options: BucketOptions & { pace?: Pace },
  log?: Logger,
): TokenBucket {
  const fallback = memoryBucket(options);
  let warned = false;
  const offset = clockOffset();
  const reserve = async (): Promise<[number, number]> => {
    const rate = options.pace
      ? Math.min(options.ratePerSecond, 1000 / options.pace.intervalMs())
      : currentRate(options);
    const [wait, now] = (await runLua(redis, RESERVE_SCRIPT, [key], [rate, options.capacity, MAX_RESERVE_MS])) as [
      number,
      number,
    ];
    return [Number(wait), Number(now)];
  };
  return {
    shared: true,
    refused: () => options.rate?.refused(),
    async take(signal) {
      for (;;) {
        const askedAt = performance.now();
        let wait: number;
        let slot: [number, number];
        try {
          const [w, redisNow] = await reserve();
          offset.observe(askedAt, redisNow, performance.now());
          wait = w;
          // Redis's clock, read within the round trip: [earliest, latest] local time of the slot.
          slot = offset.local(redisNow + Math.max(0, w));
        } catch (err) {
          if (!warned) {
            warned = true;
            log?.warn(
              { err: (err as Error).message },
              'provider rate limit: Redis unavailable, limiting this worker alone until it answers',
            );
          }
          wait = fallback.reserve();
          slot = [askedAt + wait, askedAt + wait];
        }
        if (wait < 0) {
          await sleep(Math.min(-wait - MAX_RESERVE_MS, 1_000), signal);
          continue;
        }
        await sleep(slot[1] - performance.now(), signal);
        const woke = performance.now();
        options.pace?.woke(woke - slot[1]);
        if (woke - slot[0] <= (options.pace?.lateMs() ?? options.lateMs ?? DEFAULT_LATE_MS)) return;
      }
    },
  };
}
