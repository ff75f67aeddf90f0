// 24-hour request figures across every API instance: each process counts its GraphQL requests per
// minute (count, failures, latency sum, a latency histogram, peak concurrency) and adds them every
// few seconds to its row of request_minutes in PostgreSQL (one upsert per flush); /metrics/
// performance sums the rows of the last 24 hours over all instances. Percentiles come from the
// merged histogram, so they are exact to a bucket's width (reported as the bucket's upper bound).
import { sql } from 'drizzle-orm';
import type { Db } from '../resources.ts';

export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 150, 200, 300, 500, 1_000, 2_500, 5_000, 10_000, Infinity];

type Minute = { requests: number; failures: number; latencySumMs: number; buckets: number[]; peak: number };

const emptyMinute = (): Minute => ({
  requests: 0,
  failures: 0,
  latencySumMs: 0,
  buckets: LATENCY_BUCKETS_MS.map(() => 0),
  peak: 0,
});

export class MinuteBuckets {
  private readonly pending = new Map<number, Minute>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  private current(): Minute {
    const minute = Math.floor(this.now() / 60_000);
    let m = this.pending.get(minute);
    if (!m) this.pending.set(minute, (m = emptyMinute()));
    return m;
  }

  /** A request started: `inFlight` includes it. */
  started(inFlight: number): void {
    const m = this.current();
    if (inFlight > m.peak) m.peak = inFlight;
  }

  finished(latencyMs: number, success: boolean): void {
    const m = this.current();
    m.requests++;
    if (!success) m.failures++;
    m.latencySumMs += latencyMs;
    let i = 0;
    while (latencyMs > LATENCY_BUCKETS_MS[i]) i++;
    m.buckets[i]++;
  }

  /** Adds what was counted since the last flush to this instance's rows; what fails to write is kept for the next flush. */
  async flush(db: Db, serverId: string): Promise<void> {
    if (!this.pending.size) return;
    const batch = [...this.pending.entries()];
    this.pending.clear();
    try {
      for (const [minute, m] of batch) {
        await db.execute(sql`
          insert into request_minutes (minute, server_id, requests, failures, latency_sum_ms, latency_buckets, peak_concurrency)
          values (to_timestamp(${minute * 60}), ${serverId}, ${m.requests}, ${m.failures}, ${Math.round(m.latencySumMs)}, ${`{${m.buckets.join(',')}}`}::int[], ${m.peak})
          on conflict (minute, server_id) do update set
            requests = request_minutes.requests + excluded.requests,
            failures = request_minutes.failures + excluded.failures,
            latency_sum_ms = request_minutes.latency_sum_ms + excluded.latency_sum_ms,
            latency_buckets = (select array_agg(a + b order by i) from unnest(request_minutes.latency_buckets, excluded.latency_buckets) with ordinality as u(a, b, i)),
            peak_concurrency = greatest(request_minutes.peak_concurrency, excluded.peak_concurrency)`);
      }
      // Rows older than two days are never read again.
      await db.execute(sql`delete from request_minutes where minute < now() - interval '2 days'`);
    } catch (err) {
      for (const [minute, m] of batch) {
        const kept = this.pending.get(minute);
        if (!kept) this.pending.set(minute, m);
        else {
          kept.requests += m.requests;
          kept.failures += m.failures;
          kept.latencySumMs += m.latencySumMs;
          kept.peak = Math.max(kept.peak, m.peak);
          m.buckets.forEach((n, i) => {
            kept.buckets[i] += n;
          });
        }
      }
      throw err;
    }
  }
}

export type DayFigures = {
  windowHours: number;
  instances: number;
  totalRequests: number;
  successRate: number | null;
  responseTimeMs: { average: number | null; p95: number | null; p99: number | null };
  /** Highest sum over instances of their peak in-flight requests in one minute. */
  peakConcurrentUsers: number;
  generations: { completed: number; failed: number; successRate: number | null };
};

function percentile(buckets: number[], total: number, p: number): number | null {
  if (!total) return null;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i];
    if (seen >= rank) return Number.isFinite(LATENCY_BUCKETS_MS[i]) ? LATENCY_BUCKETS_MS[i] : LATENCY_BUCKETS_MS[i - 1];
  }
  return null;
}

/** The last 24 hours of every instance, and of course generations. Two statements. */
export async function dayFigures(db: Db, hours = 24): Promise<DayFigures> {
  const [row] = await db.execute<{
    instances: number;
    requests: number;
    failures: number;
    latency: number;
    buckets: number[] | null;
    peak: number | null;
  }>(sql`
    with recent as (select * from request_minutes where minute > now() - make_interval(hours => ${hours})),
    per_minute as (select minute, sum(peak_concurrency)::int as peak from recent group by minute)
    select (select count(distinct server_id)::int from recent) as instances,
           coalesce(sum(requests), 0)::bigint as requests, coalesce(sum(failures), 0)::bigint as failures,
           coalesce(sum(latency_sum_ms), 0)::bigint as latency,
           (select array_agg(s order by i) from (select i, sum(b)::int as s from recent, unnest(latency_buckets) with ordinality as u(b, i) group by i) t) as buckets,
           (select max(peak) from per_minute) as peak
    from recent`);
  const [gen] = await db.execute<{ completed: number; failed: number }>(sql`
    select count(*) filter (where status = 'completed')::int as completed, count(*) filter (where status = 'failed')::int as failed
    from course_generations where finished_at > now() - make_interval(hours => ${hours})`);
  const requests = Number(row.requests);
  const buckets = row.buckets ?? [];
  const round = (n: number) => Math.round(n * 100) / 100;
  const finished = gen.completed + gen.failed;
  return {
    windowHours: hours,
    instances: row.instances,
    totalRequests: requests,
    successRate: requests ? Math.round(((requests - Number(row.failures)) / requests) * 10_000) / 10_000 : null,
    responseTimeMs: {
      average: requests ? round(Number(row.latency) / requests) : null,
      p95: percentile(buckets, requests, 95),
      p99: percentile(buckets, requests, 99),
    },
    peakConcurrentUsers: row.peak ?? 0,
    generations: {
      completed: gen.completed,
      failed: gen.failed,
      successRate: finished ? round(gen.completed / finished) : null,
    },
  };
}
