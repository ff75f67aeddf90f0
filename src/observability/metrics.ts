// The Prometheus registry of one API process and the instruments other parts of the code feed:
// request durations per operation (yoga's Prometheus plugin, src/http/use-metrics.ts), response
// cache hits and misses, DataLoader batch sizes, SQL statements per request, database pool use, and
// gauges whose value comes from a source registered later (job queue depth, running generations).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { MinuteBuckets } from './minute-buckets.ts';
import { PerformanceWindow } from './performance-window.ts';

export type GaugeSource = () => number | null | Promise<number | null>;
export type PoolUsage = { open: number; active: number; idle: number; max: number };

export type Metrics = {
  registry: Registry;
  /** `metrics.cacheRequests.inc({ result: 'hit' | 'miss' })` from the response cache. */
  cacheRequests: Counter<'result'>;
  /** `metrics.credentialChecks.inc({ source: 'kept' | 'database' })` from authenticateRequest (src/http/edge.ts). */
  credentialChecks: Counter<'source'>;
  loaderBatchSize: Histogram<'loader'>;
  sqlStatements: Histogram<'operation'>;
  window: PerformanceWindow;
  /** Per-minute counts, flushed to PostgreSQL for the 24-hour figures across instances (resources.ts). */
  minutes: MinuteBuckets;
  /** This process's database connections, read from pg_stat_activity. */
  poolUsage(): Promise<PoolUsage>;
  /** Registers where a gauge reads its value: `setSource('queueDepth', () => boss.getQueueSize(...))`. */
  setSource(name: SourceName, source: GaugeSource): void;
  read(name: SourceName): Promise<number | null>;
  /** Operation names are chosen by clients: past a bound they share one label value. */
  operationLabel(name: string | null | undefined): string;
};

export type SourceName = 'queueDepth' | 'runningGenerations' | 'generationQueueDepth';

const MAX_OPERATION_LABELS = 200;

export function createMetrics(options: { poolUsage: () => Promise<PoolUsage>; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const sources = new Map<SourceName, GaugeSource>();
  const read = async (name: SourceName) => {
    const source = sources.get(name);
    if (!source) return null;
    try {
      return await source();
    } catch {
      return null;
    }
  };

  new Gauge({
    name: 'hg_db_pool_connections',
    help: 'Database connections of this process by state (from pg_stat_activity), and the pool maximum.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const usage = await options.poolUsage().catch(() => undefined);
      if (!usage) return;
      for (const state of ['open', 'active', 'idle', 'max'] as const) this.set({ state }, usage[state]);
    },
  });
  // Gauges read from a registered source: no sample until it is registered, or when it fails.
  const sourceGauges: [SourceName, string, string][] = [
    [
      'queueDepth',
      'hg_job_queue_depth',
      'Jobs waiting in the queue (absent until the job system registers its source).',
    ],
    [
      'runningGenerations',
      'hg_running_generations',
      'Course generations running now (absent until the generator registers its source).',
    ],
    [
      'generationQueueDepth',
      'hg_course_generation_queue_depth',
      'Course generations waiting for a running place, across every worker (absent until the API registers its source).',
    ],
  ];
  for (const [source, name, help] of sourceGauges)
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = await read(source);
        if (value !== null) this.set(value);
      },
    });
  new Gauge({
    name: 'hg_memory_limit_bytes',
    help: "Memory this process may use: its cgroup's limit when it has one, else the machine's memory (the memory alert divides RSS by it).",
    registers: [registry],
    collect() {
      this.set(memoryLimitBytes());
    },
  });
  const window = new PerformanceWindow();
  new Gauge({
    name: 'hg_http_requests_in_flight',
    help: 'GraphQL requests being served now.',
    registers: [registry],
    collect() {
      this.set(window.inFlight);
    },
  });

  const seen = new Set<string>();
  return {
    registry,
    window,
    minutes: new MinuteBuckets(),
    poolUsage: options.poolUsage,
    cacheRequests: new Counter({
      name: 'hg_response_cache_requests_total',
      help: 'Response cache lookups by result (hit or miss).',
      labelNames: ['result'],
      registers: [registry],
    }),
    credentialChecks: new Counter({
      name: 'hg_credential_checks_total',
      help: 'Requests whose API key or sign-in token was checked, by where it came from: kept by this process (verified a moment ago) or read from the database.',
      labelNames: ['source'],
      registers: [registry],
    }),
    loaderBatchSize: new Histogram({
      name: 'hg_dataloader_batch_size',
      help: 'Keys per DataLoader batch (one SQL statement each).',
      labelNames: ['loader'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    sqlStatements: new Histogram({
      name: 'hg_sql_statements_per_request',
      help: 'SQL statements one GraphQL operation sent.',
      labelNames: ['operation'],
      buckets: [0, 1, 2, 3, 4, 5, 8, 12, 20, 50],
      registers: [registry],
    }),
    setSource(name, source) {
      sources.set(name, source);
    },
    read,
    operationLabel(name) {
      if (!name || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'Anonymous';
      const label = name;
      if (seen.has(label)) return label;
      if (seen.size >= MAX_OPERATION_LABELS) return 'other';
      seen.add(label);
      return label;
    },
  };
}

/** The cgroup v2 (or v1) memory limit, else the machine's total memory. */
export function memoryLimitBytes(): number {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const value = Number(readFileSync(file, 'utf8').trim());
      if (Number.isFinite(value) && value > 0 && value < totalmem()) return value;
    } catch {
      // not in a cgroup with a limit
    }
  }
  return totalmem();
}
