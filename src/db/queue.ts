// Durable background work on pg-boss 12, in the same PostgreSQL. The API only enqueues, inside the
// transaction that records the state change (`fromDrizzle(tx)`), so a job row never exists without
// its queue entries or the other way round. Workers (src/worker.ts) consume in their own process.
//
// Heartbeats: a worker refreshes each active job every heartbeatSeconds / 2; when a worker dies
// (SIGKILL, OOM, power), any live worker's supervisor fails the job after heartbeatSeconds and
// pg-boss hands it out again.
import { sql } from 'drizzle-orm';
import { fromDrizzle, PgBoss, type ConstructorOptions, type Queue } from 'pg-boss';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Db } from '../resources.ts';

export const QUEUES = {
  recommendationChunk: 'recommendation-chunk',
  courseGeneration: 'course-generation',
  workflowRun: 'workflow-run',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

const id = z.int().positive().max(2_147_483_647);

/**
 * What each queue's jobs carry, checked when they are enqueued and again when a worker takes one:
 * a payload written by an older or newer release, or by hand, is refused with the queue's name
 * instead of being read as something it is not.
 */
export const QUEUE_PAYLOADS = {
  [QUEUES.recommendationChunk]: z.strictObject({ organizationId: id, jobId: id, chunkNo: id }),
  [QUEUES.courseGeneration]: z.strictObject({ organizationId: id, generationId: id }),
  [QUEUES.workflowRun]: z.strictObject({
    organizationId: id,
    runId: id,
    generation: z.int().nonnegative().max(2_147_483_647),
  }),
} satisfies Record<QueueName, z.ZodType>;
export type QueuePayload<Q extends QueueName> = z.infer<(typeof QUEUE_PAYLOADS)[Q]>;

export class PayloadError extends Error {
  constructor(queue: QueueName, issues: z.core.$ZodIssue[]) {
    super(
      `invalid ${queue} payload: ${issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`,
    );
    this.name = 'PayloadError';
  }
}

/** The payload, typed, or a PayloadError naming what is wrong with it. */
export function parsePayload<Q extends QueueName>(queue: Q, data: unknown): QueuePayload<Q> {
  const parsed = QUEUE_PAYLOADS[queue].safeParse(data);
  if (!parsed.success) throw new PayloadError(queue, parsed.error.issues);
  return parsed.data as QueuePayload<Q>;
}

/**
 * The payload of a job a worker took, or undefined after logging why it is unusable: no attempt of
 * such a job can succeed, so it is dropped instead of retried up to its retry limit.
 */
export function takePayload<Q extends QueueName>(
  queue: Q,
  job: { id: string; data: unknown },
  log: { error(obj: object, msg: string): void },
): QueuePayload<Q> | undefined {
  try {
    return parsePayload(queue, job.data);
  } catch (err) {
    log.error({ err, queue, jobId: job.id }, 'job with an invalid payload dropped');
    return undefined;
  }
}

/**
 * pg-boss group of every course generation: workers fetch with `groupConcurrency` = the cap, so
 * pg-boss hands out at most that many at once across processes; claimGeneration (courses/
 * generation/slots.ts) enforces the cap strictly in a locked transaction behind it.
 */
export const COURSE_GENERATION_GROUP = 'course-generations';

/** Options of every queue: created at migration time and updated when they change. */
export function queueOptions(config: Config): Record<string, Omit<Queue, 'name'>> {
  return {
    [QUEUES.recommendationChunk]: {
      heartbeatSeconds: config.jobs.heartbeatSeconds,
      // A chunk's work is checkpointed, so running it again is cheap; crashes count as retries.
      retryLimit: 50,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 30,
      expireInSeconds: 6 * 3600,
      deleteAfterSeconds: 7 * 86_400,
      notify: true,
    },
    [QUEUES.courseGeneration]: {
      heartbeatSeconds: config.jobs.heartbeatSeconds,
      // Generations checkpoint per module; a crash resumes at the next one.
      retryLimit: 10,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 30,
    },
    [QUEUES.workflowRun]: {
      heartbeatSeconds: config.jobs.heartbeatSeconds,
      // Steps are memoised (workflow_steps), so a retry resumes where the run stopped.
      retryLimit: 10,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 60,
      expireInSeconds: 3600,
      deleteAfterSeconds: 7 * 86_400,
      notify: true,
    },
  };
}

/**
 * How our workers take jobs (the options of boss.work): one job a slot, with its metadata (retry
 * count, abort signal), and soon after it is sent: NOTIFY wakes an idle worker at once, and a worker
 * that just finished a job polls again within 0.5 s. `groupConcurrency` caps the slots one group
 * (an organization, or the shared generation group) takes across every worker.
 */
export function workOptions(localConcurrency: number, groupConcurrency?: number) {
  return {
    localConcurrency,
    batchSize: 1,
    includeMetadata: true,
    pollingIntervalSeconds: 0.5,
    notifyPollingIntervalSeconds: 0.5,
    ...(groupConcurrency === undefined ? {} : { groupConcurrency }),
  } as const;
}

export type BossRole = 'install' | 'api' | 'worker';

export function createBoss(url: string, config: Config, role: BossRole, log?: Logger): PgBoss {
  const options: ConstructorOptions = {
    connectionString: url,
    application_name: `harvest-graph-${role}:${config.serverId}`.slice(0, 63),
    max: role === 'worker' ? 4 : 2,
    migrate: role !== 'api',
    // Only workers watch for expired jobs and missed heartbeats; the API process never runs jobs.
    supervise: role === 'worker',
    schedule: false,
    registerInstance: role === 'worker',
    useListenNotify: role === 'worker',
    superviseIntervalSeconds: config.jobs.superviseSeconds,
    monitorIntervalSeconds: config.jobs.superviseSeconds,
    persistWarnings: false,
  };
  const boss = new PgBoss(options);
  boss.on('error', (err) => log?.warn({ err: err.message }, 'job queue error'));
  return boss;
}

export type QueueWorker = { stop(): Promise<void> };

/**
 * Consumes `queue` in a worker's own pg-boss client until stopped. `run` gets each job's payload, a
 * signal that aborts when the worker stops or pg-boss aborts the job, and the stop signal alone. An
 * attempt cut short so is thrown back for pg-boss to hand out again; any other failure is logged as
 * "`name` failed" and retried, except on the last attempt allowed, whose failure goes to `giveUp`
 * with the reason instead. `stop` aborts the running attempts and waits up to `stopTimeoutMs` for
 * pg-boss to settle them.
 */
export async function startQueueWorker<Q extends QueueName>(
  resources: { databaseUrl: string; config: Config; log: Logger },
  queue: Q,
  options: {
    name: string;
    concurrency: number;
    groupConcurrency?: number;
    run: (payload: QueuePayload<Q>, signal: AbortSignal, stopping: AbortSignal) => Promise<void>;
    giveUp: (payload: QueuePayload<Q>, reason: string) => Promise<void>;
    stopTimeoutMs: number;
  },
): Promise<QueueWorker> {
  const { config, log } = resources;
  const boss = createBoss(resources.databaseUrl, config, 'worker', log);
  await boss.start();
  const stopping = new AbortController();
  await boss.work(queue, workOptions(options.concurrency, options.groupConcurrency), async ([job]) => {
    const payload = takePayload(queue, job, log);
    if (!payload) return;
    const signal = AbortSignal.any([job.signal, stopping.signal]);
    try {
      await options.run(payload, signal, stopping.signal);
    } catch (err) {
      if (signal.aborted) throw err;
      const fields: Record<string, unknown> = { err, ...payload, attempt: job.retryCount + 1 };
      log.error(fields, `${options.name} failed`);
      if (job.retryCount >= job.retryLimit)
        return options.giveUp(payload, `gave up after ${job.retryCount + 1} attempts: ${(err as Error).message}`);
      throw err;
    }
  });
  return {
    async stop() {
      stopping.abort(new Error('worker stopping'));
      await boss.stop({ graceful: true, close: true, timeout: options.stopTimeoutMs });
    },
  };
}

/** Installs or upgrades pg-boss's schema and our queues; run with the migrations. */
export async function installQueues(url: string, config: Config): Promise<void> {
  const boss = createBoss(url, config, 'install');
  await boss.start();
  try {
    const existing = new Set((await boss.getQueues()).map((q) => q.name));
    for (const [name, options] of Object.entries(queueOptions(config))) {
      if (existing.has(name)) await boss.updateQueue(name, options);
      else await boss.createQueue(name, options);
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}

/** Enqueue-only handle for the API process: starts pg-boss on first use, sends inside the caller's transaction. */
export type SendOptions = {
  /** Not before this instant (scheduled jobs: a workflow's wait step). */
  startAfter?: Date;
  /** pg-boss group: queues with groupConcurrency cap the jobs of one group in flight (one organization). */
  group?: string;
};

export type JobQueue = {
  /** Rejects with a PayloadError, enqueuing nothing, when any payload does not fit the queue. */
  send<Q extends QueueName>(tx: Db, queue: Q, payloads: QueuePayload<Q>[], options?: SendOptions): Promise<void>;
  close(): Promise<void>;
};

export function createJobQueue(url: string, config: Config, log: Logger): JobQueue {
  const boss = createBoss(url, config, 'api', log);
  let started: Promise<unknown> | undefined;
  return {
    async send(tx, queue, payloads, options = {}) {
      if (!payloads.length) return;
      const checked = payloads.map((payload) => parsePayload(queue, payload));
      started ??= boss.start().catch((err) => {
        started = undefined;
        throw err;
      });
      await started;
      // One statement for all payloads, on the caller's transaction.
      const extra = {
        ...(options.startAfter ? { startAfter: options.startAfter } : {}),
        ...(options.group ? { group: { id: options.group } } : {}),
      };
      await boss.insert(
        queue,
        checked.map((data) => ({ data, ...extra })),
        { db: fromDrizzle(tx, sql) },
      );
    },
    async close() {
      if (started) await boss.stop({ graceful: false, close: true, timeout: 2_000 }).catch(() => undefined);
    },
  };
}
