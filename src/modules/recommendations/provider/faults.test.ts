// The HTTP provider against the mock scoring API injecting 10% each of 429 (with Retry-After), 500,
// timeouts and connection resets, with two workers sharing the rate limit through Redis: every
// customer ends scored (exactly as the catalog ranks it) or failed with a reason and its attempt
// count, and the provider never refuses a call for going over its limit. Short latencies keep it fast;
// the benchmark (npm run bench:jobs) uses the real 1.5 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../../../loadtest/mock-provider.ts';
import { startHarness, type Harness, type Tenant } from '../../../test/harness.ts';
import { localId } from '../../../lib/global-id.ts';
import { FAILURE_REASONS } from './retry.ts';
import { startRecommendationWorker, type RecommendationWorker } from '../jobs/tasks.ts';
import {
  allResults,
  catalogTenant,
  customerInputs,
  expectedTop,
  expectValidRanking,
  submit,
  waitForJob,
} from '../../../test/recommendations.ts';

const RATE = 100;
const MAX_ATTEMPTS = 3;

let h: Harness;
let t: Tenant;
let mock: MockProvider;
let workers: RecommendationWorker[] = [];

beforeAll(async () => {
  mock = await startMockProvider({
    latencyMs: 30,
    rateLimit: RATE,
    // Half a second of burst: the mock shares this process with the workers and the test, and on a
    // busy machine its own pauses bunch arrivals it then measures. Without the shared bucket two
    // workers would send twice the rate, hundreds of calls over this allowance.
    burst: RATE / 2,
    retryAfterSeconds: 1,
    faults: { rateLimited: 0.1, serverError: 0.1, timeout: 0.1, reset: 0.1 },
    seed: 7,
  });
  h = await startHarness({
    redis: true,
    env: {
      PROVIDER_URL: mock.url,
      PROVIDER_RATE_LIMIT: String(RATE),
      PROVIDER_LATENCY_MS: '30',
      PROVIDER_TIMEOUT_MS: '400',
      PROVIDER_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      PROVIDER_RETRY_BASE_MS: '50',
      PROVIDER_RETRY_MAX_MS: '400',
      JOB_CHUNK_SIZE: '50',
    },
  });
  t = await catalogTenant(h, 'faulty');
  workers = [
    await startRecommendationWorker(h.resources, { concurrency: 3 }),
    await startRecommendationWorker(h.resources, { concurrency: 3 }),
  ];
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await h?.close();
  await mock?.close();
});

describe('10% each of 429, 500, timeouts and resets', () => {
  let jobId: string;
  const COUNT = 400;

  beforeAll(async () => {
    const payload = await submit(h, t.partnerKey, { provider: 'HTTP', customers: customerInputs(COUNT) });
    jobId = payload.job.id;
    await waitForJob(h, t.partnerKey, jobId, 120_000);
  }, 150_000);

  it('ends every customer scored or failed with a reason and its attempts', async () => {
    const results = await allResults(h, t.partnerKey, jobId);
    expect(results.map((r) => r.customerRef)).toEqual(customerInputs(COUNT).map((c) => c.customerRef));
    const stats = mock.stats();
    let attempts = 0;
    results.forEach((node, i) => {
      attempts += node.attempts;
      if (node.status === 'SCORED') {
        expectValidRanking(node);
        expect(node.recommendations.map((x) => [x.cardCode, x.netSavings])).toEqual(expectedTop(i));
        expect(node.attempts).toBeLessThanOrEqual(MAX_ATTEMPTS);
      } else {
        expect(FAILURE_REASONS).toContain(node.failure!.reason.toLowerCase());
        expect(node.failure!.detail).not.toBe('');
        // Every injected fault is retryable, so a customer fails only after the last attempt.
        expect(node.failure!.attempts).toBe(MAX_ATTEMPTS);
      }
    });
    const failed = results.filter((r) => r.status === 'FAILED').length;
    // 30% of calls fail for real (429s spend no attempt), so about 0.3^3 = 2.7% of customers fail all 3 attempts.
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(COUNT * 0.1);
    // Every call spent an attempt except the ones answered 429 and the late ones sent twice (hedged).
    // Bounds rather than one equation: a hedge cancelled the moment the first call answers may or may
    // not have reached the provider, and a hedge answered 429 is both (its pair's attempt is spent when
    // the first call's 500 came back first). A 429 that spent an attempt would put `attempts` over the
    // first bound by the dozens of injected 429s; an attempt not counted would fall under the second.
    const hedges = workers.reduce((n, w) => n + (w.runtime.http?.stats.hedges ?? 0), 0);
    const spendingCalls = stats.received - stats.overLimit - stats.injected.rateLimited;
    expect(attempts).toBeLessThanOrEqual(spendingCalls);
    // A chunk run again (its attempt failed, or its claim lapsed on a loaded machine) sends its
    // customers without a stored outcome once more, with the same keys, and what the earlier run
    // spent on them is not in the stored attempts: up to MAX_ATTEMPTS calls a customer of such a chunk.
    const rerun = await h.resources.sql<{ chunk_no: number; customers: number; runs: number }[]>`
      select chunk_no, last_seq - first_seq + 1 as customers, attempts as runs from recommendation_job_chunks
      where job_id = ${localId(jobId, 'RecommendationJob')} and attempts > 1`;
    if (rerun.length) console.warn(`chunks run more than once: ${JSON.stringify(rerun)}`);
    const rerunCalls = rerun.reduce((n, c) => n + c.customers * (c.runs - 1) * MAX_ATTEMPTS, 0);
    expect(attempts + hedges + rerunCalls).toBeGreaterThanOrEqual(spendingCalls);
    expect(hedges).toBeLessThan(COUNT * 0.1);
    expect(
      stats.injected.rateLimited + stats.injected.serverError + stats.injected.timeout + stats.injected.reset,
    ).toBeGreaterThan(stats.received * 0.3);
    expect(stats.customersScoredTwice).toBe(0);
  });

  it('never goes over the provider limit, with two workers sharing it', () => {
    const stats = mock.stats();
    expect(stats.overLimit).toBe(0);
    expect(stats.peakPerSecond).toBeLessThanOrEqual(RATE + RATE / 2);
  });

  it('retries the failed customers on request', async () => {
    const before = await h.gql(`query($id: ID!) { recommendationJob(id: $id) { done failed } }`, {
      auth: t.partnerKey,
      variables: { id: jobId },
    });
    const { done, failed } = before.body.data.recommendationJob;
    const retry = await h.gql(
      `mutation($id: ID!) { retryFailedRecommendations(id: $id) { __typename ... on MutationRetryFailedRecommendationsSuccess { data { status failed done } } } }`,
      {
        auth: t.partnerKey,
        variables: { id: jobId },
      },
    );
    expect(retry.body.data.retryFailedRecommendations.data).toEqual({ status: 'QUEUED', failed: 0, done });
    const job = await waitForJob(h, t.partnerKey, jobId, 60_000);
    expect(job.done + job.failed).toBe(COUNT);
    expect(job.done).toBeGreaterThan(done);
    expect(job.failed).toBeLessThan(failed);
    const results = await allResults(h, t.partnerKey, jobId);
    expect(new Set(results.map((r) => r.customerRef)).size).toBe(COUNT);
    expect(mock.stats().overLimit).toBe(0);
  });
});
