// Daily grower intake: the materialized view matches the batches after a refresh, readers are not
// blocked while it refreshes, only admins refresh it on demand, and the schedule refreshes it too.
import pino from 'pino';
import { describe, expect } from 'vitest';
import { seedPackhouse } from '../../../seeds/packhouse.ts';
import { encodeGlobalId } from '../../lib/global-id.ts';
import { appTest, type AppFixtures } from '../../test/fixtures.ts';
import { dailyIntakeRefreshedAt, refreshDailyIntake } from './intake.ts';
import { scheduleDailyIntakeRefresh } from './tasks.ts';

const it = appTest({
  tenant: 'intake',
  seed: { growers: 8, packhouses: 2, batches: 1_500 },
  prepare: async ({ h }) => {
    const other = await h.tenant('elsewhere');
    await seedPackhouse(h.resources, other.organizationId, {
      growers: 4,
      packhouses: 1,
      batches: 300,
      seed: 9,
      quiet: true,
    });
  },
});

const REFRESH = `mutation { refreshDailyIntake { refreshedAt durationMs } }`;
const INTAKE = `query($from: Date, $to: Date, $grower: ID, $first: Int, $after: String) {
  dailyIntake(from: $from, to: $to, grower: $grower, first: $first, after: $after) {
    edges { node { grower { id } day batches rejectedBatches grossWeightKg netWeightKg } }
    pageInfo { hasNextPage endCursor } } }`;

async function directIntake({ h, t }: AppFixtures, from: string, to: string) {
  const rows = await h.resources.sql`
    select grower_id, intake_date::text as day, count(*)::int as batches,
           (count(*) filter (where status = 'rejected'))::int as rejected,
           sum(gross_weight_kg)::text as gross, coalesce(sum(net_weight_kg), 0.000)::text as net
    from batches where organization_id = ${t.organizationId} and intake_date between ${from} and ${to}
    group by grower_id, intake_date order by intake_date desc, grower_id desc`;
  return rows.map((r) => ({
    grower: { id: encodeGlobalId('Grower', r.grower_id) },
    day: r.day,
    batches: r.batches,
    rejectedBatches: r.rejected,
    grossWeightKg: r.gross,
    netWeightKg: r.net,
  }));
}

describe('daily intake', () => {
  it('after a refresh, matches the batches day by day, paged newest first', async ({ h, t }) => {
    const refreshed = await h.gql(REFRESH, { auth: t.adminToken });
    expect(refreshed.body.errors).toBeUndefined();
    expect(refreshed.body.data.refreshDailyIntake.durationMs).toBeGreaterThanOrEqual(0);

    const from = '2024-02-01';
    const to = '2024-04-30';
    const rows: any[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await h.gql(INTAKE, { auth: t.readKey, variables: { from, to, first: 40, after } });
      expect(r.body.errors).toBeUndefined();
      expect(r.statements).toBe(2); // the page + its growers
      rows.push(...r.body.data.dailyIntake.edges.map((e: any) => e.node));
      if (!r.body.data.dailyIntake.pageInfo.hasNextPage) break;
      after = r.body.data.dailyIntake.pageInfo.endCursor;
    }
    expect(rows.length).toBeGreaterThan(100);
    expect(rows).toEqual(await directIntake({ h, t }, from, to));
  });

  it('one grower, and when the roll-up was refreshed', async ({ h, t }) => {
    await refreshDailyIntake(h.resources.db, { wait: true });
    const grower = (await h.gql(`{ growers(first: 1) { edges { node { id } } } }`, { auth: t.readKey })).body.data
      .growers.edges[0].node.id;
    const r = await h.gql(
      `query($g: ID) { dailyIntake(grower: $g, first: 500) { refreshedAt edges { node { grower { id } day } } } }`,
      {
        auth: t.readKey,
        variables: { g: grower },
      },
    );
    expect(r.body.errors).toBeUndefined();
    const days = r.body.data.dailyIntake.edges.map((e: any) => e.node);
    expect(days.length).toBeGreaterThan(50);
    expect(days.every((d: any) => d.grower.id === grower)).toBe(true);
    expect(Date.parse(r.body.data.dailyIntake.refreshedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a batch added later shows up at the next refresh, not before', async ({ h, t }) => {
    await refreshDailyIntake(h.resources.db, { wait: true });
    const sql = h.resources.sql;
    const [g] = await sql`select id from growers where organization_id = ${t.organizationId} limit 1`;
    const [p] = await sql`select id from packhouses where organization_id = ${t.organizationId} limit 1`;
    await sql`insert into batches (organization_id, code, grower_id, packhouse_id, fruit_type, harvest_date, intake_date, gross_weight_kg)
              values (${t.organizationId}, 'LATE-1', ${g.id}, ${p.id}, 'apple', '2030-01-01', '2030-01-02', '10.5')`;
    const query = () => h.gql(INTAKE, { auth: t.readKey, variables: { from: '2030-01-01', to: '2030-12-31' } });
    expect((await query()).body.data.dailyIntake.edges).toEqual([]);
    await h.gql(REFRESH, { auth: t.internalKey });
    expect((await query()).body.data.dailyIntake.edges.map((e: any) => e.node)).toEqual([
      {
        grower: { id: encodeGlobalId('Grower', g.id) },
        day: '2030-01-02',
        batches: 1,
        rejectedBatches: 0,
        grossWeightKg: '10.500',
        netWeightKg: '0.000',
      },
    ]);
  });

  it('readers are not blocked while a refresh runs', async ({ h, t }) => {
    const conn = await h.resources.sql.reserve();
    try {
      await conn`begin`;
      await conn`refresh materialized view concurrently daily_grower_intake`;
      // The refresh holds its lock until commit; a read meanwhile must still answer.
      const r = await h.gql(INTAKE, { auth: t.readKey, variables: { first: 5 } });
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.dailyIntake.edges).toHaveLength(5);
    } finally {
      await conn`rollback`;
      conn.release();
    }
  });

  it("another tenant's intake is not visible, whatever grower id is asked for", async ({ h, t }) => {
    const other = await h.tenant('nosy');
    const mine = (await h.gql(`{ growers(first: 1) { edges { node { id } } } }`, { auth: t.readKey })).body.data.growers
      .edges[0].node.id;
    const r = await h.gql(INTAKE, { auth: other.readKey, variables: { grower: mine } });
    expect(r.body.data.dailyIntake.edges).toEqual([]);
    expect((await h.gql(INTAKE, { auth: other.readKey })).body.data.dailyIntake.edges).toEqual([]);
  });

  it('only admins refresh on demand; bad ranges are clear errors', async ({ h, t }) => {
    for (const auth of [t.memberToken, t.partnerKey, t.readKey]) {
      expect((await h.gql(REFRESH, { auth })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const r = await h.gql(INTAKE, { auth: t.readKey, variables: { from: '2024-05-01', to: '2024-04-01' } });
    expect(r.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'from' } });
  });
});

describe('scheduled refresh', () => {
  it('a turn is skipped while another process refreshes', async ({ h }) => {
    const conn = await h.resources.sql.reserve();
    try {
      await conn`select pg_advisory_lock(7204001)`;
      expect(await refreshDailyIntake(h.resources.db, { wait: false })).toEqual({
        refreshed: false,
        refreshedAt: null,
        durationMs: null,
      });
    } finally {
      await conn`select pg_advisory_unlock(7204001)`;
      conn.release();
    }
    expect((await refreshDailyIntake(h.resources.db, { wait: false })).refreshed).toBe(true);
  });

  it('the schedule refreshes the view by itself', async ({ h }) => {
    const before = await dailyIntakeRefreshedAt(h.resources.db);
    const stop = scheduleDailyIntakeRefresh({ db: h.resources.db, log: pino({ level: 'silent' }) }, 1);
    try {
      let now = before;
      for (let i = 0; i < 100 && now === before; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        now = await dailyIntakeRefreshedAt(h.resources.db);
      }
      expect(now).not.toBe(before);
    } finally {
      stop();
    }
  });
});
