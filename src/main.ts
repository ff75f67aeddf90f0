// The API process: config → database (embedded when DATABASE_URL is unset) → migrations → resources
// → demo data → app → listen; SIGINT/SIGTERM close it gracefully within a few seconds.
import { createServer } from 'node:http';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { dirname } from 'node:path';
import { loadConfigOrExit } from './config.ts';
import { createApp } from './app.ts';
import { guardRequestUrl } from './http/request-url-guard.ts';
import { openDatabase } from './db/embedded.ts';
import { createLogger, createResources, warmPool } from './resources.ts';
import { seedDemo } from '../seeds/demo.ts';
import { scheduleDailyIntakeRefresh } from './modules/packhouse/tasks.ts';

/** Runs `src/worker.ts` as a child process on the same database; it stops with the API. */
function startWorkerProcess(databaseUrl: string, log: Logger) {
  const child = fork(fileURLToPath(new URL('./worker.ts', import.meta.url)), [], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: 'inherit',
  });
  let exited = false;
  const exit = once(child, 'exit').then(() => {
    exited = true;
  });
  child.on('exit', (code, signal) => {
    if (!stopping) log.warn({ code, signal }, 'the job worker process exited; run `npm run worker` to process jobs');
  });
  let stopping = false;
  return {
    async stop() {
      stopping = true;
      if (!exited) child.kill('SIGTERM');
      // Within the API's own 4 s shutdown budget; a worker checkpoints its chunks on SIGTERM.
      await Promise.race([exit, new Promise((r) => setTimeout(r, 2_500))]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function main() {
  const started = performance.now();
  const config = loadConfigOrExit();
  const log = createLogger(config);
  const databaseLabel = config.database.url
    ? `PostgreSQL at ${redactUrl(config.database.url)}`
    : `embedded PostgreSQL (data in ${config.embeddedPostgres.dir}, port ${config.embeddedPostgres.port}; set DATABASE_URL to use your own)`;
  const cacheLabel = config.redis.url ? `Redis at ${redactUrl(config.redis.url)}` : 'in-memory cache and rate limits (set REDIS_URL to share them between instances)';
  log.info({ database: databaseLabel, cache: cacheLabel }, `starting: database = ${databaseLabel}; cache = ${cacheLabel}`);
  if (config.auth.jwtSecretGenerated) {
    log.warn('JWT_SECRET is not set: sign-in tokens are signed with a random key and end when the process restarts');
  }

  const { url: databaseUrl, embedded, applied } = await openDatabase(config, log);
  log.info({ applied }, applied ? `applied ${applied} migration(s)` : 'database schema is current');

  const resources = await createResources(config, { log, databaseUrl });
  // Demo keys are kept beside the embedded database's data, for local use only.
  const credentialsDir = embedded ? dirname(config.embeddedPostgres.dir) : undefined;
  const demo = config.seedDemo ? await seedDemo(resources, { log, credentialsDir }) : undefined;

  const stopIntakeRefresh = scheduleDailyIntakeRefresh(resources, config.packhouse.intakeRefreshSeconds);
  // Zero-setup development: background jobs need a worker, which is always its own process.
  const worker = config.startWorker ? startWorkerProcess(databaseUrl, log) : undefined;

  const app = createApp(resources);
  await warmPool(resources.sql, Math.min(config.database.poolMax, 20));
  const server = createServer(guardRequestUrl(app));
  server.keepAliveTimeout = 65_000;
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;

  const lines = [
    '',
    `  Harvest Graph is ready in ${Math.round(performance.now() - started)} ms`,
    `  GraphiQL:  ${base}/graphql`,
    `  Health:    ${base}/health   ${base}/ready`,
    `  Database:  ${databaseLabel}`,
    `  Cache:     ${cacheLabel}`,
    `  Jobs:      ${worker ? 'one worker process started beside the API (START_WORKER=false to run `npm run worker` yourself)' : 'run `npm run worker` to process background jobs'}`,
  ];
  if (demo) {
    lines.push(
      `  Demo user: ${demo.email} / ${demo.password}  (sign in with the signIn mutation)`,
      `  Demo API key (partner, read+write): ${demo.partnerKey ?? '(shown when the demo data was created)'}`,
      `  Try: curl -s ${base}/graphql -H 'Authorization: Bearer ${demo.partnerKey ?? '<key>'}' -H 'Content-Type: application/json' -d '{"query":"{ viewer { organization { name } } }"}'`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, draining requests in flight');
    const forced = setTimeout(() => {
      log.error('shutdown took longer than 4 s; exiting');
      process.exit(1);
    }, 4_000);
    forced.unref();
    stopIntakeRefresh();
    server.close();
    server.closeIdleConnections();
    const drain = setTimeout(() => server.closeAllConnections(), 2_500);
    drain.unref();
    await once(server, 'close').catch(() => undefined);
    await worker?.stop();
    await resources.close();
    await embedded?.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`Harvest Graph failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
