// Automatic persisted queries (Apollo's and urql's persisted-query links): a client sends only the
// SHA-256 of its query; on PERSISTED_QUERY_NOT_FOUND it sends the query with the hash once, the server
// checks the hash and keeps the text, and from then on the hash alone runs it (a GET, so cacheable).
// Kept per organization, so one tenant's hashes never resolve for another, for APQ_TTL_SECONDS: in
// Redis through Keyv when REDIS_URL is set (shared by every instance), and in a bounded map in this
// process in front of it (a hash names one text forever, so a local copy is never stale). Redis
// trouble only turns a hit into one more round trip: each call waits at most REDIS_TIMEOUT_MS.
// Persisted-only keys never read or write here: they run their manifest and nothing else.
import type { Keyv } from 'keyv';
import { withFallback } from '../../lib/timeout.ts';

/** How long a stored query lives after its last store; clients store it again after a miss. */
export const APQ_TTL_SECONDS = 86_400;
/** Longest query kept (the same cap as registered persisted documents). */
export const APQ_MAX_QUERY_CHARS = 100_000;
const LOCAL_ENTRIES = 10_000;

type Local = { query: string; expiresAt: number };

export class AutomaticPersistedQueries {
  private readonly kv: Keyv | undefined;
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly local = new Map<string, Local>();

  /** `kv` shared between instances (Redis), or undefined for this process only. */
  constructor(options: { kv: Keyv | undefined; timeoutMs: number; ttlSeconds?: number }) {
    this.kv = options.kv;
    this.timeoutMs = options.timeoutMs;
    this.ttlMs = (options.ttlSeconds ?? APQ_TTL_SECONDS) * 1000;
  }

  private static key(organizationId: number, hash: string) {
    return `apq:${organizationId}:${hash}`;
  }

  async find(organizationId: number, hash: string): Promise<string | null> {
    const key = AutomaticPersistedQueries.key(organizationId, hash);
    const found = this.local.get(key);
    if (found && found.expiresAt > Date.now()) {
      // Most recently used last, so the oldest is dropped first.
      this.local.delete(key);
      this.local.set(key, found);
      return found.query;
    }
    if (found) this.local.delete(key);
    if (!this.kv) return null;
    const shared = await withFallback(this.kv.get<string>(key), this.timeoutMs, undefined);
    if (typeof shared !== 'string') return null;
    this.keepLocally(key, shared);
    return shared;
  }

  /** Keeps a query whose hash the caller has already checked; never waits on Redis. */
  remember(organizationId: number, hash: string, query: string): void {
    if (query.length > APQ_MAX_QUERY_CHARS) return;
    const key = AutomaticPersistedQueries.key(organizationId, hash);
    this.keepLocally(key, query);
    void withFallback(this.kv?.set(key, query, this.ttlMs) ?? Promise.resolve(true), this.timeoutMs, false);
  }

  private keepLocally(key: string, query: string) {
    this.local.delete(key);
    if (this.local.size >= LOCAL_ENTRIES) this.local.delete(this.local.keys().next().value!);
    this.local.set(key, { query, expiresAt: Date.now() + this.ttlMs });
  }
}
