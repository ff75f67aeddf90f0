// Where the response cache keeps its entries and tag versions: Redis when REDIS_URL is set (shared by
// every instance), else process memory. Both keep the same contract, so the cache logic above them
// (src/cache/response-cache.ts) is written once:
//   - entries and tag versions are plain strings, and every key is written with a TTL;
//   - a missing tag version is never "valid": the cache treats it as changed, so a version that expired
//     or was evicted (Redis maxmemory) can only cause a miss, never a stale hit;
//   - `bump` stamps tags with a fresh value of one monotonic clock, so a reader that noted the clock
//     before it read the database can tell whether a tag changed while it was working.
// node-redis directly rather than Keyv: the protocol needs INCR and multi-key reads and writes in one
// round trip (MGET, MULTI), which Keyv's get/set surface does not offer.
import type { Redis } from '../resources.ts';

export interface CacheStore {
  readonly kind: 'redis' | 'memory';
  getEntry(key: string): Promise<string | null>;
  /** The current invalidation clock (0 when nothing was ever invalidated). */
  getClock(): Promise<number>;
  getVersions(tags: readonly string[]): Promise<(string | null)[]>;
  /** Writes an entry and, in the same round trip, gives missing tags their first version (only if still missing). */
  putEntry(key: string, value: string, ttlMs: number, initialVersions: readonly [string, string][], tagTtlMs: number): Promise<void>;
  /** Stamps every tag with a new clock value; returns it. */
  bump(tags: readonly string[], tagTtlMs: number): Promise<number>;
}

// The clock outlives every tag and entry by far; if it ever expires no version stamped from it is left.
const CLOCK_TTL_MS = 30 * 86_400_000;

export function createRedisStore(redis: Redis, prefix: string): CacheStore {
  const entryKey = (key: string) => `${prefix}rc:r:${key}`;
  const tagKey = (tag: string) => `${prefix}rc:v:${tag}`;
  const clockKey = `${prefix}rc:clock`;
  return {
    kind: 'redis',
    getEntry: (key) => redis.get(entryKey(key)),
    async getClock() {
      return Number((await redis.get(clockKey)) ?? 0);
    },
    async getVersions(tags) {
      return tags.length ? redis.mGet(tags.map(tagKey)) : [];
    },
    async putEntry(key, value, ttlMs, initialVersions, tagTtlMs) {
      const multi = redis.multi();
      for (const [tag, version] of initialVersions) {
        multi.set(tagKey(tag), version, { condition: 'NX', expiration: { type: 'PX', value: tagTtlMs } });
      }
      multi.set(entryKey(key), value, { expiration: { type: 'PX', value: ttlMs } });
      await multi.exec();
    },
    async bump(tags, tagTtlMs) {
      const [clock] = await redis.multi().incr(clockKey).pExpire(clockKey, CLOCK_TTL_MS).exec();
      const version = String(clock);
      if (tags.length) {
        const multi = redis.multi();
        for (const tag of tags) multi.set(tagKey(tag), version, { expiration: { type: 'PX', value: tagTtlMs } });
        await multi.exec();
      }
      return Number(clock);
    },
  };
}

type Stored = { value: string; expiresAt: number };

/** One process only. Entries are capped by total size (oldest dropped first); versions are swept when expired. */
export function createMemoryStore(options: { maxChars?: number } = {}): CacheStore {
  const maxChars = options.maxChars ?? 64 * 1024 * 1024;
  const entries = new Map<string, Stored>();
  let chars = 0;
  const versions = new Map<string, Stored>();
  let clock = 0;
  const read = (map: Map<string, Stored>, key: string): string | null => {
    const found = map.get(key);
    if (!found) return null;
    if (found.expiresAt > Date.now()) return found.value;
    map.delete(key);
    if (map === entries) chars -= found.value.length;
    return null;
  };
  const sweep = () => {
    const now = Date.now();
    for (const [tag, stored] of versions) if (stored.expiresAt <= now) versions.delete(tag);
  };
  let writes = 0;
  return {
    kind: 'memory',
    getEntry: async (key) => read(entries, key),
    getClock: async () => clock,
    getVersions: async (tags) => tags.map((tag) => read(versions, tag)),
    async putEntry(key, value, ttlMs, initialVersions, tagTtlMs) {
      const now = Date.now();
      for (const [tag, version] of initialVersions) {
        if (read(versions, tag) === null) versions.set(tag, { value: version, expiresAt: now + tagTtlMs });
      }
      chars -= entries.get(key)?.value.length ?? 0;
      entries.delete(key);
      entries.set(key, { value, expiresAt: now + ttlMs });
      chars += value.length;
      for (const [oldest, stored] of entries) {
        if (chars <= maxChars) break;
        entries.delete(oldest);
        chars -= stored.value.length;
      }
      if (++writes % 1_000 === 0) sweep();
    },
    async bump(tags, tagTtlMs) {
      const version = String(++clock);
      const expiresAt = Date.now() + tagTtlMs;
      for (const tag of tags) versions.set(tag, { value: version, expiresAt });
      return clock;
    },
  };
}
