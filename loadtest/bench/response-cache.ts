// npm run bench:cache — what the response cache buys on a list of 50 batches with their growers and
// packhouses, through app.fetch (no network): latency without a cache, on a cache miss (lookup +
// execution + store) and on a hit, p50 and p99, for Redis and for the in-memory store.
//
// Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hg_bench_cache,
// created and migrated when missing) and a fresh Redis prefix whose keys all expire by themselves.
// Requests run one at a time so the figures are latencies, not queueing; rounds alternate the three
// kinds and the medians of the rounds are printed. Shared machines make single runs noisy.
import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { invalidateTypes } from '../../src/cache/response-cache.ts';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createApiKey, createOrganization, findOrganizationBySlug } from '../../src/modules/identity/service.ts';
import { createResources, type Resources } from '../../src/resources.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hg_bench_cache';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PER_ROUND = { none: 60, miss: 60, hit: 600 };

const QUERY = `query RecentBatches {
  batches(first: 50) {
    edges { node { id code status fruitType intakeDate grossWeightKg netWeightKg
      grower { id code name region contactEmail } packhouse { id name location } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

async function ensureDatabase(url: string) {
  const name = new URL(url).pathname.slice(1);
  const admin = postgres(url.replace(/\/[^/]+$/, '/postgres'), { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!found) await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function request(app: App, key: string): Promise<{ ms: number; status: string | null }> {
  const started = performance.now();
  const response = await app.fetch('http://bench/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: QUERY }),
  });
  await response.text();
  return { ms: performance.now() - started, status: response.headers.get('x-cache-status') };
}

type Kind = 'none' | 'miss' | 'hit';

async function measure(label: string, resources: Resources, organizationId: number, key: string) {
  const cached = createApp(resources);
  const uncached = createApp({ ...resources, config: { ...resources.config, responseCache: { ttlMs: 0 } } });
  const rounds: Record<Kind, { p50: number[]; p99: number[] }> = {
    none: { p50: [], p99: [] },
    miss: { p50: [], p99: [] },
    hit: { p50: [], p99: [] },
  };
  const unexpected: Record<Kind, number> = { none: 0, miss: 0, hit: 0 };
  // A lookup that misses the Redis deadline on a busy machine turns a HIT or MISS into a MISS or BYPASS: counted, kept.
  const expect = (kind: Kind, status: string | null) => {
    if (status !== { none: 'BYPASS', miss: 'MISS', hit: 'HIT' }[kind]) unexpected[kind]++;
  };
  for (let i = 0; i < 20; i++) await request(cached, key); // warm up: JIT, pools, parse caches
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['none', 'miss', 'hit'] as Kind[]) {
      const times: number[] = [];
      for (let i = 0; i < PER_ROUND[kind]; i++) {
        // Outside the timing: drop the cached list so the next request misses.
        if (kind === 'miss') await invalidateTypes(resources, organizationId, ['Batch']);
        if (kind === 'hit' && i === 0) await request(cached, key);
        const { ms, status } = await request(kind === 'none' ? uncached : cached, key);
        expect(kind, status);
        times.push(ms);
      }
      times.sort((a, b) => a - b);
      rounds[kind].p50.push(percentile(times, 50));
      rounds[kind].p99.push(percentile(times, 99));
    }
  }
  const row = (kind: Kind) => ({ p50: median(rounds[kind].p50), p99: median(rounds[kind].p99) });
  return { label, none: row('none'), miss: row('miss'), hit: row('hit'), unexpected };
}

async function main() {
  await ensureDatabase(DATABASE_URL);
  const prefix = `hg-bench-cache:${randomBytes(4).toString('hex')}:`;
  const base = {
    NODE_ENV: 'production',
    DATABASE_URL,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    LOG_LEVEL: 'warn',
    SERVER_ID: 'bench',
    RESPONSE_CACHE_TTL_SECONDS: '60',
  };
  const withRedis = loadConfig({ ...base, REDIS_URL, REDIS_PREFIX: prefix });
  const withMemory = loadConfig(base);
  await runMigrations(DATABASE_URL, withRedis);

  const redisResources = await createResources(withRedis);
  const memoryResources = await createResources(withMemory);
  try {
    const org =
      (await findOrganizationBySlug(redisResources.db, 'bench-cache')) ??
      (await createOrganization(redisResources.db, { slug: 'bench-cache', name: 'Bench' }));
    await seedPackhouse(redisResources, org.id, { growers: 300, packhouses: 12, batches: 20_000 });
    // A benchmark sends far more than the default 100 requests a minute.
    const { key } = await createApiKey(redisResources.db, org.id, {
      name: 'bench',
      scopes: ['read'],
      rateLimitPerMinute: 1_000_000,
    });

    process.stderr.write(
      `measuring: ${ROUNDS} rounds of ${PER_ROUND.none} uncached, ${PER_ROUND.miss} miss and ${PER_ROUND.hit} hit requests per store\n`,
    );
    const results = [
      await measure('Redis', redisResources, org.id, key),
      await measure('memory', memoryResources, org.id, key),
    ];

    const ms = (v: number) => `${v.toFixed(2)} ms`.padStart(10);
    const lines = [
      '',
      'Response cache — 50 batches with grower and packhouse (app.fetch, one request at a time)',
      `medians of ${ROUNDS} rounds; shared machine, expect noise`,
      '',
      'store    no cache p50/p99       miss p50/p99           hit p50/p99            speed-up (p50): hit vs miss, hit vs no cache',
    ];
    for (const r of results) {
      lines.push(
        `${r.label.padEnd(8)} ${ms(r.none.p50)} ${ms(r.none.p99)}  ${ms(r.miss.p50)} ${ms(r.miss.p99)}  ${ms(r.hit.p50)} ${ms(r.hit.p99)}  ` +
          `${(r.miss.p50 / r.hit.p50).toFixed(1)}×, ${(r.none.p50 / r.hit.p50).toFixed(1)}×`,
      );
      const off = Object.entries(r.unexpected).filter(([, n]) => n);
      if (off.length)
        lines.push(
          `         (requests with another X-Cache-Status than intended: ${off.map(([k, n]) => `${k} ${n}`).join(', ')})`,
        );
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  } finally {
    await redisResources.close();
    await memoryResources.close();
  }
}

await main();
