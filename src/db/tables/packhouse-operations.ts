// Domain 1, operations: batch history, fruit prices, grower payments and the daily intake roll-up.
// Amounts are `numeric` end to end (decimal strings in JS); see src/lib/money.ts.
import { sql } from 'drizzle-orm';
import {
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgMaterializedView,
  pgTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { childColumns, createdAt, instant, tenantTable, timestamps } from './columns.ts';
import { inList, notBlank, oneOf, tenantRef } from './constraints.ts';
import { BATCH_STATUSES, FRUIT_TYPES, batchTable, growerTable } from './packhouse.ts';

export const ACTOR_KINDS = ['user', 'api_key', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export const BATCH_EVENT_KINDS = ['created', 'status_changed', 'weights_corrected', 'details_changed'] as const;
export type BatchEventKind = (typeof BATCH_EVENT_KINDS)[number];

/**
 * Append-only: a trigger (migration *_batch_history_append_only_and_daily_intake) refuses UPDATE
 * and DELETE, except the DELETE that follows its batch being deleted. Actors are kept as plain ids,
 * not foreign keys: removing a user must not rewrite history (and an ON DELETE SET NULL would be an
 * UPDATE the trigger refuses).
 */
export const batchEventTable = pgTable(
  'batch_events',
  {
    ...childColumns(),
    batchId: integer('batch_id').notNull(),
    kind: text('kind', { enum: BATCH_EVENT_KINDS }).notNull(),
    fromStatus: text('from_status', { enum: BATCH_STATUSES }),
    toStatus: text('to_status', { enum: BATCH_STATUSES }),
    fromGrossWeightKg: numeric('from_gross_weight_kg', { precision: 12, scale: 3 }),
    toGrossWeightKg: numeric('to_gross_weight_kg', { precision: 12, scale: 3 }),
    fromNetWeightKg: numeric('from_net_weight_kg', { precision: 12, scale: 3 }),
    toNetWeightKg: numeric('to_net_weight_kg', { precision: 12, scale: 3 }),
    /** Other fields a correction changed: { field: { from, to } }, values as text. */
    changes: jsonb('changes').$type<Record<string, { from: string | null; to: string | null }>>().notNull().default({}),
    actorKind: text('actor_kind', { enum: ACTOR_KINDS }).notNull(),
    actorId: integer('actor_id'),
    // clock_timestamp(), not now(): transactions wait on the batch row lock, so the one that started
    // first may write second; the time of the write keeps history in the order it happened.
    recordedAt: instant('recorded_at').notNull().default(sql`clock_timestamp()`),
  },
  (t) => [
    tenantRef('batch_events_batch_fk', t, t.batchId, batchTable).onDelete('cascade'),
    // Batch.history: newest first per batch, keyset (recorded_at, id) in either direction.
    index('batch_events_batch_recorded_idx').on(t.organizationId, t.batchId, t.recordedAt, t.id),
    oneOf(t.kind, BATCH_EVENT_KINDS),
    check(
      'batch_events_actor_valid',
      sql`${t.actorKind} in (${inList(ACTOR_KINDS)}) and ((${t.actorKind} = 'system') = (${t.actorId} is null))`,
    ),
    check(
      'batch_events_status_change_complete',
      sql`${t.kind} <> 'status_changed' or (${t.fromStatus} is not null and ${t.toStatus} is not null)`,
    ),
  ],
);

/**
 * What an organization pays per kg of net weight for a fruit type, from `valid_from` until the next
 * price of the same fruit type and currency. Packhouses publish such per-kg rates per fruit and
 * season, and a batch is valued at the rate in force on its intake date. Open-ended periods keep
 * prices from overlapping by construction, with no exclusion constraint.
 */
export const fruitPriceTable = tenantTable(
  'fruit_prices',
  {
    fruitType: text('fruit_type', { enum: FRUIT_TYPES }).notNull(),
    currency: text('currency').notNull(),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    pricePerKg: numeric('price_per_kg', { precision: 12, scale: 4 }).notNull(),
    ...timestamps(),
  },
  (t) => [
    // Reconciliation reads one currency's prices per fruit type in valid_from order.
    uniqueIndex('fruit_prices_period_key').on(t.organizationId, t.currency, t.fruitType, t.validFrom),
    oneOf(t.fruitType, FRUIT_TYPES),
    check('fruit_prices_currency_format', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('fruit_prices_price_not_negative', sql`${t.pricePerKg} >= 0`),
  ],
);

export const growerPaymentTable = tenantTable(
  'grower_payments',
  {
    growerId: integer('grower_id').notNull(),
    /** Unconstrained numeric: stored with the currency's own decimals ("12.50" USD, "1200" JPY). */
    amount: numeric('amount').notNull(),
    currency: text('currency').notNull(),
    paidOn: date('paid_on', { mode: 'string' }).notNull(),
    /** The bank or remittance reference; unique per organization so a payment cannot be recorded twice. */
    reference: text('reference').notNull(),
    note: text('note'),
    recordedByKind: text('recorded_by_kind', { enum: ACTOR_KINDS }).notNull(),
    recordedById: integer('recorded_by_id'),
    createdAt: createdAt(),
  },
  (t) => [
    tenantRef('grower_payments_grower_fk', t, t.growerId, growerTable),
    uniqueIndex('grower_payments_reference_key').on(t.organizationId, t.reference),
    // Grower.payments, payment totals per grower, and payments filtered by grower.
    index('grower_payments_grower_paid_idx').on(t.organizationId, t.growerId, t.paidOn, t.id),
    // grower_payments_organization_paid_idx (organization_id, paid_on, id) INCLUDE (grower_id,
    // currency, amount) is in migration *_batch_history_append_only_and_daily_intake: drizzle-kit
    // cannot express INCLUDE.
    // payments(orderBy: RECORDED_AT_DESC): what was entered lately, for review.
    index('grower_payments_organization_created_idx').on(t.organizationId, t.createdAt, t.id),
    check('grower_payments_amount_positive', sql`${t.amount} > 0`),
    check('grower_payments_amount_range', sql`${t.amount} < 1e15 and scale(${t.amount}) <= 4`),
    check('grower_payments_currency_format', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    notBlank(t.reference),
    check(
      'grower_payments_recorder_valid',
      sql`${t.recordedByKind} in (${inList(ACTOR_KINDS)}) and ((${t.recordedByKind} = 'system') = (${t.recordedById} is null))`,
    ),
  ],
);

/**
 * Intake per grower per day (custom migration *_batch_history_append_only_and_daily_intake):
 * refreshed CONCURRENTLY, so readers never wait; that needs the unique index daily_grower_intake_key (organization_id, grower_id, intake_date).
 */
export const dailyGrowerIntakeView = pgMaterializedView('daily_grower_intake', {
  organizationId: integer('organization_id').notNull(),
  growerId: integer('grower_id').notNull(),
  intakeDate: date('intake_date', { mode: 'string' }).notNull(),
  batches: integer('batches').notNull(),
  rejectedBatches: integer('rejected_batches').notNull(),
  grossWeightKg: numeric('gross_weight_kg').notNull(),
  netWeightKg: numeric('net_weight_kg').notNull(),
}).existing();

/** When each materialized view was last refreshed, so readers can tell how fresh it is. Not tenant data. */
export const viewRefreshTable = pgTable('materialized_view_refreshes', {
  viewName: text('view_name').primaryKey(),
  refreshedAt: instant('refreshed_at').notNull(),
  durationMs: integer('duration_ms').notNull(),
});
