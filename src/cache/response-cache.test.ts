// The response cache through the real app on Redis: statuses, ETags, who shares an answer, and that
// every kind of write (mutation, service call, seed) shows up in the next read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { startHarness, withoutCost, type GqlOptions, type Harness, type Tenant } from '../test/harness.ts';
import { invalidateEntities, invalidateTypes } from './response-cache.ts';
import { localId } from '../lib/global-id.ts';
import { createUser } from '../modules/identity/service.ts';
import { updateGrower } from '../modules/packhouse/service.ts';
import { BATCH_REFS, batchInput, batchRefs } from '../test/packhouse.ts';

let h: Harness;
let t: Tenant;
let other: Tenant;

beforeAll(async () => {
  // A generous Redis deadline: on a busy test machine 30 ms is sometimes missed, and a missed lookup
  // is a MISS, which these tests would read as a failure. The deadline itself is tested in trouble.test.ts.
  h = await startHarness({ redis: true, env: { REDIS_TIMEOUT_MS: '2000' } });
  t = await h.tenant('cache');
  other = await h.tenant('other');
  await seedPackhouse(h.resources, t.organizationId, { growers: 12, packhouses: 3, batches: 120, quiet: true });
  await seedPackhouse(h.resources, other.organizationId, { growers: 12, packhouses: 3, batches: 120, quiet: true });
});
afterAll(() => h?.close());

const status = (r: { headers: Headers }) => r.headers.get('x-cache-status');

const BATCHES = `query Batches($first: Int!) { batches(first: $first) { edges { node { id code grower { id name } } } } }`;

async function twice(query: string, options: GqlOptions) {
  const first = await h.gql(query, options);
  const second = await h.gql(query, options);
  return { first, second };
}

describe('X-Cache-Status and what is cached', () => {
  it('a query is a MISS, then a HIT with the same body and no SQL', async () => {
    const { first, second } = await twice(BATCHES, { auth: t.partnerKey, variables: { first: 7 } });
    expect(status(first)).toBe('MISS');
    expect(first.statements).toBeGreaterThan(0);
    expect(status(second)).toBe('HIT');
    expect(second.statements).toBe(0);
    expect(withoutCost(second.body)).toEqual(withoutCost(first.body));
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
  });

  it('mutations, answers with errors, anonymous calls and other routes are BYPASS', async () => {
    const mutation = `mutation { createPackhouse(input: { name: "Bypass shed" }) { __typename } }`;
    const m = await twice(mutation, { auth: t.partnerKey });
    expect([status(m.first), status(m.second)]).toEqual(['BYPASS', 'BYPASS']);

    const failing = `{ batches(filter: { intakeFrom: "2025-01-02", intakeTo: "2025-01-01" }) { edges { node { id } } } }`;
    const e = await twice(failing, { auth: t.partnerKey });
    expect(e.second.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect([status(e.first), status(e.second)]).toEqual(['BYPASS', 'BYPASS']);
    expect(e.second.statements).toBeGreaterThanOrEqual(0);
    expect(e.first.headers.get('etag')).toBeNull();

    const forbidden = await twice(`{ apiKeys { edges { node { name } } } }`, { auth: t.readKey });
    expect(forbidden.second.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(status(forbidden.second)).toBe('BYPASS');

    const anonymous = await twice(`{ __typename }`, {});
    expect(status(anonymous.second)).toBe('BYPASS');
    const introspection = await twice(`{ __schema { queryType { name } } }`, { auth: t.partnerKey });
    expect(status(introspection.second)).toBe('BYPASS');

    const unauthorized = await h.gql(BATCHES, { auth: 'hgk_nope', variables: { first: 1 } });
    expect(unauthorized.status).toBe(401);
    expect(status(unauthorized)).toBe('BYPASS');
    for (const path of ['/health', '/nowhere'])
      expect((await h.fetch(path)).headers.get('x-cache-status')).toBe('BYPASS');
  });

  it('GET queries are cached like POSTs', async () => {
    const url = `/graphql?query=${encodeURIComponent('{ packhouses(first: 2) { edges { node { name } } } }')}`;
    const get = () =>
      h.fetch(url, { headers: { authorization: `Bearer ${t.partnerKey}`, accept: 'application/json' } });
    expect((await get()).headers.get('x-cache-status')).toBe('MISS');
    expect((await get()).headers.get('x-cache-status')).toBe('HIT');
  });

  it('every key the cache writes in Redis has a TTL; answers live no longer than their policy allows', async () => {
    await twice(`{ apiKeys { edges { node { name } } } }`, { auth: t.internalKey });
    const redis = h.resources.redis!;
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${h.config.redis.prefix}rc:*`, COUNT: 1000 }))
      keys.push(...batch);
    expect(keys.length).toBeGreaterThan(10);
    let apiKeyAnswers = 0;
    for (const key of keys) {
      const ttl = await redis.pTTL(key);
      expect(ttl, key).toBeGreaterThan(0);
      if (!key.includes(':rc:r:')) continue;
      expect(ttl, key).toBeLessThanOrEqual(60_000);
      // cachePolicy.ttlMs gives ApiKey 10 s.
      if ((await redis.get(key))?.includes('"apiKeys"')) {
        apiKeyAnswers++;
        expect(ttl, key).toBeLessThanOrEqual(10_000);
      }
    }
    expect(apiKeyAnswers).toBe(1);
  });
});

describe('ETag and If-None-Match', () => {
  it('a matching If-None-Match gets 304 with no body; after a write the answer and its ETag change', async () => {
    const query = `{ growers(first: 3, orderBy: NAME_ASC) { edges { node { id name region } } } }`;
    const first = await h.gql(query, { auth: t.partnerKey });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{32}"$/);

    const conditional = await h.fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${t.partnerKey}`,
        'if-none-match': `W/"x", ${etag}`,
      },
      body: JSON.stringify({ query }),
    });
    expect(conditional.status).toBe(304);
    expect(await conditional.text()).toBe('');
    expect(conditional.headers.get('etag')).toBe(etag);
    expect(conditional.headers.get('x-cache-status')).toBe('HIT');
    expect(conditional.headers.get('x-request-id')).toBeTruthy();

    const grower = first.body.data.growers.edges[0].node;
    await h.gql(
      `mutation($id: ID!) { updateGrower(id: $id, input: { region: "Changed by ETag test" }) { __typename } }`,
      {
        auth: t.partnerKey,
        variables: { id: grower.id },
      },
    );
    const after = await h.gql(query, { auth: t.partnerKey, headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.body.data.growers.edges[0].node.region).toBe('Changed by ETag test');
    expect(after.headers.get('etag')).not.toBe(etag);
  });

  it('an ETag from another query or another caller does not match', async () => {
    const a = await h.gql(`{ packhouses(first: 1) { edges { node { id } } } }`, { auth: t.partnerKey });
    const b = await h.gql(`{ packhouses(first: 1) { edges { node { id } } } }`, {
      auth: other.partnerKey,
      headers: { 'if-none-match': a.headers.get('etag')! },
    });
    expect(b.status).toBe(200);
    expect(b.body.data.packhouses.edges[0].node.id).not.toBe(a.body.data.packhouses.edges[0].node.id);
  });
});

describe('who shares an answer', () => {
  it('keys with the same organization, tier and scopes share; other scopes, tiers and tenants do not', async () => {
    const query = `{ batches(first: 4, orderBy: CODE_ASC) { edges { node { code } } } }`;
    const twin = await t.key(['read', 'write']);
    expect(status(await h.gql(query, { auth: t.partnerKey }))).toBe('MISS');
    expect(status(await h.gql(query, { auth: twin }))).toBe('HIT');
    expect(status(await h.gql(query, { auth: t.readKey }))).toBe('MISS');
    expect(status(await h.gql(query, { auth: t.internalKey }))).toBe('MISS');
    const theirs = await h.gql(query, { auth: other.partnerKey });
    expect(status(theirs)).toBe('MISS');
  });

  it('private fields (viewer) are cached per user, never shared by users of the same role', async () => {
    const query = `{ viewer { tier scopes user { id email } organization { slug } } }`;
    const email = `member2@${t.slug}.example`;
    await createUser(h.resources.db, {
      organizationId: t.organizationId,
      email,
      name: 'Second member',
      password: 'correct horse battery staple',
    });
    const signIn = (address: string) =>
      h.gql(
        `mutation($e: String!) { signIn(email: $e, password: "correct horse battery staple") { ... on MutationSignInSuccess { data { token } } } }`,
        { variables: { e: address } },
      );
    const secondMember = (await signIn(email)).body.data.signIn.data.token;

    const member = await twice(query, { auth: t.memberToken });
    expect(status(member.first)).toBe('MISS');
    expect(status(member.second)).toBe('HIT');
    expect(member.second.body.data.viewer.user.email).toBe(`member@${t.slug}.example`);
    // Same organization, tier and scopes, another user: its own answer.
    const second = await twice(query, { auth: secondMember });
    expect(status(second.first)).toBe('MISS');
    expect(second.second.body.data.viewer.user.email).toBe(email);
    // The same user signed in again reuses its own private answer.
    const again = await h.gql(query, { auth: (await signIn(`member@${t.slug}.example`)).body.data.signIn.data.token });
    expect(status(again)).toBe('HIT');
    expect(again.body.data.viewer.user.email).toBe(`member@${t.slug}.example`);
  });
});

describe('writes show up in the next read', () => {
  async function batchesWithGrowers(auth = t.partnerKey) {
    return h.gql(BATCHES, { auth, variables: { first: 6 } });
  }

  it('updating a grower refreshes cached batch lists that embed it, and leaves other lists cached', async () => {
    const list = await batchesWithGrowers();
    const embedded = new Set(list.body.data.batches.edges.map((e: any) => e.node.grower.id));
    const growers = await h.gql(`{ growers(first: 50) { edges { node { id } } } }`, { auth: t.partnerKey });
    const absent = growers.body.data.growers.edges.map((e: any) => e.node.id).find((id: string) => !embedded.has(id));
    expect(status(await batchesWithGrowers())).toBe('HIT');

    expect(absent).toBeDefined();
    await h.gql(`mutation($id: ID!) { updateGrower(id: $id, input: { region: "Elsewhere" }) { __typename } }`, {
      auth: t.partnerKey,
      variables: { id: absent },
    });
    expect(status(await batchesWithGrowers())).toBe('HIT');

    const target = list.body.data.batches.edges[0].node.grower.id;
    await h.gql(`mutation($id: ID!) { updateGrower(id: $id, input: { name: "Renamed Orchard" }) { __typename } }`, {
      auth: t.partnerKey,
      variables: { id: target },
    });
    const fresh = await batchesWithGrowers();
    expect(status(fresh)).toBe('MISS');
    expect(fresh.body.data.batches.edges[0].node.grower.name).toBe('Renamed Orchard');
  });

  it('a created batch appears at once in cached lists, including an empty one', async () => {
    // Seeded intakes end in 2025: this list is empty until the new batch exists.
    const filtered = `query($g: ID!) { batches(first: 5, filter: { grower: $g, intakeFrom: "2030-01-01" }) { edges { node { code } } } }`;
    const { grower, packhouse } = batchRefs((await h.gql(BATCH_REFS, { auth: t.partnerKey })).body.data);
    const newest = `{ batches(first: 3, orderBy: INTAKE_DATE_DESC) { edges { node { code } } } }`;
    await twice(newest, { auth: t.partnerKey });
    const before = await twice(filtered, { auth: t.partnerKey, variables: { g: grower } });
    expect(status(before.second)).toBe('HIT');
    expect(before.second.body.data.batches.edges).toEqual([]);

    const created = await h.gql(
      `mutation($input: BatchInput!) { createBatch(input: $input) { __typename ... on MutationCreateBatchSuccess { data { code } } } }`,
      {
        auth: t.partnerKey,
        variables: {
          input: batchInput(
            { grower, packhouse },
            {
              code: 'NEW-CACHE-1',
              fruitType: 'KIWIFRUIT',
              harvestDate: '2030-01-01',
              intakeDate: '2030-01-02',
              grossWeightKg: '10',
            },
          ),
        },
      },
    );
    expect(created.body.data.createBatch.__typename).toBe('MutationCreateBatchSuccess');
    const after = await h.gql(filtered, { auth: t.partnerKey, variables: { g: grower } });
    expect(after.body.data.batches.edges).toEqual([{ node: { code: 'NEW-CACHE-1' } }]);
    expect((await h.gql(newest, { auth: t.partnerKey })).body.data.batches.edges[0].node.code).toBe('NEW-CACHE-1');
  });

  it('a status change moves a batch between cached filtered lists', async () => {
    const byStatus = `query($s: BatchStatus!) { batches(first: 500, filter: { status: $s }) { edges { node { id } } } }`;
    const received = await twice(byStatus, { auth: t.partnerKey, variables: { s: 'RECEIVED' } });
    await twice(byStatus, { auth: t.partnerKey, variables: { s: 'GRADED' } });
    expect(status(received.second)).toBe('HIT');
    const id = received.second.body.data.batches.edges[0].node.id;
    await h.gql(`mutation($id: ID!) { changeBatchStatus(id: $id, status: GRADED) { __typename } }`, {
      auth: t.partnerKey,
      variables: { id },
    });
    const graded = await h.gql(byStatus, { auth: t.partnerKey, variables: { s: 'GRADED' } });
    expect(graded.body.data.batches.edges.map((e: any) => e.node.id)).toContain(id);
    const stillReceived = await h.gql(byStatus, { auth: t.partnerKey, variables: { s: 'RECEIVED' } });
    expect(stillReceived.body.data.batches.edges.map((e: any) => e.node.id)).not.toContain(id);
  });

  it('a write in one organization leaves the other organization’s lists cached', async () => {
    const query = `{ packhouses(first: 10) { edges { node { name } } } }`;
    await twice(query, { auth: other.partnerKey });
    await h.gql(`mutation { createPackhouse(input: { name: "Only in the first tenant" }) { __typename } }`, {
      auth: t.partnerKey,
    });
    expect(status(await h.gql(query, { auth: other.partnerKey }))).toBe('HIT');
  });

  it('services and seeds that write outside mutations invalidate through invalidateEntities / invalidateTypes', async () => {
    const list = await batchesWithGrowers();
    const growerId = list.body.data.batches.edges[1].node.grower.id;
    const id = localId(growerId, 'Grower');
    expect(status(await batchesWithGrowers())).toBe('HIT');

    // A direct service call is invisible to the cache until it is told...
    await updateGrower(h.resources.db, t.organizationId, id, { name: 'Changed by a job' });
    expect(status(await batchesWithGrowers())).toBe('HIT');
    await invalidateEntities(h.resources, t.organizationId, [{ typename: 'Grower', id }]);
    const fresh = await batchesWithGrowers();
    expect(status(fresh)).toBe('MISS');
    expect(fresh.body.data.batches.edges[1].node.grower.name).toBe('Changed by a job');

    // ...in bulk by type, which is what the seed does after its COPY.
    const count = `{ growers(first: 100) { edges { node { id } } } }`;
    const before = (await twice(count, { auth: t.partnerKey })).second;
    expect(status(before)).toBe('HIT');
    await seedPackhouse(h.resources, t.organizationId, { growers: 14, packhouses: 3, batches: 120, quiet: true });
    const after = await h.gql(count, { auth: t.partnerKey });
    expect(after.body.data.growers.edges.length).toBe(before.body.data.growers.edges.length + 2);

    await invalidateTypes(h.resources, t.organizationId, ['Batch']);
    expect(status(await batchesWithGrowers())).toBe('MISS');
  });
});

describe('derived values (totals, reconciliation, roll-ups)', () => {
  it('a payment recorded by mutation refreshes cached totals and reconciliation, which hold no payment entity', async () => {
    const growers = await h.gql(`{ growers(first: 1, orderBy: NAME_ASC) { edges { node { id } } } }`, {
      auth: t.partnerKey,
    });
    const grower = growers.body.data.growers.edges[0].node.id;
    const totals = `query($id: ID!) { node(id: $id) { ... on Grower { paymentTotals { currency amount payments } } } }`;
    const reconciliation = `{ reconciliation(from: "2020-01-01", to: "2031-12-31", currency: "NZD") { edges { node { grower { id } paid payments } } } }`;
    const before = (await twice(totals, { auth: t.partnerKey, variables: { id: grower } })).second;
    expect(status(before)).toBe('HIT');
    const paidBefore = (await twice(reconciliation, { auth: t.partnerKey })).second;
    expect(status(paidBefore)).toBe('HIT');

    const recorded = await h.gql(
      `mutation($input: GrowerPaymentInput!) { recordGrowerPayment(input: $input) { __typename } }`,
      {
        auth: t.partnerKey,
        variables: {
          input: { grower, amount: '123.45', currency: 'NZD', paidOn: '2025-02-01', reference: 'CACHE-PAY-1' },
        },
      },
    );
    expect(recorded.body.data.recordGrowerPayment.__typename).toBe('MutationRecordGrowerPaymentSuccess');

    const after = await h.gql(totals, { auth: t.partnerKey, variables: { id: grower } });
    expect(status(after)).toBe('MISS');
    const nzd = (r: typeof after) =>
      r.body.data.node.paymentTotals.find((p: any) => p.currency === 'NZD')?.payments ?? 0;
    expect(nzd(after)).toBe(nzd(before) + 1);
    const row = (r: typeof after) =>
      r.body.data.reconciliation.edges.find((e: any) => e.node.grower.id === grower)?.node.payments ?? 0;
    expect(row(await h.gql(reconciliation, { auth: t.partnerKey }))).toBe(row(paidBefore) + 1);
  });

  it('a roll-up refreshed for every organization drops its cached answers in every organization', async () => {
    const query = `{ dailyIntake(first: 3) { refreshedAt edges { node { day batches } } } }`;
    const mine = (await twice(query, { auth: t.partnerKey })).second;
    const theirs = (await twice(query, { auth: other.partnerKey })).second;
    expect([status(mine), status(theirs)]).toEqual(['HIT', 'HIT']);
    const refreshed = await h.gql(`mutation { refreshDailyIntake { refreshedAt } }`, { auth: t.internalKey });
    const at = refreshed.body.data.refreshDailyIntake.refreshedAt;
    for (const auth of [t.partnerKey, other.partnerKey]) {
      const r = await h.gql(query, { auth });
      expect(status(r)).toBe('MISS');
      expect(r.body.data.dailyIntake.refreshedAt).toBe(at);
    }
  });
});

describe('revoked credentials', () => {
  it('every request after revocation is refused, even with its answer in the cache', async () => {
    const key = await t.key(['read']);
    const query = `{ growers(first: 5) { edges { node { name } } } }`;
    const cached = await twice(query, { auth: key });
    expect(status(cached.second)).toBe('HIT');
    const etag = cached.second.headers.get('etag')!;

    const keys = await h.gql(`{ apiKeys(first: 100) { edges { node { id prefix } } } }`, { auth: t.internalKey });
    const record = keys.body.data.apiKeys.edges.find((e: any) => key.startsWith(`${e.node.prefix}_`)).node;
    const revoked = await h.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`, {
      auth: t.internalKey,
      variables: { id: record.id },
    });
    expect(revoked.body.data.revokeApiKey.__typename).toBe('MutationRevokeApiKeySuccess');

    for (let i = 0; i < 5; i++) {
      const r = await h.gql(query, { auth: key, headers: i % 2 ? { 'if-none-match': etag } : {} });
      expect(r.status).toBe(401);
      expect(r.body.errors?.[0].message).toMatch(/revoked/);
      expect(r.body.data).toBeUndefined();
      expect(status(r)).toBe('BYPASS');
    }
    // Its twin (same organization, tier and scopes) still gets the shared answer.
    expect(status(await h.gql(query, { auth: t.readKey }))).toBe('HIT');
  });

  it('a signed-out token is refused even with its private answer cached', async () => {
    const signIn = await h.gql(
      `mutation { signIn(email: "admin@${t.slug}.example", password: "correct horse battery staple") { ... on MutationSignInSuccess { data { token } } } }`,
    );
    const token = signIn.body.data.signIn.data.token;
    const query = `{ viewer { user { email } } }`;
    expect(status((await twice(query, { auth: token })).second)).toBe('HIT');
    await h.gql(`mutation { signOut }`, { auth: token });
    const r = await h.gql(query, { auth: token });
    expect(r.status).toBe(401);
    expect(r.body.data).toBeUndefined();
  });
});
