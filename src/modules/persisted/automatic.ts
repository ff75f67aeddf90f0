// Automatic persisted queries (Apollo's and urql's persisted-query links): a client sends only the
// SHA-256 of its query; on PERSISTED_QUERY_NOT_FOUND it sends the query with the hash once, the server
// checks the hash and keeps the text, and from then on the hash alone runs it (a GET, so cacheable).
// Kept per organization, so one tenant's hashes never resolve for another, for APQ_TTL_SECONDS: in
// Redis when REDIS_URL is set (shared by every instance, under REDIS_PREFIX), and in a bounded map in this
// process in front of it (a hash names one text forever, so a local copy is never stale). Redis
// trouble only turns a hit into one more round trip: each call waits at most REDIS_TIMEOUT_MS.
// Persisted-only keys never read or write here: they run their manifest and nothing else.
// node-redis directly, not resources.kv: that Keyv writes every key under "keyv::", whatever
// REDIS_PREFIX says, so two deployments (or test databases) sharing a Redis would share entries.
import { withFallback } from '../../lib/timeout.ts';
import type { Redis } from '../../resources.ts';

/** How long a stored query lives after its last store; clients store it again after a miss. */
export const APQ_TTL_SECONDS = 86_400;
/** Longest query kept (the same cap as registered persisted documents). */
export const APQ_MAX_QUERY_CHARS = 100_000;
/** The in-process copy holds at most this many characters of queries (~32 MB), oldest dropped first. */
const LOCAL_MAX_CHARS = 16 * 1024 * 1024;

type Local = { query: string; expiresAt: number };

export class AutomaticPersistedQueries {
  private readonly redis: Redis | undefined;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly local = new Map<string, Local>();
  private localChars = 0;
  private readonly maxLocalChars: number;

  /** `redis` shared between instances, or undefined for this process only. */
  constructor(options: {
    redis: Redis | undefined;
    prefix?: string;
    timeoutMs: number;
    ttlSeconds?: number;
    maxLocalChars?: number;
  }) {
    this.maxLocalChars = options.maxLocalChars ?? LOCAL_MAX_CHARS;
    this.redis = options.redis;
    this.prefix = options.prefix ?? '';
    this.timeoutMs = options.timeoutMs;
    this.ttlMs = (options.ttlSeconds ?? APQ_TTL_SECONDS) * 1000;
  }

  private key(organizationId: number, hash: string) {
    return `${this.prefix}apq:${organizationId}:${hash}`;
  }

  async find(organizationId: number, hash: string): Promise<string | null> {
    const key = this.key(organizationId, hash);
    const found = this.local.get(key);
    if (found && found.expiresAt > Date.now()) {
      // Most recently used last, so the oldest is dropped first.
      this.local.delete(key);
      this.local.set(key, found);
      return found.query;
    }
    if (found) this.forget(key);
    if (!this.redis?.isReady) return null;
    const shared = await withFallback(this.redis.get(key), this.timeoutMs, null);
    if (typeof shared !== 'string') return null;
    this.keepLocally(key, shared);
    return shared;
  }

  /** Keeps a query whose hash the caller has already checked; never waits on Redis. */
  remember(organizationId: number, hash: string, query: string): void {
    if (query.length > APQ_MAX_QUERY_CHARS) return;
    const key = this.key(organizationId, hash);
    this.keepLocally(key, query);
    if (this.redis?.isReady)
      void withFallback(
        this.redis.set(key, query, { expiration: { type: 'PX', value: this.ttlMs } }),
        this.timeoutMs,
        null,
      );
  }

  private forget(key: string) {
    const found = this.local.get(key);
    if (!found) return;
    this.local.delete(key);
    this.localChars -= found.query.length;
  }

  private keepLocally(key: string, query: string) {
    this.forget(key);
    while (this.local.size && this.localChars + query.length > this.maxLocalChars)
      this.forget(this.local.keys().next().value!);
    this.local.set(key, { query, expiresAt: Date.now() + this.ttlMs });
    this.localChars += query.length;
  }
}
