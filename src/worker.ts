// The job process: consumes background jobs (pg-boss) so the API process never runs them.
// Run as many as you like (`npm run worker`); they share the provider's rate limit through Redis, or
// through PostgreSQL when REDIS_URL is unset, and at most COURSE_GENERATION_MAX_RUNNING course
// generations run at once across all of them.
// SIGINT/SIGTERM stop taking chunks, checkpoint the ones in hand and exit; a SIGKILLed worker's
// chunks are picked up by another worker after WORKER_HEARTBEAT_SECONDS.
import { getPriority, setPriority } from 'node:os';
import { loadConfigOrExit } from './config.ts';
import { openCliDatabase } from './db/cli-database.ts';
import { startCourseGenerationWorker } from './modules/courses/generation/tasks.ts';
import { startCrmSync } from './modules/leads/crm/sync.ts';
import { schedulePrune } from './modules/leads/retention.ts';
import { startRecommendationWorker } from './modules/recommendations/jobs/tasks.ts';
import { startWorkflowWorker } from './modules/workflows/tasks.ts';
import { concurrencyFor } from './modules/recommendations/provider/runner.ts';
import { createLogger, createResources } from './resources.ts';
import { exitGracefullyOnSignal } from './shutdown.ts';

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config).child({ process: 'worker' });
  // Background work yields the CPU to API requests on a shared machine (docs/decisions/0021).
  // Raising niceness needs no privilege; a process started nicer than this keeps its niceness.
  const nice = Math.max(getPriority(), config.jobs.workerNice);
  setPriority(nice);
  // Without DATABASE_URL, join the embedded PostgreSQL that `npm start` runs (or start it, when none runs).
  const database = await openCliDatabase(config, log);
  const resources = await createResources(config, { log, databaseUrl: database.url, poolWaitMs: 0 });
  const worker = await startRecommendationWorker(resources);
  const generations = await startCourseGenerationWorker(resources);
  const workflows = await startWorkflowWorker(resources);
  const crm = startCrmSync(resources, log.child({ task: 'crm-sync' }));
  const stopPrune = schedulePrune({ db: resources.db, config, log: log.child({ task: 'prune' }) });
  const p = config.provider;
  log.info(
    {
      chunksAtOnce: config.jobs.workerConcurrency,
      provider: p.url
        ? {
            url: p.url,
            ratePerSecond: p.rateLimit,
            callsInFlight: concurrencyFor(p.rateLimit, p.latencyMs, p.burst),
            limitSharedThrough: resources.redis ? 'redis' : 'postgresql',
          }
        : 'built-in only (PROVIDER_URL unset)',
      heartbeatSeconds: config.jobs.heartbeatSeconds,
      nice,
      courseGenerations: { generator: config.courses.generator, maxRunningAcrossWorkers: config.courses.maxRunning },
    },
    'worker started',
  );
  process.send?.({ ready: true });

  exitGracefullyOnSignal({
    log,
    stopping: 'worker stopping: checkpointing chunks in hand',
    graceMs: 15_000,
    async stop() {
      stopPrune();
      await Promise.all([worker.stop(), generations.stop(), workflows.stop(), crm.stop()]);
      await resources.close();
      await database.close();
    },
  });
}

main().catch((err) => {
  process.stderr.write(`Harvest Graph worker failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
