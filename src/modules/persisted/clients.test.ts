// The clients front ends and partners really use, against the real app (fetch bound to app.fetch):
// Apollo Client 4 with its persisted-query link, for a caller that may send ad-hoc queries (automatic
// persisted queries: one round trip per query after the first, a cacheable GET) and for a
// persisted-only partner key (the codegen'd documents and Apollo's persisted-query list: every
// manifest operation in one round trip); and a graphql-sse client following a job's progress.
import { createHash, randomBytes } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { generatePersistedQueryIdsFromManifest } from '@apollo/persisted-query-lists';
import { isAbstractType, type GraphQLAbstractType, type GraphQLSchema } from 'graphql';
import { createClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runFreshtrack } from '../../../examples/partner-client.ts';
import { seedPackhouse } from '../../../seeds/packhouse.ts';
import manifest from '../../../seeds/persisted/freshtrack/persisted-query-manifest.json' with { type: 'json' };
import {
  FreshtrackBatchDocument,
  FreshtrackBatchesDocument,
  FreshtrackDispatchDocument,
  FreshtrackPackhousesDocument,
} from '../../../seeds/persisted/freshtrack/graphql.ts';
import { schema } from '../../schema/index.ts';
import { startHarness, type Harness, type Tenant } from '../../test/harness.ts';
import { catalogTenant, customerInputs, submit } from '../../test/recommendations.ts';
import { startRecommendationWorker, type RecommendationWorker } from '../recommendations/jobs/tasks.ts';
import { AutomaticPersistedQueries } from './automatic.ts';

let h: Harness;
let t: Tenant;

beforeAll(async () => {
  // With Redis, so stored queries go through Keyv/Redis as in production.
  h = await startHarness({ redis: true });
  t = await h.tenant('clients');
  await seedPackhouse(h.resources, t.organizationId, { growers: 4, packhouses: 2, batches: 12, quiet: true });
});
afterAll(() => h?.close());

type Sent = {
  method: string;
  hasQuery: boolean;
  hash: string | null;
  status: number;
  cache: string | null;
  code: string | null;
};

/** A fetch that answers through app.fetch and records each round trip. */
function recordingFetch(sent: Sent[]) {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body =
      request.method === 'POST' ? JSON.parse(await request.clone().text()) : Object.fromEntries(url.searchParams);
    const extensions = typeof body.extensions === 'string' ? JSON.parse(body.extensions) : body.extensions;
    const response = await h.app.fetch(request);
    const answer = await response.clone().json();
    sent.push({
      method: request.method,
      hasQuery: Boolean(body.query),
      hash: extensions?.persistedQuery?.sha256Hash ?? null,
      status: response.status,
      cache: response.headers.get('x-cache-status'),
      code: answer.errors?.[0]?.extensions?.code ?? null,
    });
    return response;
  };
}

function possibleTypesOf(s: GraphQLSchema): Record<string, string[]> {
  return Object.fromEntries(
    Object.values(s.getTypeMap())
      .filter((type) => isAbstractType(type))
      .map((type) => [type.name, s.getPossibleTypes(type as GraphQLAbstractType).map((t) => t.name)]),
  );
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function apqClient(auth: string, sent: Sent[]) {
  const http = new HttpLink({
    uri: 'http://test/graphql',
    fetch: recordingFetch(sent),
    headers: { authorization: `Bearer ${auth}` },
  });
  return new ApolloClient({
    link: new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(http),
    cache: new InMemoryCache(),
  });
}

// Each run sends texts of its own (an alias with a fresh name), as Redis outlives the test database.
const run = randomBytes(4).toString('hex');
const RECENT_BATCHES = gql(`
  query RecentBatches {
    run_${run}: __typename
    batches(first: 5) {
      edges { node { id code status grower { name } } }
    }
  }
`);
const OWN_PACKHOUSES = gql(
  `query OwnPackhouses { run_${run}: __typename packhouses(first: 2) { edges { node { name } } } }`,
);

describe('Apollo Client 4, automatic persisted queries (a key that may send ad-hoc queries)', () => {
  it('costs two round trips the first time, then one GET by hash, for every client of the organization', async () => {
    const sent: Sent[] = [];
    const first = await apqClient(t.partnerKey, sent).query<any>({
      query: RECENT_BATCHES,
      fetchPolicy: 'network-only',
    });
    expect(first.data?.batches.edges).toHaveLength(5);
    expect(sent.map((s) => [s.method, s.hasQuery, s.code])).toEqual([
      ['GET', false, 'PERSISTED_QUERY_NOT_FOUND'],
      ['POST', true, null],
    ]);

    // Another client (another page load, another key of the same organization): one GET, answered.
    for (const auth of [t.partnerKey, t.memberToken, t.readKey]) {
      sent.length = 0;
      const again = await apqClient(auth, sent).query({ query: RECENT_BATCHES, fetchPolicy: 'network-only' });
      expect(again.data).toEqual(first.data);
      expect(sent.map((s) => [s.method, s.hasQuery, s.status])).toEqual([['GET', false, 200]]);
    }
    // The GET by hash is what the response cache serves.
    sent.length = 0;
    await apqClient(t.partnerKey, sent).query({ query: RECENT_BATCHES, fetchPolicy: 'network-only' });
    expect(sent[0].cache).toBe('HIT');
  });

  it('keeps stored queries per organization, and never for a persisted-only key', async () => {
    const sent: Sent[] = [];
    await apqClient(t.partnerKey, sent).query({ query: OWN_PACKHOUSES });
    expect(sent).toHaveLength(2);
    const other = await h.tenant('other-clients');
    sent.length = 0;
    await apqClient(other.partnerKey, sent).query({ query: OWN_PACKHOUSES });
    expect(sent.map((s) => s.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND', null]);

    // A persisted-only key in the same organization cannot run what others stored, nor store anything.
    const freshtrack = await t.key(['read'], { persistedOnly: true, manifest: 'freshtrack' });
    sent.length = 0;
    const refused = await apqClient(freshtrack, sent).query({
      query: RECENT_BATCHES,
      fetchPolicy: 'network-only',
      errorPolicy: 'all',
    });
    expect(refused.data).toBeUndefined();
    expect(sent.map((s) => s.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND', 'CANNOT_SEND_PQ_ID_AND_BODY']);
  });

  it('keeps queries in this process without Redis, oldest dropped first, and never across organizations', async () => {
    const store = new AutomaticPersistedQueries({ redis: undefined, timeoutMs: 30 });
    store.remember(1, 'a'.repeat(64), '{ __typename }');
    expect(await store.find(1, 'a'.repeat(64))).toBe('{ __typename }');
    expect(await store.find(2, 'a'.repeat(64))).toBeNull();
    // Over its size budget, the least recently used query goes first.
    const small = new AutomaticPersistedQueries({ redis: undefined, timeoutMs: 30, maxLocalChars: 30 });
    small.remember(1, '1'.repeat(64), '{ a: __typename }');
    small.remember(1, '2'.repeat(64), '{ b: __typename }');
    expect(await small.find(1, '1'.repeat(64))).toBeNull();
    expect(await small.find(1, '2'.repeat(64))).toBe('{ b: __typename }');
    const expired = new AutomaticPersistedQueries({ redis: undefined, timeoutMs: 30, ttlSeconds: 0 });
    expired.remember(1, 'b'.repeat(64), '{ __typename }');
    expect(await expired.find(1, 'b'.repeat(64))).toBeNull();
  });
});

describe('Apollo Client 4, a persisted-only freshtrack key (persisted-query list)', () => {
  it('runs every manifest operation from the codegen documents in one round trip each, with the fields its cache expects', async () => {
    const key = await t.key(['read', 'write'], { persistedOnly: true, manifest: 'freshtrack' });
    const sent: Sent[] = [];
    const http = new HttpLink({
      uri: 'http://test/graphql',
      fetch: recordingFetch(sent),
      headers: { authorization: `Bearer ${key}` },
    });
    const link = new PersistedQueryLink({
      ...generatePersistedQueryIdsFromManifest({ loadManifest: () => manifest }),
      useGETForHashedQueries: true,
    });
    // possibleTypes from the schema, as an Apollo app configures them for unions and interfaces.
    const client = new ApolloClient({
      link: link.concat(http),
      cache: new InMemoryCache({ possibleTypes: possibleTypesOf(schema) }),
    });
    // Apollo reports fields missing from an answer (a __typename the server did not send) on the console.
    const complaints = vi.spyOn(console, 'error');
    const warnings = vi.spyOn(console, 'warn');

    const batches = await client.query({ query: FreshtrackBatchesDocument, variables: { first: 3 } });
    const edges = batches.data!.batches!.edges;
    expect(edges).toHaveLength(3);
    const id = edges[0].node.id;
    const one = await client.query({ query: FreshtrackBatchDocument, variables: { id } });
    expect(one.data!.node).toMatchObject({ __typename: 'Batch', id });
    const packhouses = await client.query({ query: FreshtrackPackhousesDocument });
    expect(packhouses.data!.packhouses!.edges.length).toBeGreaterThan(0);
    const dispatched = await client.mutate({ mutation: FreshtrackDispatchDocument, variables: { id } });
    expect(dispatched.error).toBeUndefined();
    expect(dispatched.data!.changeBatchStatus!.__typename).toMatch(/MutationChangeBatchStatusSuccess|ValidationError/);

    const names = manifest.operations.map((o) => o.name).sort();
    expect(names).toEqual(['FreshtrackBatch', 'FreshtrackBatches', 'FreshtrackDispatch', 'FreshtrackPackhouses']);
    expect(sent.map((s) => [s.method, s.hasQuery, s.code])).toEqual([
      ['GET', false, null],
      ['GET', false, null],
      ['GET', false, null],
      ['POST', false, null],
    ]);
    expect(sent.map((s) => s.hash)).toEqual(
      ['FreshtrackBatches', 'FreshtrackBatch', 'FreshtrackPackhouses', 'FreshtrackDispatch'].map(
        (n) => manifest.operations.find((o) => o.name === n)!.id,
      ),
    );
    expect(complaints).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
    complaints.mockRestore();
    warnings.mockRestore();
  });
});

describe('examples/partner-client.ts', () => {
  it('runs the freshtrack operations by hash with a persisted-only key, typed by the codegen documents', async () => {
    const key = await t.key(['read', 'write'], { persistedOnly: true, manifest: 'freshtrack' });
    const sent: Sent[] = [];
    const result = await runFreshtrack({ url: 'http://test', key, fetch: recordingFetch(sent), dispatch: true });
    expect(result.batches).toHaveLength(5);
    expect(result.firstBatch?.code).toMatch(/\S/);
    expect(result.packhouses).toHaveLength(2);
    expect(result.dispatched).toMatch(/DISPATCHED|refused/);
    expect(sent.map((s) => [s.method, s.hasQuery, s.code])).toEqual([
      ...Array(3).fill(['GET', false, null]),
      ['POST', false, null],
    ]);
  });
});

describe('graphql-sse', () => {
  let worker: RecommendationWorker;
  beforeAll(async () => {
    worker = await startRecommendationWorker(h.resources, { concurrency: 2 });
  });
  afterAll(() => worker?.stop());

  it("follows a recommendation job's progress until it completes", async () => {
    const jobs = await catalogTenant(h, 'sse');
    const payload = await submit(h, jobs.partnerKey, { customers: customerInputs(60, 7000) });
    const client = createClient({
      url: 'http://test/graphql',
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => h.app.fetch(new Request(input, init)),
      headers: { authorization: `Bearer ${jobs.partnerKey}` },
      retryAttempts: 0,
    });
    const events: { status: string; done: number; failed: number; total: number }[] = [];
    const subscription = client.iterate<{ recommendationJobProgress: (typeof events)[number] }>({
      query: 'subscription Progress($id: ID!) { recommendationJobProgress(id: $id) { status done failed total } }',
      variables: { id: payload.job.id },
    });
    for await (const result of subscription) {
      expect(result.errors).toBeUndefined();
      events.push(result.data!.recommendationJobProgress);
    }
    client.dispose();
    expect(events.at(-1)).toEqual({ status: 'COMPLETED', done: 60, failed: 0, total: 60 });
    const dones = events.map((e) => e.done);
    expect([...dones].sort((a, b) => a - b)).toEqual(dones);
  });
});
