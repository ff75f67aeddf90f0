// The one place where clients are made: PostgreSQL (postgres.js + drizzle), Redis and the KV store.
// Everything else receives them as arguments, so tests can build as many independent sets as they need.
import KeyvRedis, { createClient, type RedisClientType } from '@keyv/redis';
import { drizzle, type PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { Keyv } from 'keyv';
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

/** The database or a transaction on it: services accept either (house habit 1). */
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
  kv: Keyv;
  /** Query answers shared by every instance using the same Redis (memory without it); src/cache/. */
  responseCache: ResponseCache;
  /** Bounds every Redis wait on the request path; one per process, so one stall is noticed once (src/limits/redis-guard.ts). */
  redisGuard: RedisGuard;
  /** Prometheus registry and the rolling performance window of this process. */
  metrics: Metrics;
  /** Enqueues background jobs (pg-boss) inside a transaction; they run in src/worker.ts. */
  jobs: JobQueue;
  /** The database URL, for clients that open their own connections (pg-boss workers, COPY tools). */
  databaseUrl: string;
  close(): Promise<void>;
};

export type ResourceOptions = { log?: Logger; databaseUrl?: string };

export function createLogger(config: Config): Logger {
  return pino(loggerOptions(config.logLevel, config.serverId));
}

export function createSql(url: string, config: Config, max = config.database.poolMax): Sql {
  return postgres(url, {
    max,
    // Opening a connection (a new PostgreSQL backend with cold caches) costs a request tens of ms;
    // connections idle for a few minutes are closed, not after each lull in traffic.
    idle_timeout: 300,
    connect_timeout: 10,
    onnotice: () => {},
    connection: {
      application_name: `harvest-graph:${config.serverId}`,
      statement_timeout: config.database.statementTimeoutMs,
      idle_in_transaction_session_timeout: config.database.statementTimeoutMs * 2,
      // JIT compilation costs more than it saves on this OLTP workload (STACK.md).
      jit: 'off',
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

export function createDb(sql: Sql): Db {
  return drizzle(sql, { schema: tables, logger: sqlStatsLogger });
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
  if (!url) throw new Error('createResources needs a database URL: set DATABASE_URL or start the embedded PostgreSQL first');
  const sql = createSql(url, config);
  const db = createDb(sql);
  const redis = await createRedis(config, log);
  const kv = redis
    ? new Keyv({ store: new KeyvRedis(redis, { namespace: config.redis.prefix.replace(/:$/, '') }), useKeyPrefix: false })
    : new Keyv();
  kv.on('error', (err: Error) => log.warn({ err: err.message }, 'kv error'));
  const redisGuard = new RedisGuard(redis, config.redis.timeoutMs, log);
  const responseCache = createResponseCache(redis ? createRedisStore(redis, config.redis.prefix) : createMemoryStore(), {
    log,
    timeoutMs: config.redis.timeoutMs,
    redisHealth: { skip: () => redisGuard.skip(), trouble: (reason) => redisGuard.reportTrouble(reason) },
    maxTtlMs: Math.max(config.responseCache.ttlMs, ...Object.values(cachePolicy.ttlMs)),
  });
  const metrics = createMetrics({ poolUsage: () => poolUsage(sql, config) });
  const jobs = createJobQueue(url, config, log);

  let closed = false;
  return {
    config,
    log,
    sql,
    db,
    redis,
    kv,
    responseCache,
    redisGuard,
    metrics,
    jobs,
    databaseUrl: url,
    async close() {
      if (closed) return;
      closed = true;
      await jobs.close();
      await sql.end({ timeout: 3 });
      if (redis?.isOpen) await redis.quit().catch(() => redis.destroy());
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
