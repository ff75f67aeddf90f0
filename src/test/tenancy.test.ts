// Two organizations; every root query and mutation is tried from one against the other's data.
// Nothing of the other tenant may be returned or changed: its ids behave as if they did not exist.
// The last test fails when a root field is added to the schema without a case here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { seedPackhouseOperations } from '../../seeds/packhouse-operations.ts';
import { seedCards } from '../../seeds/cards.ts';
import { customerInputs } from './recommendations.ts';
import { schema } from '../schema/index.ts';
import { encodeGlobalId } from '../lib/global-id.ts';
import { startHarness, type Harness, type Tenant } from './harness.ts';

let h: Harness;
let a: Tenant;
let b: Tenant;
const covered = new Set<string>();

/** Everything tenant-owned of one organization, to prove it did not change. */
async function snapshot(organizationId: number) {
  const { sql } = h.resources;
  const [growers, packhouses, batches, keys, events, payments, prices, cards, jobs] = await Promise.all([
    sql`select * from growers where organization_id = ${organizationId} order by id`,
    sql`select * from packhouses where organization_id = ${organizationId} order by id`,
    sql`select * from batches where organization_id = ${organizationId} order by id`,
    sql`select id, name, revoked_at from api_keys where organization_id = ${organizationId} order by id`,
    sql`select * from batch_events where organization_id = ${organizationId} order by id`,
    sql`select * from grower_payments where organization_id = ${organizationId} order by id`,
    sql`select * from fruit_prices where organization_id = ${organizationId} order by id`,
    sql`select c.*, (select json_agg(r order by r.category) from card_reward_rates r where r.card_id = c.id) as rates from cards c where organization_id = ${organizationId} order by id`,
    sql`select * from recommendation_jobs where organization_id = ${organizationId} order by id`,
  ]);
  return JSON.stringify({ growers, packhouses, batches, keys, events, payments, prices, cards, jobs });
}

async function idsOf(organizationId: number) {
  const { sql } = h.resources;
  const [g] = await sql<{ id: number }[]>`select id from growers where organization_id = ${organizationId} order by id limit 1`;
  const [p] = await sql<{ id: number }[]>`select id from packhouses where organization_id = ${organizationId} order by id limit 1`;
  const [bt] = await sql<{ id: number }[]>`select id from batches where organization_id = ${organizationId} order by id limit 1`;
  const [k] = await sql<{ id: number }[]>`select id from api_keys where organization_id = ${organizationId} order by id limit 1`;
  const [u] = await sql<{ id: number }[]>`select id from users where organization_id = ${organizationId} order by id limit 1`;
  const [c] = await sql<{ id: number }[]>`select id from cards where organization_id = ${organizationId} order by id limit 1`;
  const [j] = await sql<{ id: number }[]>`select id from recommendation_jobs where organization_id = ${organizationId} order by id limit 1`;
  return {
    grower: encodeGlobalId('Grower', g.id),
    packhouse: encodeGlobalId('Packhouse', p.id),
    batch: encodeGlobalId('Batch', bt.id),
    apiKey: encodeGlobalId('ApiKey', k.id),
    user: encodeGlobalId('User', u.id),
    organization: encodeGlobalId('Organization', organizationId),
    card: encodeGlobalId('Card', c.id),
    job: encodeGlobalId('RecommendationJob', j.id),
  };
}

beforeAll(async () => {
  h = await startHarness();
  a = await h.tenant('alpha');
  b = await h.tenant('bravo');
  await seedPackhouse(h.resources, a.organizationId, { growers: 10, packhouses: 3, batches: 200, quiet: true });
  await seedPackhouse(h.resources, b.organizationId, { growers: 10, packhouses: 3, batches: 200, seed: 7, quiet: true });
  await seedPackhouseOperations(h.resources, a.organizationId, { growers: 10, payments: 100, quiet: true });
  await seedPackhouseOperations(h.resources, b.organizationId, { growers: 10, payments: 100, seed: 7, quiet: true });
  await h.gql(`mutation { refreshDailyIntake { refreshedAt } }`, { auth: a.adminToken });
  for (const t of [a, b]) {
    await seedCards(h.resources.db, t.organizationId);
    // Jobs stay queued: no worker runs in this file.
    await h.gql(`mutation($input: SubmitRecommendationJobInput!) { submitRecommendationJob(input: $input) { __typename } }`, {
      auth: t.partnerKey,
      variables: { input: { customers: customerInputs(3, t === a ? 0 : 100) } },
    });
  }
});
afterAll(() => h?.close());

describe('reads never return another tenant’s rows', () => {
  it('lists and nested lists hold only the caller’s rows', async () => {
    covered.add('Query.growers').add('Query.packhouses').add('Query.batches');
    const r = await h.gql(
      `{ growers(first: 20) { edges { node { id batches(first: 50) { edges { node { id grower { id } packhouse { id } } } } } } }
         packhouses(first: 10) { edges { node { id batches(first: 100) { edges { node { id } } } } } }
         batches(first: 500) { edges { node { id grower { id } packhouse { id } } } } }`,
      { auth: b.internalKey },
    );
    expect(r.body.errors).toBeUndefined();
    const ids = JSON.stringify(r.body.data).match(/"id":"[^"]+"/g)!.map((m) => m.slice(6, -1));
    const { sql } = h.resources;
    for (const id of new Set(ids)) {
      const [typename, local] = Buffer.from(id, 'base64url').toString().split(':');
      const table = {
        Grower: 'growers', Packhouse: 'packhouses', Batch: 'batches', BatchEvent: 'batch_events', GrowerPayment: 'grower_payments', FruitPrice: 'fruit_prices',
      }[typename]!;
      const [row] = await sql`select organization_id from ${sql(table)} where id = ${Number(local)}`;
      expect(row.organization_id, id).toBe(b.organizationId);
    }
  });

  it('payments, prices, history, reconciliation and daily intake hold only the caller’s rows', async () => {
    covered.add('Query.payments').add('Query.fruitPrices').add('Query.reconciliation').add('Query.dailyIntake');
    const r = await h.gql(
      `{ payments(first: 500) { edges { node { id grower { id } } } }
         fruitPrices(first: 100) { edges { node { id } } }
         reconciliation(from: "2024-01-01", to: "2025-12-31", currency: "NZD", first: 100) { edges { node { grower { id } } } }
         dailyIntake(first: 500) { edges { node { grower { id } } } }
         growers(first: 20) { edges { node { payments(first: 50) { edges { node { id } } } } } }
         batches(first: 100) { edges { node { history(first: 10) { edges { node { id batch { id } } } } } } } }`,
      { auth: b.internalKey },
    );
    expect(r.body.errors).toBeUndefined();
    for (const list of ['payments', 'fruitPrices', 'reconciliation', 'dailyIntake']) expect(r.body.data[list].edges.length, list).toBeGreaterThan(0);
    const { sql } = h.resources;
    const ids = new Set(JSON.stringify(r.body.data).match(/"id":"[^"]+"/g)!.map((m) => m.slice(6, -1)));
    const tables: Record<string, string> = {
      Grower: 'growers', Batch: 'batches', BatchEvent: 'batch_events', GrowerPayment: 'grower_payments', FruitPrice: 'fruit_prices',
    };
    for (const id of ids) {
      const [typename, local] = Buffer.from(id, 'base64url').toString().split(':');
      const [row] = await sql`select organization_id from ${sql(tables[typename])} where id = ${Number(local)}`;
      expect(row.organization_id, id).toBe(b.organizationId);
    }
    const other = await idsOf(a.organizationId);
    const filtered = await h.gql(
      `query($g: ID!) { payments(filter: { grower: $g }) { edges { node { id } } } dailyIntake(grower: $g) { edges { node { day } } } }`,
      { auth: b.partnerKey, variables: { g: other.grower } },
    );
    expect(filtered.body.data).toEqual({ payments: { edges: [] }, dailyIntake: { edges: [] } });
  });

  it('node and nodes with the other tenant’s ids return null', async () => {
    covered.add('Query.node').add('Query.nodes');
    const other = await idsOf(a.organizationId);
    for (const id of Object.values(other)) {
      const r = await h.gql(`query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }`, { auth: b.internalKey, variables: { id } });
      expect(r.body.data, id).toEqual({ node: null, nodes: [null] });
    }
  });

  it('well-formed ids that cannot exist (zero, beyond int4) load as null, not as an error', async () => {
    for (const local of ['0', '2147483648']) {
      for (const typename of ['Batch', 'Grower', 'Packhouse']) {
        const id = encodeGlobalId(typename, local);
        const r = await h.gql(`query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }`, { auth: b.internalKey, variables: { id } });
        expect(r.body.errors, `${typename}:${local}`).toBeUndefined();
        expect(r.body.data, `${typename}:${local}`).toEqual({ node: null, nodes: [null] });
      }
    }
  });

  it('filters by the other tenant’s grower or packhouse find nothing', async () => {
    const other = await idsOf(a.organizationId);
    const r = await h.gql(
      `query($g: ID!, $p: ID!) { g: batches(filter: { grower: $g }) { edges { node { id } } } p: batches(filter: { packhouse: $p }) { edges { node { id } } } }`,
      { auth: b.partnerKey, variables: { g: other.grower, p: other.packhouse } },
    );
    expect(r.body.data).toEqual({ g: { edges: [] }, p: { edges: [] } });
  });

  it('cards and recommendation jobs hold only the caller’s rows', async () => {
    covered.add('Query.cards').add('Query.recommendationJobs').add('Query.recommendationJob');
    const r = await h.gql(
      `{ cards(first: 100) { edges { node { id } } } recommendationJobs(first: 50) { edges { node { id results(first: 10) { edges { node { customerRef } } } } } } }`,
      { auth: b.internalKey },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.cards.edges.length).toBeGreaterThan(0);
    expect(r.body.data.recommendationJobs.edges.length).toBeGreaterThan(0);
    const { sql } = h.resources;
    for (const id of new Set(JSON.stringify(r.body.data).match(/"id":"[^"]+"/g)!.map((m) => m.slice(6, -1)))) {
      const [typename, local] = Buffer.from(id, 'base64url').toString().split(':');
      const table = { Card: 'cards', RecommendationJob: 'recommendation_jobs' }[typename]!;
      const [row] = await sql`select organization_id from ${sql(table)} where id = ${Number(local)}`;
      expect(row.organization_id, id).toBe(b.organizationId);
    }
    const other = await idsOf(a.organizationId);
    const job = await h.gql(`query($id: ID!) { recommendationJob(id: $id) { id } }`, { auth: b.internalKey, variables: { id: other.job } });
    expect(job.body.data.recommendationJob).toBeNull();
    const file = await h.fetch(`/jobs/${other.job}/results.csv`, { headers: { authorization: `Bearer ${b.internalKey}` } });
    expect(file.status).toBe(404);
  });

  it('viewer and apiKeys show only the caller’s organization', async () => {
    covered.add('Query.viewer').add('Query.apiKeys');
    const r = await h.gql(`{ viewer { organization { id slug } } apiKeys(first: 100) { edges { node { id name } } } }`, {
      auth: b.adminToken,
    });
    expect(r.body.data.viewer.organization.slug).toBe(b.slug);
    const [{ n }] = await h.resources.sql`select count(*)::int as n from api_keys where organization_id = ${b.organizationId}`;
    expect(r.body.data.apiKeys.edges).toHaveLength(n);
  });
});

describe('persisted operations', () => {
  it('an organization’s registered operations are invisible to the other, by list, node or hash', async () => {
    covered.add('Query.persistedOperations').add('Mutation.registerPersistedOperations');
    const document = 'query TenancyGrowers { growers(first: 1) { edges { node { id } } } }';
    const register = `mutation($d: String!) { registerPersistedOperations(input: { manifest: "tenancy", documents: [$d] }) { __typename } }`;
    const list = '{ persistedOperations(manifest: "tenancy") { edges { node { id hash } } } }';
    const reg = await h.gql(register, { auth: a.adminToken, variables: { d: document } });
    expect(reg.body.data.registerPersistedOperations.__typename).toBe('MutationRegisterPersistedOperationsSuccess');
    const own = (await h.gql(list, { auth: a.adminToken })).body.data.persistedOperations.edges;
    expect(own).toHaveLength(1);
    expect((await h.gql(list, { auth: b.adminToken })).body.data.persistedOperations.edges).toEqual([]);
    const node = await h.gql('query($id: ID!) { node(id: $id) { id } }', { auth: b.internalKey, variables: { id: own[0].node.id } });
    expect(node.body.data.node).toBeNull();
    const key = await b.key(['read'], { persistedOnly: true, manifest: 'tenancy' });
    const byHash = await h.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: own[0].node.hash } } }),
    });
    expect((await byHash.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('writes never touch another tenant’s rows', () => {
  const mutations: [string, (o: Awaited<ReturnType<typeof idsOf>>, own: Awaited<ReturnType<typeof idsOf>>) => [string, Record<string, unknown>]][] = [
    ['updateGrower', (o) => [`mutation($id: ID!) { updateGrower(id: $id, input: { name: "x" }) { __typename } }`, { id: o.grower }]],
    ['updatePackhouse', (o) => [`mutation($id: ID!) { updatePackhouse(id: $id, input: { name: "x" }) { __typename } }`, { id: o.packhouse }]],
    ['updateBatch', (o) => [`mutation($id: ID!) { updateBatch(id: $id, input: { grossWeightKg: "1" }) { __typename } }`, { id: o.batch }]],
    ['changeBatchStatus', (o) => [`mutation($id: ID!) { changeBatchStatus(id: $id, status: REJECTED) { __typename } }`, { id: o.batch }]],
    ['revokeApiKey', (o) => [`mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id: o.apiKey }]],
    ['setUserDisabled', (o) => [`mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { __typename } }`, { id: o.user }]],
    [
      'createBatch',
      (o, own) => [
        `mutation($g: ID!, $p: ID!) { createBatch(input: { code: "X-1", grower: $g, packhouse: $p, fruitType: APPLE, harvestDate: "2025-01-01", intakeDate: "2025-01-02", grossWeightKg: "10" }) { __typename } }`,
        { g: o.grower, p: own.packhouse },
      ],
    ],
    [
      'updateBatch',
      (o, own) => [`mutation($id: ID!, $g: ID!) { updateBatch(id: $id, input: { grower: $g }) { __typename } }`, { id: own.batch, g: o.grower }],
    ],
    ['updateCard', (o) => [`mutation($id: ID!) { updateCard(id: $id, input: { annualFee: "1.00" }) { __typename } }`, { id: o.card }]],
    ['cancelRecommendationJob', (o) => [`mutation($id: ID!) { cancelRecommendationJob(id: $id) { __typename } }`, { id: o.job }]],
    ['retryFailedRecommendations', (o) => [`mutation($id: ID!) { retryFailedRecommendations(id: $id) { __typename } }`, { id: o.job }]],
    [
      'recordGrowerPayment',
      (o) => [
        `mutation($g: ID!) { recordGrowerPayment(input: { grower: $g, amount: "10.00", currency: "NZD", paidOn: "2025-01-01", reference: "X-1" }) { __typename } }`,
        { g: o.grower },
      ],
    ],
  ];

  it('each mutation on the other tenant’s ids answers NotFoundError and changes nothing', async () => {
    const before = await snapshot(a.organizationId);
    const other = await idsOf(a.organizationId);
    const own = await idsOf(b.organizationId);
    const ownBefore = await snapshot(b.organizationId);
    for (const [name, make] of mutations) {
      covered.add(`Mutation.${name}`);
      const [query, variables] = make(other, own);
      const r = await h.gql(query, { auth: b.adminToken, variables });
      expect(r.body.data?.[name]?.__typename, name).toBe('NotFoundError');
    }
    expect(await snapshot(a.organizationId)).toBe(before);
    expect(await snapshot(b.organizationId)).toBe(ownBefore);
  });

  it('creates land in the caller’s organization only', async () => {
    covered.add('Mutation.createGrower').add('Mutation.createPackhouse').add('Mutation.createBatch').add('Mutation.setFruitPrice');
    covered.add('Mutation.refreshDailyIntake').add('Mutation.createCard').add('Mutation.submitRecommendationJob');
    const before = await snapshot(a.organizationId);
    const card = await h.gql(
      `mutation { createCard(input: { code: "B-ONLY", name: "B card", issuer: "B bank", annualFee: "0", joiningFee: "0", baseRewardPercent: "1.00" }) { __typename } }`,
      { auth: b.adminToken },
    );
    const job = await h.gql(`mutation($input: SubmitRecommendationJobInput!) { submitRecommendationJob(input: $input) { __typename } }`, {
      auth: b.partnerKey,
      variables: { input: { customers: customerInputs(2, 500) } },
    });
    expect([card.body.data.createCard.__typename, job.body.data.submitRecommendationJob.__typename]).toEqual([
      'MutationCreateCardSuccess',
      'MutationSubmitRecommendationJobSuccess',
    ]);
    const g = await h.gql(`mutation { createGrower(input: { code: "T-1", name: "Tenant B grower" }) { __typename } }`, { auth: b.partnerKey });
    const p = await h.gql(`mutation { createPackhouse(input: { name: "Tenant B shed" }) { __typename } }`, { auth: b.partnerKey });
    const price = await h.gql(
      `mutation { setFruitPrice(input: { fruitType: APPLE, currency: "NZD", validFrom: "2024-01-01", pricePerKg: "9.99" }) { __typename } }`,
      { auth: b.adminToken },
    );
    // Refreshing the shared roll-up recomputes every tenant's rows from their own batches only.
    const refresh = await h.gql(`mutation { refreshDailyIntake { refreshedAt } }`, { auth: b.adminToken });
    expect([g.body.data.createGrower.__typename, p.body.data.createPackhouse.__typename, price.body.data.setFruitPrice.__typename]).toEqual([
      'MutationCreateGrowerSuccess',
      'MutationCreatePackhouseSuccess',
      'MutationSetFruitPriceSuccess',
    ]);
    expect(refresh.body.errors).toBeUndefined();
    expect(await snapshot(a.organizationId)).toBe(before);
  });

  it('the other tenant’s keys keep working after attempts to revoke them', async () => {
    const r = await h.gql(`{ viewer { organization { slug } } }`, { auth: a.partnerKey });
    expect(r.body.data.viewer.organization.slug).toBe(a.slug);
  });
});

describe('coverage', () => {
  // Fields whose tenancy is covered by other test files.
  const elsewhere = new Set(['Mutation.signIn', 'Mutation.signOut', 'Mutation.createApiKey', 'Mutation.importRecommendationJob']);

  it('every root field has a tenancy case (add one here when you add a field)', () => {
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `Query.${f}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `Mutation.${f}`),
    ];
    const missing = fields.filter((f) => !covered.has(f) && !elsewhere.has(f));
    expect(missing).toEqual([]);
  });
});
