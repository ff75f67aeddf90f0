// /metrics, /metrics/performance and /health/performance through the real app: who may read them,
// and that GraphQL traffic shows up in them (per-operation durations, SQL statements, batch sizes).
import { describe, expect } from 'vitest';
import { appTest } from '../test/fixtures.ts';
import { PerformanceWindow } from './performance-window.ts';
import { createMetrics } from './metrics.ts';

// The DataLoader batch-size histogram is fed by resolvers: reads run them here, not the compiled path.
const it = appTest({
  tenant: 'observed',
  harness: { env: { COMPILED_READS: 'off' } },
  seed: { growers: 12, packhouses: 3, batches: 200 },
});

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('who may read the observability endpoints', () => {
  it('/metrics and /metrics/performance need an internal key', async ({ h, t }) => {
    const partnerAdmin = await t.key(['read', 'write', 'admin']);
    for (const path of ['/metrics', '/metrics/performance']) {
      const anonymous = await h.fetch(path);
      expect(anonymous.status).toBe(401);
      expect((await anonymous.json()).errors[0].message).toMatch(/internal API key/);
      expect((await h.fetch(path, bearer(t.partnerKey))).status).toBe(403);
      expect((await h.fetch(path, bearer(partnerAdmin))).status).toBe(403);
      expect((await h.fetch(path, bearer('hgk_bad'))).status).toBe(401);
      expect((await h.fetch(path, bearer(t.internalKey))).status).toBe(200);
    }
  });

  it('/health/performance counts running and queued course generations of every worker', async ({ h, t }) => {
    const { sql } = h.resources;
    const [course] =
      await sql`insert into courses (organization_id, title) values (${t.organizationId}, 'Counted') returning id`;
    const spec = JSON.stringify({
      topic: 'x',
      audience: 'y',
      level: 'beginner',
      modules: 1,
      lessonsPerModule: 1,
      lessonWords: 50,
    });
    const before = await (await h.fetch('/health/performance', bearer(t.internalKey))).json();
    await sql`insert into course_generations (organization_id, course_id, generator, spec, total_modules, status, heartbeat_at)
      values (${t.organizationId}, ${course.id}, 'builtin', ${spec}::jsonb, 1, 'running', now()),
             (${t.organizationId}, ${course.id}, 'builtin', ${spec}::jsonb, 1, 'running', now() - interval '1 hour'),
             (${t.organizationId}, ${course.id}, 'builtin', ${spec}::jsonb, 1, 'queued', null),
             (${t.organizationId}, ${course.id}, 'builtin', ${spec}::jsonb, 1, 'queued', null)`;
    await new Promise((r) => setTimeout(r, 1_100));
    const after = await (await h.fetch('/health/performance', bearer(t.internalKey))).json();
    // The running one with a stale heartbeat (its worker died) does not hold a place.
    expect(after.concurrent_generations - before.concurrent_generations).toBe(1);
    expect(after.generation_queue_depth - before.generation_queue_depth).toBe(2);
    await sql`update course_generations set status = 'failed' where course_id = ${course.id}`;
  });

  it('/metrics/performance adds the last 24 hours of every instance from the minute rows', async ({ h, t }) => {
    for (let i = 0; i < 4; i++)
      await h.gql(`query Day${i} { growers(first: 1) { edges { node { name } } } }`, { auth: t.partnerKey });
    await h.resources.metrics.minutes.flush(h.resources.db, h.config.serverId);
    // Another instance's minute: 100 requests, 2 failed, all between 150 and 200 ms.
    const buckets = [0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0];
    await h.resources
      .sql`insert into request_minutes (minute, server_id, requests, failures, latency_sum_ms, latency_buckets, peak_concurrency)
      values (date_trunc('minute', now()), 'other-instance', 100, 2, 18000, ${`{${buckets.join(',')}}`}::int[], 7)`;
    const body = await (await h.fetch('/metrics/performance', bearer(t.internalKey))).json();
    expect(body.windowSeconds).toBe(60);
    const day = body.last24h;
    expect(day.instances).toBe(2);
    expect(day.totalRequests).toBeGreaterThanOrEqual(104);
    expect(day.responseTimeMs.p99).toBe(200);
    expect(day.successRate).toBeLessThan(0.99);
    expect(day.peakConcurrentUsers).toBeGreaterThanOrEqual(7);
    expect(day).toHaveProperty('generations.successRate');
  });

  it('/health/performance tells anyone its status, and only internal keys the detail', async ({ h, t }) => {
    const anonymous = await h.fetch('/health/performance');
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: 'ok' });
    expect((await h.fetch('/health/performance', bearer(t.partnerKey))).status).toBe(403);
    const internal = await h.fetch('/health/performance', bearer(t.internalKey));
    const body = await internal.json();
    expect(body).toMatchObject({
      status: 'ok',
      sla: { p99Ms: 200 },
      activeConnections: { httpRequestsInFlight: expect.any(Number), database: { max: h.config.database.poolMax } },
      cpu: { processPercentOfOneCore: expect.any(Number) },
      memory: { rssBytes: expect.any(Number) },
      runningGenerations: expect.any(Number),
      queueDepth: null,
      concurrent_generations: expect.any(Number),
      generation_queue_depth: expect.any(Number),
    });
    expect(body.activeConnections.database.open).toBeGreaterThanOrEqual(1);
  });
});

describe('what the endpoints report', () => {
  it('counts GraphQL requests per operation, their SQL statements and DataLoader batch sizes', async ({ h, t }) => {
    const before = (await (await h.fetch('/metrics/performance', bearer(t.internalKey))).json()).requestCount;
    for (let i = 0; i < 3; i++) {
      // A different alias each time, so the response cache cannot answer.
      const r = await h.gql(
        `query GrowerBoard { g${i}: growers(first: 10) { edges { node { name batches(first: 5) { edges { node { code packhouse { name } } } } } } } }`,
        { auth: t.partnerKey },
      );
      expect(r.body.errors).toBeUndefined();
      expect(r.statements).toBe(3);
    }
    const text = await (await h.fetch('/metrics', bearer(t.internalKey))).text();
    expect(text).toMatch(
      /graphql_yoga_http_duration_count\{operationName="GrowerBoard",operationType="query",statusCode="200"\} 3/,
    );
    expect(text).toMatch(/hg_sql_statements_per_request_sum\{operation="GrowerBoard"\} 9/);
    expect(text).toMatch(/hg_sql_statements_per_request_count\{operation="GrowerBoard"\} 3/);
    // One LATERAL statement for the 10 growers' batches, one loader batch for their packhouses.
    expect(text).toMatch(/hg_dataloader_batch_size_sum\{loader="batches.grower_id"\} 30/);
    expect(text).toMatch(/hg_dataloader_batch_size_count\{loader="packhouses"\} 3/);
    expect(text).toMatch(/hg_db_pool_connections\{state="max"\} 10/);
    expect(text).toContain('# TYPE hg_response_cache_requests_total counter');
    expect(text).toContain('process_cpu_seconds_total');

    const perf = await (await h.fetch('/metrics/performance', bearer(t.internalKey))).json();
    expect(perf.requestCount - before).toBe(3);
    expect(perf).toMatchObject({
      windowSeconds: 60,
      successRate: 1,
      latencyMs: { p50: expect.any(Number), p99: expect.any(Number) },
    });
    expect(perf.peakConcurrency).toBeGreaterThanOrEqual(1);
  });

  it('shows gauges once their source is registered, and counts response cache hits and misses', async ({ h, t }) => {
    h.resources.metrics.setSource('queueDepth', () => 7);
    const statuses = [];
    for (let i = 0; i < 2; i++) {
      const r = await h.gql(`query CachedGrowers { growers(first: 3) { edges { node { name } } } }`, {
        auth: t.readKey,
      });
      statuses.push(r.headers.get('x-cache-status'));
    }
    expect(statuses).toEqual(['MISS', 'HIT']);
    const text = await (await h.fetch('/metrics', bearer(t.internalKey))).text();
    expect(text).toMatch(/^hg_job_queue_depth 7$/m);
    expect(text).toMatch(/^hg_response_cache_requests_total\{result="hit"\} 1$/m);
    expect(text).toMatch(/^hg_response_cache_requests_total\{result="miss"\} [1-9]\d*$/m);
    const health = await (await h.fetch('/health/performance', bearer(t.internalKey))).json();
    expect(health.queueDepth).toBe(7);
  });
});

describe('rolling performance window', () => {
  it('reports percentiles, success rate and peak concurrency over the last minute only', () => {
    let now = 1_000_000;
    const w = new PerformanceWindow({ now: () => now });
    for (let i = 1; i <= 100; i++) {
      w.started();
      w.finished(i, i !== 100);
    }
    for (let i = 0; i < 5; i++) w.started();
    for (let i = 0; i < 5; i++) w.finished(1, true);
    let s = w.snapshot();
    expect(s.requestCount).toBe(105);
    expect(s.latencyMs.p50).toBe(48);
    expect(s.latencyMs.p99).toBe(99);
    expect(s.latencyMs.max).toBe(100);
    expect(s.successRate).toBeCloseTo(104 / 105);
    expect(s.peakConcurrency).toBe(5);
    now += 61_000;
    s = w.snapshot();
    expect(s).toMatchObject({ requestCount: 0, successRate: null, peakConcurrency: 0, latencyMs: { p99: null } });
  });

  it('bounds operation-name labels, since clients choose them', () => {
    const m = createMetrics({
      poolUsage: async () => ({ open: 0, active: 0, idle: 0, max: 0 }),
      defaultMetrics: false,
    });
    for (let i = 0; i < 200; i++) expect(m.operationLabel(`Op${i}`)).toBe(`Op${i}`);
    expect(m.operationLabel('OneTooMany')).toBe('other');
    expect(m.operationLabel('Op7')).toBe('Op7');
    expect(m.operationLabel('bad name; drop')).toBe('Anonymous');
  });
});
