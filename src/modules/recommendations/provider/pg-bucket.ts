// The provider's rate limit shared by every worker through PostgreSQL, for deployments without Redis
// (the zero-setup start among them): the database is the one thing all workers already share.
//
// The row of a provider holds its next free call slot (GCRA: the "theoretical arrival time", epoch ms
// on the database clock). A worker *leases* k slots in one statement: the slots start at
// max(next slot, now) and are spaced 1/rate apart, and the row moves past them. Slots of different
// leases never overlap, so all workers together start at most `rate` calls in any second, whatever
// their number; and the database sees rate/k statements a second (k is sized to ~200 ms of calls:
// five a second), not one per call. A lease a worker cannot use (it crashed, or ran out of work) is
// just unused capacity, never extra calls.
//
// Slots are times on the database's clock. Each lease also tells us the database's now, which fell
// somewhere between our request and its answer: that bounds the offset between the two clocks, and
// the bounds of every lease intersect (NTP's filter), so the estimate is as tight as the fastest round
// trip seen. A call waits until the latest local time its slot can be, so it never starts early; and
// it gives the slot up (taking another) if it would start more than `lateMs` after the earliest, so
// no call starts more than `lateMs` after its slot, whatever a stalled event loop did, and lateness
// cannot bunch calls into a burst (see waitForSlot in token-bucket.ts).
//
// A lease that starts a quiet spell (the row's next slot had passed) leaves its second slot empty: a
// provider without burst counts its windows from the first call it sees, and that call is the one most
// likely to start late (the clock offset is least known at first), so the calls on time after it must
// not fit R + 1 into its first window. Costs one slot per quiet spell.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../../resources.ts';
import type { Pace } from './adaptive-rate.ts';
import { clockOffset, sleep, type TokenBucket } from './token-bucket.ts';

export type PgBucketOptions = {
  key: string;
  /** Spacing of slots and how late after its slot a call may still start. */
  pace: Pace;
  /** Slots leased at most per statement (about 200 ms of calls by default). */
  maxLease?: number;
};

/** Leases `count` slots spaced `intervalMs` apart; answers the first slot and the database's now (epoch ms). */
export async function leaseSlots(
  db: Db,
  key: string,
  count: number,
  intervalMs: number,
): Promise<{ firstMs: number; nowMs: number }> {
  const span = count * intervalMs;
  // clock_timestamp(), not now(): the statement's own time, whatever transaction it might run in.
  const [row] = await db.execute<{ first_ms: number; now_ms: number }>(sql`
    with clock as (select extract(epoch from clock_timestamp())::float8 * 1000 as now_ms)
    insert into provider_rate_buckets as b (key, next_slot_ms, updated_at)
    select ${key}, clock.now_ms + ${span}::float8, now() from clock
    on conflict (key) do update
      set next_slot_ms = greatest(b.next_slot_ms, (select now_ms from clock)) + ${span}::float8, updated_at = now()
    returning b.next_slot_ms - ${span}::float8 as first_ms, (select now_ms from clock) as now_ms`);
  return { firstMs: Number(row.first_ms), nowMs: Number(row.now_ms) };
}

export function pgBucket(
  db: Db,
  options: PgBucketOptions,
  log?: Logger,
): TokenBucket & { readonly statements: number } {
  const maxLease = options.maxLease ?? Math.max(1, Math.round(options.pace.rate.target / 5));
  const horizonMs = Math.max(100, (2_000 * maxLease) / options.pace.rate.target);
  // Each slot as [earliest, latest] on this process's clock (see above).
  const slots: [number, number][] = [];
  let hungry = 0;
  let leasing: Promise<void> | null = null;
  let statements = 0;
  const offset = clockOffset();
  // This worker's last leased slot (latest local time). A full batch of hungry callers leases at
  // once, up to `maxAheadMs` ahead; fewer wait until this worker's slots are less than two leases
  // ahead and then lease together, rather than each leasing one slot a second ahead. A worker that
  // dies takes at most `maxAheadMs` of slots with it (its share of half a second's calls, unused;
  // with a second ahead, a worker SIGKILLed mid-job took 25 of the next second's 50 calls at R = 50).
  let lastSlot = -Infinity;
  const maxAheadMs = Math.max(horizonMs, 500);
  let failures = 0;
  async function lease(): Promise<void> {
    const interval = options.pace.intervalMs();
    // At least two, so that a lease starting a quiet spell can leave its second slot empty (above).
    const count = Math.max(2, Math.min(maxLease, hungry - slots.length));
    try {
      const askedAt = performance.now();
      const { firstMs, nowMs } = await leaseSlots(db, options.key, count, interval);
      offset.observe(askedAt, nowMs, performance.now());
      statements++;
      failures = 0;
      // The first slot is the database's now only when the bucket was idle (a slot a hair after now
      // read as idle just goes unused).
      const quiet = firstMs - nowMs < 0.01;
      for (let i = 0; i < count; i++) if (!(quiet && i === 1)) slots.push(offset.local(firstMs + i * interval));
      lastSlot = slots[slots.length - 1][1];
    } catch (err) {
      // Without the database no call could be stored anyway; wait and ask again rather than guess.
      if (failures++ === 0)
        log?.warn(
          { err: (err as Error).message },
          'provider rate limit: cannot lease call slots from the database; retrying',
        );
      await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
    }
  }

  async function nextSlot(signal?: AbortSignal): Promise<[number, number]> {
    hungry++;
    try {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const now = performance.now();
        const late = options.pace.lateMs();
        while (slots.length && slots[0][0] < now - late) slots.shift();
        const slot = slots.shift();
        if (slot !== undefined) return slot;
        const ahead = lastSlot - now;
        const full = hungry - slots.length >= maxLease;
        if (ahead > maxAheadMs || (!full && ahead > horizonMs)) {
          await sleep(Math.min(50, ahead - (full ? maxAheadMs : horizonMs)), signal);
          continue;
        }
        leasing ??= lease().finally(() => {
          leasing = null;
        });
        await leasing;
      }
    } finally {
      hungry--;
    }
  }

  return {
    shared: true,
    refused: () => options.pace.rate.refused(),
    get statements() {
      return statements;
    },
    async take(signal) {
      for (;;) {
        const [earliest, latest] = await nextSlot(signal);
        await sleep(latest - performance.now(), signal);
        const woke = performance.now();
        options.pace.woke(woke - latest);
        if (woke - earliest <= options.pace.lateMs()) return;
      }
    },
  };
}
