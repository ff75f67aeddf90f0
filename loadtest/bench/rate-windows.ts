// `npm run bench:rate-windows`: why the rate limiter is our own sliding window and not
// rate-limiter-flexible's RateLimiterUnion. Both run on Redis against the same request schedule:
// 600 requests from 16 clients, limits 100 per window and 20 per burst window, at a tenth of the real
// time scale (6 s and 1 s windows, 5.8 s of traffic) so it takes seconds. Prints what each allowed,
// and what window-checks.ts finds: groups allowed beyond a window, and requests refused below both.
import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import pino from 'pino';
import { RateLimiterRedis, RateLimiterUnion } from 'rate-limiter-flexible';
import { seededRandom } from '../../src/lib/random.ts';
import type { Redis } from '../../src/resources.ts';
import { RedisGuard } from '../../src/limits/redis-guard.ts';
import { SlidingWindowLimiter } from '../../src/limits/sliding-window.ts';
import { overAllowed, wronglyRefused, type Shot, type WindowRule } from '../../src/limits/window-checks.ts';

const RULES: WindowRule[] = [
  { limit: 100, ms: 6_000 },
  { limit: 20, ms: 1_000 },
];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function run(decide: () => Promise<boolean>, seed: number): Promise<Shot[]> {
  const random = seededRandom(seed);
  const start = performance.now() + 50;
  const shots: Shot[] = [];
  await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const moments = Array.from({ length: 600 / 16 + (i < 600 % 16 ? 1 : 0) }, () => random() * 5_800).sort(
        (a, b) => a - b,
      );
      for (const at of moments) {
        await sleep(start + at - performance.now());
        const s = performance.now() - start;
        const allowed = await decide();
        shots.push({ s, r: performance.now() - start, allowed });
      }
    }),
  );
  return shots;
}

/** Most allowed requests in any window of `ms`, by send time: a readable figure, ± one answer time. */
function busiest(shots: Shot[], ms: number): number {
  const times = shots
    .filter((x) => x.allowed)
    .map((x) => x.s)
    .sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = createClient({ url }) as Redis;
await redis.connect();
const prefix = `hg:bench:rate-windows:${randomBytes(4).toString('hex')}:`;
const guard = new RedisGuard(redis, 1_000, pino({ level: 'silent' }));
const sliding = new SlidingWindowLimiter(guard, prefix);
const union = new RateLimiterUnion(
  new RateLimiterRedis({
    storeClient: redis,
    useRedisPackage: true,
    points: 100,
    duration: 6,
    keyPrefix: `${prefix}long`,
  }),
  new RateLimiterRedis({
    storeClient: redis,
    useRedisPackage: true,
    points: 20,
    duration: 1,
    keyPrefix: `${prefix}short`,
  }),
);
const limiters: [string, (key: string) => Promise<boolean>][] = [
  [
    'RateLimiterUnion (fixed windows)',
    (key) =>
      union.consume(key).then(
        () => true,
        () => false,
      ),
  ],
  [
    'sliding windows (ours)',
    (key) =>
      sliding
        .take(
          key,
          RULES.map((r) => ({ limit: r.limit, windowMs: r.ms })),
        )
        .then((d) => d.allowed),
  ],
];

console.log(
  `limits ${RULES.map((r) => `${r.limit} per ${r.ms / 1000} s`).join(' and ')}; 600 requests from 16 clients in 5.8 s; Redis ${url}`,
);
for (const seed of [1, 2, 3]) {
  for (const [name, decide] of limiters) {
    const key = `seed${seed}:${name.split(' ')[0]}`;
    const shots = await run(() => decide(key), seed);
    const over = RULES.map((r) => overAllowed(shots, r).length);
    console.log(
      `seed ${seed}  ${name.padEnd(34)} allowed ${String(shots.filter((x) => x.allowed).length).padStart(3)}` +
        `  most in any 6 s ${String(busiest(shots, 6_000)).padStart(3)}, in any 1 s ${String(busiest(shots, 1_000)).padStart(2)}` +
        `  groups over a window ${over.join('/')}  refused below both ${wronglyRefused(shots, RULES).length}`,
    );
  }
}
const keys = await redis.keys(`${prefix}*`);
if (keys.length) await redis.del(keys);
await redis.quit();
