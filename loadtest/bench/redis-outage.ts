// `npm run bench:redis-outage`: answer times of a cheap authenticated query while a private Redis
// (src/test/redis-server.ts) is up, stalled (SIGSTOP), killed, and back, with the production REDIS_TIMEOUT_MS.
// Prints p50/p99/max per phase and what each phase adds to the normal times, the same for the rate
// limit decision alone (the only part that waits on Redis, so machine noise does not hide it), and
// shows that a key still gets exactly its 20 requests per 10 s while Redis is stalled.
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createApiKey, createOrganization } from '../../src/modules/identity/service.ts';
import { createRedis, createResources } from '../../src/resources.ts';
import { RedisGuard } from '../../src/limits/redis-guard.ts';
import { SlidingWindowLimiter } from '../../src/limits/sliding-window.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../../src/test/db.ts';
import { startRedisServer } from '../../src/test/redis-server.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const redis = await startRedisServer();
const database = await createTestDatabase(await ensureTemplateDatabase());
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATABASE_URL: database.url,
  REDIS_URL: redis.url,
  REDIS_PREFIX: 'bench:',
});
const resources = await createResources(config);
// The limiter on its own client, as the app builds it; closed at the end like the app's, or its
// reconnects and pings would keep the benchmark from exiting.
const soloClient = await createRedis(config, resources.log);
try {
  const app = createApp(resources);
  const org = await createOrganization(resources.db, { slug: 'outage-bench', name: 'Outage bench' });
  const key = async (rateLimitPerMinute?: number) =>
    (await createApiKey(resources.db, org.id, { name: 'bench', scopes: ['read'], rateLimitPerMinute })).key;
  const fast = await key(1_000_000);
  const ask = async (auth: string) => {
    const started = performance.now();
    const res = await app.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
      body: JSON.stringify({ query: '{ viewer { tier organization { name } } }' }),
    });
    await res.text();
    return { ms: performance.now() - started, status: res.status };
  };
  const limiter = new SlidingWindowLimiter(
    new RedisGuard(soloClient, config.redis.timeoutMs, resources.log),
    'bench:solo:',
  );
  const decide = async () => {
    const started = performance.now();
    await limiter.take('solo', [
      { limit: 1e9, windowMs: 60_000 },
      { limit: 1e9, windowMs: 10_000 },
    ]);
    return performance.now() - started;
  };
  const phase = async (n: number) => {
    const times: number[] = [];
    const decisions: number[] = [];
    for (let i = 0; i < n; i++) {
      times.push((await ask(fast)).ms);
      decisions.push(await decide());
    }
    return { ...stats(times), decision: stats(decisions) };
  };
  const stats = (times: number[]) => {
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    return { p50: at(0.5), p99: at(0.99), max: times[times.length - 1] };
  };
  type Stats = { p50: number; p99: number; max: number };
  const figures = (p: Stats) =>
    `p50 ${p.p50.toFixed(1).padStart(5)}  p99 ${p.p99.toFixed(1).padStart(5)}  max ${p.max.toFixed(1).padStart(5)}`;
  const line = (name: string, p: Stats & { decision: Stats }, base?: Stats) =>
    `${name.padEnd(14)} request ${figures(p)} ms` +
    (base ? ` (p50 ${(p.p50 - base.p50).toFixed(1)}, p99 ${(p.p99 - base.p99).toFixed(1)} vs up)` : ''.padEnd(27)) +
    ` | limit decision ${figures(p.decision)} ms`;

  await phase(100);
  const normal = await phase(REQUESTS);
  console.log(`${REQUESTS} sequential requests per phase, REDIS_TIMEOUT_MS=${config.redis.timeoutMs}`);
  console.log(line('Redis up', normal));
  redis.stall();
  console.log(line('Redis stalled', await phase(REQUESTS), normal));
  const limited = await key();
  const statuses = [];
  for (let i = 0; i < 30; i++) statuses.push((await ask(limited)).status);
  console.log(
    `  a key with the default limits, 30 requests while stalled: ${statuses.filter((s) => s === 200).length} allowed, ${statuses.filter((s) => s === 429).length} refused (429)`,
  );
  await redis.kill();
  console.log(line('Redis killed', await phase(REQUESTS), normal));
  await redis.restart();
  await new Promise((r) => setTimeout(r, 3_000));
  console.log(line('Redis back', await phase(REQUESTS), normal));
} finally {
  if (soloClient?.isOpen) await soloClient.quit().catch(() => soloClient.destroy());
  await resources.close();
  await database.drop();
  await redis.stop();
}
