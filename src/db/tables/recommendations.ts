// Domain 4: the card catalog and recommendation jobs. Money is integer paise (bigint), rates are basis
// points: exact, never floats. Every row carries organization_id, and child rows reference their
// parents through (organization_id, id), so no row can point into another tenant.
//
// A job's customers are numbered 1..total (seq). Chunks are seq ranges; a customer's outcome (scored
// or failed) is one row keyed by (job_id, seq), so a chunk run twice — after a crash, or by two workers
// at once — can never store a customer twice: the second insert does nothing.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  json,
  type PgColumn,
  pgTable,
  primaryKey,
  text,
  unique,
} from 'drizzle-orm/pg-core';
import { instant, organizationId, tenantTable, timestamps } from './columns.ts';
import { oneOf, tenantKey, tenantRef } from './constraints.ts';

const paise = (name: string) => bigint(name, { mode: 'number' });

export const SPEND_CATEGORY_VALUES = [
  'online_shopping',
  'groceries',
  'dining',
  'travel',
  'fuel',
  'utilities',
  'other',
] as const;

export const cardTable = tenantTable(
  'cards',
  {
    code: text('code').notNull(),
    name: text('name').notNull(),
    issuer: text('issuer').notNull(),
    annualFeePaise: paise('annual_fee_paise').notNull().default(0),
    joiningFeePaise: paise('joining_fee_paise').notNull().default(0),
    feeWaiverSpendPaise: paise('fee_waiver_spend_paise'),
    welcomeBenefitPaise: paise('welcome_benefit_paise').notNull().default(0),
    baseRateBps: integer('base_rate_bps').notNull().default(0),
    active: boolean('active').notNull().default(true),
    ...timestamps(),
  },
  (t) => [
    tenantKey(t),
    unique('cards_organization_code_key').on(t.organizationId, t.code),
    index('cards_organization_code_idx').on(t.organizationId, t.code, t.id),
    check('cards_code_format', sql`${t.code} ~ '^[A-Z0-9][A-Z0-9-]{1,63}$'`),
    check(
      'cards_amounts_not_negative',
      sql`${t.annualFeePaise} >= 0 and ${t.joiningFeePaise} >= 0 and ${t.welcomeBenefitPaise} >= 0 and coalesce(${t.feeWaiverSpendPaise}, 0) >= 0`,
    ),
    check('cards_base_rate_range', sql`${t.baseRateBps} between 0 and 10000`),
  ],
);

export const cardRewardRateTable = pgTable(
  'card_reward_rates',
  {
    organizationId: organizationId(),
    cardId: integer('card_id').notNull(),
    category: text('category', { enum: SPEND_CATEGORY_VALUES }).notNull(),
    rateBps: integer('rate_bps').notNull(),
    monthlyCapPaise: paise('monthly_cap_paise'),
  },
  (t) => [
    primaryKey({ name: 'card_reward_rates_pkey', columns: [t.cardId, t.category] }),
    tenantRef('card_reward_rates_card_fkey', t, t.cardId, cardTable).onDelete('cascade'),
    oneOf(t.category, SPEND_CATEGORY_VALUES),
    check('card_reward_rates_rate_range', sql`${t.rateBps} between 0 and 10000`),
    check('card_reward_rates_cap_not_negative', sql`coalesce(${t.monthlyCapPaise}, 0) >= 0`),
  ],
);

export const JOB_STATUSES = ['queued', 'running', 'completed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const JOB_SOURCES = ['inline', 'csv', 'xlsx'] as const;
export type JobSource = (typeof JOB_SOURCES)[number];
export const PROVIDER_KINDS = ['builtin', 'http'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const recommendationJobTable = tenantTable(
  'recommendation_jobs',
  {
    name: text('name'),
    source: text('source', { enum: JOB_SOURCES }).notNull(),
    provider: text('provider', { enum: PROVIDER_KINDS }).notNull(),
    status: text('status', { enum: JOB_STATUSES }).notNull().default('queued'),
    total: integer('total').notNull(),
    doneCount: integer('done_count').notNull().default(0),
    failedCount: integer('failed_count').notNull().default(0),
    /** Input rows refused at import (listed in recommendation_job_input_errors). */
    rejectedRows: integer('rejected_rows').notNull().default(0),
    /** Customers already finished when the current run started (non-zero after a retry), for the rate. */
    baseProcessed: integer('base_processed').notNull().default(0),
    chunkSize: integer('chunk_size').notNull(),
    chunkCount: integer('chunk_count').notNull(),
    /** sha256 of the normalized request: the same request within the dedupe window returns this job. */
    requestHash: text('request_hash').notNull(),
    createdBy: text('created_by'),
    createdAt: instant('created_at').notNull().defaultNow(),
    startedAt: instant('started_at'),
    finishedAt: instant('finished_at'),
    cancelledAt: instant('cancelled_at'),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    tenantKey(t),
    index('recommendation_jobs_organization_created_idx').on(t.organizationId, t.id),
    index('recommendation_jobs_dedupe_idx').on(t.organizationId, t.requestHash, t.createdAt),
    oneOf(t.status, JOB_STATUSES),
    oneOf(t.source, JOB_SOURCES),
    oneOf(t.provider, PROVIDER_KINDS),
    check(
      'recommendation_jobs_counts_valid',
      sql`${t.total} > 0 and ${t.doneCount} >= 0 and ${t.failedCount} >= 0 and ${t.doneCount} + ${t.failedCount} <= ${t.total}`,
    ),
  ],
);

/** The first columns of a job's child rows: the job's organization and the job. */
const jobColumns = () => ({
  organizationId: integer('organization_id').notNull(),
  jobId: integer('job_id').notNull(),
});

const jobRef = (name: string, t: { organizationId: PgColumn; jobId: PgColumn }) =>
  tenantRef(name, t, t.jobId, recommendationJobTable).onDelete('cascade');

/** The job's input, one row per customer: the staging table imports COPY into. */
export const jobCustomerTable = pgTable(
  'recommendation_job_customers',
  {
    ...jobColumns(),
    seq: integer('seq').notNull(),
    /** Line (or spreadsheet row) of the input file, or the position in an inline request. */
    line: integer('line').notNull(),
    customerRef: text('customer_ref').notNull(),
    onlineShoppingPaise: paise('online_shopping_paise').notNull(),
    groceriesPaise: paise('groceries_paise').notNull(),
    diningPaise: paise('dining_paise').notNull(),
    travelPaise: paise('travel_paise').notNull(),
    fuelPaise: paise('fuel_paise').notNull(),
    utilitiesPaise: paise('utilities_paise').notNull(),
    otherPaise: paise('other_paise').notNull(),
    gmvPaise: paise('gmv_paise'),
  },
  (t) => [
    primaryKey({ name: 'recommendation_job_customers_pkey', columns: [t.jobId, t.seq] }),
    jobRef('recommendation_job_customers_job_fkey', t),
  ],
);

export const CHUNK_STATUSES = ['pending', 'running', 'done', 'cancelled'] as const;
export type ChunkStatus = (typeof CHUNK_STATUSES)[number];

export const jobChunkTable = pgTable(
  'recommendation_job_chunks',
  {
    ...jobColumns(),
    chunkNo: integer('chunk_no').notNull(),
    firstSeq: integer('first_seq').notNull(),
    lastSeq: integer('last_seq').notNull(),
    status: text('status', { enum: CHUNK_STATUSES }).notNull().default('pending'),
    /** How many times a worker started this chunk (more than once after a crash or a retry). */
    attempts: integer('attempts').notNull().default(0),
    startedAt: instant('started_at'),
    finishedAt: instant('finished_at'),
  },
  (t) => [
    primaryKey({ name: 'recommendation_job_chunks_pkey', columns: [t.jobId, t.chunkNo] }),
    jobRef('recommendation_job_chunks_job_fkey', t),
    oneOf(t.status, CHUNK_STATUSES),
    check('recommendation_job_chunks_range_valid', sql`${t.firstSeq} >= 1 and ${t.lastSeq} >= ${t.firstSeq}`),
  ],
);

export const OUTCOME_STATUSES = ['scored', 'failed'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/** Stored recommendation: card, rank and amounts in paise. */
/**
 * One stored card, in rank order (rank = position + 1): [catalog card id or null, code, name, net
 * savings, yearly rewards, fees], amounts in paise. An array, not an object: 200,000 customers × 10
 * cards with the keys spelled out in every card were 395 MB of jsonb, and PostgreSQL took 1.8× as long
 * to store them as the same cards as arrays (228 MB).
 */
export type StoredRecommendation = [
  cardId: number | null,
  code: string,
  name: string,
  net: number,
  rewards: number,
  fees: number,
];

/** One row per customer of a job: its top cards, or why it could not be scored. */
export const jobResultTable = pgTable(
  'recommendation_results',
  {
    ...jobColumns(),
    seq: integer('seq').notNull(),
    customerRef: text('customer_ref').notNull(),
    status: text('status', { enum: OUTCOME_STATUSES }).notNull(),
    // json, not jsonb: stored once and read back whole, never queried inside; json keeps the text as
    // written (docs/decisions/0033-stored-cards-as-json.md).
    recommendations: json('recommendations').$type<StoredRecommendation[]>(),
    /** Failure kind (rate_limited, server_error, timeout, connection_reset, rejected, invalid_response, worker_error). */
    reason: text('reason'),
    detail: text('detail'),
    /** Provider calls made for this customer (1 when it succeeded at once). */
    attempts: integer('attempts').notNull(),
    completedAt: instant('completed_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'recommendation_results_pkey', columns: [t.jobId, t.seq] }),
    jobRef('recommendation_results_job_fkey', t),
    oneOf(t.status, OUTCOME_STATUSES),
    check(
      'recommendation_results_shape_valid',
      sql`(${t.status} = 'scored' and json_typeof(${t.recommendations}) = 'array' and json_array_length(${t.recommendations}) <= 10)
          or (${t.status} = 'failed' and ${t.reason} is not null)`,
    ),
  ],
);

/** Input rows an import refused, with their line numbers (the first 1,000 of a file are kept). */
export const jobInputErrorTable = pgTable(
  'recommendation_job_input_errors',
  {
    ...jobColumns(),
    line: integer('line').notNull(),
    message: text('message').notNull(),
  },
  (t) => [
    primaryKey({ name: 'recommendation_job_input_errors_pkey', columns: [t.jobId, t.line] }),
    jobRef('recommendation_job_input_errors_job_fkey', t),
  ],
);

/**
 * The provider's token bucket when workers share no Redis (provider/pg-bucket.ts): one row per provider
 * URL, holding the next free call slot as epoch milliseconds on the database clock (GCRA's "theoretical
 * arrival time"). Workers lease slots from it in batches, so it sees a few statements a second.
 */
export const providerRateBucketTable = pgTable('provider_rate_buckets', {
  key: text('key').primaryKey(),
  nextSlotMs: doublePrecision('next_slot_ms').notNull(),
  updatedAt: instant('updated_at').notNull().defaultNow(),
});
