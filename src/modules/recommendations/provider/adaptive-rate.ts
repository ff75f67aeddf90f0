// The rate one worker sends at, between a floor and the rate the provider allows. A 429 means the
// provider saw more than it allows (another client of the same account, a provider that counts
// differently from us, clocks that drift): we slow down at once, then creep back up. Multiplicative
// decrease, additive increase (as TCP does), so a provider that keeps refusing sees us settle below
// its real limit instead of oscillating around it.
//
// Each worker adapts on its own: every worker sending through a shared bucket gets its share of the
// 429s, so they all slow down within a second or so, without one more round trip to share the rate.

export type AdaptiveRateOptions = {
  /** The most we ever send at, calls a second. */
  target: number;
  /** Lowest fraction of target we slow down to (0.2 when not given). */
  floor?: number;
  /**
   * Fraction the rate is multiplied by on a 429 (0.9 when not given), at most once per `holdMs`: one
   * stray 429 (calls bunched by the network) costs little; a provider that keeps refusing sees the
   * rate fall by a tenth every second until it stops.
   */
  decrease?: number;
  /** Fraction of target regained per second without a 429 (0.02 when not given: 1 % per half second). */
  recoverPerSecond?: number;
  /** 429s within this long of the last slow-down are the same overshoot, not a new one (1000 ms). */
  holdMs?: number;
};

export type AdaptiveRate = {
  /** Calls a second to send at now. */
  current(): number;
  /** The provider answered 429. */
  refused(): void;
  readonly target: number;
};

export function createAdaptiveRate(
  options: AdaptiveRateOptions,
  now: () => number = () => performance.now(),
): AdaptiveRate {
  const target = options.target;
  const floor = target * (options.floor ?? 0.2);
  const decrease = options.decrease ?? 0.9;
  const recover = target * (options.recoverPerSecond ?? 0.02);
  const holdMs = options.holdMs ?? 1_000;
  let rate = target;
  let updatedAt = now();
  let slowedAt = -Infinity;
  const current = () => {
    const t = now();
    if (rate < target)
      rate = Math.min(target, rate + (recover * Math.max(0, t - Math.max(updatedAt, slowedAt + holdMs))) / 1000);
    updatedAt = Math.max(updatedAt, t);
    return rate;
  };
  return {
    target,
    current,
    refused() {
      const t = now();
      if (t - slowedAt < holdMs) return;
      rate = Math.max(floor, current() * decrease);
      slowedAt = t;
      updatedAt = t;
    },
  };
}

/**
 * Spacing and allowed lateness of our calls. A call that wakes more than `lateMs()` after its slot
 * gives the slot up (token-bucket.ts), so lateness cannot bunch calls; but on a busy machine timers
 * fire tens of ms late and most slots would be given up. For a provider that counts calls in 1 s
 * windows without burst (`windowLimit` = its R), we therefore follow the lateness we see (a decaying
 * maximum, between `lateMs` and 250 ms) and space calls so that a window holds at most R of them even
 * that late: (1000 + late) / R ms apart. A quiet machine sends at R − 1 a second; a loaded one a few
 * percent slower, instead of wasting most of its slots.
 */
export function createPace(
  options: { rate: AdaptiveRate; lateMs: number; windowLimit?: number },
  now: () => number = () => performance.now(),
) {
  const HALF_LIFE_MS = 10_000;
  let seen = 0;
  let seenAt = now();
  const late = () => {
    if (!options.windowLimit) return options.lateMs;
    const t = now();
    seen *= 0.5 ** ((t - seenAt) / HALF_LIFE_MS);
    seenAt = t;
    return Math.min(250, Math.max(options.lateMs, seen * 1.25));
  };
  return {
    rate: options.rate,
    lateMs: late,
    intervalMs(): number {
      const interval = 1000 / options.rate.current();
      return options.windowLimit ? Math.max(interval, (1000 + late()) / options.windowLimit) : interval;
    },
    /** A caller woke `ms` after the latest its slot could be. */
    woke(ms: number) {
      if (!options.windowLimit || ms <= 0) return;
      late();
      seen = Math.max(seen, Math.min(ms, 250));
    },
  };
}

export type Pace = ReturnType<typeof createPace>;
