// Keyset pagination over 10,000 batches in pages of 97: no row repeated or skipped, forwards and
// backwards, although many batches share an intake date. Bad cursors and page sizes are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPackhouse } from '../../../seeds/packhouse.ts';
import { startHarness, type GqlResult, type Harness, type Tenant } from '../../test/harness.ts';

const TOTAL = 10_000;
const PAGE = 97;
let h: Harness;
let t: Tenant;

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('paging');
  await seedPackhouse(h.resources, t.organizationId, { growers: 50, packhouses: 5, batches: TOTAL, quiet: true });
});
afterAll(() => h?.close());

type Row = { code: string; intakeDate: string };

async function walk(orderBy: string, direction: 'forward' | 'backward'): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 200; page++) {
    const args = direction === 'forward' ? `first: ${PAGE}, after: $cursor` : `last: ${PAGE}, before: $cursor`;
    const r: GqlResult = await h.gql(
      `query($cursor: String) { batches(${args}, orderBy: ${orderBy}) {
        edges { cursor node { code intakeDate } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
      { auth: t.partnerKey, variables: { cursor } },
    );
    expect(r.body.errors).toBeUndefined();
    const { edges, pageInfo }: { edges: { node: Row }[]; pageInfo: Record<string, any> } = r.body.data.batches;
    const nodes = edges.map((e: { node: Row }) => e.node);
    if (direction === 'forward') {
      rows.push(...nodes);
      if (!pageInfo.hasNextPage) return rows;
      cursor = pageInfo.endCursor;
    } else {
      rows.unshift(...nodes);
      if (!pageInfo.hasPreviousPage) return rows;
      cursor = pageInfo.startCursor;
    }
  }
  throw new Error('pagination did not end');
}

async function expected(order: string): Promise<string[]> {
  const rows = await h.resources.sql<{ code: string }[]>`
    select code from batches where organization_id = ${t.organizationId} order by ${h.resources.sql.unsafe(order)}`;
  return rows.map((r) => r.code);
}

describe('keyset pagination', () => {
  it('the data set has many batches sharing an intake date', async () => {
    const [row] = await h.resources.sql<{ days: number }[]>`
      select count(distinct intake_date)::int as days from batches where organization_id = ${t.organizationId}`;
    expect(row.days).toBeLessThan(TOTAL / 5);
  });

  for (const [orderBy, sqlOrder] of [
    ['INTAKE_DATE_DESC', 'intake_date desc, id desc'],
    ['INTAKE_DATE_ASC', 'intake_date asc, id asc'],
    ['CODE_ASC', 'code asc, id asc'],
  ] as const) {
    for (const direction of ['forward', 'backward'] as const) {
      it(`walks ${TOTAL} batches ${direction} by ${orderBy} in pages of ${PAGE}, each row exactly once, in order`, async () => {
        const rows = await walk(orderBy, direction);
        const codes = rows.map((r) => r.code);
        expect(codes).toHaveLength(TOTAL);
        expect(new Set(codes).size).toBe(TOTAL);
        expect(codes).toEqual(await expected(sqlOrder));
      });
    }
  }

  it('an empty page and the last page report their neighbours', async () => {
    const last = await h.gql(
      `{ batches(last: 3) { edges { node { code } } pageInfo { hasNextPage hasPreviousPage } } }`,
      {
        auth: t.partnerKey,
      },
    );
    expect(last.body.data.batches.edges).toHaveLength(3);
    expect(last.body.data.batches.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });
    const none = await h.gql(`{ batches(first: 0) { edges { node { code } } } }`, { auth: t.partnerKey });
    expect(none.body.data.batches.edges).toEqual([]);
  });
});

describe('bad pagination input gets a clear error, never a silent clamp', () => {
  const query = (args: string) => `{ batches(${args}) { edges { node { code } } } }`;

  it('first above the maximum', async () => {
    const r: GqlResult = await h.gql(query('first: 501'), { auth: t.partnerKey });
    expect(r.body.data?.batches ?? null).toBeNull();
    expect(r.body.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'first', maximum: 500 },
    });
    expect(r.body.errors?.[0].message).toMatch(/between 0 and 500/);
  });

  it('negative sizes, and first with last', async () => {
    for (const args of ['first: -1', 'last: -5', 'first: 2, last: 2', 'last: 600']) {
      const r: GqlResult = await h.gql(query(args), { auth: t.partnerKey });
      expect(r.body.errors?.[0].extensions?.code, args).toBe('BAD_USER_INPUT');
    }
  });

  it('a malformed cursor', async () => {
    for (const cursor of [
      'garbage',
      Buffer.from('["batches:INTAKE_DATE_DESC"]').toString('base64url'),
      Buffer.from('["batches:INTAKE_DATE_DESC","not-a-date",1]').toString('base64url'),
    ]) {
      const r: GqlResult = await h.gql(query(`first: 5, after: "${cursor}"`), { auth: t.partnerKey });
      expect(r.body.errors?.[0].message, cursor).toMatch(/cursor .* is malformed/);
    }
  });

  it('a cursor from another list or another ordering', async () => {
    const growers = await h.gql(`{ growers(first: 1) { pageInfo { endCursor } } }`, { auth: t.partnerKey });
    const growerCursor = growers.body.data.growers.pageInfo.endCursor;
    const r1 = await h.gql(query(`first: 5, after: "${growerCursor}"`), { auth: t.partnerKey });
    expect(r1.body.errors?.[0].message).toMatch(/belongs to another list or ordering/);

    const asc = await h.gql(`{ batches(first: 1, orderBy: CODE_ASC) { pageInfo { endCursor } } }`, {
      auth: t.partnerKey,
    });
    const r2 = await h.gql(
      query(`first: 5, orderBy: INTAKE_DATE_DESC, after: "${asc.body.data.batches.pageInfo.endCursor}"`),
      {
        auth: t.partnerKey,
      },
    );
    expect(r2.body.errors?.[0].message).toMatch(/belongs to another list or ordering/);

    const nested = await h.gql(
      `{ growers(first: 1) { edges { node { batches(first: 1) { pageInfo { endCursor } } } } } }`,
      {
        auth: t.partnerKey,
      },
    );
    const nestedCursor = nested.body.data.growers.edges[0].node.batches.pageInfo.endCursor;
    const r3 = await h.gql(query(`first: 5, after: "${nestedCursor}"`), { auth: t.partnerKey });
    expect(r3.body.errors?.[0].message).toMatch(/belongs to another list or ordering/);
  });

  it('after with last, and before with first', async () => {
    const r: GqlResult = await h.gql(`{ batches(first: 1) { pageInfo { endCursor } } }`, { auth: t.partnerKey });
    const c = r.body.data.batches.pageInfo.endCursor;
    for (const args of [`last: 5, after: "${c}"`, `first: 5, before: "${c}"`]) {
      const bad = await h.gql(query(args), { auth: t.partnerKey });
      expect(bad.body.errors?.[0].extensions?.code, args).toBe('BAD_USER_INPUT');
    }
  });
});
