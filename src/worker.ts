// The job process: consumes background jobs (pg-boss) so the API process never runs them.
// Run as many as you like (`npm run worker`); they share the provider's rate limit through Redis, or
// through PostgreSQL when REDIS_URL is unset.
// SIGINT/SIGTERM stop taking chunks, checkpoint the ones in hand and exit; a SIGKILLed worker's
// chunks are picked up by another worker after WORKER_HEARTBEAT_SECONDS.
import { loadConfigOrExit } from './config.ts';
import { embeddedDatabaseUrl } from './db/embedded.ts';
import { runMigrations } from './db/migrate.ts';
import { startRecommendationWorker } from './modules/recommendations/jobs/tasks.ts';
import { concurrencyFor } from './modules/recommendations/provider/runner.ts';
import { createLogger, createResources } from './resources.ts';

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config).child({ process: 'worker' });
  // Without DATABASE_URL, join the embedded PostgreSQL that `npm start` runs.
  const databaseUrl = config.database.url ?? embeddedDatabaseUrl(config);
  await runMigrations(databaseUrl, config).catch((err: Error) => {
    throw new Error(`cannot reach the database at ${new URL(databaseUrl).host} (${err.message}); set DATABASE_URL, or start the API first with \`npm start\` to run the embedded PostgreSQL`);
  });
  const resources = await createResources(config, { log, databaseUrl });
  const worker = await startRecommendationWorker(resources);
  const p = config.provider;
  log.info(
    {
      chunksAtOnce: config.jobs.workerConcurrency,
      provider: p.url ? { url: p.url, ratePerSecond: p.rateLimit, callsInFlight: concurrencyFor(p.rateLimit, p.latencyMs, p.burst), limitSharedThrough: resources.redis ? 'redis' : 'postgresql' } : 'built-in only (PROVIDER_URL unset)',
      heartbeatSeconds: config.jobs.heartbeatSeconds,
    },
    'worker started',
  );
  process.send?.({ ready: true });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'worker stopping: checkpointing chunks in hand');
    const forced = setTimeout(() => process.exit(1), 15_000);
    forced.unref();
    await worker.stop();
    await resources.close();
    log.info('worker stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`Harvest Graph worker failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
