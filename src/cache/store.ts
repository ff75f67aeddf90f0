// Where the response cache keeps its entries and tag versions: Redis when REDIS_URL is set (shared by
// every instance), else process memory. Both keep the same contract, so the cache logic above them
// (src/cache/response-cache.ts) is written once:
//   - entries and tag versions are plain strings, and every key is written with a TTL;
//   - a missing tag version is never "valid": the cache treats it as changed, so a version that expired
//     or was evicted (Redis maxmemory) can only cause a miss, never a stale hit;
//   - `bump` stamps tags with a fresh value of one monotonic clock, so a reader that noted the clock
//     before it read the database can tell whether a tag changed while it was working.
// Cached answers live in Keyv (@keyv/redis over the shared node-redis client, or an in-memory Keyv
// without REDIS_URL); the tag versions and the clock are on the node-redis client beside it, because
// they need INCR, SET NX and multi-key reads (MGET) that Keyv's get/set surface does not offer.
// docs/decisions/0008-response-cache-store.md has the figures behind this split.
import KeyvRedis from '@keyv/redis';
import { Keyv, type Deserialize, type KeyvStoreAdapter, type Serialize } from 'keyv';
import type { Redis } from '../resources.ts';

export interface CacheStore {
  readonly kind: 'redis' | 'memory';
  getEntry(key: string): Promise<string | null>;
  /** The current invalidation clock (0 when nothing was ever invalidated). */
  getClock(): Promise<number>;
  getVersions(tags: readonly string[]): Promise<(string | null)[]>;
  /** Writes an entry and, in the same round trip, gives missing tags their first version (only if still missing). */
  putEntry(
    key: string,
    value: string,
    ttlMs: number,
    initialVersions: readonly [string, string][],
    tagTtlMs: number,
  ): Promise<void>;
  /** Stamps every tag with a new clock value; returns it. */
  bump(tags: readonly string[], tagTtlMs: number): Promise<number>;
}

// The clock outlives every tag and entry by far; if it ever expires no version stamped from it is left.
const CLOCK_TTL_MS = 30 * 86_400_000;

/**
 * Keyv stores { value, expires }. Entries are JSON text already: written as "<expires>|<entry>" they
 * are not escaped into a second JSON document on every store and parsed out of one on every hit.
 */
const entryCodec: { serialize: Serialize; deserialize: Deserialize } = {
  serialize: (data) => `${data.expires ?? ''}|${String(data.value)}`,
  deserialize: <Value>(raw: string) => {
    const bar = raw.indexOf('|');
    return { value: raw.slice(bar + 1) as Value, expires: bar > 0 ? Number(raw.slice(0, bar)) : undefined };
  },
};

function entryKeyv(store: KeyvStoreAdapter | Map<string, unknown>, codec: typeof entryCodec | undefined): Keyv<string> {
  // No Keyv prefix (the keys carry ours); errors reach the cache, which times and reports them.
  return new Keyv<string>({
    store,
    namespace: undefined,
    useKeyPrefix: false,
    throwOnErrors: true,
    serialize: codec?.serialize,
    deserialize: codec?.deserialize,
  });
}

export function createRedisStore(redis: Redis, prefix: string): CacheStore {
  const entries = entryKeyv(new KeyvRedis(redis, { throwOnErrors: true }), entryCodec);
  const entryKey = (key: string) => `${prefix}rc:r:${key}`;
  const tagKey = (tag: string) => `${prefix}rc:v:${tag}`;
  const clockKey = `${prefix}rc:clock`;
  return {
    kind: 'redis',
    getEntry: async (key) => (await entries.get(entryKey(key))) ?? null,
    async getClock() {
      return Number((await redis.get(clockKey)) ?? 0);
    },
    async getVersions(tags) {
      return tags.length ? redis.mGet(tags.map(tagKey)) : [];
    },
    async putEntry(key, value, ttlMs, initialVersions, tagTtlMs) {
      // Sent in the same tick, so node-redis writes both on the connection together.
      const versions = initialVersions.length ? redis.multi() : undefined;
      for (const [tag, version] of initialVersions) {
        versions!.set(tagKey(tag), version, { condition: 'NX', expiration: { type: 'PX', value: tagTtlMs } });
      }
      await Promise.all([versions?.exec(), entries.set(entryKey(key), value, ttlMs)]);
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

/** Keyv's in-memory store, capped by the total size of its entries (oldest dropped first). */
class CappedEntries {
  private readonly map = new Map<string, { value: string; expires?: number }>();
  private readonly maxChars: number;
  private chars = 0;
  constructor(maxChars: number) {
    this.maxChars = maxChars;
  }
  get(key: string) {
    return this.map.get(key);
  }
  set(key: string, data: { value: string; expires?: number }) {
    this.delete(key);
    this.map.set(key, data);
    this.chars += data.value.length;
    for (const oldest of this.map.keys()) {
      if (this.chars <= this.maxChars) break;
      this.delete(oldest);
    }
    return this;
  }
  delete(key: string): boolean {
    const found = this.map.get(key);
    if (!found) return false;
    this.map.delete(key);
    this.chars -= found.value.length;
    return true;
  }
  clear() {
    this.map.clear();
    this.chars = 0;
  }
}

/** One process only: entries in an in-memory Keyv capped by total size; versions swept when expired. */
export function createMemoryStore(options: { maxChars?: number } = {}): CacheStore {
  // No codec: the in-memory store keeps Keyv's { value, expires } objects as they are.
  const entries = entryKeyv(
    new CappedEntries(options.maxChars ?? 64 * 1024 * 1024) as unknown as Map<string, unknown>,
    undefined,
  );
  const versions = new Map<string, Stored>();
  let clock = 0;
  const readVersion = (tag: string): string | null => {
    const found = versions.get(tag);
    if (!found) return null;
    if (found.expiresAt > Date.now()) return found.value;
    versions.delete(tag);
    return null;
  };
  const sweep = () => {
    const now = Date.now();
    for (const [tag, stored] of versions) if (stored.expiresAt <= now) versions.delete(tag);
  };
  let writes = 0;
  return {
    kind: 'memory',
    getEntry: async (key) => (await entries.get(key)) ?? null,
    getClock: async () => clock,
    getVersions: async (tags) => tags.map(readVersion),
    async putEntry(key, value, ttlMs, initialVersions, tagTtlMs) {
      const now = Date.now();
      for (const [tag, version] of initialVersions) {
        if (readVersion(tag) === null) versions.set(tag, { value: version, expiresAt: now + tagTtlMs });
      }
      await entries.set(key, value, ttlMs);
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
