// Redis stalled, then killed, then back, while requests keep coming, on a private redis-server
// (src/test/redis-server.ts) so the machine's shared Redis is never touched. Requests keep answering without
// waiting on Redis (asserted here as a generous bound; `npm run bench:redis-outage` measures the
// added time precisely), rate limits keep holding through each instance's memory, and limits go
// back to Redis once it answers again.
import { createClient } from '@keyv/redis';
import { expect } from 'vitest';
import type { Redis } from '../resources.ts';
import { appTest, fileFixture } from '../test/fixtures.ts';
import { startHarness, type Harness } from '../test/harness.ts';
import { startRedisServer, type RedisServer } from '../test/redis-server.ts';

/** The app's Redis is a private redis-server (`redis`), which `probe` reads directly. */
const it = appTest({ tenant: 'outage' }).extend<{ redis: RedisServer; probe: Redis; h: Harness }>({
  redis: fileFixture(startRedisServer, (redis) => redis.stop()),
  probe: [
    async ({ redis }, use) => {
      const probe = createClient({
        url: redis.url,
        disableOfflineQueue: true,
        socket: { reconnectStrategy: () => 200 },
      }) as Redis;
      probe.on('error', () => undefined);
      await probe.connect();
      try {
        await use(probe);
      } finally {
        probe.destroy();
      }
    },
    { scope: 'file' },
  ],
  h: [
    async ({ redis }, use) => {
      const h = await startHarness({
        env: {
          REDIS_URL: redis.url,
          REDIS_PREFIX: 'outage:',
          RATE_LIMIT_POINTS: '100',
          RATE_LIMIT_BURST_POINTS: '20',
          COST_BUCKET_REFILL_SECONDS: '20',
        },
      });
      try {
        await use(h);
      } finally {
        redis.resume();
        await h.close();
      }
    },
    { scope: 'file' },
  ],
});

/** Sends `n` requests one after another; returns their statuses and answer times. */
async function send(h: Harness, key: string, n: number) {
  const statuses: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const r = await h.gql('{ viewer { tier } }', { auth: key });
    times.push(performance.now() - started);
    statuses.push(r.status);
  }
  return { statuses, times, allowed: statuses.filter((s) => s === 200).length, slowest: Math.max(...times) };
}

/** Requests recorded in Redis's sliding-window logs, i.e. decided by Redis. */
async function recordedInRedis(probe: Redis): Promise<number> {
  if (!probe.isReady) return 0;
  const keys = await probe.keys('outage:rl:*');
  let total = 0;
  for (const key of keys) total += await probe.zCard(key);
  return total;
}

it('answers without waiting and keeps limiting when Redis stalls, dies and comes back', {
  timeout: 60_000,
}, async ({ h, t, redis, probe }) => {
  const key = await t.key(['read']);
  const normal = await send(h, key, 10);
  expect(normal.allowed).toBe(10);
  expect(await recordedInRedis(probe)).toBe(10);

  redis.stall();
  // 10 of the 20 a key may send in 10 s are used: memory knows them and lets exactly 10 more through.
  const stalled = await send(h, key, 15);
  expect(stalled.statuses).toEqual([...Array(10).fill(200), ...Array(5).fill(429)]);

  await redis.kill();
  const other = await t.key(['read']);
  const dead = await send(h, other, 25);
  expect(dead.allowed).toBe(20);
  expect(dead.statuses.slice(20)).toEqual(Array(5).fill(429));

  await redis.restart();
  const third = await t.key(['read']);
  let back = false;
  for (let i = 0; i < 100 && !back; i++) {
    await send(h, third, 1);
    back = (await recordedInRedis(probe)) > 0;
    if (!back) await new Promise((r) => setTimeout(r, 100));
  }
  expect(back).toBe(true);

  console.log(
    `answer times (ms): normal median ${median(normal.times).toFixed(1)}, slowest ${normal.slowest.toFixed(1)}; ` +
      `Redis stalled slowest ${stalled.slowest.toFixed(1)}; Redis dead slowest ${dead.slowest.toFixed(1)}`,
  );
  // Generous: the failure this guards against is a 5 s socket timeout or a hang, not milliseconds.
  expect(stalled.slowest).toBeLessThan(1_000);
  expect(dead.slowest).toBeLessThan(1_000);
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
