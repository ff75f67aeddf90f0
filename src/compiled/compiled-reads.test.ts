// The compiled read path in the request pipeline: exact statement counts on both paths, what falls
// back to the resolvers, and the limits, scopes and cache that must apply to it as to them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { gql, startHarness, withoutCost, type Harness, type Tenant } from '../test/harness.ts';
import { loadManifestFiles } from '../modules/persisted/manifests.ts';
import { appPair } from './differential.ts';
import { createResources } from '../resources.ts';
import postgres from 'postgres';

let h: Harness;
let t: Tenant;
let resolvers: ReturnType<typeof appPair>['reference'];

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('compiled');
  await seedPackhouse(h.resources, t.organizationId, { growers: 30, packhouses: 5, batches: 600, quiet: true });
  resolvers = appPair(h.resources, 0).reference;
});
afterAll(() => h?.close());

const FIFTY = `{ batches(first: 50) { edges { node { code fruitType intakeDate grossWeightKg grower { name } packhouse { name } } } pageInfo { hasNextPage endCursor } } }`;
const TWENTY_BY_TEN = `{ growers(first: 20) { edges { node { name batches(first: 10) { edges { node { code status packhouse { name } } } } } } } }`;
const THREE_LEVELS = `{ packhouses(first: 10) { edges { node { name batches(first: 10) { edges { node { code grower { name region batches(first: 3) { edges { node { code intakeDate } } } } } } } } } } }`;

describe('statements per read, compiled and not', () => {
  for (const [name, query, resolverStatements] of [
    ['50 batches with grower and packhouse', FIFTY, 3],
    ['20 growers × 10 batches × packhouse', TWENTY_BY_TEN, 3],
    ['three levels', THREE_LEVELS, 4],
  ] as const) {
    it(`${name}: 1 statement compiled, ${resolverStatements} through the resolvers, the same answer`, async () => {
      const fast = await h.gql(query, { auth: t.partnerKey });
      const slow = await gql(resolvers, query, { auth: t.partnerKey });
      expect(fast.body.errors).toBeUndefined();
      expect(fast.headers.get('x-read-path')).toBe('compiled');
      expect(fast.statements).toBe(1);
      expect(slow.headers.get('x-read-path')).toBe('resolvers');
      expect(slow.statements).toBe(resolverStatements);
      expect(JSON.stringify(withoutCost(fast.body))).toBe(JSON.stringify(withoutCost(slow.body)));
      expect(fast.body.extensions?.cost.actual).toBe(slow.body.extensions?.cost.actual);
      // PostgreSQL's text goes out as it is (src/compiled/answer.ts): byte for byte what the resolvers send.
      expect(fast.text).toBe(slow.text);
    });
  }
});

describe('what runs the resolvers instead', () => {
  it('a field with no SQL mapping (batch history) runs the normal path', async () => {
    const r = await h.gql(
      `{ batches(first: 5) { edges { node { code history(first: 2) { edges { node { toStatus } } } } } } }`,
      { auth: t.partnerKey },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.headers.get('x-read-path')).toBe('resolvers');
    expect(r.statements).toBe(2);
  });

  it('mutations run the normal path', async () => {
    const r = await h.gql(`mutation { createGrower(input: { code: "CR-1", name: "Compiled" }) { __typename } }`, {
      auth: t.partnerKey,
    });
    expect(r.body.data.createGrower.__typename).toBe('MutationCreateGrowerSuccess');
    expect(r.headers.get('x-read-path')).toBe('resolvers');
  });

  it('a refused argument gets the resolvers’ own error', async () => {
    const query = `{ growers(first: 501) { edges { node { name } } } }`;
    const fast = await h.gql(query, { auth: t.partnerKey });
    const slow = await gql(resolvers, query, { auth: t.partnerKey });
    expect(fast.body.errors?.[0].message).toMatch(/between 0 and 500/);
    expect(JSON.stringify(withoutCost(fast.body))).toBe(JSON.stringify(withoutCost(slow.body)));
  });

  it('COMPILED_READS=off runs every read through the resolvers', async () => {
    const r = await gql(resolvers, FIFTY, { auth: t.partnerKey });
    expect(r.headers.get('x-read-path')).toBe('resolvers');
  });
});

describe('limits, scopes and the cache apply as on the normal path', () => {
  it('a key without the read scope is refused as by the resolvers', async () => {
    const writeOnly = await t.key(['write']);
    const fast = await h.gql(FIFTY, { auth: writeOnly });
    const slow = await gql(resolvers, FIFTY, { auth: writeOnly });
    expect(fast.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(fast.headers.get('x-read-path')).toBe('resolvers');
    expect(JSON.stringify(fast.body)).toBe(JSON.stringify(slow.body));
  });

  it('a persisted operation sent by hash runs compiled, with the answer of its document sent in full', async () => {
    const [hash, document] = [...loadManifestFiles().get('freshtrack')!].find(([, d]) =>
      d.includes('query FreshtrackBatches'),
    )!;
    const key = await t.key(['read'], { persistedOnly: true, manifest: 'freshtrack' });
    const byHash = await h.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
        variables: { first: 7, status: 'PACKED' },
      }),
    });
    expect(byHash.headers.get('x-read-path')).toBe('compiled');
    expect(Number(byHash.headers.get('x-sql-statements'))).toBe(1);
    const reference = await gql(resolvers, document, { auth: t.partnerKey, variables: { first: 7, status: 'PACKED' } });
    expect((await byHash.json()).data).toEqual(reference.body.data);
  });

  it('a query over the cost limit is refused before any SQL', async () => {
    const r = await h.gql(
      `{ growers(first: 500) { edges { node { batches(first: 100) { edges { node { code grower { name } } } } } } } }`,
      { auth: t.readKey },
    );
    expect(r.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(r.statements).toBe(0);
  });

  it('the response cache stores a compiled answer and serves it without SQL', async () => {
    const query = `query CachedCompiled { growers(first: 4) { edges { node { id name } } } }`;
    const first = await h.gql(query, { auth: t.partnerKey });
    const second = await h.gql(query, { auth: t.partnerKey });
    expect(first.headers.get('x-cache-status')).toBe('MISS');
    expect(first.headers.get('x-read-path')).toBe('compiled');
    expect(second.headers.get('x-cache-status')).toBe('HIT');
    expect(second.statements).toBe(0);
    expect(second.body.data).toEqual(first.body.data);
  });

  it('a write is seen by the next compiled read (the cache stamps the entities the compiled answer holds)', async () => {
    const query = `query GrowerName { growers(first: 1, orderBy: NAME_ASC) { edges { node { id name } } } }`;
    const before = await h.gql(query, { auth: t.partnerKey });
    const grower = before.body.data.growers.edges[0].node;
    await h.gql(`mutation($id: ID!) { updateGrower(id: $id, input: { name: "Aaa renamed" }) { __typename } }`, {
      auth: t.partnerKey,
      variables: { id: grower.id },
    });
    const after = await h.gql(query, { auth: t.partnerKey });
    expect(after.headers.get('x-cache-status')).toBe('MISS');
    expect(after.body.data.growers.edges[0].node).toEqual({ id: grower.id, name: 'Aaa renamed' });
  });
});

describe('dates on a database whose own DateStyle is not ISO', () => {
  it('both paths answer YYYY-MM-DD: the server pins DateStyle on its sessions', async () => {
    const plain = postgres(h.db.url, { max: 1, onnotice: () => {} });
    try {
      await plain.unsafe(`alter database "${h.db.name}" set datestyle = 'SQL, DMY'`);
    } finally {
      await plain.end();
    }
    // A session that does not set it gets the database's DateStyle…
    const other = postgres(h.db.url, { max: 1, onnotice: () => {} });
    try {
      const [{ DateStyle }] = await other.unsafe('show datestyle');
      expect(DateStyle).toBe('SQL, DMY');
    } finally {
      await other.end();
    }
    // …and a fresh pool of ours, opened after the change as a server started on that database would, does not.
    const resources = await createResources(h.config);
    try {
      const apps = appPair(resources, 0);
      const [{ DateStyle }] = await resources.sql.unsafe('show datestyle');
      expect(DateStyle).toBe('ISO, MDY');
      const query = `{ batches(first: 3) { edges { node { harvestDate intakeDate } } } }`;
      const fast = await gql(apps.compiled, query, { auth: t.partnerKey });
      const slow = await gql(apps.reference, query, { auth: t.partnerKey });
      expect(fast.headers.get('x-read-path')).toBe('compiled');
      const dates = fast.body.data.batches.edges.flatMap((e: any) => [e.node.harvestDate, e.node.intakeDate]);
      expect(dates).toHaveLength(6);
      for (const d of dates) expect(d).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(fast.body.data).toEqual(slow.body.data);
    } finally {
      await resources.close();
    }
  });
});
