// Kills the worker process with SIGKILL three times during a job (each time starting a new one):
// the killed workers' chunks are handed out again after their heartbeat lapses, and the job ends
// with every customer stored exactly once, and results identical to an uninterrupted run of the
// same customers. Workers are real `src/worker.ts` processes; the provider is the mock, fast.
import { beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../../../loadtest/mock-provider.ts';
import { decodeGlobalId } from '../../../lib/global-id.ts';
import { startHarness, TEST_REDIS_URL, type Harness, type Tenant } from '../../../test/harness.ts';
import { catalogTenant, customerInputs, JOB, submit, waitForJob } from '../../../test/recommendations.ts';
import { stopAllAfterAll, workerProcesses } from '../../../test/workers.ts';

const COUNT = 480;

let h: Harness;
let t: Tenant;
let mock: MockProvider;
const workers = workerProcesses(() => ({
  DATABASE_URL: h.db.url,
  REDIS_URL: TEST_REDIS_URL,
  REDIS_PREFIX: `${h.db.name}:`,
  PROVIDER_URL: mock.url,
  PROVIDER_RATE_LIMIT: '60',
  PROVIDER_LATENCY_MS: '100',
  PROVIDER_TIMEOUT_MS: '3000',
  WORKER_CONCURRENCY: '3',
}));

async function processed(id: string): Promise<number> {
  const r = await h.gql(JOB, { auth: t.partnerKey, variables: { id } });
  const job = r.body.data.recommendationJob;
  return job.done + job.failed;
}

const localId = (globalId: string) => Number(decodeGlobalId(globalId).id);

async function storedResults(jobId: string) {
  const id = localId(jobId);
  return h.resources.sql<{ seq: number; customer_ref: string; status: string; recommendations: unknown }[]>`
    select seq, customer_ref, status, recommendations from recommendation_results where job_id = ${id} order by seq`;
}

beforeAll(async () => {
  mock = await startMockProvider({ latencyMs: 100, rateLimit: 60, burst: 30 });
  h = await startHarness({
    redis: true,
    env: { PROVIDER_URL: mock.url, PROVIDER_RATE_LIMIT: '60', JOB_CHUNK_SIZE: '20' },
  });
  t = await catalogTenant(h, 'crashes');
});
stopAllAfterAll(workers, () => [h, mock]);

describe('a worker killed with SIGKILL three times', () => {
  it('loses no customer, stores none twice, and matches an uninterrupted run', async () => {
    const customers = customerInputs(COUNT, 7000);
    const { job } = await submit(h, t.partnerKey, { name: 'killed', provider: 'HTTP', customers });
    let worker = await workers.start();
    const kills: number[] = [];
    for (const at of [60, 180, 300]) {
      while ((await processed(job.id)) < at) await new Promise((r) => setTimeout(r, 100));
      await workers.kill(worker);
      kills.push(await processed(job.id));
      worker = await workers.start();
    }
    expect(kills.every((n, i) => n < [180, 300, COUNT][i])).toBe(true);
    const finished = await waitForJob(h, t.partnerKey, job.id, 120_000);
    expect(finished).toMatchObject({ status: 'COMPLETED', total: COUNT, done: COUNT, failed: 0 });

    const killed = await storedResults(job.id);
    expect(killed.map((r) => r.seq)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    expect(new Set(killed.map((r) => r.customer_ref)).size).toBe(COUNT);
    // Some chunks were really cut short and run again.
    const [{ rerun }] = await h.resources.sql<{ rerun: number }[]>`
      select count(*)::int as rerun from recommendation_job_chunks where job_id = ${localId(job.id)} and attempts > 1`;
    const calledAgain = mock.stats().customersScoredTwice;
    expect(rerun).toBeGreaterThan(0);

    const baseline = await submit(h, t.partnerKey, { name: 'uninterrupted', provider: 'HTTP', customers });
    await waitForJob(h, t.partnerKey, baseline.job.id, 60_000);
    const clean = await storedResults(baseline.job.id);
    expect(killed).toEqual(clean);
    process.stdout.write(
      `killed at ${kills.join(', ')} customers done; ${rerun} chunks ran more than once; ` +
        `${calledAgain} customers were in flight at a kill and called again; results stored once each\n`,
    );
  }, 180_000);
});
