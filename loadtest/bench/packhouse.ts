// `npm run bench:packhouse`: the packhouse operations' hot queries through the whole app (app.fetch,
// no network) on 100,000 batches, each run sequentially; prints p50/p95/p99 and SQL statements.
// Uses a throw-away database copied from the migrated test template on the machine's PostgreSQL.
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createResources } from '../../src/resources.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../../src/test/db.ts';
import { benchOrganization } from './organization.ts';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { seedPackhouseOperations } from '../../seeds/packhouse-operations.ts';
import { refreshDailyIntake } from '../../src/modules/packhouse/intake.ts';

const RUNS = Number(process.argv[2] ?? 200);
const SIZES = { growers: 500, packhouses: 12, batches: 100_000, payments: 30_000 };

const OPERATIONS: Record<string, string> = {
  '50 batches × last 5 events': `{ batches(first: 50) { edges { node { code history(first: 5) { edges { node { kind recordedAt } } } } } } }`,
  '20 growers × payments + totals': `{ growers(first: 20) { edges { node { name payments(first: 5) { edges { node { amount paidOn } } } paymentTotals(from: "2024-01-01", to: "2024-12-31") { currency amount } } } } }`,
  'payments in a quarter': `{ payments(first: 50, filter: { from: "2024-04-01", to: "2024-06-30" }) { edges { node { amount currency grower { name } } } } }`,
  'reconciliation, a month': `{ reconciliation(from: "2024-03-01", to: "2024-03-31", currency: "NZD", threshold: "100", first: 50) { edges { node { grower { name } variance } } } }`,
  'reconciliation, a season': `{ reconciliation(from: "2024-01-01", to: "2024-12-31", currency: "NZD", threshold: "100", first: 50) { edges { node { grower { name } variance } } } }`,
  'daily intake, a month': `{ dailyIntake(from: "2024-03-01", to: "2024-03-31", first: 100) { edges { node { day batches grossWeightKg grower { name } } } } }`,
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const database = await createTestDatabase(await ensureTemplateDatabase());
  // The response cache is off: these figures are the queries' own cost, not repeated cache hits.
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    STATEMENT_TIMEOUT_MS: '120000',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    RESPONSE_CACHE_TTL_SECONDS: '0',
  });
  const resources = await createResources(config);
  try {
    const { org, key } = await benchOrganization(resources.db);
    await seedPackhouse(resources, org.id, SIZES);
    await seedPackhouseOperations(resources, org.id, SIZES);
    const refresh = await refreshDailyIntake(resources.db, { wait: true });
    process.stderr.write(`daily intake refresh (CONCURRENTLY, 100,000 batches): ${refresh.durationMs} ms\n`);
    await resources.sql`vacuum (analyze)`;
    const app = createApp(resources);
    process.stdout.write(`${RUNS} sequential runs each, 100,000 batches, 30,000 payments\n`);
    for (const [name, query] of Object.entries(OPERATIONS)) {
      const times: number[] = [];
      let statements = '';
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        const response = await app.fetch('http://bench/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query }),
        });
        const body = await response.json();
        times.push(performance.now() - started);
        if (body.errors) throw new Error(`${name}: ${JSON.stringify(body.errors)}`);
        statements = response.headers.get('x-sql-statements') ?? '?';
      }
      times.sort((a, b) => a - b);
      const ms = (p: number) => percentile(times, p).toFixed(1).padStart(6);
      process.stdout.write(
        `${name.padEnd(32)} p50 ${ms(50)} ms  p95 ${ms(95)} ms  p99 ${ms(99)} ms  ${statements} statements\n`,
      );
    }
  } finally {
    await resources.close();
    await database.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
