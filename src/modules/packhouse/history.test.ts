// Batch history: every change writes its event in the same transaction, history reads newest first
// in one statement for a whole list of batches, and the table refuses edits.
import { describe, expect } from 'vitest';
import { seedPackhouse } from '../../../seeds/packhouse.ts';
import { seedBatchEvents } from '../../../seeds/packhouse-operations.ts';
import { encodeGlobalId } from '../../lib/global-id.ts';
import { appTest } from '../../test/fixtures.ts';
import type { Harness } from '../../test/harness.ts';
import { batchInput, batchRefs } from '../../test/packhouse.ts';

const it = appTest({
  tenant: 'history',
  seed: { growers: 20, packhouses: 3, batches: 400 },
  prepare: ({ h, t }) => seedBatchEvents(h.resources, t.organizationId),
});

const HISTORY = `query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Batch { status history(first: $first, after: $after) {
  edges { cursor node { id kind fromStatus toStatus fromGrossWeightKg toGrossWeightKg fromNetWeightKg toNetWeightKg
    changes { field from to } actor { kind id } recordedAt } }
  pageInfo { hasNextPage endCursor } } } } }`;

async function newBatch(h: Harness, auth: string, code: string) {
  const ids = await h.gql(
    `{ growers(first: 2) { edges { node { id } } } packhouses(first: 1) { edges { node { id } } } }`,
    { auth },
  );
  const input = batchInput(batchRefs(ids.body.data), {
    code,
    harvestDate: '2025-03-01',
    intakeDate: '2025-03-02',
    grossWeightKg: '1000.500',
  });
  const r = await h.gql(
    `mutation($input: BatchInput!) { createBatch(input: $input) { ... on MutationCreateBatchSuccess { data { id } } } }`,
    {
      auth,
      variables: { input },
    },
  );
  return {
    id: r.body.data.createBatch.data.id as string,
    otherGrower: ids.body.data.growers.edges[1].node.id as string,
  };
}

const changeStatus = (h: Harness, auth: string, id: string, status: string) =>
  h.gql(`mutation($id: ID!, $s: BatchStatus!) { changeBatchStatus(id: $id, status: $s) { __typename } }`, {
    auth,
    variables: { id, s: status },
  });
const updateBatch = (h: Harness, auth: string, id: string, input: Record<string, unknown>) =>
  h.gql(`mutation($id: ID!, $input: BatchPatch!) { updateBatch(id: $id, input: $input) { __typename } }`, {
    auth,
    variables: { id, input },
  });

describe('events are written with each change', () => {
  it('create, status changes and corrections, newest first, with who made them', async ({ h, t }) => {
    const { id, otherGrower } = await newBatch(h, t.partnerKey, 'H-1');
    expect((await changeStatus(h, t.adminToken, id, 'GRADED')).body.data.changeBatchStatus.__typename).toBe(
      'MutationChangeBatchStatusSuccess',
    );
    await updateBatch(h, t.adminToken, id, { netWeightKg: '990.25' });
    await updateBatch(h, t.partnerKey, id, { code: 'H-1b', grower: otherGrower });
    // Refused changes leave no trace.
    expect((await changeStatus(h, t.partnerKey, id, 'DISPATCHED')).body.data.changeBatchStatus.__typename).toBe(
      'ValidationError',
    );
    await updateBatch(h, t.partnerKey, id, { code: 'H-1b' }); // no actual change

    const r = await h.gql(HISTORY, { auth: t.partnerKey, variables: { id } });
    expect(r.body.errors).toBeUndefined();
    const events = r.body.data.node.history.edges.map((e: any) => e.node);
    const apiKey = { kind: 'API_KEY', id: expect.any(String) };
    const user = { kind: 'USER', id: encodeGlobalId('User', t.adminUserId) };
    expect(events).toMatchObject([
      {
        kind: 'DETAILS_CHANGED',
        actor: apiKey,
        fromGrossWeightKg: null,
        changes: expect.arrayContaining([
          { field: 'code', from: 'H-1', to: 'H-1b' },
          { field: 'grower', from: expect.any(String), to: otherGrower },
        ]),
      },
      {
        kind: 'WEIGHTS_CORRECTED',
        actor: user,
        fromGrossWeightKg: '1000.500',
        toGrossWeightKg: '1000.500',
        fromNetWeightKg: null,
        toNetWeightKg: '990.250',
        changes: [],
      },
      { kind: 'STATUS_CHANGED', actor: user, fromStatus: 'RECEIVED', toStatus: 'GRADED' },
      {
        kind: 'CREATED',
        actor: apiKey,
        fromStatus: null,
        toStatus: 'RECEIVED',
        toGrossWeightKg: '1000.500',
        toNetWeightKg: null,
      },
    ]);
    expect(events).toHaveLength(4);
    const times = events.map((e: any) => e.recordedAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('pages through history with cursors, without repeats or gaps', async ({ h, t }) => {
    const { id } = await newBatch(h, t.partnerKey, 'H-2');
    for (const s of ['GRADED', 'PACKED', 'DISPATCHED']) await changeStatus(h, t.partnerKey, id, s);
    for (const net of ['900', '901', '902']) await updateBatch(h, t.partnerKey, id, { netWeightKg: net });
    const full = await h.gql(HISTORY, { auth: t.partnerKey, variables: { id, first: 100 } });
    expect(full.body.errors).toBeUndefined();
    const all = full.body.data.node.history.edges.map((e: any) => e.node.id);
    expect(all).toHaveLength(7);
    const paged: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r = await h.gql(HISTORY, { auth: t.partnerKey, variables: { id, first: 3, after } });
      expect(r.body.errors).toBeUndefined();
      const page: any = r.body.data.node.history;
      paged.push(...page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(all);
  });

  it('a change and its event commit together: when the event cannot be written, the change is undone', async ({
    h,
    t,
  }) => {
    const { id } = await newBatch(h, t.partnerKey, 'H-3');
    const sql = h.resources.sql;
    await sql`create function refuse_events() returns trigger language plpgsql as $$ begin raise exception 'event store down'; end $$`;
    await sql`create trigger refuse_events before insert on batch_events for each row execute function refuse_events()`;
    try {
      const r = await changeStatus(h, t.partnerKey, id, 'GRADED');
      expect(r.body.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await sql`drop trigger refuse_events on batch_events`;
      await sql`drop function refuse_events()`;
    }
    const after = await h.gql(HISTORY, { auth: t.partnerKey, variables: { id } });
    expect(after.body.data.node.status).toBe('RECEIVED');
    expect(after.body.data.node.history.edges.map((e: any) => e.node.kind)).toEqual(['CREATED']);
  });
});

describe('SQL statements', () => {
  it('50 batches each with its last 5 events take 2 statements', async ({ h, t }) => {
    const r = await h.gql(
      `{ batches(first: 50) { edges { node { id history(first: 5) { edges { node { id kind toStatus actor { kind } recordedAt } } } } } } }`,
      { auth: t.partnerKey },
    );
    expect(r.body.errors).toBeUndefined();
    const batches = r.body.data.batches.edges.map((e: any) => e.node);
    expect(batches).toHaveLength(50);
    // batches page + one LATERAL statement for every batch's history
    expect(r.statements).toBe(2);

    // Each batch got its own last five events, as a direct query finds them.
    const localIds = batches.map((b: any) => Number(Buffer.from(b.id, 'base64url').toString().split(':')[1]));
    const rows = await h.resources.sql<{ batch_id: number; id: number }[]>`
      select e.batch_id, e.id from unnest(${localIds}::int[]) as b(id)
      cross join lateral (select batch_id, id from batch_events where batch_id = b.id order by recorded_at desc, id desc limit 5) e`;
    for (const [i, batch] of batches.entries()) {
      const expected = rows
        .filter((row) => row.batch_id === localIds[i])
        .map((row) => encodeGlobalId('BatchEvent', row.id));
      expect(batch.history.edges.map((e: any) => e.node.id)).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
    }
  });
});

describe('append-only and tenancy', () => {
  it('the database refuses to edit or delete an event', async ({ h }) => {
    const sql = h.resources.sql;
    const [event] = await sql`select id from batch_events limit 1`;
    await expect(sql`update batch_events set kind = 'created' where id = ${event.id}`).rejects.toThrow(/append-only/);
    await expect(sql`delete from batch_events where id = ${event.id}`).rejects.toThrow(/append-only/);
  });

  it('removing an organization still removes its batches and their history', async ({ h }) => {
    const gone = await h.tenant('leaving');
    await seedPackhouse(h.resources, gone.organizationId, { growers: 2, packhouses: 1, batches: 10, quiet: true });
    expect(await seedBatchEvents(h.resources, gone.organizationId)).toBeGreaterThanOrEqual(10);
    await h.resources.sql`delete from organizations where id = ${gone.organizationId}`;
    const [{ n }] = await h.resources
      .sql`select count(*)::int as n from batch_events where organization_id = ${gone.organizationId}`;
    expect(n).toBe(0);
  });

  it("another tenant's events and batches are not found", async ({ h, t }) => {
    const other = await h.tenant('other');
    const mine = await h.gql(
      `{ batches(first: 1) { edges { node { id history(first: 1) { edges { node { id } } } } } } }`,
      { auth: t.partnerKey },
    );
    const batch = mine.body.data.batches.edges[0].node;
    const event = batch.history.edges[0].node.id;
    const r = await h.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      auth: other.partnerKey,
      variables: { ids: [batch.id, event] },
    });
    expect(r.body.data.nodes).toEqual([null, null]);
  });
});
