// The one place where clients are made: PostgreSQL (postgres.js + drizzle) and Redis (node-redis, with
// Keyv over it for the response cache's answers, src/cache/store.ts).
// Everything else receives them as arguments, so tests can build as many independent sets as they need.
import { createClient, type RedisClientType } from '@keyv/redis';
import { drizzle, type PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { createRequire } from 'node:module';
import { loggerOptions } from './lib/log-redaction.ts';
import pino, { type Logger } from 'pino';
import postgres from 'postgres';
import { cachePolicy } from './cache/policy.ts';
import { createResponseCache, type ResponseCache } from './cache/response-cache.ts';
import { RedisGuard } from './limits/redis-guard.ts';
import { createMemoryStore, createRedisStore } from './cache/store.ts';
import type { Config } from './config.ts';
import * as tables from './db/tables/index.ts';
import { createJobQueue, type JobQueue } from './db/queue.ts';
import { sqlStatsLogger } from './db/sql-stats.ts';
import { createMetrics, type Metrics, type PoolUsage } from './observability/metrics.ts';
import { createTracing, type Tracing } from './observability/tracing.ts';
import { traceSql } from './db/traced-sql.ts';
import { gatePool, PoolGate } from './db/pool-gate.ts';
import { createCredentialCache, type CredentialCache } from './modules/identity/credential-cache.ts';
import type { SpanExporter } from '@opentelemetry/sdk-trace';

/** The database or a transaction on it: services accept either (docs/decisions/0006-services-take-db-or-tx.md). */
export type Db = PgDatabase<PostgresJsQueryResultHKT, typeof tables>;
export type Sql = postgres.Sql;
export type Redis = RedisClientType;

export type Resources = {
  config: Config;
  log: Logger;
  sql: Sql;
  db: Db;
  /** Present only when REDIS_URL is set; features that need atomic counters fall back to memory without it. */
  redis: Redis | undefined;
  /** Query answers shared by every instance using the same Redis (memory without it); src/cache/. */
  responseCache: ResponseCache;
  /** Bounds every Redis wait on the request path; one per process, so one stall is noticed once (src/limits/redis-guard.ts). */
  redisGuard: RedisGuard;
  /** Prometheus registry and the rolling performance window of this process. */
  metrics: Metrics;
  /** Enqueues background jobs (pg-boss) inside a transaction; they run in src/worker.ts. */
  jobs: JobQueue;
  /** Credentials verified a moment ago, forgotten when PostgreSQL says one changed (src/modules/identity/credential-cache.ts). */
  credentials: CredentialCache;
  /** The database URL, for clients that open their own connections (pg-boss workers, COPY tools). */
  databaseUrl: string;
  /** OpenTelemetry spans; undefined (and nothing traced) unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing: Tracing | undefined;
  close(): Promise<void>;
};

export type ResourceOptions = {
  log?: Logger;
  databaseUrl?: string;
  /** Tests: spans go here (in memory) instead of OTLP, and tracing is on whatever the config says. */
  spanExporter?: SpanExporter;
  /**
   * Longest a unit of work waits for a pool connection before it fails with PoolWaitTimeout
   * (src/db/pool-gate.ts); default DATABASE_POOL_WAIT_MS. 0: no bound (the worker, CLIs: nobody
   * waits for an answer, and a job chunk is better late than failed).
   */
  poolWaitMs?: number;
};

export type LoggerOptions = {
  /** Where lines go: stdout for servers, stderr for CLIs (their stdout carries their answer, e.g. a key). */
  stream?: 'stdout' | 'stderr';
  /** One coloured line per entry for people; JSON for machines. Default: pretty on a terminal outside production. */
  pretty?: boolean;
};

export function createLogger(config: Config, options: LoggerOptions = {}): Logger {
  const out = options.stream === 'stderr' ? process.stderr : process.stdout;
  const pretty = options.pretty ?? (Boolean(out.isTTY) && config.env !== 'production');
  // Redaction and the error serializer (lib/log-redaction.ts) hold for both formats.
  const settings = loggerOptions(config.logLevel, config.serverId);
  if (!pretty) return pino(settings, pino.destination({ fd: out.fd, sync: true }));
  // Loaded only for people at a terminal. Synchronous, in this thread (not a pino transport worker),
  // so log lines and the start banner reach the terminal in the order they were written.
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pino(
    settings,
    pinoPretty({
      colorize: true,
      singleLine: true,
      sync: true,
      destination: out.fd,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,server',
    }),
  );
}

/** For command-line tools: warnings and errors only, on stderr. */
export function createCliLogger(config: Config): Logger {
  return createLogger(
    { ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel },
    { stream: 'stderr' },
  );
}

export function createSql(url: string, config: Config, max = config.database.poolMax): Sql {
  return postgres(url, {
    max,
    // Opening a connection (a new PostgreSQL backend with cold caches) costs a request tens of ms;
    // connections idle for a few minutes are closed, not after each lull in traffic.
    idle_timeout: 300,
    // While the database is away (a restart, a failover) a request must fail fast and the next ones
    // succeed as soon as it is back (docs/decisions/0020-fail-fast-when-the-database-is-away.md). A
    // backend starts in milliseconds: a connection not open in 2 s is not going to be.
    connect_timeout: 2,
    // postgres.js waits before a connection's next attempt 3^n / 100 s (up to 20 s), n counting the
    // failed attempts of the whole pool: a 300 ms restart under load took n to 7-8, and the queries
    // given to those connections waited 10-20 s, past the request deadline. Here the wait stays
    // under half a second, with jitter, so a connection tries again soon after the database is back.
    backoff: (retries: number) => Math.min(0.02 * 2 ** retries, 0.5) * (0.5 + Math.random() / 2),
    onnotice: () => {},
    connection: {
      application_name: `harvest-graph:${config.serverId}`,
      statement_timeout: config.database.statementTimeoutMs,
      idle_in_transaction_session_timeout: config.database.statementTimeoutMs * 2,
      // JIT compilation costs more than it saves on this OLTP workload (docs/decisions/0007-postgres-jit-off.md).
      jit: 'off',
      // Our data is read from memory: at the default 4 the planner scanned a 200-row table once per
      // parent row instead of probing its primary key (docs/decisions/0029-random-page-cost-for-cached-data.md).
      random_page_cost: String(config.database.randomPageCost),
      // Dates leave PostgreSQL as YYYY-MM-DD whatever the server's default: the Date scalar passes that
      // text on, and compiled reads write `date::text` (docs/decisions/0030-ordered-input-and-iso-dates.md).
      datestyle: 'ISO, MDY',
    },
  });
}

/**
 * Opens up to `connections` pool connections at once (postgres.js opens them lazily), so the first
 * burst of requests after a start does not wait for backends to start. A connection that cannot be
 * opened (max_connections reached) is left to open on demand; returns how many were opened.
 */
export async function warmPool(sql: Sql, connections: number): Promise<number> {
  const reserved = await Promise.allSettled(Array.from({ length: connections }, () => sql.reserve()));
  let opened = 0;
  for (const r of reserved) {
    if (r.status !== 'fulfilled') continue;
    opened += 1;
    r.value.release();
  }
  return opened;
}

// drizzle sends `db.execute` and builder queries through postgres.js `unsafe()`, which does not
// prepare (a parse and a fresh plan for every statement, drizzle issues #5502, #6096). Statements
// with parameters are prepared here; their text does not change with batch sizes (`= any($1)`).
// Above PREPARE_MAX_PARAMS (multi-row inserts, whose text grows with their rows) they are not, so a
// connection keeps a bounded set of prepared statements.
const PREPARE_MAX_PARAMS = 64;

function preparingClient(sql: Sql): Sql {
  const unsafe: Sql['unsafe'] = (query, params, options) =>
    // drizzle passes `prepare: false` for every query it was not given a name for: overridden.
    sql.unsafe(
      query,
      params,
      params?.length && params.length <= PREPARE_MAX_PARAMS ? { ...options, prepare: true } : options,
    );
  return new Proxy(sql, {
    get: (target, property, receiver) => (property === 'unsafe' ? unsafe : Reflect.get(target, property, receiver)),
  });
}

export function createDb(sql: Sql): Db {
  return drizzle(preparingClient(sql), { schema: tables, logger: sqlStatsLogger });
}

export async function createRedis(config: Config, log: Logger): Promise<Redis | undefined> {
  if (!config.redis.url) return undefined;
  const client: Redis = createClient({
    url: config.redis.url,
    // A stalled Redis must not queue commands and hang requests: fail fast and let callers fall back.
    disableOfflineQueue: true,
    // socketTimeout is an idle timeout: without traffic the socket was dropped every 5 s, and commands
    // sent while it reconnected failed (a lost cache invalidation among them). A PING keeps it busy.
    pingInterval: 1_000,
    socket: {
      connectTimeout: 2_000,
      socketTimeout: 5_000,
      reconnectStrategy: (attempts) => Math.min(attempts * 200, 2_000),
    },
  });
  client.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error'));
  await client.connect();
  return client;
}

export async function createResources(config: Config, options: ResourceOptions = {}): Promise<Resources> {
  const log = options.log ?? createLogger(config);
  const url = options.databaseUrl ?? config.database.url;
  if (!url)
    throw new Error('createResources needs a database URL: set DATABASE_URL or start the embedded PostgreSQL first');
  const tracing = createTracing(config, { exporter: options.spanExporter });
  const poolWaitMs = options.poolWaitMs ?? config.database.poolWaitMs;
  const pooledSql = createSql(url, config);
  const plainSql = poolWaitMs > 0 ? gatePool(pooledSql, new PoolGate(config.database.poolMax, poolWaitMs)) : pooledSql;
  const sql = tracing ? traceSql(plainSql, tracing.tracer, new URL(url).pathname.slice(1)) : plainSql;
  const db = createDb(sql);
  const redis = await createRedis(config, log);
  const redisGuard = new RedisGuard(redis, config.redis.timeoutMs, log);
  const responseCache = createResponseCache(
    redis ? createRedisStore(redis, config.redis.prefix) : createMemoryStore(),
    {
      log,
      timeoutMs: config.redis.timeoutMs,
      redisHealth: { skip: () => redisGuard.skip(), trouble: (reason) => redisGuard.reportTrouble(reason) },
      maxTtlMs: Math.max(config.responseCache.ttlMs, ...Object.values(cachePolicy.ttlMs)),
    },
  );
  const metrics = createMetrics({ poolUsage: () => poolUsage(sql, config) });
  const jobs = createJobQueue(url, config, log);
  const credentials = createCredentialCache({ ttlMs: config.auth.credentialCacheMs, sql: pooledSql, log });
  // Request counts per minute go to PostgreSQL every 10 s, for /metrics/performance across instances.
  const flushMinutes = () =>
    metrics.minutes
      .flush(db, config.serverId)
      .catch((err: Error) => log.warn({ err: err.message }, 'request minutes not written; kept for the next flush'));
  const minuteTimer = setInterval(flushMinutes, 10_000);
  minuteTimer.unref();

  let closed = false;
  return {
    config,
    log,
    sql,
    db,
    redis,
    responseCache,
    redisGuard,
    metrics,
    jobs,
    credentials,
    databaseUrl: url,
    tracing,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(minuteTimer);
      await flushMinutes();
      await jobs.close();
      await sql.end({ timeout: 3 });
      if (redis?.isOpen) await redis.quit().catch(() => redis.destroy());
      await tracing?.shutdown().catch((err: Error) => log.warn({ err: err.message }, 'tracing shutdown failed'));
    },
  };
}

/** postgres.js keeps its pool counters private, so the database is asked what this process holds. */
async function poolUsage(sql: Sql, config: Config): Promise<PoolUsage> {
  const [row] = await sql<{ open: number; active: number; idle: number }[]>`
    select count(*)::int as open,
           count(*) filter (where state = 'active')::int as active,
           count(*) filter (where state like 'idle%')::int as idle
    from pg_stat_activity
    where application_name = ${`harvest-graph:${config.serverId}`} and datname = current_database()`;
  return { ...row, max: config.database.poolMax };
}
