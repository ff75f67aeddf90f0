// Recommendation jobs: submit (inline), cancel, retry the failed customers, and the reads behind
// progress and results. Every write happens here (imports in import.ts, chunk work in tasks.ts) and
// every statement is scoped to the caller's organization.
import { createHash } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Config } from '../../../config.ts';
import {
  jobCustomerTable,
  jobInputErrorTable,
  jobResultTable,
  recommendationJobTable,
  type OutcomeStatus,
  type ProviderKind,
} from '../../../db/tables/index.ts';
import { keysetPage, newestFirst, tenantPage, type Ordering, type PageArgs } from '../../../db/keyset.ts';
import { QUEUES, type JobQueue, type QueuePayload } from '../../../db/queue.ts';
import { findOwnedRow, lockOwnedRow } from '../../../db/tenant.ts';
import { NotFoundError, ValidationError } from '../../../lib/errors.ts';
import { isoFromPg } from '../../../lib/time.ts';
import type { Db } from '../../../resources.ts';
import { parseCustomerRecord, type InputColumn } from './input.ts';
import { SPEND_CATEGORIES, type CustomerSpend } from '../catalog/scoring.ts';

export type Job = typeof recommendationJobTable.$inferSelect;
export type JobResult = typeof jobResultTable.$inferSelect;
export type JobInputError = typeof jobInputErrorTable.$inferSelect;
export type JobDeps = { db: Db; jobs: JobQueue; config: Config };
export type ChunkPayload = QueuePayload<typeof QUEUES.recommendationChunk>;

export const MAX_INLINE_CUSTOMERS = 500;

/** Customers per chunk: big for the in-process scorer, about 4 s of calls for a rate-limited provider. */
export function chunkSizeFor(config: Config, provider: ProviderKind): number {
  if (config.jobs.chunkSize) return config.jobs.chunkSize;
  // Built-in: a chunk costs eight statements whatever its size, so 200,000 customers go in 40 chunks.
  return provider === 'builtin' ? 5_000 : Math.min(1_000, Math.max(20, config.provider.rateLimit * 4));
}

export function resolveProvider(
  config: Config,
  requested: ProviderKind | null | undefined,
  field = 'input.provider',
): ProviderKind {
  const kind = requested ?? config.provider.default;
  if (kind === 'http' && !config.provider.url) {
    throw ValidationError.of(
      field,
      'The HTTP scoring provider is not configured on this server (PROVIDER_URL is unset): use provider BUILTIN, or ask your operator to set PROVIDER_URL.',
    );
  }
  return kind;
}

export function customerTuple(c: CustomerSpend): (string | number | null)[] {
  return [c.customerRef, ...SPEND_CATEGORIES.map((k) => c.spend[k]), c.gmv];
}

/** The newest job of this organization with the same request hash, made within the dedupe window. */
export async function findRecentDuplicate(
  tx: Db,
  organizationId: number,
  hash: string,
  windowSeconds: number,
): Promise<Job | null> {
  if (windowSeconds <= 0) return null;
  const [job] = await tx
    .select()
    .from(recommendationJobTable)
    .where(
      and(
        eq(recommendationJobTable.organizationId, organizationId),
        eq(recommendationJobTable.requestHash, hash),
        sql`${recommendationJobTable.createdAt} > now() - make_interval(secs => ${windowSeconds})`,
        sql`${recommendationJobTable.status} <> 'cancelled'`,
      ),
    )
    .orderBy(desc(recommendationJobTable.id))
    .limit(1);
  return job ?? null;
}

/** Serializes submissions of one request so two identical ones racing still make one job. */
export async function lockRequest(tx: Db, organizationId: number, hash: string): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`recommendation-job:${organizationId}:${hash}`}, 0))`,
  );
}

/** Writes the chunk rows of a job and enqueues one queue job per chunk, in the caller's transaction. */
export async function planChunks(
  tx: Db,
  queue: JobQueue,
  job: Pick<Job, 'id' | 'organizationId' | 'total' | 'chunkSize' | 'chunkCount'>,
): Promise<void> {
  await tx.execute(sql`
    insert into recommendation_job_chunks (organization_id, job_id, chunk_no, first_seq, last_seq)
    select ${job.organizationId}::int, ${job.id}::int, n, (n - 1) * ${job.chunkSize}::int + 1, least(n * ${job.chunkSize}::int, ${job.total}::int)
    from generate_series(1, ${job.chunkCount}::int) as n`);
  const payloads: ChunkPayload[] = [];
  for (let n = 1; n <= job.chunkCount; n++)
    payloads.push({ organizationId: job.organizationId, jobId: job.id, chunkNo: n });
  await queue.send(tx, QUEUES.recommendationChunk, payloads);
}

export type InlineCustomer = { customerRef: string; gmv?: string | null } & Partial<Record<string, string | null>>;
export type SubmitInput = { name?: string | null; provider?: ProviderKind | null; customers: InlineCustomer[] };

const camel = (column: string) => column.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

/** Checks every inline customer; all problems come back at once, each naming its input field. */
export function parseInlineCustomers(customers: InlineCustomer[]): CustomerSpend[] {
  if (customers.length === 0) throw ValidationError.of('input.customers', 'Send at least one customer.');
  if (customers.length > MAX_INLINE_CUSTOMERS) {
    throw ValidationError.of(
      'input.customers',
      `An inline job takes at most ${MAX_INLINE_CUSTOMERS} customers; this request has ${customers.length}. ` +
        'For larger batches import a CSV or XLSX file instead: POST it to /jobs/import, use the importRecommendationJob mutation, ' +
        'or run `npm run job:import -- customers.xlsx` (up to 200,000 customers and more).',
    );
  }
  const issues: { field: string; message: string }[] = [];
  const parsed: CustomerSpend[] = [];
  const seen = new Map<string, number>();
  customers.forEach((customer, i) => {
    const result = parseCustomerRecord(
      (column: InputColumn) => customer[column === 'customer_ref' ? 'customerRef' : camel(column)],
    );
    const ref = String(customer.customerRef ?? '').trim();
    const first = seen.get(ref);
    if (ref && first !== undefined) {
      issues.push({
        field: `input.customers.${i}.customerRef`,
        message: `customer_ref ${ref} already appears at input.customers.${first}`,
      });
    } else if (ref) seen.set(ref, i);
    if (!result.ok) {
      for (const p of result.problems)
        issues.push({ field: `input.customers.${i}.${camel(p.column)}`, message: p.message });
    } else parsed.push(result.value);
  });
  if (issues.length) throw new ValidationError(issues);
  return parsed;
}

export async function submitInlineJob(
  deps: JobDeps,
  organizationId: number,
  createdBy: string | null,
  input: SubmitInput,
): Promise<{ job: Job; deduplicated: boolean }> {
  const customers = parseInlineCustomers(input.customers);
  const provider = resolveProvider(deps.config, input.provider);
  const name = input.name?.trim() || null;
  const hash = createHash('sha256')
    .update(JSON.stringify({ source: 'inline', provider, name, customers: customers.map(customerTuple) }))
    .digest('hex');
  return deps.db.transaction(async (tx) => {
    await lockRequest(tx, organizationId, hash);
    const duplicate = await findRecentDuplicate(tx, organizationId, hash, deps.config.jobs.dedupeSeconds);
    if (duplicate) return { job: duplicate, deduplicated: true };
    const chunkSize = chunkSizeFor(deps.config, provider);
    const [job] = await tx
      .insert(recommendationJobTable)
      .values({
        organizationId,
        name,
        source: 'inline',
        provider,
        total: customers.length,
        chunkSize,
        chunkCount: Math.ceil(customers.length / chunkSize),
        requestHash: hash,
        createdBy,
      })
      .returning();
    await tx.insert(jobCustomerTable).values(
      customers.map((c, i) => ({
        organizationId,
        jobId: job.id,
        seq: i + 1,
        line: i + 1,
        customerRef: c.customerRef,
        onlineShoppingPaise: c.spend.online_shopping,
        groceriesPaise: c.spend.groceries,
        diningPaise: c.spend.dining,
        travelPaise: c.spend.travel,
        fuelPaise: c.spend.fuel,
        utilitiesPaise: c.spend.utilities,
        otherPaise: c.spend.other,
        gmvPaise: c.gmv,
      })),
    );
    await planChunks(tx, deps.jobs, job);
    return { job, deduplicated: false };
  });
}

export async function cancelJob(db: Db, organizationId: number, id: number): Promise<Job> {
  return db.transaction(async (tx) => {
    const [job] = await tx
      .update(recommendationJobTable)
      .set({ status: 'cancelled', cancelledAt: sql`now()`, finishedAt: sql`now()`, updatedAt: sql`now()` })
      .where(
        and(
          eq(recommendationJobTable.organizationId, organizationId),
          eq(recommendationJobTable.id, id),
          sql`${recommendationJobTable.status} in ('queued', 'running')`,
        ),
      )
      .returning();
    if (!job) {
      const existing = await getJob(tx, organizationId, id);
      if (!existing) throw new NotFoundError('RecommendationJob', String(id));
      if (existing.status === 'cancelled') return existing;
      throw ValidationError.of(
        'id',
        `The job has already ${existing.status}; only queued or running jobs can be cancelled.`,
      );
    }
    // Workers see the job's status at their next checkpoint and stop; queued chunks end at once.
    await tx.execute(
      sql`update recommendation_job_chunks set status = 'cancelled' where job_id = ${id} and status in ('pending', 'running')`,
    );
    return job;
  });
}

/** Forgets the failures of a finished job and schedules those customers again. */
export async function retryFailedCustomers(deps: JobDeps, organizationId: number, id: number): Promise<Job> {
  return deps.db.transaction(async (tx) => {
    const job = await lockOwnedRow(tx, recommendationJobTable, organizationId, id, 'RecommendationJob');
    if (job.status === 'queued' || job.status === 'running') {
      throw ValidationError.of('id', 'The job is still running; retry its failed customers once it has completed.');
    }
    if (job.status === 'cancelled')
      throw ValidationError.of('id', 'The job was cancelled; submit its customers again to score them.');
    if (job.failedCount === 0) return job;
    const [reopened] = await tx.execute<{ deleted: number; chunks: number[] }>(sql`
      with deleted as (
        delete from recommendation_results
        where job_id = ${id} and organization_id = ${organizationId} and status = 'failed'
        returning seq
      ), reopened as (
        update recommendation_job_chunks c set status = 'pending', finished_at = null
        where c.job_id = ${id} and exists (select 1 from deleted d where d.seq between c.first_seq and c.last_seq)
        returning chunk_no
      )
      select (select count(*) from deleted)::int as deleted, coalesce((select array_agg(chunk_no order by chunk_no) from reopened), '{}') as chunks`);
    const [updated] = await tx
      .update(recommendationJobTable)
      .set({
        status: 'queued',
        failedCount: sql`${recommendationJobTable.failedCount} - ${reopened.deleted}`,
        baseProcessed: sql`${recommendationJobTable.doneCount} + ${recommendationJobTable.failedCount} - ${reopened.deleted}`,
        startedAt: null,
        finishedAt: null,
        updatedAt: sql`now()`,
      })
      .where(eq(recommendationJobTable.id, id))
      .returning();
    await deps.jobs.send(
      tx,
      QUEUES.recommendationChunk,
      reopened.chunks.map((chunkNo) => ({ organizationId, jobId: id, chunkNo }) satisfies ChunkPayload),
    );
    return updated;
  });
}

// ---- reads -----------------------------------------------------------------------------------

export function getJob(db: Db, organizationId: number, id: number): Promise<Job | null> {
  return findOwnedRow(db, recommendationJobTable, organizationId, id);
}

const jobOrdering = newestFirst(recommendationJobTable, 'recommendationJobs:NEWEST');

export function listJobs(db: Db, organizationId: number, page: PageArgs) {
  return tenantPage(db, recommendationJobTable, organizationId, jobOrdering, page);
}

const resultOrdering: Ordering<JobResult> = {
  list: 'recommendationJob.results',
  columns: [jobResultTable.seq],
  direction: 'asc',
  key: (r) => [r.seq],
};
export const RESULT_PAGE = { defaultSize: 100, maxSize: 1_000 };

/**
 * Query cost of a results page. A result is one row whose cards live in the row itself, so a page of
 * any size is one index range scan: it costs a tenth of a nested list of the same length.
 */
export function resultsComplexity(args: { first?: number | null }) {
  return { field: 1, multiplier: Math.max(1, Math.ceil((args.first ?? RESULT_PAGE.defaultSize) / 10)) };
}

/** A job's results in input order; the caller has loaded the job, so it is in their organization. */
export function listResults(
  db: Db,
  job: Pick<Job, 'id' | 'organizationId'>,
  status: OutcomeStatus | null,
  page: PageArgs,
) {
  return keysetPage(
    db,
    jobResultTable,
    and(
      eq(jobResultTable.jobId, job.id),
      eq(jobResultTable.organizationId, job.organizationId),
      status ? eq(jobResultTable.status, status) : undefined,
    ),
    { ...resultOrdering, list: `${resultOrdering.list}:${status ?? 'all'}` },
    page,
    RESULT_PAGE,
  );
}

const inputErrorOrdering: Ordering<JobInputError> = {
  list: 'recommendationJob.inputErrors',
  columns: [jobInputErrorTable.line],
  direction: 'asc',
  key: (e) => [e.line],
};

export function listInputErrors(db: Db, job: Pick<Job, 'id' | 'organizationId'>, page: PageArgs) {
  return keysetPage(
    db,
    jobInputErrorTable,
    and(eq(jobInputErrorTable.jobId, job.id), eq(jobInputErrorTable.organizationId, job.organizationId)),
    inputErrorOrdering,
    page,
    RESULT_PAGE,
  );
}

/** Throughput of the current run and the time left at that pace. */
export function jobProgress(job: Job, now = Date.now()) {
  const processed = job.doneCount + job.failedCount;
  const remaining = job.total - processed;
  const started = job.startedAt ? Date.parse(isoFromPg(job.startedAt)) : null;
  const end = job.finishedAt ? Date.parse(isoFromPg(job.finishedAt)) : now;
  const seconds = started === null ? 0 : Math.max(0.001, (end - started) / 1000);
  const rate = started === null ? 0 : Math.max(0, processed - job.baseProcessed) / seconds;
  const active = job.status === 'queued' || job.status === 'running';
  return {
    processed,
    remaining,
    ratePerSecond: Math.round(rate * 100) / 100,
    etaSeconds: active && rate > 0 ? Math.ceil(remaining / rate) : active ? null : 0,
    elapsedSeconds: Math.round(seconds * 10) / 10,
  };
}
