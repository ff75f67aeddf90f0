// Per-caller query-cost budget as a leaky bucket (the model Shopify's Admin API uses): a bucket holds
// up to `capacity` points and refills at `refillPerSecond`; a query is charged its requested cost
// up front, refused when the bucket holds less, and refunded the difference between requested and
// actual cost when it finishes. Shared through Redis (one hash per caller, updated by one Lua
// script), mirrored into memory, which decides alone while Redis is slow or down.
import { luaScript } from './lua.ts';
import type { RedisGuard } from './redis-guard.ts';

export type Bucket = { capacity: number; refillPerSecond: number };
export type BucketState = { ok: boolean; available: number; retryAfterMs: number };

// KEYS[1] the bucket; ARGV capacity, refill per ms, delta (> 0 charges when it fits, < 0 refunds).
const SCRIPT = luaScript(`
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local delta = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'a', 't')
local avail = cap
if v[1] then avail = math.min(cap, tonumber(v[1]) + math.max(0, now - tonumber(v[2])) * rate) end
local ok = 1
if delta > 0 and avail < delta then ok = 0 else avail = math.min(cap, avail - delta) end
redis.call('HSET', KEYS[1], 'a', tostring(avail), 't', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((cap - avail) / rate) + 1000)
return { ok, tostring(avail) }
`);

export class CostBuckets {
  private readonly guard: RedisGuard;
  private readonly prefix: string;
  private readonly memory = new Map<string, { available: number; at: number }>();
  private lastSweep = Date.now();

  constructor(guard: RedisGuard, prefix: string) {
    this.guard = guard;
    this.prefix = prefix;
  }

  /** Charges `cost` if the bucket holds it; otherwise charges nothing and says when it will. */
  take(key: string, bucket: Bucket, cost: number): Promise<BucketState> {
    return this.apply(key, bucket, cost);
  }

  /** Gives back points charged for work that did not happen (requested minus actual cost). */
  async refund(key: string, bucket: Bucket, points: number): Promise<number> {
    return points > 0 ? (await this.apply(key, bucket, -points)).available : NaN;
  }

  private async apply(key: string, bucket: Bucket, delta: number): Promise<BucketState> {
    const perMs = bucket.refillPerSecond / 1000;
    const reply = (await this.guard.eval(SCRIPT, [this.prefix + key], [bucket.capacity, perMs, delta])) as
      | [number, string]
      | undefined;
    let ok: boolean;
    let available: number;
    if (reply) {
      ok = reply[0] === 1;
      available = Number(reply[1]);
      this.memory.set(key, { available, at: Date.now() });
    } else {
      ({ ok, available } = this.applyInMemory(key, bucket, delta));
    }
    const retryAfterMs = ok ? 0 : Math.ceil((delta - available) / perMs);
    return { ok, available, retryAfterMs };
  }

  private applyInMemory(key: string, bucket: Bucket, delta: number) {
    const now = Date.now();
    this.sweep(now, bucket);
    const state = this.memory.get(key);
    let available = state
      ? Math.min(bucket.capacity, state.available + Math.max(0, now - state.at) * (bucket.refillPerSecond / 1000))
      : bucket.capacity;
    const ok = !(delta > 0 && available < delta);
    if (ok) available = Math.min(bucket.capacity, available - delta);
    this.memory.set(key, { available, at: now });
    return { ok, available };
  }

  /** Forgets buckets that have been full for a while: a missing bucket is a full one. */
  private sweep(now: number, bucket: Bucket) {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    const fullAfterMs = (bucket.capacity / bucket.refillPerSecond) * 1000;
    for (const [key, state] of this.memory) if (now - state.at > fullAfterMs) this.memory.delete(key);
  }
}
