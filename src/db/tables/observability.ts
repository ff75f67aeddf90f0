// Request figures per minute per API instance, for /metrics/performance's 24-hour figures across
// every instance (src/observability/minute-buckets.ts). Not tenant data.
import { integer, pgTable, text, unique } from 'drizzle-orm/pg-core';
import { instant } from './columns.ts';

/**
 * Request counts per minute per instance, for /metrics/performance's 24-hour figures across every
 * API instance. Latencies are kept as a histogram (counts per bucket) so percentiles over many
 * instances and minutes can be added up exactly to the bucket's width.
 */
export const requestMinuteTable = pgTable(
  'request_minutes',
  {
    minute: instant('minute').notNull(),
    serverId: text('server_id').notNull(),
    requests: integer('requests').notNull().default(0),
    failures: integer('failures').notNull().default(0),
    latencySumMs: integer('latency_sum_ms').notNull().default(0),
    /** Counts per latency bucket (observability/minute-buckets.ts LATENCY_BUCKETS_MS). */
    latencyBuckets: integer('latency_buckets').array().notNull(),
    peakConcurrency: integer('peak_concurrency').notNull().default(0),
  },
  (t) => [unique('request_minutes_minute_server_key').on(t.minute, t.serverId)],
);
