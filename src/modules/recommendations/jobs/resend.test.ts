// a worker SIGKILLed while its provider calls are in flight. The calls were received (the
// strict mock scores them and keeps the answers under their Idempotency-Keys), their answers were
// lost with the worker; the chunk runs again on another worker, which sends those customers again
// with the same keys, so the provider answers from its ledger and scores no customer twice. No Redis:
// the workers share the limit through PostgreSQL.
import { beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type Tenant } from '../../../test/harness.ts';
import { catalogTenant, customerInputs, startMockProcess, submit, waitForJob } from '../../../test/recommendations.ts';
import { stopAllAfterAll, workerProcesses } from '../../../test/workers.ts';

const COUNT = 40;

let h: Harness;
let t: Tenant;
let mock: Awaited<ReturnType<typeof startMockProcess>>;
const workers = workerProcesses(() => ({
  DATABASE_URL: h.db.url,
  REDIS_URL: '',
  PROVIDER_URL: mock.url,
  PROVIDER_RATE_LIMIT: '40',
  PROVIDER_BURST: '1',
  PROVIDER_LATENCY_MS: '1500',
  PROVIDER_TIMEOUT_MS: '5000',
  JOB_CHUNK_SIZE: '20',
  JWT_SECRET: 'resend-test-secret-resend-test-secret-0123456789',
}));

beforeAll(async () => {
  mock = await startMockProcess(['--strict', '--limit', '40', '--burst', '1', '--latency', '1500']);
  h = await startHarness({ env: { PROVIDER_URL: mock.url, PROVIDER_RATE_LIMIT: '40', JOB_CHUNK_SIZE: '20' } });
  t = await catalogTenant(h, 'resend');
});
stopAllAfterAll(workers, () => [h, mock]);

describe('a worker killed with calls in flight', () => {
  it('has them sent again with the same Idempotency-Keys, and no customer scored twice', async () => {
    const { job } = await submit(h, t.partnerKey, { provider: 'HTTP', customers: customerInputs(COUNT) });
    const first = await workers.start();
    let inFlight: string[] = [];
    const until = Date.now() + 20_000;
    while ((inFlight = (await mock.keys()).inFlight).length < 10) {
      if (Date.now() > until) throw new Error(`only ${inFlight.length} calls in flight`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await workers.kill(first);
    await workers.start();
    const done = await waitForJob(h, t.partnerKey, job.id, 40_000);
    expect(done).toMatchObject({ status: 'COMPLETED', done: COUNT, failed: 0 });

    const { calls } = await mock.keys();
    expect(Object.keys(calls)).toHaveLength(COUNT);
    for (const key of inFlight) expect(calls[key], key).toBeGreaterThanOrEqual(2);
    const stats = await mock.stats();
    expect(stats.withoutKey).toBe(0);
    expect(stats.replayed).toBeGreaterThanOrEqual(inFlight.length);
    expect(stats.customersScoredTwice).toBe(0);
    expect(stats.distinctCustomersScored).toBe(COUNT);
  }, 60_000);
});
