// Chunk work, run by src/worker.ts through pg-boss. A chunk is a seq range of one job; running it
// scores the customers of that range that have no outcome yet, writing outcomes every 250 ms (the
// checkpoint). Outcomes insert with ON CONFLICT DO NOTHING and the job's counters grow by the rows
// actually inserted, in the same transaction — so a chunk that runs again after a crash, or twice at
// once, neither loses a customer nor stores or counts one twice.
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { violatedConstraint } from '../../../db/constraint.ts';
import { copyIn, copyText, transactionClient } from '../../../db/copy.ts';
import { jobChunkTable, jobCustomerTable, jobResultTable, recommendationJobTable } from '../../../db/tables/index.ts';
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

const jsonNumber = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

// `[id,"code","name",` of a card, made once per card rather than once per customer (a catalog holds
// tens of cards; the built-in scorer hands back the catalog's own code and name strings).
const cardPrefixes = new Map<string, { cardId: number | null; name: string; prefix: string }>();

function cardPrefix(r: Recommendation): string {
  const known = cardPrefixes.get(r.code);
  if (known && known.cardId === r.cardId && known.name === r.name) return known.prefix;
  const prefix = `[${r.cardId === null ? 'null' : jsonNumber(r.cardId)},${JSON.stringify(r.code)},${JSON.stringify(r.name)},`;
  if (cardPrefixes.size >= 10_000) cardPrefixes.clear();
  cardPrefixes.set(r.code, { cardId: r.cardId, name: r.name, prefix });
  return prefix;
}

/** The cards as stored (StoredRecommendation[], db/tables/recommendations.ts), as JSON text, without the objects in between. */
function storedJson(recs: Recommendation[]): string {
  let json = '[';
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    json += `${i ? ',' : ''}${cardPrefix(r)}${jsonNumber(r.netSavingsPaise)},${jsonNumber(r.yearlyRewardsPaise)},${jsonNumber(r.feesPaise)}]`;
  }
  return `${json}]`;
}

/**
 * Outcomes ready to store: their rows of recommendation_results in COPY's text format, and how many
 * were scored. A chunk turns each outcome into its line as it comes, so what waits for the next write
 * is one string a customer, not the outcome's objects (which lived long enough to be promoted to the
 * old generation, and were most of a worker's garbage-collection time).
 */
export type OutcomeBatch = { text: string; rows: number; scored: number };

const RESULT_COLUMNS = 'organization_id, job_id, seq, customer_ref, status, recommendations, reason, detail, attempts';

function outcomeLine(job: Pick<Job, 'id' | 'organizationId'>, o: Outcome): string {
  const head = `${job.organizationId}\t${job.id}\t${o.seq}\t${copyText(o.customerRef)}`;
  return o.status === 'scored'
    ? `${head}\tscored\t${copyText(storedJson(o.recommendations))}\t\\N\t\\N\t${o.attempts}\n`
    : `${head}\tfailed\t\\N\t${copyText(o.reason)}\t${copyText(o.detail.slice(0, 500))}\t${o.attempts}\n`;
}

function batchOf(job: Pick<Job, 'id' | 'organizationId'>, outcomes: Outcome[]): OutcomeBatch {
  let text = '';
  let scored = 0;
  for (const o of outcomes) {
    text += outcomeLine(job, o);
    if (o.status === 'scored') scored++;
  }
  return { text, rows: outcomes.length, scored };
}

/**
 * Stores outcomes and counts the ones that were new; returns the job's status after the write.
 * Usually one COPY and the counter update in one transaction: the chunk's customers without an
 * outcome were read just before, so none of these rows exists yet. When one does (a chunk run twice
 * at once, after its claim was lost), the COPY fails whole, and the batch goes again through
 * insertBatch, which keeps the rows stored first and counts only the new ones.
 */
export async function writeOutcomes(
  db: Db,
  job: Pick<Job, 'id' | 'organizationId'>,
  outcomes: Outcome[],
): Promise<Job['status']> {
  return writeBatch(db, job, batchOf(job, outcomes));
}

async function writeBatch(
  db: Db,
  job: Pick<Job, 'id' | 'organizationId'>,
  batch: OutcomeBatch,
): Promise<Job['status']> {
  if (!batch.rows) {
    const [row] = await db.execute<{ status: Job['status'] }>(
      sql`select status from recommendation_jobs where id = ${job.id}`,
    );
    return row?.status ?? 'cancelled';
  }
  try {
    return await copyBatch(db, job, batch);
  } catch (err) {
    if (violatedConstraint(err) !== 'recommendation_results_pkey') throw err;
    return insertBatch(db, job, batch);
  }
}

async function copyBatch(db: Db, job: Pick<Job, 'id' | 'organizationId'>, batch: OutcomeBatch): Promise<Job['status']> {
  return db.transaction(async (tx) => {
    await copyIn(
      transactionClient(tx).unsafe(`copy recommendation_results (${RESULT_COLUMNS}) from stdin`),
      batch.text,
    );
    const [row] = await tx.execute<{ status: Job['status'] }>(sql`
      update recommendation_jobs set
        done_count = done_count + ${batch.scored}::int,
        failed_count = failed_count + ${batch.rows - batch.scored}::int,
        updated_at = now()
      where id = ${job.id}
      returning status`);
    return row?.status ?? 'cancelled';
  });
}

/**
 * The same write for rows that may exist already: the lines go by COPY into a table of this
 * transaction only, and from there into recommendation_results with ON CONFLICT DO NOTHING and the
 * counter update in one statement; rows stored before are left as they are and not counted again.
 */
async function insertBatch(
  db: Db,
  job: Pick<Job, 'id' | 'organizationId'>,
  batch: OutcomeBatch,
): Promise<Job['status']> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`create temp table outcome_batch (like recommendation_results including defaults) on commit drop`,
    );
    await copyIn(transactionClient(tx).unsafe(`copy outcome_batch (${RESULT_COLUMNS}) from stdin`), batch.text);
    const [row] = await tx.execute<{ status: Job['status'] }>(sql`
      with inserted as (
        insert into recommendation_results (${sql.raw(RESULT_COLUMNS)})
        select ${sql.raw(RESULT_COLUMNS)} from outcome_batch
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
  });
}

/** Marks the job completed once every chunk is done (a no-op until then, and when it already is). */
export async function finishJobIfDone(db: Db, jobId: number): Promise<void> {
  await db.execute(sql`
    update recommendation_jobs set status = 'completed', finished_at = now(), updated_at = now()
    where id = ${jobId} and status = 'running'
      and not exists (select 1 from recommendation_job_chunks c where c.job_id = ${jobId} and c.status <> 'done')`);
}

function createFlusher(db: Db, job: Pick<Job, 'id' | 'organizationId'>, onCancelled: () => void) {
  let lines: string[] = [];
  let scored = 0;
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!lines.length) return;
    const batch: OutcomeBatch = { text: lines.join(''), rows: lines.length, scored };
    lines = [];
    scored = 0;
    chain = chain.then(async () => {
      if (failure) return;
      try {
        if ((await writeBatch(db, job, batch)) === 'cancelled') onCancelled();
      } catch (err) {
        failure = err;
        onCancelled();
      }
    });
  };
  return {
    push(outcome: Outcome) {
      lines.push(outcomeLine(job, outcome));
      if (outcome.status === 'scored') scored++;
      if (lines.length >= FLUSH_ROWS) flush();
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
