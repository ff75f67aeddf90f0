// The response cache's storage and invalidation: the `Cache` that @graphql-yoga/plugin-response-cache
// calls, plus `invalidateEntities` / `invalidateTypes` for writes made outside GraphQL mutations.
//
// Invalidation by tag versions, with no KEYS/SCAN and no sets to maintain. Each stored answer records
// the version of every tag it depends on; a write stamps its tags with a new version, so every answer
// holding them stops matching, on every instance. Tags:
//   g                  everything (bumped after this instance lost an invalidation while Redis was away)
//   t:<org>:<Type>     every answer of the organization that may contain a <Type> (bulk writes, imports)
//   l:<org>:<Type>     answers that list <Type>s (bumped by any write of a <Type>: membership and order change)
//   e:<Type>:<id>      answers that contain this entity outside a list of its type (a batch list's growers)
//   w:<org>            answers holding derived values (totals, reconciliations, roll-ups: non-entity types
//                      computed from rows the cache cannot see): bumped by every write in the organization
//   d:<Type>           answers holding that derived type, in every organization (a roll-up refreshed for all)
import { createHash, randomBytes } from 'node:crypto';
import type { Cache } from '@graphql-yoga/plugin-response-cache';
import type { ExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import { encodeGlobalId } from '../lib/global-id.ts';
import { withDeadline, type Deadlined } from '../lib/timeout.ts';
import type { OperationFacts } from './operation-facts.ts';
import type { CacheStore } from './store.ts';

export const tags = {
  global: 'g',
  type: (organizationId: number, typename: string) => `t:${organizationId}:${typename}`,
  list: (organizationId: number, typename: string) => `l:${organizationId}:${typename}`,
  entity: (typename: string, globalId: string | number) => `e:${typename}:${globalId}`,
  writes: (organizationId: number) => `w:${organizationId}`,
  derived: (typename: string) => `d:${typename}`,
};

/** On a result: served from the cache (HIT) or offered to it (MISS), with the ETag of its body. */
export const CACHE_INFO = Symbol.for('harvest-graph.response-cache.info');
/** On a result, before it is offered to the cache: what its tags are made from. */
export const CACHE_META = Symbol.for('harvest-graph.response-cache.meta');

/** `stored` (MISS only) settles once the answer is written, or known not to be. */
export type CacheInfo = { status: 'HIT' | 'MISS'; etag: string; stored?: Promise<void> };
export type CacheMeta = {
  organizationId: number;
  facts: OperationFacts;
  startClock: number | undefined;
  noStore: boolean;
};

/** Keys are made by src/http/use-response-cache.ts: "<organization id>:<sha256 hex>". */
export const CACHE_KEY = /^\d+:[0-9a-f]{64}$/;

/** What the plugin reports for each object in an answer. */
type CacheEntityRecord = { typename: string; id?: number | string };

type StoredEntry = { t: string[]; v: string[]; e: string; r: ExecutionResult };

export type ResponseCache = Omit<Cache, 'get'> & {
  get(key: string): Promise<ExecutionResult | undefined>;
  readonly storeKind: CacheStore['kind'];
  /** The invalidation clock, read before an operation runs; undefined when the store is unavailable. */
  startClock(): Promise<number | undefined>;
  /** Bumps tags; false when the store did not answer (the loss is repaired when it comes back). */
  invalidateTags(tagList: readonly string[]): Promise<boolean>;
  /** Resolves when every invalidation started so far has finished (a mutation's answer waits for it). */
  settled(): Promise<void>;
  /**
   * The next get(key) answers "miss" without asking the store. The plugin looks a key up twice per
   * request (before parsing and before executing); a request that just missed skips the second. Should
   * another request with the same key take the skip instead, it only misses once more.
   */
  skipNextLookup(key: string): void;
};

export type ResponseCacheOptions = {
  log: Logger;
  /** How long a request waits on the store before going on without it (REDIS_TIMEOUT_MS). */
  timeoutMs: number;
  /** No answer is kept longer than this, whatever TTL the plugin asks for. */
  maxTtlMs: number;
  /** After two timeouts in a row, the store is left alone this long: lookups are misses at once. */
  pauseMs?: number;
  /** Shared with the rate limits (src/limits/redis-guard.ts): a stall one of them saw is skipped by all. */
  redisHealth?: { skip(): boolean; trouble(reason: string): void };
};

export function createResponseCache(store: CacheStore, options: ResponseCacheOptions): ResponseCache {
  const { log, timeoutMs, maxTtlMs } = options;
  const pauseMs = options.pauseMs ?? 1_000;
  // Versions outlive the answers that record them; when one expires anyway, its answers only miss.
  const tagTtlMs = 2 * maxTtlMs + 60_000;
  const pending = new Set<Promise<unknown>>();
  const skipLookup = new Set<string>();
  let pausedUntil = 0;
  let lostInvalidations = false;
  let recovering: Promise<boolean> | undefined;
  let lastWarning = 0;

  let timeouts = 0;
  function trouble(op: string, result: Deadlined<unknown>) {
    // A refused command fails at once (no offline queue) and costs nothing; a stalled store costs the
    // full timeout each time, so after two in a row it is left alone for a while.
    if (!result.ok && result.reason === 'timeout' && ++timeouts >= 2) pausedUntil = Date.now() + pauseMs;
    if (!result.ok && result.reason === 'timeout')
      options.redisHealth?.trouble(`response cache ${op}: no answer in time`);
    if (Date.now() - lastWarning < 10_000) return;
    lastWarning = Date.now();
    const err = result.ok ? undefined : (result.error as Error | undefined)?.message;
    log.warn(
      { op, reason: result.ok ? undefined : result.reason, err },
      'response cache store is not answering: serving without it',
    );
  }

  async function attempt<T>(op: string, run: () => Promise<T>): Promise<Deadlined<T>> {
    // Memory answers at once; the deadline only matters for a store across the network.
    const result = await withDeadline(run(), store.kind === 'memory' ? 60_000 : timeoutMs);
    if (result.ok) timeouts = 0;
    else trouble(op, result);
    return result;
  }

  /** Invalidations this instance could not deliver are repaired by one bump of `g` before anything is read. */
  function recover(): Promise<boolean> {
    recovering ??= attempt('recover', () => store.bump([tags.global], tagTtlMs))
      .then((r) => {
        if (r.ok) {
          lostInvalidations = false;
          log.info('response cache store is back: every cached answer from before was dropped');
        }
        return r.ok;
      })
      .finally(() => {
        recovering = undefined;
      });
    return recovering;
  }

  async function call<T>(op: string, run: () => Promise<T>): Promise<Deadlined<T>> {
    if (Date.now() < pausedUntil || (store.kind !== 'memory' && options.redisHealth?.skip()))
      return { ok: false, reason: 'error' };
    if (lostInvalidations && !(await recover())) return { ok: false, reason: 'error' };
    return attempt(op, run);
  }

  async function get(key: string): Promise<ExecutionResult | undefined> {
    // The plugin also calls get() with a client's If-None-Match value; our ETags are not keys.
    if (!CACHE_KEY.test(key) || skipLookup.delete(key)) return undefined;
    const found = await call('get', () => store.getEntry(key));
    if (!found.ok || !found.value) return undefined;
    let entry: StoredEntry;
    try {
      entry = JSON.parse(found.value) as StoredEntry;
    } catch {
      return undefined;
    }
    const current = await call('get', () => store.getVersions(entry.t));
    if (!current.ok) return undefined;
    // A missing version (expired, evicted) counts as changed.
    if (current.value.some((v, i) => v === null || v !== entry.v[i])) return undefined;
    const info: CacheInfo = { status: 'HIT', etag: entry.e };
    return { ...entry.r, [CACHE_INFO]: info } as ExecutionResult;
  }

  async function keep(key: string, body: string, etag: string, tagList: string[], startClock: number, ttlMs: number) {
    const current = await call('set', () => store.getVersions(tagList));
    if (!current.ok) return;
    const first = `i${randomBytes(8).toString('hex')}`;
    const versions: string[] = [];
    const initial: [string, string][] = [];
    for (const [i, version] of current.value.entries()) {
      // Stamped after this operation started reading: its answer may predate the write. Not kept.
      if (version !== null && /^\d+$/.test(version) && Number(version) > startClock) return;
      if (version === null) initial.push([tagList[i], first]);
      versions.push(version ?? first);
    }
    const entry = `{"t":${JSON.stringify(tagList)},"v":${JSON.stringify(versions)},"e":${JSON.stringify(etag)},"r":${body}}`;
    await call('set', () => store.putEntry(key, entry, ttlMs, initial, tagTtlMs));
  }

  function set(key: string, result: ExecutionResult, entities: Iterable<CacheEntityRecord>, ttl: number): void {
    const meta = (result as Record<symbol, unknown>)[CACHE_META] as CacheMeta | undefined;
    const ttlMs = Math.min(ttl, maxTtlMs);
    if (!CACHE_KEY.test(key) || !meta || meta.noStore || meta.startClock === undefined || !(ttlMs > 0)) return;
    const { http: _http, ...extensions } = (result.extensions ?? {}) as Record<string, unknown>;
    const body = JSON.stringify({ ...result, extensions: Object.keys(extensions).length ? extensions : undefined });
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    const tagList = tagsOf(meta, entities);
    const stored = keep(key, body, etag, tagList, meta.startClock, Math.round(ttlMs)).catch((err: Error) =>
      log.warn({ err: err.message }, 'response cache: storing an answer failed'),
    );
    const info: CacheInfo = { status: 'MISS', etag, stored };
    (result as Record<symbol, unknown>)[CACHE_INFO] = info;
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    pending.add(promise);
    promise.finally(() => pending.delete(promise)).catch(() => {});
    return promise;
  }

  async function invalidateTags(tagList: readonly string[]): Promise<boolean> {
    if (!tagList.length) return true;
    const result = await call('invalidate', () => store.bump(tagList, tagTtlMs));
    if (!result.ok) lostInvalidations = true;
    return result.ok;
  }

  return {
    storeKind: store.kind,
    get,
    set,
    invalidate(entities) {
      const tagList = [...entities].filter((e) => e.id != null).map((e) => tags.entity(e.typename, e.id!));
      return track(invalidateTags([...new Set(tagList)])).then(() => undefined);
    },
    async startClock() {
      const clock = await call('clock', () => store.getClock());
      return clock.ok ? clock.value : undefined;
    },
    invalidateTags: (tagList) => track(invalidateTags(tagList)),
    async settled() {
      await Promise.all(pending);
    },
    skipNextLookup(key) {
      if (skipLookup.size > 1_000) skipLookup.clear();
      skipLookup.add(key);
    },
  };
}

function tagsOf(meta: CacheMeta, entities: Iterable<CacheEntityRecord>): string[] {
  const { organizationId, facts } = meta;
  const listed = new Set(facts.listTypes);
  const out = new Set<string>([tags.global]);
  for (const t of facts.entityTypes) out.add(tags.type(organizationId, t));
  for (const t of listed) out.add(tags.list(organizationId, t));
  if (facts.derivedTypes.length) out.add(tags.writes(organizationId));
  for (const t of facts.derivedTypes) out.add(tags.derived(t));
  // Rows of a listed type are covered by its list tag: every write of that type bumps it.
  for (const e of entities) if (e.id != null && !listed.has(e.typename)) out.add(tags.entity(e.typename, e.id));
  return [...out];
}

// ---- writes outside GraphQL mutations ---------------------------------------------------------

type HasCache = { responseCache: ResponseCache };

/**
 * Call after changing rows outside a GraphQL mutation (imports, jobs, seeds): cached answers that
 * contain these entities, and lists of their types in the organization, are dropped on every
 * instance. `id` is the database id. Never throws: when Redis is away the loss is repaired later.
 */
export function invalidateEntities(
  deps: HasCache,
  organizationId: number,
  entities: readonly { typename: string; id: string | number }[],
): Promise<boolean> {
  const tagList = new Set<string>([tags.writes(organizationId)]);
  for (const { typename, id } of entities) {
    tagList.add(tags.entity(typename, encodeGlobalId(typename, id)));
    tagList.add(tags.list(organizationId, typename));
  }
  return deps.responseCache.invalidateTags([...tagList]);
}

/** Bulk form: every cached answer of the organization that may contain one of these types is dropped. */
export function invalidateTypes(
  deps: HasCache,
  organizationId: number,
  typenames: readonly string[],
): Promise<boolean> {
  return deps.responseCache.invalidateTags([
    tags.writes(organizationId),
    ...typenames.map((t) => tags.type(organizationId, t)),
  ]);
}

/**
 * For jobs that recompute derived values of every organization at once (a roll-up refresh): cached
 * answers holding these non-entity types ("DailyIntake") are dropped everywhere.
 */
export function invalidateDerived(deps: HasCache, typenames: readonly string[]): Promise<boolean> {
  return deps.responseCache.invalidateTags(typenames.map((t) => tags.derived(t)));
}
