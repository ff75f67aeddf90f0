// The Cache contract on both stores, without the app: what is kept, what is dropped, and the two races
// that tag versions exist for (a write during execution, a version that vanished).
import { randomBytes } from 'node:crypto';
import type { ExecutionResult } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type Redis } from '../resources.ts';
import { TEST_REDIS_URL, testConfig } from '../test/harness.ts';
import { encodeGlobalId } from '../lib/global-id.ts';
import { analyzeDocument } from './operation-facts.ts';
import {
  CACHE_INFO,
  CACHE_META,
  createResponseCache,
  invalidateEntities,
  invalidateTypes,
  tags,
  type CacheMeta,
  type ResponseCache,
} from './response-cache.ts';
import { createMemoryStore, createRedisStore, type CacheStore } from './store.ts';
import { parse } from 'graphql';
import { schema } from '../schema/index.ts';
import { cachePolicy } from './policy.ts';

const log = pino({ level: 'silent' });
const ORG = 7;
const grower = encodeGlobalId('Grower', 11);
const facts = analyzeDocument(
  schema,
  parse(`{ batches(first: 2) { edges { node { id grower { id name } } } } }`),
  undefined,
  cachePolicy.private,
);

let redis: Redis;
let prefix: string;
beforeAll(async () => {
  redis = (await createRedis(testConfig({ REDIS_URL: TEST_REDIS_URL }), log))!;
  prefix = `hg_store_test_${randomBytes(4).toString('hex')}:`;
});
afterAll(async () => {
  await redis?.quit();
});

const stores: [string, () => CacheStore][] = [
  ['memory', () => createMemoryStore()],
  ['redis', () => createRedisStore(redis, `${prefix}${randomBytes(4).toString('hex')}:`)],
];

function answer(meta: Partial<CacheMeta> & { startClock: number | undefined }): ExecutionResult {
  const result: ExecutionResult = {
    data: { batches: { edges: [{ node: { id: 'b1', grower: { id: grower, name: 'G' } } }] } },
  };
  const full: CacheMeta = { organizationId: ORG, facts, noStore: false, ...meta };
  (result as Record<symbol, unknown>)[CACHE_META] = full;
  return result;
}
const key = (n: number) => `${ORG}:${n.toString(16).padStart(64, '0')}`;
const entities = [
  { typename: 'Batch', id: 'b1' },
  { typename: 'Grower', id: grower },
];

async function store(cache: ResponseCache, k: string, given?: ExecutionResult) {
  const result = given ?? answer({ startClock: await cache.startClock() });
  cache.set(k, result, entities, 60_000);
  // set() stores in the background; the plugin waits for this promise before answering.
  await (result as Record<symbol, any>)[CACHE_INFO]?.stored;
}

describe.each(stores)('%s store', (_name, makeStore) => {
  const make = () => createResponseCache(makeStore(), { log, timeoutMs: 2_000, maxTtlMs: 60_000 });

  it('keeps an answer, returns it with its ETag, and marks the original as a MISS', async () => {
    const cache = make();
    const result = answer({ startClock: await cache.startClock() });
    await store(cache, key(1), result);
    const hit = (await cache.get(key(1)))!;
    expect(hit.data).toEqual(result.data);
    const info = (hit as Record<symbol, any>)[CACHE_INFO];
    expect(info.status).toBe('HIT');
    expect((result as Record<symbol, any>)[CACHE_INFO]).toMatchObject({ status: 'MISS', etag: info.etag });
  });

  it('an entity write drops answers holding it; a list write drops lists; other organizations are untouched', async () => {
    const cache = make();
    await store(cache, key(2));
    await cache.invalidate([{ typename: 'Grower', id: encodeGlobalId('Grower', 12) }]);
    expect(await cache.get(key(2))).toBeDefined();
    await invalidateEntities({ responseCache: cache }, ORG, [{ typename: 'Grower', id: 11 }]);
    expect(await cache.get(key(2))).toBeUndefined();

    await store(cache, key(3));
    await cache.invalidateTags([tags.list(ORG + 1, 'Batch'), tags.type(ORG + 1, 'Grower')]);
    expect(await cache.get(key(3))).toBeDefined();
    await cache.invalidateTags([tags.list(ORG, 'Batch')]);
    expect(await cache.get(key(3))).toBeUndefined();

    await store(cache, key(4));
    await invalidateTypes({ responseCache: cache }, ORG, ['Grower']);
    expect(await cache.get(key(4))).toBeUndefined();
  });

  it('an answer whose entities were written while it was being computed is not kept', async () => {
    const cache = make();
    const startClock = await cache.startClock();
    await invalidateEntities({ responseCache: cache }, ORG, [{ typename: 'Grower', id: 11 }]);
    const late = answer({ startClock });
    cache.set(key(5), late, entities, 60_000);
    await (late as Record<symbol, any>)[CACHE_INFO].stored;
    expect(await cache.get(key(5))).toBeUndefined();
  });

  it('answers marked noStore, without a start clock, with a TTL of 0 or a foreign key are not kept', async () => {
    const cache = make();
    const clock = await cache.startClock();
    cache.set(key(6), answer({ startClock: clock, noStore: true }), entities, 60_000);
    cache.set(key(7), answer({ startClock: undefined }), entities, 60_000);
    cache.set(key(8), answer({ startClock: clock }), entities, 0);
    cache.set(`none:${key(9)}`, answer({ startClock: clock }), entities, 60_000);
    await new Promise((r) => setTimeout(r, 50));
    for (const k of [key(6), key(7), key(8), `none:${key(9)}`]) expect(await cache.get(k)).toBeUndefined();
  });
});

it('redis: an answer whose tag version disappeared (expired or evicted) is never served', async () => {
  const storePrefix = `${prefix}evict:`;
  const cache = createResponseCache(createRedisStore(redis, storePrefix), { log, timeoutMs: 2_000, maxTtlMs: 60_000 });
  await store(cache, key(10));
  expect(await cache.get(key(10))).toBeDefined();
  await redis.del(`${storePrefix}rc:v:${tags.entity('Grower', grower)}`);
  expect(await cache.get(key(10))).toBeUndefined();
});

it('operation facts: list rows come from connection nodes, nested entities are not lists, mutations name what they write', () => {
  expect(facts.listTypes).toEqual(['Batch']);
  expect(facts.entityTypes.sort()).toEqual(['Batch', 'Grower']);
  expect(facts.touchesPrivate).toBe(false);
  const mutation = analyzeDocument(
    schema,
    parse(`mutation { updateGrower(id: "x", input: {}) { __typename } }`),
    undefined,
    cachePolicy.private,
  );
  expect(mutation).toMatchObject({ operation: 'mutation', writtenTypes: ['Grower'] });
  const viewer = analyzeDocument(schema, parse(`{ viewer { tier } }`), undefined, cachePolicy.private);
  expect(viewer.touchesPrivate).toBe(true);
});
