// Growers, packhouses and batches through the real app: SQL statement counts (an N+1 fails here),
// filters, mutations with typed errors.
import { describe, expect } from 'vitest';
import { appTest, type AppFixtures } from '../../test/fixtures.ts';
import { BATCH_REFS, batchInput, batchRefs } from '../../test/packhouse.ts';

const it = appTest({ tenant: 'orchard', seed: { growers: 30, packhouses: 5, batches: 600 } });

describe('SQL statements per operation', () => {
  // Compiled reads (src/compiled/) answer each of these with ONE statement; with COMPILED_READS=off
  // the resolvers take one statement per list level (counted in src/compiled/compiled-reads.test.ts).
  it('50 batches with grower and packhouse take 1 statement', async ({ h, t }) => {
    const r = await h.gql(
      `{ batches(first: 50) { edges { node { code grower { name code } packhouse { name } } } } }`,
      { auth: t.partnerKey },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.batches.edges).toHaveLength(50);
    expect(r.headers.get('x-read-path')).toBe('compiled');
    expect(r.statements).toBe(1);
  });

  it('20 growers × first 10 batches × each batch packhouse take 1 statement', async ({ h, t }) => {
    const r = await h.gql(
      `{ growers(first: 20) { edges { node { name batches(first: 10) { edges { node { code packhouse { name } } } } } } } }`,
      { auth: t.partnerKey },
    );
    expect(r.body.errors).toBeUndefined();
    const growers = r.body.data.growers.edges;
    expect(growers).toHaveLength(20);
    const batchCount = growers.reduce((n: number, g: any) => n + g.node.batches.edges.length, 0);
    expect(batchCount).toBeGreaterThan(100);
    expect(r.headers.get('x-read-path')).toBe('compiled');
    expect(r.statements).toBe(1);
  });

  it('the same shape through packhouses and three levels is still 1 statement', async ({ h, t }) => {
    const r = await h.gql(
      `{ packhouses(first: 5) { edges { node { name batches(first: 20) { edges { node { code grower { name batches(first: 3) { edges { node { code } } } } } } } } } } }`,
      { auth: t.partnerKey },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.headers.get('x-read-path')).toBe('compiled');
    expect(r.statements).toBe(1);
  });

  it('node(id) for many ids of several types is 1 statement', async ({ h, t }) => {
    const list = await h.gql(`{ batches(first: 30) { edges { node { id grower { id } } } } }`, { auth: t.partnerKey });
    const ids = list.body.data.batches.edges.flatMap((e: any) => [e.node.id, e.node.grower.id]);
    const r = await h.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Batch { code } ... on Grower { name } } }`,
      {
        auth: t.partnerKey,
        variables: { ids },
      },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.nodes.map((n: any) => n.id)).toEqual(ids);
    expect(r.statements).toBe(1);
  });
});

describe('nested lists', () => {
  it('each grower gets its own first N batches, newest intake first, matching a direct query', async ({ h, t }) => {
    const r = await h.gql(
      `{ growers(first: 5) { edges { node { id batches(first: 4) { edges { node { code intakeDate grower { id } } } pageInfo { hasNextPage } } } } } }`,
      { auth: t.partnerKey },
    );
    for (const { node: g } of r.body.data.growers.edges) {
      const direct = await h.gql(
        `query($g: ID!) { batches(first: 4, filter: { grower: $g }) { edges { node { code } } } }`,
        {
          auth: t.partnerKey,
          variables: { g: g.id },
        },
      );
      expect(g.batches.edges.map((e: any) => e.node.code)).toEqual(
        direct.body.data.batches.edges.map((e: any) => e.node.code),
      );
      expect(g.batches.edges.every((e: any) => e.node.grower.id === g.id)).toBe(true);
    }
  });
});

describe('filters', () => {
  it('status, fruit type and intake range all hold on every row', async ({ h, t }) => {
    const r = await h.gql(
      `{ batches(first: 500, filter: { status: PACKED, fruitType: APPLE, intakeFrom: "2024-03-01", intakeTo: "2025-03-01" }) { edges { node { status fruitType intakeDate } } } }`,
      { auth: t.partnerKey },
    );
    const rows = r.body.data.batches.edges.map((e: any) => e.node);
    expect(rows.length).toBeGreaterThan(0);
    for (const b of rows) {
      expect(b).toMatchObject({ status: 'PACKED', fruitType: 'APPLE' });
      expect(b.intakeDate >= '2024-03-01' && b.intakeDate <= '2025-03-01').toBe(true);
    }
  });

  it('a reversed intake range is a clear error', async ({ h, t }) => {
    const r = await h.gql(
      `{ batches(filter: { intakeFrom: "2025-01-02", intakeTo: "2025-01-01" }) { edges { node { id } } } }`,
      {
        auth: t.partnerKey,
      },
    );
    expect(r.body.errors?.[0].message).toMatch(/reversed/);
    expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('an impossible date is refused by the Date scalar', async ({ h, t }) => {
    const r = await h.gql(`{ batches(filter: { intakeFrom: "2025-02-30" }) { edges { node { id } } } }`, {
      auth: t.partnerKey,
    });
    expect(r.body.errors?.[0].message).toMatch(/real calendar date/);
  });
});

const CREATE_BATCH = `mutation($input: BatchInput!) { createBatch(input: $input) {
  __typename
  ... on MutationCreateBatchSuccess { data { id code status grossWeightKg netWeightKg grower { name } } }
  ... on ValidationError { field message issues { field message } }
  ... on NotFoundError { id message } } }`;

describe('mutations', () => {
  async function ids({ h, t }: AppFixtures) {
    return batchRefs((await h.gql(BATCH_REFS, { auth: t.partnerKey })).body.data);
  }

  it('creates a batch, keeps weights exact, and walks it through its statuses', async ({ h, t }) => {
    const input = batchInput(await ids({ h, t }), {
      code: 'M-1',
      fruitType: 'PEAR',
      harvestDate: '2025-03-01',
      intakeDate: '2025-03-02',
      grossWeightKg: '1234.567',
      netWeightKg: '1200.001',
    });
    const created = await h.gql(CREATE_BATCH, { auth: t.partnerKey, variables: { input } });
    const batch = created.body.data.createBatch;
    expect(batch.__typename).toBe('MutationCreateBatchSuccess');
    expect(batch.data).toMatchObject({
      code: 'M-1',
      status: 'RECEIVED',
      grossWeightKg: '1234.567',
      netWeightKg: '1200.001',
    });

    const move = (status: string) =>
      h.gql(
        `mutation($id: ID!, $s: BatchStatus!) { changeBatchStatus(id: $id, status: $s) { __typename ... on MutationChangeBatchStatusSuccess { data { status } } ... on ValidationError { field message } } }`,
        { auth: t.partnerKey, variables: { id: batch.data.id, s: status } },
      );
    expect((await move('PACKED')).body.data.changeBatchStatus).toMatchObject({
      __typename: 'ValidationError',
      field: 'status',
    });
    expect((await move('GRADED')).body.data.changeBatchStatus.data.status).toBe('GRADED');
    expect((await move('PACKED')).body.data.changeBatchStatus.data.status).toBe('PACKED');
    expect((await move('DISPATCHED')).body.data.changeBatchStatus.data.status).toBe('DISPATCHED');
    const final = (await move('REJECTED')).body.data.changeBatchStatus;
    expect(final).toMatchObject({ __typename: 'ValidationError', field: 'status' });
    expect(final.message).toMatch(/final/);
  });

  it('names the bad input field for each kind of bad value', async ({ h, t }) => {
    const { grower, packhouse } = await ids({ h, t });
    const base = batchInput({ grower, packhouse }, { code: 'M-2' });
    const cases: [Record<string, unknown>, string][] = [
      [{ intakeDate: '2025-03-01' }, 'input.intakeDate'],
      [{ netWeightKg: '100.001' }, 'input.netWeightKg'],
      [{ grossWeightKg: '0' }, 'input.grossWeightKg'],
      [{ code: '   ' }, 'input.code'],
      [{ grower: packhouse }, 'input.grower'],
      [{ grower: 'not-an-id' }, 'input.grower'],
    ];
    for (const [change, field] of cases) {
      const r = await h.gql(CREATE_BATCH, { auth: t.partnerKey, variables: { input: { ...base, ...change } } });
      expect(r.body.data?.createBatch, JSON.stringify(change)).toMatchObject({ __typename: 'ValidationError', field });
    }
    const exists = await h.gql(CREATE_BATCH, {
      auth: t.partnerKey,
      variables: { input: { ...base, code: 'B-0000001' } },
    });
    expect(exists.body.data.createBatch).toMatchObject({ __typename: 'ValidationError', field: 'input.code' });
  });

  it('a float weight is refused at the scalar, before any resolver', async ({ h, t }) => {
    const input = batchInput(await ids({ h, t }), { code: 'M-3', grossWeightKg: 100.5 });
    const r = await h.gql(CREATE_BATCH, { auth: t.partnerKey, variables: { input } });
    expect(r.body.errors?.[0].message).toMatch(/Decimal must be a string/);
    expect(r.statements).toBe(0);
  });

  it('creates and updates growers and packhouses; duplicates name the field', async ({ h, t }) => {
    const g = await h.gql(
      `mutation { createGrower(input: { code: "NEW-1", name: "Fresh Farm" }) { __typename ... on MutationCreateGrowerSuccess { data { id name } } } }`,
      { auth: t.partnerKey },
    );
    const id = g.body.data.createGrower.data.id;
    const updated = await h.gql(
      `mutation($id: ID!) { updateGrower(id: $id, input: { region: "Nelson" }) { __typename ... on MutationUpdateGrowerSuccess { data { name region } } } }`,
      { auth: t.partnerKey, variables: { id } },
    );
    expect(updated.body.data.updateGrower.data).toEqual({ name: 'Fresh Farm', region: 'Nelson' });
    const dup = await h.gql(
      `mutation { createGrower(input: { code: "NEW-1", name: "Other" }) { __typename ... on ValidationError { field } } }`,
      { auth: t.partnerKey },
    );
    expect(dup.body.data.createGrower).toEqual({ __typename: 'ValidationError', field: 'input.code' });
    const p = await h.gql(
      `mutation { createPackhouse(input: { name: "Shed 9", location: "Motueka" }) { __typename ... on MutationCreatePackhouseSuccess { data { name location } } } }`,
      { auth: t.partnerKey },
    );
    expect(p.body.data.createPackhouse.data).toEqual({ name: 'Shed 9', location: 'Motueka' });
  });

  it('a read-only key cannot write', async ({ h, t }) => {
    const r = await h.gql(`mutation { createPackhouse(input: { name: "Nope" }) { __typename } }`, { auth: t.readKey });
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
