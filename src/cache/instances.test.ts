// Two app instances sharing one Redis (same prefix) and one database, as two servers behind a load
// balancer: a write through A is seen by the next read through B, however B had cached it.
import { describe, expect } from 'vitest';
import { createApp, type App } from '../app.ts';
import { createResources } from '../resources.ts';
import { appTest } from '../test/fixtures.ts';
import { gql, type GqlOptions, type Tenant } from '../test/harness.ts';
import { invalidateEntities } from './response-cache.ts';
import { localId } from '../lib/global-id.ts';
import { updatePackhouse } from '../modules/packhouse/service.ts';
import { BATCH_REFS, batchInput, batchRefs } from '../test/packhouse.ts';

/** `a` is the harness's app; `b` has its own clients (pool, Redis connection, cache object), the same database and Redis prefix. */
const it = appTest({
  tenant: 'instances',
  harness: { redis: true, env: { REDIS_TIMEOUT_MS: '2000' } },
  seed: { growers: 10, packhouses: 3, batches: 80 },
}).extend<{ instances: { a: App; b: App } }>({
  instances: [
    async ({ h }, use) => {
      const bResources = await createResources({ ...h.config, serverId: 'b' });
      try {
        await use({ a: h.app, b: createApp(bResources) });
      } finally {
        await bResources.close();
      }
    },
    { scope: 'file' },
  ],
});

const reader =
  (t: Tenant) =>
  (app: App, query: string, options: GqlOptions = {}) =>
    gql(app, query, { auth: t.partnerKey, ...options });
const status = (r: { headers: Headers }) => r.headers.get('x-cache-status');

describe('freshness across instances', () => {
  it('an answer cached by A is a HIT on B', async ({ t, instances: { a, b } }) => {
    const read = reader(t);
    const query = `{ packhouses(first: 3) { edges { node { name } } } }`;
    expect(status(await read(a, query))).toBe('MISS');
    const onB = await read(b, query);
    expect(status(onB)).toBe('HIT');
    expect(onB.headers.get('x-server-id')).toBe('b');
  });

  it('an update through A is fresh on B, for the entity and for lists embedding it', async ({
    t,
    instances: { a, b },
  }) => {
    const read = reader(t);
    const list = `{ batches(first: 10) { edges { node { code grower { id name } } } } }`;
    await read(b, list);
    const cached = await read(b, list);
    expect(status(cached)).toBe('HIT');
    const grower = cached.body.data.batches.edges[0].node.grower.id;
    const node = `query($id: ID!) { node(id: $id) { ... on Grower { name } } }`;
    await read(b, node, { variables: { id: grower } });

    const updated = await read(
      a,
      `mutation($id: ID!) { updateGrower(id: $id, input: { name: "Renamed on A" }) { __typename } }`,
      {
        variables: { id: grower },
      },
    );
    expect(updated.body.data.updateGrower.__typename).toBe('MutationUpdateGrowerSuccess');

    const fresh = await read(b, list);
    expect(status(fresh)).toBe('MISS');
    expect(fresh.body.data.batches.edges[0].node.grower.name).toBe('Renamed on A');
    expect((await read(b, node, { variables: { id: grower } })).body.data.node.name).toBe('Renamed on A');
  });

  it('a batch created through A is in the list B had cached', async ({ t, instances: { a, b } }) => {
    const read = reader(t);
    const list = `{ batches(first: 2, orderBy: CODE_DESC) { edges { node { code } } } }`;
    await read(b, list);
    expect(status(await read(b, list))).toBe('HIT');
    const refs = batchRefs((await read(a, BATCH_REFS)).body.data);
    const input = batchInput(refs, {
      code: 'Z-FROM-A',
      harvestDate: '2025-04-01',
      intakeDate: '2025-04-02',
      grossWeightKg: '500',
    });
    await read(a, `mutation($input: BatchInput!) { createBatch(input: $input) { __typename } }`, {
      variables: { input },
    });
    expect((await read(b, list)).body.data.batches.edges[0].node.code).toBe('Z-FROM-A');
  });

  it('a write made outside GraphQL on A, announced with invalidateEntities, is fresh on B', async ({
    h,
    t,
    instances: { b },
  }) => {
    const read = reader(t);
    const query = `{ packhouses(first: 3, orderBy: NAME_ASC) { edges { node { id name location } } } }`;
    const before = await read(b, query);
    const packhouse = before.body.data.packhouses.edges[0].node;
    expect(status(await read(b, query))).toBe('HIT');
    const id = localId(packhouse.id, 'Packhouse');
    await updatePackhouse(h.resources.db, t.organizationId, id, { location: 'Moved by a job' });
    await invalidateEntities(h.resources, t.organizationId, [{ typename: 'Packhouse', id }]);
    const after = await read(b, query);
    expect(after.body.data.packhouses.edges[0].node.location).toBe('Moved by a job');
  });
});
