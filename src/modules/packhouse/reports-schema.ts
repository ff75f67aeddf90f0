// Reconciliation and daily intake in GraphQL. Thin: see reconciliation.ts and intake.ts.
import { invalidateDerived } from '../../cache/response-cache.ts';
import type { Context } from '../../context.ts';
import { LIST_PAGE } from '../../db/keyset.ts';
import { builder } from '../../schema/builder.ts';
import { listQuery } from '../../schema/queries.ts';
import { queryId } from '../../schema/common.ts';
import * as intake from './intake.ts';
import { DELIVERED_STATUSES, reconcile, type GrowerReconciliation } from './reconciliation.ts';
import { GrowerRef } from './schema.ts';

const GrowerReconciliationRef = builder.objectRef<GrowerReconciliation>('GrowerReconciliation').implement({
  description: `One grower's balance for a period and currency. Delivered means ${DELIVERED_STATUSES.join(', ')} batches by intake date, valued per batch at net weight × the price in force on the intake date, rounded to the currency's minor unit.`,
  fields: (t) => ({
    grower: t.field({ type: GrowerRef, resolve: (r) => String(r.growerId) }),
    batches: t.exposeInt('batches', { description: 'Delivered batches in the period.' }),
    unpricedBatches: t.exposeInt('unpricedBatches', {
      description:
        'Delivered batches left out of the value: no net weight yet, or no price in force on their intake date.',
    }),
    netWeightKg: t.expose('netWeightKg', { type: 'Decimal' }),
    deliveredValue: t.expose('deliveredValue', { type: 'Decimal' }),
    paid: t.expose('paid', {
      type: 'Decimal',
      description: 'Payments in the currency with a paid date in the period.',
    }),
    payments: t.exposeInt('payments'),
    variance: t.expose('variance', {
      type: 'Decimal',
      description: 'deliveredValue − paid: positive when the grower is still owed money.',
    }),
  }),
});
const ReconciliationConnection = builder.connectionObject({
  type: GrowerReconciliationRef,
  name: 'ReconciliationConnection',
});

const DailyIntakeRef = builder.objectRef<intake.DailyIntake>('DailyIntake').implement({
  description:
    'What one grower delivered on one day, from the daily intake roll-up (see refreshedAt on the connection).',
  fields: (t) => ({
    grower: t.field({ type: GrowerRef, resolve: (d) => String(d.growerId) }),
    day: t.expose('intakeDate', { type: 'Date' }),
    batches: t.exposeInt('batches'),
    rejectedBatches: t.exposeInt('rejectedBatches'),
    grossWeightKg: t.expose('grossWeightKg', { type: 'Decimal' }),
    netWeightKg: t.expose('netWeightKg', { type: 'Decimal', description: 'Net weight of the batches graded so far.' }),
  }),
});
const DailyIntakeConnection = builder.connectionObject({
  type: DailyIntakeRef,
  name: 'DailyIntakeConnection',
  fields: (t) => ({
    refreshedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the roll-up was last refreshed; batches changed since then are not in it yet.',
      resolve: (_page, _args, ctx) => intake.dailyIntakeRefreshedAt(ctx.db),
    }),
  }),
});

const DailyIntakeRefresh = builder
  .objectRef<{ refreshedAt: string; durationMs: number }>('DailyIntakeRefresh')
  .implement({
    fields: (t) => ({
      refreshedAt: t.expose('refreshedAt', { type: 'DateTime' }),
      durationMs: t.exposeInt('durationMs'),
    }),
  });

listQuery('reconciliation', {
  type: ReconciliationConnection,
  description:
    'Delivered value against payments per grower for a period (inclusive) and currency, keeping growers whose |variance| is above the threshold, largest first.',
  args: (arg) => ({
    from: arg({ type: 'Date', required: true }),
    to: arg({ type: 'Date', required: true }),
    currency: arg.string({ required: true, description: 'ISO 4217 code of the prices and payments to compare.' }),
    threshold: arg({
      type: 'Decimal',
      defaultValue: '0',
      description: 'Only growers whose |variance| is above this.',
    }),
  }),
  resolve: (args, ctx, org) =>
    reconcile(
      ctx.db,
      org,
      { from: args.from, to: args.to, currency: args.currency, threshold: args.threshold ?? '0' },
      args,
    ),
});
listQuery('dailyIntake', {
  type: DailyIntakeConnection,
  description: `Intake per grower per day, newest day first; ${LIST_PAGE.defaultSize} a page, at most ${LIST_PAGE.maxSize}. Days are inclusive.`,
  args: (arg) => ({
    from: arg({ type: 'Date' }),
    to: arg({ type: 'Date' }),
    grower: arg.id({ description: 'Only this grower.' }),
  }),
  resolve: (args, ctx, org) => {
    const growerId = args.grower ? queryId(String(args.grower), 'Grower') : null;
    return intake.listDailyIntake(ctx.db, org, { from: args.from, to: args.to, growerId }, args);
  },
});

builder.mutationFields((t) => ({
  refreshDailyIntake: t.field({
    type: DailyIntakeRefresh,
    authScopes: { admin: true },
    description:
      'Refreshes the daily intake roll-up now (it is also refreshed on a schedule). Readers are not blocked while it runs.',
    resolve: async (_root, _args, ctx: Context) => {
      const result = await intake.refreshDailyIntake(ctx.db, { wait: true });
      // The view is shared: cached daily intake of every organization is dropped, not only the caller's.
      await invalidateDerived(ctx, ['DailyIntake']);
      return { refreshedAt: result.refreshedAt ?? '', durationMs: result.durationMs ?? 0 };
    },
  }),
}));
