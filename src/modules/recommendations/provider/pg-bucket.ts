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
// Each slot is converted to this process's clock when the answer arrives, which is never earlier than
// the database's: a call may start late, never early. A call that would start more than `lateMs`
// after its slot (a stalled event loop, a busy machine) gives the slot up and takes another, so
// lateness cannot bunch calls into a burst either (see waitForSlot in token-bucket.ts).
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../../resources.ts';
import type { AdaptiveRate } from './adaptive-rate.ts';
import { sleep, type TokenBucket } from './token-bucket.ts';

export type PgBucketOptions = {
  key: string;
  rate: AdaptiveRate;
  /** How late after its slot a call may still start. */
  lateMs: number;
  /** Slots leased at most per statement (about 200 ms of calls by default). */
  maxLease?: number;
};

/** Leases `count` slots spaced `intervalMs` apart; answers how long until the first, on the database clock. */
export async function leaseSlots(db: Db, key: string, count: number, intervalMs: number): Promise<number> {
  const span = count * intervalMs;
  // clock_timestamp(), not now(): the statement's own time, whatever transaction it might run in.
  const [row] = await db.execute<{ wait_ms: number }>(sql`
    with clock as (select extract(epoch from clock_timestamp()) * 1000 as now_ms)
    insert into provider_rate_buckets as b (key, next_slot_ms, updated_at)
    select ${key}, clock.now_ms + ${span}::float8, now() from clock
    on conflict (key) do update
      set next_slot_ms = greatest(b.next_slot_ms, (select now_ms from clock)) + ${span}::float8, updated_at = now()
    returning (b.next_slot_ms - ${span}::float8 - (select now_ms from clock))::float8 as wait_ms`);
  return Math.max(0, Number(row.wait_ms));
}

export function pgBucket(db: Db, options: PgBucketOptions, log?: Logger): TokenBucket & { readonly statements: number } {
  const maxLease = options.maxLease ?? Math.max(1, Math.round(options.rate.target / 5));
  let slots: number[] = [];
  let hungry = 0;
  let leasing: Promise<void> | null = null;
  let statements = 0;
  let failures = 0;

  async function lease(): Promise<void> {
    const rate = options.rate.current();
    const interval = 1000 / rate;
    const count = Math.min(maxLease, Math.max(1, hungry - slots.length));
    try {
      const wait = await leaseSlots(db, options.key, count, interval);
      statements++;
      failures = 0;
      // The answer's arrival, not the request's: a slot here is never before the database's slot.
      const first = performance.now() + wait;
      for (let i = 0; i < count; i++) slots.push(first + i * interval);
    } catch (err) {
      // Without the database no call could be stored anyway; wait and ask again rather than guess.
      if (failures++ === 0) log?.warn({ err: (err as Error).message }, 'provider rate limit: cannot lease call slots from the database; retrying');
      await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
    }
  }

  async function nextSlot(signal?: AbortSignal): Promise<number> {
    hungry++;
    try {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const now = performance.now();
        while (slots.length && slots[0] < now - options.lateMs) slots.shift();
        const slot = slots.shift();
        if (slot !== undefined) return slot;
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
    refused: () => options.rate.refused(),
    get statements() {
      return statements;
    },
    async take(signal) {
      for (;;) {
        const slot = await nextSlot(signal);
        await sleep(slot - performance.now(), signal);
        if (performance.now() - slot <= options.lateMs) return;
      }
    },
  };
}
