// Why persisted operations run before the response cache (docs/decisions/0001-yoga-plugin-order.md):
// if the cache ran first, two different persisted operations with the same variables would share one
// cache entry, because the key would be built from an empty document. These tests build a chain around
// yoga's persisted-operations plugin (with a manifest of two operations taking the same variables, open
// to any key), in the right order and in the wrong one. createApp uses the same plugin, wrapped with
// per-partner manifests (src/http/use-persisted-operations.ts), in the right order (src/app.ts).
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import type { Context } from '../context.ts';
import { forAnyContext, requestAuthenticator, type AppPlugin } from '../http/edge.ts';
import { stateOf } from '../http/request-state.ts';
import { useAuth } from '../http/use-auth.ts';
import { useRequestHeaders } from '../http/use-request-headers.ts';
import { useResponseCache, watchedPrincipal } from '../http/use-response-cache.ts';
import { useSqlStats } from '../http/use-sql-stats.ts';
import { FailureLimit } from '../limits/failure-limit.ts';
import { SlidingWindowLimiter } from '../limits/sliding-window.ts';
import { schema } from '../schema/index.ts';
import { startHarness, type Harness, type Tenant } from '../test/harness.ts';

let h: Harness;
let t: Tenant;

const MANIFEST: Record<string, string> = {
  growers: `query G($first: Int!) { growers(first: $first) { edges { node { name } } } }`,
  packhouses: `query P($first: Int!) { packhouses(first: $first) { edges { node { name } } } }`,
};

beforeAll(async () => {
  h = await startHarness({ env: { REDIS_TIMEOUT_MS: '2000' } });
  t = await h.tenant('order');
  await seedPackhouse(h.resources, t.organizationId, { growers: 5, packhouses: 5, batches: 10, quiet: true });
});
afterAll(() => h?.close());

function appWith(order: 'persisted first' | 'cache first') {
  const { config, db, log } = h.resources;
  const persisted = forAnyContext(
    usePersistedOperations({ getPersistedOperation: (id) => MANIFEST[id] ?? null, allowArbitraryOperations: true }),
  );
  const cache = useResponseCache({ cache: h.resources.responseCache, schema, ttlMs: 60_000, log });
  const middle: AppPlugin[] = order === 'persisted first' ? [persisted, cache] : [cache, persisted];
  const signInFailures = new FailureLimit(
    new SlidingWindowLimiter(h.resources.redisGuard, 'order:'),
    'sign-in',
    10,
    60_000,
  );
  return createYoga<Record<string, unknown>, Context>({
    schema,
    plugins: [
      useRequestHeaders({ serverId: 'order', diagnosticHeaders: true }),
      useAuth(requestAuthenticator({ db, config, log })),
      ...middle,
      useSqlStats(),
    ],
    context: ({ request }) => {
      const state = stateOf(request);
      return {
        ...h.resources,
        signInFailures,
        requestId: state.requestId,
        principal: watchedPrincipal(state),
        sqlStats: state.sqlStats,
      };
    },
  });
}

async function run(app: ReturnType<typeof appWith>, id: string) {
  const response = await app.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.partnerKey}` },
    body: JSON.stringify({ variables: { first: 2 }, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }),
  });
  return { status: response.headers.get('x-cache-status'), data: (await response.json()).data };
}

describe('persisted operations and the response cache', () => {
  it('persisted operations first: each operation is cached under its own document', async () => {
    const app = appWith('persisted first');
    const growers = [await run(app, 'growers'), await run(app, 'growers')];
    expect(growers.map((r) => r.status)).toEqual(['MISS', 'HIT']);
    expect(Object.keys(growers[1].data)).toEqual(['growers']);
    const packhouses = [await run(app, 'packhouses'), await run(app, 'packhouses')];
    expect(packhouses.map((r) => r.status)).toEqual(['MISS', 'HIT']);
    expect(Object.keys(packhouses[0].data)).toEqual(['packhouses']);
    expect(Object.keys(packhouses[1].data)).toEqual(['packhouses']);
  });

  it('cache first (the wrong order): nothing is shared between operations, because nothing is cached', async () => {
    const app = appWith('cache first');
    const answers = [
      await run(app, 'growers'),
      await run(app, 'growers'),
      await run(app, 'packhouses'),
      await run(app, 'packhouses'),
    ];
    expect(answers.map((r) => Object.keys(r.data)[0])).toEqual(['growers', 'growers', 'packhouses', 'packhouses']);
    expect(answers.map((r) => r.status)).toEqual(['BYPASS', 'BYPASS', 'BYPASS', 'BYPASS']);
  });
});
