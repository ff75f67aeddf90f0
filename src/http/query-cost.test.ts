// Query cost: hand-computed costs against extensions.cost, refusal before any resolver runs, and the
// per-minute cost budget (leaky bucket) shared by two app instances through Redis.
//
// Cost rules (src/schema/complexity.ts): a field costs 1; a connection costs 1 + size × (its
// children), size = first/last or the default page (50 for lists, 10 nested), at least 1; `edges`
// costs 0; nodes(ids:) costs 1 + ids × children; __typename costs 1 when requested and nothing actual.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isObjectType } from 'graphql';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { createApp, type App } from '../app.ts';
import type { Resources } from '../resources.ts';
import { schema } from '../schema/index.ts';
import { gql, startHarness, type Harness, type Tenant } from '../test/harness.ts';

let h: Harness;
let t: Tenant;
let resolverCalls = 0;

// Counts every resolver call in the schema, independently of the cost code under test.
function countResolvers() {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve!;
      field.resolve = (...args) => {
        resolverCalls += 1;
        return resolve(...args);
      };
    }
  }
}

beforeAll(async () => {
  // REDIS_TIMEOUT_MS 1 s: the budget test checks sharing between instances, and on a busy machine
  // an answer slower than the production 30 ms would send one charge to an instance's memory.
  // Response cache off: repeated queries here must execute. Cached answers have their own test below.
  // Resolver calls are this file's proof that a refused query ran nothing, so reads run them here
  // (COMPILED_READS=off); refusals before the compiled statement: src/compiled/compiled-reads.test.ts.
  h = await startHarness({
    redis: true,
    env: {
      COST_BUCKET_REFILL_SECONDS: '3600',
      REDIS_TIMEOUT_MS: '1000',
      RESPONSE_CACHE_TTL_SECONDS: '0',
      COMPILED_READS: 'off',
    },
  });
  t = await h.tenant('costs');
  await seedPackhouse(h.resources, t.organizationId, { growers: 10, packhouses: 3, batches: 120, quiet: true });
  countResolvers();
});
afterAll(() => h?.close());
beforeEach(() => {
  resolverCalls = 0;
});

const WIDE_BATCH =
  'id code fruitType status harvestDate intakeDate grossWeightKg netWeightKg createdAt updatedAt grower { name }';

type Row = {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  auth?: 'partner' | 'internal' | 'member';
  requested: number;
  actual?: number;
};

const TABLE: Row[] = [
  { name: 'typename only', query: '{ __typename }', requested: 1, actual: 0 },
  { name: 'one object, one field', query: '{ viewer { tier } }', requested: 2, actual: 2 },
  {
    name: 'scalar list and nested object',
    query: '{ viewer { tier scopes organization { name slug } } }',
    requested: 6,
    actual: 6,
  },
  { name: 'first: 10', query: '{ batches(first: 10) { edges { node { code } } } }', requested: 1 + 10 * 2, actual: 21 },
  { name: 'default page of 50', query: '{ batches { edges { node { code } } } }', requested: 1 + 50 * 2, actual: 101 },
  // 200 asked for, 120 exist: requested counts the page, actual the rows.
  {
    name: 'first from a variable',
    query: 'query($n: Int) { batches(first: $n) { edges { node { code } } } }',
    variables: { n: 200 },
    requested: 401,
    actual: 1 + 120 * 2,
  },
  {
    name: 'first: 0 still costs one row',
    query: '{ batches(first: 0) { pageInfo { hasNextPage } } }',
    requested: 1 + 1 * 2,
    actual: 3,
  },
  // pageInfo is multiplied in requested (Pothos multiplies all children) but resolves once.
  {
    name: 'last: 5 with cursors and pageInfo',
    query: '{ batches(last: 5) { edges { cursor node { code status } } pageInfo { hasPreviousPage startCursor } } }',
    requested: 1 + 5 * (4 + 3),
    actual: 1 + 5 * 4 + 3,
  },
  {
    name: 'nested first: 5 × first: 3',
    query:
      '{ growers(first: 5) { edges { node { name batches(first: 3) { edges { node { code packhouse { name } } } } } } } }',
    requested: 1 + 5 * (2 + 1 + 3 * 4),
    actual: 76,
  },
  {
    name: 'nested default pages 50 × 10',
    query: '{ growers { edges { node { batches { edges { node { code } } } } } } }',
    requested: 1 + 50 * (1 + 1 + 10 * 2),
  },
  {
    name: 'nested sizes from variables',
    query:
      'query($g: Int!, $b: Int!) { growers(first: $g) { edges { node { batches(first: $b) { edges { node { code } } } } } } }',
    variables: { g: 5, b: 3 },
    requested: 1 + 5 * (1 + 1 + 3 * 2),
    actual: 41,
  },
  {
    name: 'two aliased lists add up',
    query: '{ a: batches(first: 2) { edges { node { code } } } b: batches(first: 3) { edges { node { code } } } }',
    requested: 5 + 7,
    actual: 12,
  },
  {
    name: 'fragment spread',
    query: '{ batches(first: 4) { edges { node { ...F } } } } fragment F on Batch { code grower { name } }',
    requested: 1 + 4 * 4,
    actual: 17,
  },
  {
    name: 'node(id) sums every inline fragment',
    query: 'query($id: ID!) { node(id: $id) { id ... on Batch { code } ... on Grower { name region } } }',
    requested: 1 + 1 + 1 + 2,
    actual: 3,
  },
  {
    name: 'nodes(ids) costs per id',
    query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Batch { code } } }',
    requested: 1 + 3 * 2,
    actual: 7,
  },
  {
    name: 'mutation with a result union',
    query:
      'mutation { createPackhouse(input: { name: "Cost Shed" }) { __typename ... on MutationCreatePackhouseSuccess { data { id name } } } }',
    requested: 1 + 1 + 3,
    actual: 4,
  },
  {
    name: 'admin list (internal key)',
    query: '{ apiKeys(first: 5) { edges { node { name scopes } } } }',
    auth: 'internal',
    requested: 1 + 5 * 3,
  },
  {
    name: 'introspection is one field',
    query: '{ __schema { queryType { name } } }',
    auth: 'internal',
    requested: 1,
    actual: 0,
  },
  {
    name: '500 wide rows: over a user budget, within a partner one',
    query: `{ batches(first: 500) { edges { node { ${WIDE_BATCH} } } } }`,
    requested: 1 + 500 * 13,
    actual: 1 + 120 * 13,
  },
];

describe('requested and actual cost', () => {
  it('match the hand-computed costs of 19 queries', async () => {
    const ids = (
      await h.gql('{ batches(first: 3) { edges { node { id } } } }', { auth: t.partnerKey })
    ).body.data.batches.edges.map((e: any) => e.node.id);
    const variablesFor = (row: Row) => ({ id: ids[0], ids, ...row.variables });
    // Own keys: each has a full cost budget whatever ran before.
    const keys = {
      partner: await t.key(['read', 'write']),
      internal: await t.key(['read', 'admin'], { kind: 'internal' }),
      member: t.memberToken,
    };
    const seen = [];
    for (const row of TABLE) {
      const r = await h.gql(row.query, { auth: keys[row.auth ?? 'partner'], variables: variablesFor(row) });
      expect(r.body.errors, row.name).toBeUndefined();
      seen.push({
        name: row.name,
        requested: r.body.extensions?.cost.requested,
        actual: row.actual === undefined ? undefined : r.body.extensions?.cost.actual,
      });
    }
    expect(seen).toEqual(TABLE.map((row) => ({ name: row.name, requested: row.requested, actual: row.actual })));
  });

  it('every executed operation reports its cost, limit and budget', async () => {
    const r = await h.gql('{ viewer { tier } }', { auth: t.partnerKey });
    expect(r.body.extensions?.cost).toMatchObject({
      requested: 2,
      actual: 2,
      limit: 10_000,
      throttleStatus: { maximumAvailable: 10_000, restoreRate: 10_000 / 3600 },
    });
  });
});

describe('budget per key', () => {
  it("scales with the key's own rate limit", async () => {
    // The harness allows 1,000,000 requests a minute by default: this key has ten times that.
    const key = await t.key(['read'], { rateLimitPerMinute: 10_000_000 });
    const r = await h.gql('{ viewer { tier } }', { auth: key });
    expect(r.body.extensions?.cost.throttleStatus).toMatchObject({
      maximumAvailable: 100_000,
      restoreRate: 100_000 / 3600,
    });
  });
});

describe('over the per-query limit', () => {
  const refusedBeforeResolvers = async (
    query: string,
    auth: string,
    limit: number,
    requested: number,
    variables?: object,
  ) => {
    const r = await h.gql(query, { auth, variables: variables as Record<string, unknown> });
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: requested, limit });
    expect(r.body.errors?.[0].message).toContain(`${limit}`);
    expect(r.body.extensions?.cost).toMatchObject({ requested, actual: 0, limit });
    expect(resolverCalls).toBe(0);
    expect(r.statements).toBe(0);
  };

  it('is refused with the cost and the limit, and no resolver runs', async () => {
    await refusedBeforeResolvers(
      '{ growers(first: 500) { edges { node { batches(first: 100) { edges { node { code } } } } } } }',
      t.partnerKey,
      10_000,
      1 + 500 * 202,
    );
    await refusedBeforeResolvers(
      '{ growers(first: 500) { edges { node { batches(first: 100) { edges { node { code } } } } } } }',
      t.internalKey,
      50_000,
      1 + 500 * 202,
    );
  });

  it('limits follow the client tier: 6,501 is too much for a user, fine for a partner', async () => {
    const query = `{ batches(first: 500) { edges { node { ${WIDE_BATCH} } } } }`;
    await refusedBeforeResolvers(query, t.memberToken, 5_000, 6_501);
    const partner = await h.gql(query, { auth: await t.key(['read']) });
    expect(partner.body.errors).toBeUndefined();
    expect(resolverCalls).toBeGreaterThan(1_000);
  });

  it('counts page sizes given in variables', async () => {
    const query =
      'query($n: Int) { growers(first: $n) { edges { node { batches(first: 100) { edges { node { code } } } } } } }';
    await refusedBeforeResolvers(query, t.partnerKey, 10_000, 1 + 100 * 202, { n: 100 });
    const fits = await h.gql(query, { auth: await t.key(['read']), variables: { n: 40 } });
    expect(fits.body.errors).toBeUndefined();
    expect(fits.body.extensions?.cost.requested).toBe(1 + 40 * 202);
    // Costs are kept per document and variables (src/schema/cost.ts): the same document with other
    // values is costed for those values, each time.
    resolverCalls = 0;
    await refusedBeforeResolvers(query, t.partnerKey, 10_000, 1 + 100 * 202, { n: 100 });
    const again = await h.gql(query, { auth: await t.key(['read']), variables: { n: 3 } });
    expect(again.body.extensions?.cost.requested).toBe(1 + 3 * 202);
  });
});

describe('per-minute cost budget (leaky bucket)', () => {
  let second: { app: App; resources: Resources };
  beforeAll(async () => {
    // A second instance on the same Redis: the budget is shared, not per process.
    second = await h.otherInstance();
  });

  it('charges each query, refuses with 429 and Retry-After when the bucket is short, across instances', async () => {
    // 100 of the 120 rows exist for every row asked for: actual = requested, nothing is refunded.
    const query = `{ batches(first: 100) { edges { node { ${WIDE_BATCH} } } } }`;
    const other = await h.tenant('budget-data');
    await seedPackhouse(h.resources, other.organizationId, { growers: 5, packhouses: 2, batches: 100, quiet: true });
    const owner = await other.key(['read']);
    const otherKey = await other.key(['read']);
    const costOf = 1 + 100 * 13;
    const available: number[] = [];
    for (let i = 0; i < 7; i++) {
      const app = i % 2 ? second.app : h.app;
      const r = await gql(app, query, { auth: owner });
      expect(r.body.errors).toBeUndefined();
      expect(r.body.extensions?.cost.actual).toBe(costOf);
      available.push(r.body.extensions?.cost.throttleStatus.currentlyAvailable);
    }
    // Refill is 10,000 per hour (2.8 a second): a few points at most while this runs.
    for (const [i, a] of available.entries()) expect(a - (10_000 - (i + 1) * costOf)).toBeLessThan(20);
    resolverCalls = 0;
    const refused = await gql(second.app, query, { auth: owner });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions).toMatchObject({ code: 'THROTTLED' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(100);
    expect(resolverCalls).toBe(0);
    // Another key's bucket is untouched.
    const fresh = await h.gql('{ viewer { tier } }', { auth: otherKey });
    expect(fresh.body.extensions?.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(10_000 - 2);
  });
});

describe('answers from the response cache', () => {
  it('cost nothing and say so', async () => {
    const cached = createApp({ ...h.resources, config: { ...h.config, responseCache: { ttlMs: 60_000 } } });
    const key = await t.key(['read']);
    const query = '{ batches(first: 10) { edges { node { code } } } }';
    const miss = await gql(cached, query, { auth: key });
    expect(miss.headers.get('x-cache-status')).toBe('MISS');
    expect(miss.body.extensions?.cost).toMatchObject({
      requested: 21,
      actual: 21,
      throttleStatus: { currentlyAvailable: 10_000 - 21 },
    });
    resolverCalls = 0;
    const hit = await gql(cached, query, { auth: key });
    expect(hit.headers.get('x-cache-status')).toBe('HIT');
    expect(hit.body.data).toEqual(miss.body.data);
    expect(hit.body.extensions?.cost).toEqual({ requested: 0, actual: 0, limit: 10_000, cached: true });
    expect(resolverCalls).toBe(0);
    const after = await gql(cached, '{ viewer { tier } }', { auth: key });
    expect(after.body.extensions?.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(10_000 - 21 - 2);
  });
});
