// Every hot query of the packhouse domain, as the services send it, planned on 100,000 batches:
// no sequential scan of batches, batch_events or grower_payments, and the index meant for it is used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPackhouse } from '../../../seeds/packhouse.ts';
import { seedPackhouseOperations } from '../../../seeds/packhouse-operations.ts';
import { loadTenantRows } from '../../db/tenant.ts';
import { batchTable } from '../../db/tables/index.ts';
import { startHarness, type Harness } from '../../test/harness.ts';
import { describePlan, planOfWork } from '../../test/explain.ts';
import type { Db } from '../../resources.ts';
import { historyByBatch } from './history.ts';
import { listDailyIntake, refreshDailyIntake } from './intake.ts';
import {
  listPayments,
  paymentsByGrower,
  paymentTotalsByGrower,
  type PaymentFilter,
  type PaymentOrder,
} from './payments.ts';
import { reconcile } from './reconciliation.ts';
import { batchesByParent, listBatches, type BatchFilter, type BatchOrder } from './service.ts';

const BIG = { growers: 500, packhouses: 12, batches: 100_000, payments: 30_000, quiet: true };
const GUARDED = new Set(['batches', 'batch_events', 'grower_payments']);

let h: Harness;
let org: number;
let growerIds: number[];
let packhouseIds: number[];
let batchIds: number[];

beforeAll(async () => {
  // Seeding moves 100,000+ rows per statement: give it more than the API's statement timeout.
  h = await startHarness({ env: { STATEMENT_TIMEOUT_MS: '120000' } });
  const small = await h.tenant('neighbour');
  await seedPackhouse(h.resources, small.organizationId, { growers: 50, packhouses: 3, batches: 5_000, quiet: true });
  await seedPackhouseOperations(h.resources, small.organizationId, { growers: 50, payments: 2_000, quiet: true });
  org = (await h.tenant('big')).organizationId;
  await seedPackhouse(h.resources, org, BIG);
  await seedPackhouseOperations(h.resources, org, BIG);
  await refreshDailyIntake(h.resources.db, { wait: true });
  // What autovacuum does after a bulk load: statistics, and the visibility map index-only scans need.
  await h.resources
    .sql`vacuum (analyze) batches, batch_events, grower_payments, fruit_prices, growers, packhouses, daily_grower_intake`;
  const sql = h.resources.sql;
  growerIds = (await sql`select id from growers where organization_id = ${org} order by name limit 20`).map(
    (r) => r.id,
  );
  packhouseIds = (await sql`select id from packhouses where organization_id = ${org} order by name`).map((r) => r.id);
  batchIds = (
    await sql`select id from batches where organization_id = ${org} order by intake_date desc, id desc limit 50`
  ).map((r) => r.id);
}, 300_000);
afterAll(() => h?.close());

async function expectPlan(work: (db: Db) => Promise<unknown>, indexes: string[]) {
  const nodes = await planOfWork(h.resources.sql, work);
  const plan = describePlan(nodes);
  const seqScans = nodes.filter((n) => n.nodeType === 'Seq Scan' && GUARDED.has(n.relation ?? ''));
  expect(seqScans, plan).toEqual([]);
  const used = new Set(nodes.map((n) => n.index).filter(Boolean));
  for (const index of indexes) expect(used.has(index), `${index} not in: ${plan}`).toBe(true);
}

const page = { first: 50 };

describe('batches', () => {
  it('newest intake first', () =>
    expectPlan((db) => listBatches(db, org, {}, 'INTAKE_DATE_DESC', page), ['batches_organization_intake_idx']));
  it('the next page after a cursor', async () => {
    const first = await listBatches(h.resources.db, org, {}, 'INTAKE_DATE_ASC', page);
    await expectPlan(
      (db) => listBatches(db, org, {}, 'INTAKE_DATE_ASC', { first: 50, after: first.pageInfo.endCursor }),
      ['batches_organization_intake_idx'],
    );
  });
  // Filters read at run time: the ids are known once beforeAll has seeded.
  const filters: [string, () => BatchFilter, BatchOrder, string][] = [
    ['by status', () => ({ status: 'packed' }), 'INTAKE_DATE_DESC', 'batches_status_intake_idx'],
    ['by fruit type', () => ({ fruitType: 'kiwifruit' }), 'INTAKE_DATE_DESC', 'batches_fruit_type_intake_idx'],
    ['by grower', () => ({ growerId: growerIds[0] }), 'INTAKE_DATE_DESC', 'batches_grower_intake_idx'],
    ['by packhouse', () => ({ packhouseId: packhouseIds[0] }), 'INTAKE_DATE_DESC', 'batches_packhouse_intake_idx'],
    [
      'by intake range',
      () => ({ intakeFrom: '2024-06-01', intakeTo: '2024-06-30' }),
      'INTAKE_DATE_ASC',
      'batches_organization_intake_idx',
    ],
  ];
  it.each(filters)('%s', (_label, filter, order, index) =>
    expectPlan((db) => listBatches(db, org, filter(), order, page), [index]),
  );
  it('by code', () =>
    expectPlan((db) => listBatches(db, org, {}, 'CODE_ASC', page), ['batches_organization_code_key']));
  it('by id (node and loader lookups)', () =>
    expectPlan((db) => loadTenantRows(db, batchTable, org, batchIds), ['batches_pkey']));
  it("each grower's first batches, in one LATERAL statement", () =>
    expectPlan(
      (db) => batchesByParent(db, org, 'grower', growerIds, {}, 'INTAKE_DATE_DESC', { first: 10 }),
      ['batches_grower_intake_idx'],
    ));
  it("each packhouse's first batches", () =>
    expectPlan(
      (db) => batchesByParent(db, org, 'packhouse', packhouseIds, {}, 'INTAKE_DATE_DESC', { first: 10 }),
      ['batches_packhouse_intake_idx'],
    ));
});

describe('history', () => {
  it('the last 5 events of 50 batches', () =>
    expectPlan((db) => historyByBatch(db, org, batchIds, { first: 5 }), ['batch_events_batch_recorded_idx']));
});

describe('payments', () => {
  const lists: [string, () => PaymentFilter, PaymentOrder, string][] = [
    ['latest paid first', () => ({}), 'PAID_ON_DESC', 'grower_payments_organization_paid_idx'],
    [
      'by paid date range',
      () => ({ from: '2024-05-01', to: '2024-08-31' }),
      'PAID_ON_ASC',
      'grower_payments_organization_paid_idx',
    ],
    ['by grower', () => ({ growerId: growerIds[0] }), 'PAID_ON_DESC', 'grower_payments_grower_paid_idx'],
    ['latest recorded first', () => ({}), 'RECORDED_AT_DESC', 'grower_payments_organization_created_idx'],
  ];
  it.each(lists)('%s', (_label, filter, order, index) =>
    expectPlan((db) => listPayments(db, org, filter(), order, page), [index]),
  );
  it("each grower's payments, in one LATERAL statement", () =>
    expectPlan(
      (db) => paymentsByGrower(db, org, growerIds, {}, 'PAID_ON_DESC', { first: 10 }),
      ['grower_payments_grower_paid_idx'],
    ));
  it('totals per grower', () =>
    expectPlan(
      (db) => paymentTotalsByGrower(db, org, growerIds, { from: '2024-01-01', to: '2024-12-31' }),
      ['grower_payments_grower_paid_idx'],
    ));
});

describe('reconciliation and daily intake', () => {
  for (const [label, from, to] of [
    ['a month', '2024-03-01', '2024-03-31'],
    ['a quarter', '2024-04-01', '2024-06-30'],
    ['a season', '2024-01-01', '2024-12-31'],
  ]) {
    it(`reconciliation over ${label}`, () =>
      expectPlan(
        (db) => reconcile(db, org, { from, to, currency: 'NZD', threshold: '100' }, page),
        ['batches_delivered_intake_idx', 'grower_payments_organization_paid_idx'],
      ));
  }
  it('daily intake by day', () =>
    expectPlan(
      (db) => listDailyIntake(db, org, { from: '2024-03-01', to: '2024-03-31' }, page),
      ['daily_grower_intake_date_idx'],
    ));
  it('daily intake of one grower', () =>
    expectPlan((db) => listDailyIntake(db, org, { growerId: growerIds[0] }, page), ['daily_grower_intake_key']));
});
