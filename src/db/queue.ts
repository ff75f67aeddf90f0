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
} satisfies Record<QueueName, z.ZodType>;
export type QueuePayload<Q extends QueueName> = z.infer<(typeof QUEUE_PAYLOADS)[Q]>;

export class PayloadError extends Error {
  constructor(queue: QueueName, issues: z.core.$ZodIssue[]) {
    super(`invalid ${queue} payload: ${issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
    this.name = 'PayloadError';
  }
}

/** The payload, typed, or a PayloadError naming what is wrong with it. */
export function parsePayload<Q extends QueueName>(queue: Q, data: unknown): QueuePayload<Q> {
  const parsed = QUEUE_PAYLOADS[queue].safeParse(data);
  if (!parsed.success) throw new PayloadError(queue, parsed.error.issues);
  return parsed.data as QueuePayload<Q>;
}

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
  };
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
export type JobQueue = {
  /** Rejects with a PayloadError, enqueuing nothing, when any payload does not fit the queue. */
  send<Q extends QueueName>(tx: Db, queue: Q, payloads: QueuePayload<Q>[]): Promise<void>;
  close(): Promise<void>;
};

export function createJobQueue(url: string, config: Config, log: Logger): JobQueue {
  const boss = createBoss(url, config, 'api', log);
  let started: Promise<unknown> | undefined;
  return {
    async send(tx, queue, payloads) {
      if (!payloads.length) return;
      const checked = payloads.map((payload) => parsePayload(queue, payload));
      started ??= boss.start().catch((err) => {
        started = undefined;
        throw err;
      });
      await started;
      // One statement for all payloads, on the caller's transaction.
      await boss.insert(queue, checked.map((data) => ({ data })), { db: fromDrizzle(tx, sql) });
    },
    async close() {
      if (started) await boss.stop({ graceful: false, close: true, timeout: 2_000 }).catch(() => undefined);
    },
  };
}
