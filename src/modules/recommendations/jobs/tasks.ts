// Chunk work, run by src/worker.ts through pg-boss. A chunk is a seq range of one job; running it
// scores the customers of that range that have no outcome yet, writing outcomes every 250 ms (the
// checkpoint). Outcomes insert with ON CONFLICT DO NOTHING and the job's counters grow by the rows
// actually inserted, in the same transaction — so a chunk that runs again after a crash, or twice at
// once, neither loses a customer nor stores or counts one twice.
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import { copyIn, copyText } from '../../../db/copy.ts';
import {
  jobChunkTable,
  jobCustomerTable,
  jobResultTable,
  recommendationJobTable,
  type StoredRecommendation,
} from '../../../db/tables/index.ts';
import { QUEUES, startQueueWorker } from '../../../db/queue.ts';
import { findOwnedRow } from '../../../db/tenant.ts';
import type { Db, Resources } from '../../../resources.ts';
import { loadCatalog } from '../catalog/service.ts';
import type { Recommendation } from '../catalog/scoring.ts';
import {
  createProviderRuntime,
  scoreCustomers,
  type JobCustomer,
  type Outcome,
  type ProviderRuntime,
} from '../provider/runner.ts';
import { idempotencyPrefix } from '../provider/wire.ts';
import type { ChunkPayload, Job } from './service.ts';

const FLUSH_EVERY_MS = 250;
const FLUSH_ROWS = 2_000;

export type ChunkDeps = { db: Db; runtime: ProviderRuntime; log: Logger };

export async function pendingCustomers(
  db: Db,
  jobId: number,
  firstSeq: number,
  lastSeq: number,
): Promise<JobCustomer[]> {
  // Plain rows, mapped by hand: a chunk reads 5,000 of them, and the ORM's per-column mapping was a
  // tenth of a worker's time. Amounts are bigint (text on the wire), whole paise within 2^53.
  const rows = await db.execute<{
    seq: number;
    customer_ref: string;
    gmv: string | null;
    a: string;
    b: string;
    c: string;
    d: string;
    e: string;
    f: string;
    g: string;
  }>(sql`
    select seq, customer_ref, gmv_paise as gmv, online_shopping_paise as a, groceries_paise as b, dining_paise as c,
      travel_paise as d, fuel_paise as e, utilities_paise as f, other_paise as g
    from ${jobCustomerTable} c
    where c.job_id = ${jobId} and c.seq between ${firstSeq} and ${lastSeq}
      and not exists (select 1 from ${jobResultTable} r where r.job_id = ${jobId} and r.seq = c.seq)
    order by c.seq`);
  return rows.map((r) => ({
    seq: r.seq,
    customerRef: r.customer_ref,
    gmv: r.gmv === null ? null : Number(r.gmv),
    spend: {
      online_shopping: Number(r.a),
      groceries: Number(r.b),
      dining: Number(r.c),
      travel: Number(r.d),
      fuel: Number(r.e),
      utilities: Number(r.f),
      other: Number(r.g),
    },
  }));
}

function toRow(job: Pick<Job, 'id' | 'organizationId'>, o: Outcome) {
  const base = {
    organizationId: job.organizationId,
    jobId: job.id,
    seq: o.seq,
    customerRef: o.customerRef,
    attempts: o.attempts,
  };
  if (o.status === 'failed')
    return { ...base, status: 'failed' as const, reason: o.reason, detail: o.detail.slice(0, 500) };
  const recommendations: StoredRecommendation[] = o.recommendations.map((r) => [
    r.cardId,
    r.code,
    r.name,
    r.netSavingsPaise,
    r.yearlyRewardsPaise,
    r.feesPaise,
  ]);
  return { ...base, status: 'scored' as const, recommendations };
}

const jsonNumber = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

/** The cards as toRow stores them (StoredRecommendation[]), as JSON text, without the objects in between. */
function storedJson(recs: Recommendation[]): string {
  let json = '[';
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    json += `${i ? ',' : ''}[${r.cardId === null ? 'null' : jsonNumber(r.cardId)},${JSON.stringify(r.code)},${JSON.stringify(r.name)},${jsonNumber(r.netSavingsPaise)},${jsonNumber(r.yearlyRewardsPaise)},${jsonNumber(r.feesPaise)}]`;
  }
  return `${json}]`;
}

/**
 * Stores outcomes and counts the ones that were new; returns the job's status after the write.
 * Usually one COPY and the counter update in one transaction: the chunk's customers without an
 * outcome were read just before, so none of these rows exists yet. When one does (a chunk run twice
 * at once, after its claim was lost), the COPY fails whole, and the batch goes again through
 * insertOutcomes, which keeps the rows stored first and counts only the new ones.
 */
export async function writeOutcomes(
  db: Db,
  job: Pick<Job, 'id' | 'organizationId'>,
  outcomes: Outcome[],
): Promise<Job['status']> {
  if (!outcomes.length) return insertOutcomes(db, job, outcomes);
  try {
    return await copyOutcomes(db, job, outcomes);
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    return insertOutcomes(db, job, outcomes);
  }
}

const UNIQUE_VIOLATION = '23505';

async function copyOutcomes(
  db: Db,
  job: Pick<Job, 'id' | 'organizationId'>,
  outcomes: Outcome[],
): Promise<Job['status']> {
  const prefix = `${job.organizationId}\t${job.id}\t`;
  let text = '';
  let scored = 0;
  for (const o of outcomes) {
    if (o.status === 'scored') {
      scored++;
      text += `${prefix}${o.seq}\t${copyText(o.customerRef)}\tscored\t${copyText(storedJson(o.recommendations))}\t\\N\t\\N\t${o.attempts}\n`;
      continue;
    }
    const r = toRow(job, o);
    if (r.status === 'failed') {
      text += `${prefix}${r.seq}\t${copyText(r.customerRef)}\tfailed\t\\N\t${copyText(r.reason)}\t${copyText(r.detail)}\t${r.attempts}\n`;
    }
  }
  return db.transaction(async (tx) => {
    const client = (tx as unknown as { session: { client: postgres.TransactionSql } }).session.client;
    await copyIn(
      client`copy recommendation_results (organization_id, job_id, seq, customer_ref, status, recommendations, reason, detail, attempts) from stdin`,
      text,
    );
    const [row] = await tx.execute<{ status: Job['status'] }>(sql`
      update recommendation_jobs set
        done_count = done_count + ${scored}::int,
        failed_count = failed_count + ${outcomes.length - scored}::int,
        updated_at = now()
      where id = ${job.id}
      returning status`);
    return row?.status ?? 'cancelled';
  });
}

/**
 * The same write for rows that may exist already: one statement (insert and counter update in one
 * data-modifying CTE, atomic like a transaction) with the rows as a single JSON parameter; rows
 * stored before are left as they are and not counted again.
 */
async function insertOutcomes(
  db: Db,
  job: Pick<Job, 'id' | 'organizationId'>,
  outcomes: Outcome[],
): Promise<Job['status']> {
  const rows = outcomes.map((o) => toRow(job, o));
  const [row] = await db.execute<{ status: Job['status'] }>(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ seq: r.seq, ref: r.customerRef, status: r.status, recs: r.status === 'scored' ? r.recommendations : null, reason: r.status === 'failed' ? r.reason : null, detail: r.status === 'failed' ? r.detail : null, attempts: r.attempts })))}::jsonb)
        as x(seq int, ref text, status text, recs jsonb, reason text, detail text, attempts int)
    ), inserted as (
      insert into recommendation_results (organization_id, job_id, seq, customer_ref, status, recommendations, reason, detail, attempts)
      select ${job.organizationId}::int, ${job.id}::int, seq, ref, status, recs, reason, detail, attempts from input
      on conflict do nothing
      returning status
    )
    update recommendation_jobs set
      done_count = done_count + (select count(*) filter (where status = 'scored') from inserted),
      failed_count = failed_count + (select count(*) filter (where status = 'failed') from inserted),
      updated_at = now()
    where id = ${job.id}
    returning status`);
  return row?.status ?? 'cancelled';
}

/** Marks the job completed once every chunk is done (a no-op until then, and when it already is). */
export async function finishJobIfDone(db: Db, jobId: number): Promise<void> {
  await db.execute(sql`
    update recommendation_jobs set status = 'completed', finished_at = now(), updated_at = now()
    where id = ${jobId} and status = 'running'
      and not exists (select 1 from recommendation_job_chunks c where c.job_id = ${jobId} and c.status <> 'done')`);
}

function createFlusher(db: Db, job: Pick<Job, 'id' | 'organizationId'>, onCancelled: () => void) {
  let buffer: Outcome[] = [];
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!buffer.length) return;
    const batch = buffer;
    buffer = [];
    chain = chain.then(async () => {
      if (failure) return;
      try {
        if ((await writeOutcomes(db, job, batch)) === 'cancelled') onCancelled();
      } catch (err) {
        failure = err;
        onCancelled();
      }
    });
  };
  return {
    push(outcome: Outcome) {
      buffer.push(outcome);
      if (buffer.length >= FLUSH_ROWS) flush();
      else timer ??= setTimeout(flush, FLUSH_EVERY_MS);
    },
    async close() {
      flush();
      await chain;
      if (failure) throw failure;
    },
  };
}

export type ChunkResult = 'done' | 'cancelled' | 'skipped';

export async function processChunk(deps: ChunkDeps, payload: ChunkPayload, signal: AbortSignal): Promise<ChunkResult> {
  const { db } = deps;
  const job = await findOwnedRow(db, recommendationJobTable, payload.organizationId, payload.jobId);
  const chunkWhere = and(eq(jobChunkTable.jobId, payload.jobId), eq(jobChunkTable.chunkNo, payload.chunkNo));
  if (!job) return 'skipped';
  if (job.status === 'cancelled') {
    await db
      .update(jobChunkTable)
      .set({ status: 'cancelled' })
      .where(and(chunkWhere, sql`${jobChunkTable.status} <> 'done'`));
    return 'cancelled';
  }
  const [chunk] = await db
    .update(jobChunkTable)
    .set({
      status: 'running',
      attempts: sql`${jobChunkTable.attempts} + 1`,
      startedAt: sql`coalesce(${jobChunkTable.startedAt}, now())`,
    })
    .where(and(chunkWhere, sql`${jobChunkTable.status} in ('pending', 'running')`))
    .returning();
  if (!chunk) {
    await finishJobIfDone(db, job.id);
    return 'skipped';
  }
  if (job.status === 'queued') {
    await db.execute(
      sql`update recommendation_jobs set status = 'running', started_at = coalesce(started_at, now()), updated_at = now() where id = ${job.id} and status = 'queued'`,
    );
  }
  const customers = await pendingCustomers(db, job.id, chunk.firstSeq, chunk.lastSeq);
  const catalog = await loadCatalog(db, job.organizationId);
  const cancelled = new AbortController();
  const flusher = createFlusher(db, job, () => cancelled.abort(new Error('job cancelled')));
  await scoreCustomers(deps.runtime, {
    kind: job.provider,
    customers,
    catalog,
    keyPrefix: idempotencyPrefix(job),
    onOutcome: (o) => flusher.push(o),
    signal: AbortSignal.any([signal, cancelled.signal]),
  });
  await flusher.close();
  if (cancelled.signal.aborted) {
    await db
      .update(jobChunkTable)
      .set({ status: 'cancelled' })
      .where(and(chunkWhere, sql`${jobChunkTable.status} <> 'done'`));
    return 'cancelled';
  }
  // Stopping (or the claim lost): what was written stays; the rest runs when the chunk is retried.
  if (signal.aborted) throw signal.reason;
  await db
    .update(jobChunkTable)
    .set({ status: 'done', finishedAt: sql`now()` })
    .where(and(chunkWhere, eq(jobChunkTable.status, 'running')));
  await finishJobIfDone(db, job.id);
  return 'done';
}

/** Last attempt of a chunk failed: its customers without an outcome are recorded as failed, so the job can finish. */
export async function failRemaining(deps: ChunkDeps, payload: ChunkPayload, detail: string): Promise<void> {
  const [chunk] = await deps.db
    .select()
    .from(jobChunkTable)
    .where(and(eq(jobChunkTable.jobId, payload.jobId), eq(jobChunkTable.chunkNo, payload.chunkNo)));
  if (!chunk) return;
  const customers = await pendingCustomers(deps.db, payload.jobId, chunk.firstSeq, chunk.lastSeq);
  const job = { id: payload.jobId, organizationId: payload.organizationId };
  await writeOutcomes(
    deps.db,
    job,
    customers.map((c) => ({
      seq: c.seq,
      customerRef: c.customerRef,
      status: 'failed',
      reason: 'worker_error',
      detail,
      attempts: 0,
    })),
  );
  await deps.db
    .update(jobChunkTable)
    .set({ status: 'done', finishedAt: sql`now()` })
    .where(
      and(
        eq(jobChunkTable.jobId, payload.jobId),
        eq(jobChunkTable.chunkNo, payload.chunkNo),
        sql`${jobChunkTable.status} <> 'cancelled'`,
      ),
    );
  await finishJobIfDone(deps.db, payload.jobId);
}

export type RecommendationWorker = { runtime: ProviderRuntime; stop(): Promise<void> };

/** Consumes chunk jobs until stopped. Used by src/worker.ts (and tests, which are not the API process). */
export async function startRecommendationWorker(
  resources: Pick<Resources, 'config' | 'db' | 'redis' | 'log' | 'databaseUrl'>,
  options: { concurrency?: number } = {},
): Promise<RecommendationWorker> {
  const { config, log } = resources;
  const runtime = createProviderRuntime(config, resources.db, resources.redis, log);
  const deps: ChunkDeps = { db: resources.db, runtime, log };
  const worker = await startQueueWorker(resources, QUEUES.recommendationChunk, {
    name: 'chunk',
    concurrency: options.concurrency ?? config.jobs.workerConcurrency,
    run: async (payload, signal) => {
      const result = await processChunk(deps, payload, signal);
      log.debug({ ...payload, result }, 'chunk finished');
    },
    giveUp: (payload, reason) => failRemaining(deps, payload, reason),
    stopTimeoutMs: 10_000,
  });
  return {
    runtime,
    async stop() {
      await worker.stop();
      runtime.close();
    },
  };
}
