// npm run bench:compiled-sql [-- runs]: PostgreSQL CPU per compiled statement. Seeds the comparison's
// packhouse data (LOADTEST_SIZES) on a throw-away database, compiles the nested reads of
// src/compiled/compiled-reads.test.ts and loadtest/compare/queries.ts, and runs each statement `runs`
// times (default 300) as a prepared statement on one connection, reading that backend's user +
// system time from /proc (Linux only). Prints CPU per statement, wall time, and the answer's size and
// hash (of the parsed answer re-serialised, so two builds of the same data can be compared).
import { createHash } from 'node:crypto';
import { parse } from 'graphql';
import postgres from 'postgres';
import { compileRead } from '../../src/compiled/compile.ts';
import { loadConfig } from '../../src/config.ts';
import { createResources } from '../../src/resources.ts';
import { schema } from '../../src/schema/index.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../../src/test/db.ts';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { LOADTEST_SIZES } from '../runner/target.ts';
import { benchOrganization } from './organization.ts';
import { cpuMsOf } from '../compare/probe.ts';

const RUNS = Number(process.argv[2] ?? 300);
const QUERIES: Record<string, string> = {
  '50 batches with grower and packhouse': `{ batches(first: 50) { edges { node { code fruitType intakeDate grossWeightKg grower { name } packhouse { name } } } pageInfo { hasNextPage endCursor } } }`,
  '20 growers × 10 batches × packhouse': `{ growers(first: 20) { edges { node { name batches(first: 10) { edges { node { code status packhouse { name } } } } } } } }`,
  'three levels': `{ packhouses(first: 10) { edges { node { name batches(first: 10) { edges { node { code grower { name region batches(first: 3) { edges { node { code intakeDate } } } } } } } } } } }`,
  '50 growers × first 10 batches': `{ growers(first: 50) { edges { node { code name batches(first: 10) { edges { node { code status intakeDate grossWeightKg } } } } } } }`,
  '300 batches with grower and packhouse': `{ batches(first: 300) { edges { node { code fruitType status harvestDate intakeDate grossWeightKg netWeightKg grower { code name region } packhouse { name location } } } } }`,
};

async function main() {
  const database = await createTestDatabase(await ensureTemplateDatabase());
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.url });
  const resources = await createResources(config);
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    const { org } = await benchOrganization(resources.db);
    await seedPackhouse(resources, org.id, LOADTEST_SIZES);
    await resources.sql`vacuum (analyze)`;
    const [{ pid }] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const principal = {
      kind: 'apiKey',
      apiKeyId: 0,
      organizationId: org.id,
      keyKind: 'internal',
      scopes: ['read'],
      persistedOnly: false,
      manifest: null,
      rateLimitPerMinute: null,
    } as const;
    process.stdout.write(`${RUNS} runs each, one connection, prepared statements\n`);
    for (const [name, query] of Object.entries(QUERIES)) {
      const compiled = compileRead({
        schema,
        document: parse(query),
        principal: { ...principal, scopes: ['read'] },
        ctx: {},
      });
      const run = () => sql.unsafe(compiled.text, compiled.params as never[], { prepare: true });
      const [first] = await run();
      for (let i = 0; i < 20; i++) await run();
      const cpuBefore = (await cpuMsOf(pid))!;
      const started = performance.now();
      for (let i = 0; i < RUNS; i++) await run();
      const wall = performance.now() - started;
      const cpu = (await cpuMsOf(pid))! - cpuBefore;
      const text = first.data as string;
      const hash = createHash('sha256')
        .update(JSON.stringify(JSON.parse(text)))
        .digest('hex')
        .slice(0, 12);
      process.stdout.write(
        `${name.padEnd(40)} PostgreSQL CPU ${(cpu / RUNS).toFixed(3)} ms  wall ${(wall / RUNS).toFixed(3)} ms  ${text.length} bytes  ${hash}\n`,
      );
    }
  } finally {
    await sql.end();
    await resources.close();
    await database.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
