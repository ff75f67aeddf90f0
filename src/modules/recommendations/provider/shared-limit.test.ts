// without Redis, three workers share one provider limit through PostgreSQL, counted by the
// strict mock (at most R calls in any 1 s window, else 429); and a 429 spends none of a customer's
// attempts. Short latencies keep it to seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../../../loadtest/mock-provider.ts';
import { startHarness, type Harness, type Tenant } from '../../../test/harness.ts';
import {
  allResults,
  catalogTenant,
  customerInputs,
  expectedTop,
  startMockProcess,
  submit,
  waitForJob,
} from '../../../test/recommendations.ts';
import { startRecommendationWorker, type RecommendationWorker } from '../jobs/tasks.ts';

const RATE = 20;

describe('the PostgreSQL bucket shared by three workers', () => {
  let h: Harness;
  let t: Tenant;
  let mock: Awaited<ReturnType<typeof startMockProcess>>;
  const workers: RecommendationWorker[] = [];
  beforeAll(async () => {
    mock = await startMockProcess(['--strict', '--limit', String(RATE), '--burst', '1', '--latency', '300']);
    h = await startHarness({
      env: {
        PROVIDER_URL: mock.url,
        PROVIDER_RATE_LIMIT: String(RATE),
        PROVIDER_BURST: '1',
        PROVIDER_LATENCY_MS: '300',
        JOB_CHUNK_SIZE: '15',
      },
    });
    t = await catalogTenant(h, 'shared-limit');
    for (let i = 0; i < 3; i++) workers.push(await startRecommendationWorker(h.resources, { concurrency: 2 }));
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await h?.close();
    await mock?.close();
  });

  it('never lets the provider see more than R calls in any of its seconds', async () => {
    const COUNT = 90;
    const { job } = await submit(h, t.partnerKey, { provider: 'HTTP', customers: customerInputs(COUNT) });
    const done = await waitForJob(h, t.partnerKey, job.id, 30_000);
    expect(done).toMatchObject({ status: 'COMPLETED', done: COUNT, failed: 0 });
    const stats = await mock.stats();
    expect(stats.received).toBe(COUNT);
    expect(stats.overLimit).toBe(0);
    expect(stats.maxPerSecond).toBeLessThanOrEqual(RATE);
    // All three took part, and leased their slots in batches: far fewer statements than calls.
    const leases = workers.map((w) => (w.runtime.http!.bucket as unknown as { statements: number }).statements);
    expect(leases.filter((n) => n > 0).length).toBe(3);
    expect(leases.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(COUNT / 2);
  }, 40_000);
});

describe('a customer answered 429 twenty times', () => {
  let h: Harness;
  let t: Tenant;
  let mock: MockProvider;
  let worker: RecommendationWorker;
  beforeAll(async () => {
    mock = await startMockProvider({ latencyMs: 5, rateLimit: 1_000, rateLimitedCallsPerCustomer: 20 });
    h = await startHarness({
      env: {
        PROVIDER_URL: mock.url,
        PROVIDER_RATE_LIMIT: '1000',
        PROVIDER_MAX_ATTEMPTS: '2',
        PROVIDER_RETRY_BASE_MS: '5',
        PROVIDER_RETRY_MAX_MS: '20',
      },
    });
    t = await catalogTenant(h, 'refused');
    worker = await startRecommendationWorker(h.resources, { concurrency: 1 });
  });
  afterAll(async () => {
    await worker?.stop();
    await h?.close();
    await mock?.close();
  });

  it('ends done with its attempts unspent', async () => {
    const { job } = await submit(h, t.partnerKey, { provider: 'HTTP', customers: customerInputs(3) });
    const done = await waitForJob(h, t.partnerKey, job.id, 30_000);
    expect(done).toMatchObject({ status: 'COMPLETED', done: 3, failed: 0 });
    const results = await allResults(h, t.partnerKey, job.id);
    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      ['SCORED', 1],
      ['SCORED', 1],
      ['SCORED', 1],
    ]);
    results.forEach((r, i) => {
      expect(r.recommendations.map((x) => [x.cardCode, x.netSavings])).toEqual(expectedTop(i));
    });
    expect(mock.stats()).toMatchObject({ received: 63, ok: 3, injected: { rateLimited: 60 } });
  }, 40_000);
});
