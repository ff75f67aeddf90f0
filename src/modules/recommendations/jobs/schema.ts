// GraphQL for recommendation jobs: submit inline (≤ 500) or import a file, follow progress (query or
// SSE subscription), page through results, cancel, retry the failed customers. Thin: the work is in
// service.ts, import.ts and tasks.ts. Big files stream through POST /jobs/import and results
// download from /jobs/:id/results.csv|xlsx (src/http/use-recommendation-files.ts).
import '../catalog/schema.ts';
import { principalKey, type Context } from '../../../context.ts';
import {
  JOB_SOURCES,
  JOB_STATUSES,
  OUTCOME_STATUSES,
  recommendationJobTable,
  type StoredRecommendation,
} from '../../../db/tables/index.ts';
import { encodeGlobalId } from '../../../lib/global-id.ts';
import { rupeesFromPaise } from '../../../lib/money.ts';
import { builder } from '../../../schema/builder.ts';
import { tenantRows } from '../../../schema/nodes.ts';
import { mutation } from '../../../schema/mutations.ts';
import { listQuery, nodeQuery, progressSubscription } from '../../../schema/queries.ts';
import { connectionComplexity, enumValues } from '../../../schema/common.ts';
import { CardRef } from '../catalog/schema.ts';
import { FAILURE_REASONS } from '../provider/retry.ts';
import * as service from './service.ts';
import { watchJob } from './watch.ts';

const JobStatusEnum = builder.enumType('RecommendationJobStatus', { values: enumValues(JOB_STATUSES) });
const JobSourceEnum = builder.enumType('RecommendationJobSource', { values: enumValues(JOB_SOURCES) });
export const ProviderEnum = builder.enumType('RecommendationProvider', {
  description:
    'BUILTIN scores from your card catalog in our workers; HTTP calls the external scoring API (rate-limited).',
  values: { BUILTIN: { value: 'builtin' as const }, HTTP: { value: 'http' as const } },
});
const ResultStatusEnum = builder.enumType('RecommendationResultStatus', { values: enumValues(OUTCOME_STATUSES) });
const FailureReasonEnum = builder.enumType('RecommendationFailureReason', { values: enumValues(FAILURE_REASONS) });

/** A stored card (db/tables/recommendations.ts) with its rank. */
type RankedCard = { rank: number; card: StoredRecommendation };

const CardRecommendationRef = builder.objectRef<RankedCard>('CardRecommendation').implement({
  description: 'One recommended card; net savings = yearly rewards + welcome benefit − fees, never negative.',
  fields: (t) => ({
    rank: t.exposeInt('rank'),
    cardCode: t.string({ resolve: (r) => r.card[1] }),
    cardName: t.string({ resolve: (r) => r.card[2] }),
    card: t.field({
      type: CardRef,
      nullable: true,
      description: 'The catalog card, when the provider named one of yours.',
      resolve: (r) => (r.card[0] === null ? null : String(r.card[0])),
    }),
    netSavings: t.field({ type: 'Decimal', resolve: (r) => rupeesFromPaise(r.card[3]) }),
    yearlyRewards: t.field({ type: 'Decimal', resolve: (r) => rupeesFromPaise(r.card[4]) }),
    fees: t.field({ type: 'Decimal', resolve: (r) => rupeesFromPaise(r.card[5]) }),
  }),
});

const FailureRef = builder.objectRef<service.JobResult>('RecommendationFailure').implement({
  fields: (t) => ({
    reason: t.field({ type: FailureReasonEnum, resolve: (r) => r.reason as (typeof FAILURE_REASONS)[number] }),
    detail: t.string({ resolve: (r) => r.detail ?? '' }),
    attempts: t.exposeInt('attempts', { description: 'Provider calls made before giving up.' }),
  }),
});

const ResultRef = builder.objectRef<service.JobResult>('RecommendationResult').implement({
  description: "One customer's outcome: up to 10 cards ranked by net savings, or why it failed.",
  fields: (t) => ({
    customerRef: t.exposeString('customerRef'),
    status: t.expose('status', { type: ResultStatusEnum }),
    recommendations: t.field({
      type: [CardRecommendationRef],
      complexity: { field: 1, multiplier: 1 },
      resolve: (r) => (r.recommendations ?? []).map((card, i) => ({ rank: i + 1, card })),
    }),
    failure: t.field({ type: FailureRef, nullable: true, resolve: (r) => (r.status === 'failed' ? r : null) }),
    attempts: t.exposeInt('attempts'),
    completedAt: t.expose('completedAt', { type: 'DateTime' }),
  }),
});
const ResultConnection = builder.connectionObject({ type: ResultRef, name: 'RecommendationResultConnection' });

export const InputRowErrorRef = builder.objectRef<{ line: number; message: string }>('InputRowError').implement({
  description: 'A row of an imported file that was refused; the other rows were imported.',
  fields: (t) => ({ line: t.exposeInt('line'), message: t.exposeString('message') }),
});
const InputErrorConnection = builder.connectionObject({ type: InputRowErrorRef, name: 'InputRowErrorConnection' });

export const RecommendationJobRef = builder.loadableNode('RecommendationJob', {
  ...tenantRows(recommendationJobTable, { compiled: false }),
  description: 'A batch of customers to score. Counts and rate update as workers finish chunks.',
  fields: (t) => ({
    name: t.exposeString('name', { nullable: true }),
    status: t.expose('status', { type: JobStatusEnum }),
    source: t.expose('source', { type: JobSourceEnum }),
    provider: t.expose('provider', { type: ProviderEnum }),
    total: t.exposeInt('total', { description: 'Customers in the job.' }),
    done: t.exposeInt('doneCount', { description: 'Customers scored.' }),
    failed: t.exposeInt('failedCount', {
      description: 'Customers that could not be scored (see results with status FAILED).',
    }),
    pending: t.int({ resolve: (j) => j.total - j.doneCount - j.failedCount }),
    rejectedRows: t.exposeInt('rejectedRows', { description: 'Input rows refused at import (see inputErrors).' }),
    ratePerSecond: t.float({
      description: 'Customers finished per second in the current run.',
      resolve: (j) => service.jobProgress(j).ratePerSecond,
    }),
    etaSeconds: t.int({
      nullable: true,
      description: 'Seconds left at the current rate; null until there is a rate.',
      resolve: (j) => service.jobProgress(j).etaSeconds,
    }),
    elapsedSeconds: t.float({ resolve: (j) => service.jobProgress(j).elapsedSeconds }),
    chunkCount: t.exposeInt('chunkCount'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    resultsCsvUrl: t.string({
      description: 'Download path of all results as CSV (send your credentials).',
      resolve: (j) => `/jobs/${encodeGlobalId('RecommendationJob', j.id)}/results.csv`,
    }),
    resultsXlsxUrl: t.string({ resolve: (j) => `/jobs/${encodeGlobalId('RecommendationJob', j.id)}/results.xlsx` }),
    results: t.field({
      type: ResultConnection,
      description: `Outcomes in input order, ${service.RESULT_PAGE.defaultSize} a page by default, at most ${service.RESULT_PAGE.maxSize}.`,
      args: { first: t.arg.int(), after: t.arg.string(), status: t.arg({ type: ResultStatusEnum }) },
      complexity: service.resultsComplexity,
      resolve: (j, args, ctx) => service.listResults(ctx.db, j, args.status ?? null, args),
    }),
    inputErrors: t.field({
      type: InputErrorConnection,
      description: 'Rows refused at import with their line numbers (the first 1,000).',
      args: { first: t.arg.int(), after: t.arg.string() },
      complexity: connectionComplexity(service.RESULT_PAGE),
      resolve: (j, args, ctx) => service.listInputErrors(ctx.db, j, args),
    }),
  }),
});
const JobConnection = builder.connectionObject({ type: RecommendationJobRef, name: 'RecommendationJobConnection' });

nodeQuery('recommendationJob', RecommendationJobRef, (id, ctx, org) => service.getJob(ctx.db, org, id));
listQuery('recommendationJobs', {
  type: JobConnection,
  description: 'Your jobs, newest first.',
  resolve: (args, ctx, org) => service.listJobs(ctx.db, org, args),
});

progressSubscription('recommendationJobProgress', {
  type: RecommendationJobRef,
  description:
    'The job each time its progress changes (checked every 500 ms), ending once it has completed or been cancelled. Works over SSE (Accept: text/event-stream).',
  watch: (id, ctx, org) => watchJob(ctx.db, org, id),
});

const CustomerSpendInput = builder.inputType('CustomerSpendInput', {
  description:
    'One customer and their monthly spend in rupees per category (blank = 0). gmv, the total monthly spend, is optional.',
  fields: (t) => ({
    customerRef: t.string({ required: true }),
    onlineShopping: t.field({ type: 'Decimal' }),
    groceries: t.field({ type: 'Decimal' }),
    dining: t.field({ type: 'Decimal' }),
    travel: t.field({ type: 'Decimal' }),
    fuel: t.field({ type: 'Decimal' }),
    utilities: t.field({ type: 'Decimal' }),
    other: t.field({ type: 'Decimal' }),
    gmv: t.field({ type: 'Decimal' }),
  }),
});

const SubmitJobInput = builder.inputType('SubmitRecommendationJobInput', {
  fields: (t) => ({
    customers: t.field({
      type: [CustomerSpendInput],
      required: true,
      description: `1 to ${service.MAX_INLINE_CUSTOMERS} customers; import a file for more.`,
    }),
    name: t.string(),
    provider: t.field({ type: ProviderEnum, description: 'Defaults to the server setting (RECOMMENDATION_PROVIDER).' }),
  }),
});

export type JobPayload = {
  job: service.Job;
  deduplicated: boolean;
  imported?: number;
  rejectedRows?: number;
  errors?: { line: number; message: string }[];
};
const SubmitPayload = builder.objectRef<JobPayload>('SubmitRecommendationJobPayload').implement({
  fields: (t) => ({
    job: t.field({ type: RecommendationJobRef, resolve: (p) => p.job }),
    deduplicated: t.exposeBoolean('deduplicated', {
      description: 'True when the same request was submitted within the dedupe window: this is that job.',
    }),
  }),
});
export const jobDeps = (ctx: Context) => ({ db: ctx.db, jobs: ctx.jobs, config: ctx.config });

mutation('submitRecommendationJob', {
  type: SubmitPayload,
  description: `Scores 1 to ${service.MAX_INLINE_CUSTOMERS} customers in the background; follow it with recommendationJob or recommendationJobProgress.`,
  input: SubmitJobInput,
  resolve: ({ input }, ctx, org) =>
    service.submitInlineJob(jobDeps(ctx), org, principalKey(ctx.principal), {
      name: input.name,
      provider: input.provider,
      customers: input.customers as service.InlineCustomer[],
    }),
});
mutation('cancelRecommendationJob', {
  type: RecommendationJobRef,
  description: 'Stops a queued or running job; customers already scored keep their results.',
  ids: { id: 'RecommendationJob' },
  resolve: ({ id }, ctx, org) => service.cancelJob(ctx.db, org, id),
});
mutation('retryFailedRecommendations', {
  type: RecommendationJobRef,
  description: 'Scores again the customers of a completed job that failed.',
  ids: { id: 'RecommendationJob' },
  resolve: ({ id }, ctx, org) => service.retryFailedCustomers(jobDeps(ctx), org, id),
});
