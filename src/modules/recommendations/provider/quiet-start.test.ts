// A provider without burst counts its 1 s windows from the first call it sees. That first call is the
// one most likely to start late, so after a quiet spell both shared buckets leave the slot after it
// empty: three calls taken at once start about 0, 2 and 3 spacings apart, never 0, 1 and 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { createAdaptiveRate, createPace } from './adaptive-rate.ts';
import { pgBucket } from './pg-bucket.ts';
import { redisBucket, type TokenBucket } from './token-bucket.ts';

const RATE = 10; // a slot every 100 ms
const LATE_MS = 80;

async function startTimes(bucket: TokenBucket): Promise<number[]> {
  const t0 = performance.now();
  const times = await Promise.all(
    [0, 1, 2].map(async () => {
      await bucket.take();
      return performance.now() - t0;
    }),
  );
  return times.sort((a, b) => a - b);
}

describe('a shared bucket without burst, after a quiet spell', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ redis: true });
  });
  afterAll(async () => {
    await h?.close();
  });
  const pace = () => createPace({ rate: createAdaptiveRate({ target: RATE }), lateMs: LATE_MS, windowLimit: RATE });

  it('PostgreSQL: leaves the second slot empty', async () => {
    const times = await startTimes(pgBucket(h.resources.db, { key: `quiet-${h.db.name}`, pace: pace() }));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(190);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(90);
  });

  it('Redis: leaves the second slot empty', async () => {
    const options = { ratePerSecond: RATE, capacity: 1, lateMs: LATE_MS, pace: pace() };
    const times = await startTimes(redisBucket(h.resources.redis!, `${h.config.redis.prefix}quiet`, options));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(190);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(90);
  });
});
