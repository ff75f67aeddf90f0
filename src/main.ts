// The API process: config → database (embedded when DATABASE_URL is unset) → migrations → resources
// → demo data → app → listen; SIGINT/SIGTERM close it gracefully within a few seconds.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { loadConfigOrExit } from './config.ts';
import { createApp } from './app.ts';
import { guardRequestUrl } from './http/request-url-guard.ts';
import { drainServer } from './http/drain.ts';
import { openDatabase } from './db/embedded.ts';
import { exitGracefullyOnSignal } from './shutdown.ts';
import { createLogger, createResources, warmPool } from './resources.ts';
import { seedDemo } from '../seeds/demo.ts';
import { scheduleDailyIntakeRefresh } from './modules/packhouse/tasks.ts';
import { superviseWorkerProcess } from './worker-process.ts';

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function main() {
  const started = performance.now();
  const config = loadConfigOrExit();
  const prettyLogs = Boolean(process.stdout.isTTY) && config.env !== 'production';
  const log = createLogger(config, { pretty: prettyLogs });
  const databaseLabel = config.database.url
    ? `PostgreSQL at ${redactUrl(config.database.url)}`
    : `embedded PostgreSQL (data in ${config.embeddedPostgres.dir}, port ${config.embeddedPostgres.port}; set DATABASE_URL to use your own)`;
  const cacheLabel = config.redis.url
    ? `Redis at ${redactUrl(config.redis.url)}`
    : 'in-memory cache and rate limits (set REDIS_URL to share them between instances)';
  log.info(
    { database: databaseLabel, cache: cacheLabel },
    `starting: database = ${databaseLabel}; cache = ${cacheLabel}`,
  );
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
  // Zero-setup development: background jobs need a worker, which is always its own process,
  // restarted when it dies (worker-process.ts).
  const worker = config.startWorker
    ? superviseWorkerProcess(databaseUrl, log, { nice: config.jobs.workerNice })
    : undefined;

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
    `  Jobs page: ${base}/jobs   (upload customers, follow progress, download results)`,
    `  Health:    ${base}/health   ${base}/ready`,
    `  Database:  ${databaseLabel}`,
    `  Cache:     ${cacheLabel}`,
    `  Jobs:      ${worker ? 'one worker process started beside the API, restarted if it dies (START_WORKER=false to run `npm run worker` yourself)' : 'run `npm run worker` to process background jobs'}`,
  ];
  if (demo) {
    lines.push(
      `  Demo user: ${demo.email} / ${demo.password}  (sign in with the signIn mutation)`,
      `  Demo API key (partner, read+write): ${demo.partnerKey ?? '(shown when the demo data was created)'}`,
      `  Demo internal key (read+write+admin, /metrics, makes other keys): ${demo.internalKey ?? '(shown when the demo data was created)'}`,
      `  Try: curl -s ${base}/graphql -H 'Authorization: Bearer ${demo.partnerKey ?? '<key>'}' -H 'Content-Type: application/json' -d '{"query":"{ viewer { organization { name } } }"}'`,
    );
  }
  lines.push(`  Operators: npm run org:create / key:create / key:revoke / user:create -- --help`);
  // For people: one write, beside coloured log lines on a terminal (the worker's lines come before or
  // after it, never inside); otherwise on stderr, so stdout stays one JSON object per line for log
  // collectors, which get the same facts as one entry. Not waiting for the worker: it takes seconds.
  (prettyLogs ? process.stdout : process.stderr).write(`${lines.join('\n')}\n\n`);
  if (!prettyLogs)
    log.info(
      {
        url: `${base}/graphql`,
        database: databaseLabel,
        cache: cacheLabel,
        readyMs: Math.round(performance.now() - started),
      },
      'ready',
    );

  exitGracefullyOnSignal({
    log,
    stopping: 'shutting down: no new connections, draining requests in flight',
    // Within fly.toml's kill_timeout (5 s).
    graceMs: 4_000,
    async stop() {
      stopIntakeRefresh();
      // The worker needs nothing from requests in flight (jobs wait in the database): stop it at once,
      // beside the drain, so the whole shutdown stays short.
      const workerStopped = worker?.stop();
      await drainServer(server, { idleGraceMs: 300, forceMs: 2_500 });
      await workerStopped;
      await resources.close();
      await embedded?.stop();
    },
  });
}

main().catch((err) => {
  process.stderr.write(`Harvest Graph failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
