// Recommendation job benchmark (npm run bench:jobs [-- --only a,b,c,workers] [--count 200000] [--format xlsx|csv]).
// On its own database (created and dropped), with real worker processes (src/worker.ts) and the mock
// provider in its own process at 1.5 s latency:
//   A. 200 customers, provider limit R = 10/s: must finish within 200/R + 5 s.
//   B. 5,000 customers (imported), R = 100/s: within 1.1 × 5,000/R s, with ≤ 1% of calls answered 429.
//   C. 200,000 customers, built-in scorer, end to end: import (streamed file) → score → store →
//      export (streamed download): elapsed time per phase, peak RSS of every process, customers/s.
//   workers (not in the default set): 3,000 customers against the strict mock (R = 50 calls
//      in each of its seconds, no burst, 5% of calls failing, Idempotency-Key ledger), with 2 and
//      with 4 workers, with and without Redis; one worker SIGKILLed a third of the way in and started
//      again 15 s later. Each run must keep every second ≤ R, ≤ 1% of calls answered 429, 0 customers
//      failed, 0 scored twice, and finish within 1.05 × N/R + 5 s.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { customerInput, customerRow, writeCustomersCsv } from '../../seeds/customers.ts';
import { seedCards } from '../../seeds/cards.ts';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createProgress } from '../../src/lib/progress.ts';
import { createApiKey, createOrganization } from '../../src/modules/identity/service.ts';
import { createResources, type Resources } from '../../src/resources.ts';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LATENCY_MS = 1_500;
const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = new Set((arg('only') ?? 'a,b,c').split(','));
const WORKERS_COUNT = 3_000;
const WORKERS_RATE = 50;
const bigCount = Number(arg('count') ?? 200_000);
const bigFormat = (arg('format') ?? 'xlsx') as 'xlsx' | 'csv';

type Bench = { dbName: string; url: string; dir: string; organizationId: number; key: string };
const children = new Set<ChildProcess>();
const lines: string[] = [];
const report = (line: string) => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};

function env(bench: Bench, extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: bench.url,
    REDIS_URL,
    REDIS_PREFIX: `${bench.dbName}:`,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    PROVIDER_LATENCY_MS: String(LATENCY_MS),
    ...extra,
  };
}

async function spawn(
  script: string,
  childArgs: string[],
  childEnv: Record<string, string>,
): Promise<{ child: ChildProcess; message: any }> {
  const child = fork(root(script), childArgs, {
    env: { ...process.env, ...childEnv },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  // As npm start does for its worker: niced from its first instruction, so its start-up yields too.
  if (script === 'src/worker.ts' && child.pid !== undefined) setPriority(child.pid, 10);
  const [message] = await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [null])]);
  if (!message) throw new Error(`${script} exited before it was ready`);
  return { child, message };
}

/** Samples this process's resident memory every 50 ms; `stop()` gives the peak seen, in MB. */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576);
    },
  };
}

/** Peak resident memory of a live process, from the kernel (VmHWM). */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function api(bench: Bench, extra: Record<string, string>): Promise<{ resources: Resources; app: App }> {
  const resources = await createResources(loadConfig(env(bench, extra)));
  return { resources, app: createApp(resources) };
}

async function waitDone(sql: postgres.Sql, jobId: number, label: string, total: number) {
  const progress = createProgress(label, total);
  let seen = 0;
  for (;;) {
    const [job] = await sql<
      { status: string; processed: number }[]
    >`select status, done_count + failed_count as processed from recommendation_jobs where id = ${jobId}`;
    progress.add(job.processed - seen);
    seen = job.processed;
    if (job.status === 'completed' || job.status === 'cancelled') {
      progress.done();
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function jobFacts(sql: postgres.Sql, jobId: number) {
  const [job] = await sql<{ total: number; done_count: number; failed_count: number; db_seconds: number }[]>`
    select total, done_count, failed_count, extract(epoch from finished_at - created_at)::float as db_seconds from recommendation_jobs where id = ${jobId}`;
  return job;
}

const localId = (globalId: string) => Number(Buffer.from(globalId, 'base64url').toString().split(':')[1]);

async function providerScenario(
  bench: Bench,
  name: string,
  count: number,
  rate: number,
  budgetSeconds: number,
  mockPort: number,
) {
  const mock = await spawn(
    'loadtest/mock-provider.ts',
    ['--port', String(mockPort), '--latency', String(LATENCY_MS), '--limit', String(rate)],
    {},
  );
  // The mock allows one second's worth of burst, as it says in its /stats; so do we.
  const providerEnv = {
    PROVIDER_URL: mock.message.url,
    PROVIDER_RATE_LIMIT: String(rate),
    PROVIDER_BURST: String(rate),
  };
  const workers = [
    await spawn('src/worker.ts', [], env(bench, providerEnv)),
    await spawn('src/worker.ts', [], env(bench, providerEnv)),
  ];
  const { resources, app } = await api(bench, providerEnv);
  try {
    const customers = Array.from({ length: count }, (_, i) => customerRow(3, i));
    const started = performance.now();
    let jobId: string;
    if (count <= 500) {
      const res = await app.fetch('http://bench/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.key}` },
        body: JSON.stringify({
          query: `mutation($input: SubmitRecommendationJobInput!) { submitRecommendationJob(input: $input) { ... on MutationSubmitRecommendationJobSuccess { data { job { id } } } ... on ValidationError { message } } }`,
          variables: { input: { provider: 'HTTP', name, customers: customers.map(customerInput) } },
        }),
      });
      jobId = ((await res.json()) as any).data.submitRecommendationJob.data.job.id;
    } else {
      const file = join(bench.dir, `${name}.csv`);
      await writeCustomersCsv(file, { count, seed: 3, quiet: true });
      const res = await app.fetch(`http://bench/jobs/import?format=csv&provider=http&name=${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bench.key}`, 'content-type': 'text/csv' },
        body: await readFile(file),
      });
      jobId = ((await res.json()) as any).job.id;
    }
    await waitDone(resources.sql, localId(jobId), `${name}: scoring`, count);
    const elapsed = (performance.now() - started) / 1000;
    const facts = await jobFacts(resources.sql, localId(jobId));
    const stats = (await (await fetch(mock.message.url.replace('/v1/score', '/stats'))).json()) as any;
    const refused = stats.overLimit + stats.injected.rateLimited;
    const pct = (100 * refused) / Math.max(1, stats.received);
    const ok = elapsed <= budgetSeconds && (count <= 500 || pct <= 1);
    report(
      `${ok ? 'PASS' : 'FAIL'} ${name}: ${count.toLocaleString('en')} customers at R = ${rate}/s, ${LATENCY_MS} ms latency, 2 workers: ` +
        `${elapsed.toFixed(1)} s (budget ${budgetSeconds.toFixed(1)} s; job row ${facts.db_seconds.toFixed(1)} s), ` +
        `scored ${facts.done_count}, failed ${facts.failed_count}; provider received ${stats.received} calls, ${refused} answered 429 (${pct.toFixed(2)}%), ` +
        `peak ${stats.peakPerSecond} calls in any second, peak ${stats.peakInFlight} in flight; ${(count / elapsed).toFixed(1)} customers/s`,
    );
    report(`  ${name}: calls the provider received each second: ${stats.perSecond.join(' ')}`);
  } finally {
    for (const w of workers) await stop(w.child);
    await stop(mock.child);
    await resources.close();
  }
}

async function killedWorkerScenario(bench: Bench, workerCount: number, withRedis: boolean, seed: number) {
  const name = `workers-${workerCount}-${withRedis ? 'redis' : 'pg'}`;
  const mock = await spawn(
    'loadtest/mock-provider.ts',
    [
      '--port',
      '0',
      '--strict',
      '--latency',
      String(LATENCY_MS),
      '--limit',
      String(WORKERS_RATE),
      '--burst',
      '1',
      '--fail-500',
      '0.02',
      '--timeout',
      '0.015',
      '--reset',
      '0.015',
    ],
    {},
  );
  const providerEnv = {
    PROVIDER_URL: mock.message.url,
    PROVIDER_RATE_LIMIT: String(WORKERS_RATE),
    PROVIDER_BURST: '1',
    PROVIDER_TIMEOUT_MS: '3000',
    WORKER_HEARTBEAT_SECONDS: '10',
    WORKER_SUPERVISE_SECONDS: '1',
    ...(withRedis ? { REDIS_PREFIX: `${bench.dbName}:${name}:` } : { REDIS_URL: '' }),
  };
  const workers = await Promise.all(
    Array.from({ length: workerCount }, () => spawn('src/worker.ts', [], env(bench, providerEnv))),
  );
  const { resources, app } = await api(bench, providerEnv);
  const budget = (1.05 * WORKERS_COUNT) / WORKERS_RATE + 5;
  try {
    const file = join(bench.dir, `${name}.csv`);
    await writeCustomersCsv(file, { count: WORKERS_COUNT, seed, quiet: true });
    const started = performance.now();
    const res = await app.fetch(`http://bench/jobs/import?format=csv&provider=http&name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bench.key}`, 'content-type': 'text/csv' },
      body: await readFile(file),
    });
    const jobId = localId(((await res.json()) as any).job.id);
    // A third of the way in, SIGKILL the first worker; start a new one 15 s later.
    const killer = (async () => {
      for (;;) {
        const [job] = await resources.sql<
          { processed: number }[]
        >`select done_count + failed_count as processed from recommendation_jobs where id = ${jobId}`;
        if (job.processed >= WORKERS_COUNT / 3) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const victim = workers[0].child;
      const exited = once(victim, 'exit');
      victim.kill('SIGKILL');
      await exited;
      const killedAt = (performance.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 15_000));
      workers[0] = await spawn('src/worker.ts', [], env(bench, providerEnv));
      return killedAt;
    })();
    await waitDone(resources.sql, jobId, `${name}: scoring`, WORKERS_COUNT);
    const elapsed = (performance.now() - started) / 1000;
    const killedAt = await killer;
    const facts = await jobFacts(resources.sql, jobId);
    const stats = (await (await fetch(mock.message.url.replace('/v1/score', '/stats'))).json()) as any;
    const refused = stats.overLimit + stats.injected.rateLimited;
    const pct = (100 * refused) / Math.max(1, stats.received);
    const checks = {
      second: stats.maxPerSecond <= WORKERS_RATE,
      refused: pct <= 1,
      failed: facts.failed_count === 0,
      twice: stats.customersScoredTwice === 0,
      time: elapsed <= budget,
    };
    const ok = Object.values(checks).every(Boolean);
    const mark = (pass: boolean) => (pass ? '' : ' ✗');
    report(
      `${ok ? 'PASS' : 'FAIL'} ${name}: ${WORKERS_COUNT.toLocaleString('en')} customers, R = ${WORKERS_RATE}/s, ${workerCount} workers, ` +
        `${withRedis ? 'Redis bucket' : 'PostgreSQL bucket (no REDIS_URL)'}, worker killed at ${killedAt.toFixed(1)} s and restarted 15 s later: ` +
        `max ${stats.maxPerSecond} calls in any of the provider's seconds${mark(checks.second)} (sliding-window peak ${stats.peakPerSecond}; ` +
        `the mock's event loop stalled up to ${stats.maxLoopStallMs} ms), ` +
        `${refused} of ${stats.received} calls answered 429 (${pct.toFixed(2)}%)${mark(checks.refused)}, ` +
        `failed ${facts.failed_count}${mark(checks.failed)}, scored twice ${stats.customersScoredTwice}${mark(checks.twice)} ` +
        `(${stats.replayed} repeated keys answered from the ledger), ` +
        `${elapsed.toFixed(1)} s vs budget ${budget.toFixed(1)} s${mark(checks.time)}`,
    );
    report(`  ${name}: calls the provider received each second: ${stats.perSecond.join(' ')}`);
  } finally {
    for (const w of workers) await stop(w.child);
    await stop(mock.child);
    await resources.close();
  }
}

async function builtinScenario(bench: Bench) {
  const file = join(bench.dir, `customers.${bigFormat}`);
  // Written by another process, so this one's peak memory is the import and export alone.
  const generator = fork(root('seeds/customers.ts'), [String(bigCount), file, '--seed', '5'], { stdio: 'inherit' });
  const [code] = await once(generator, 'exit');
  if (code !== 0) throw new Error(`writing ${file} failed`);
  const { size } = await stat(file);
  const workers = [await spawn('src/worker.ts', [], env(bench, {})), await spawn('src/worker.ts', [], env(bench, {}))];
  const { resources, app } = await api(bench, {});
  try {
    const baseline = Math.round(process.memoryUsage().rss / 1048576);
    const importRss = rssSampler();
    const t0 = performance.now();
    const res = await app.fetch(`http://bench/jobs/import?format=${bigFormat}&name=big`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bench.key}` },
      body: Readable.toWeb(createReadStream(file, { highWaterMark: 256 * 1024 })) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const imported = (await res.json()) as any;
    if (res.status !== 201) throw new Error(`import failed: ${JSON.stringify(imported)}`);
    const t1 = performance.now();
    const importPeak = importRss.stop();
    await waitDone(resources.sql, localId(imported.job.id), 'C: scoring', bigCount);
    const t2 = performance.now();
    const out = join(bench.dir, `results.${bigFormat}`);
    const exportRss = rssSampler();
    const download = await app.fetch(`http://bench/jobs/${imported.job.id}/results.${bigFormat}`, {
      headers: { authorization: `Bearer ${bench.key}` },
    });
    await pipeline(Readable.fromWeb(download.body as any), createWriteStream(out));
    const t3 = performance.now();
    const exportPeak = exportRss.stop();
    const facts = await jobFacts(resources.sql, localId(imported.job.id));
    const workerRss = await Promise.all(workers.map((w) => peakRssMb(w.child.pid!)));
    const apiRss = Math.round(process.resourceUsage().maxRSS / 1024);
    const total = (t3 - t0) / 1000;
    const outSize = (await stat(out)).size;
    report(
      `C: ${bigCount.toLocaleString('en')} customers, built-in scorer, ${bigFormat.toUpperCase()} in and out, 2 workers: ` +
        `import ${((t1 - t0) / 1000).toFixed(1)} s (${(size / 1048576).toFixed(1)} MB) → score + store ${((t2 - t1) / 1000).toFixed(1)} s → ` +
        `export ${((t3 - t2) / 1000).toFixed(1)} s (${(outSize / 1048576).toFixed(1)} MB) = ${total.toFixed(1)} s end to end, ` +
        `${Math.round(bigCount / total).toLocaleString('en')} customers/s; scored ${facts.done_count}, failed ${facts.failed_count}; ` +
        `peak RSS: API process ${apiRss} MB (${baseline} MB before the import, ${importPeak} MB during it, ${exportPeak} MB during the export), ` +
        `workers ${workerRss.join(' MB and ')} MB`,
    );
  } finally {
    for (const w of workers) await stop(w.child);
    await resources.close();
  }
}

async function main() {
  const dbName = `hg_bench6_${Date.now()}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${dbName}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const dir = await mkdtemp(join(tmpdir(), 'hg-bench-jobs-'));
  try {
    const config = loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' });
    await runMigrations(url.toString(), config);
    const resources = await createResources(config);
    const org = await createOrganization(resources.db, { slug: 'bench-jobs', name: 'Bench' });
    await seedCards(resources.db, org.id);
    const { key } = await createApiKey(resources.db, org.id, {
      name: 'bench',
      kind: 'internal',
      scopes: ['read', 'write', 'admin'],
    });
    await resources.close();
    const bench: Bench = { dbName, url: url.toString(), dir, organizationId: org.id, key };
    if (only.has('a')) await providerScenario(bench, 'A', 200, 10, 200 / 10 + 5, 6111);
    if (only.has('b')) await providerScenario(bench, 'B', 5_000, 100, (1.1 * 5_000) / 100, 6112);
    if (only.has('c')) await builtinScenario(bench);
    if (only.has('workers')) {
      let seed = 11;
      // --runs 2-pg,4-redis picks some of the four.
      const runs = arg('runs')?.split(',');
      for (const withRedis of [false, true]) {
        for (const count of [2, 4]) {
          seed++;
          if (!runs || runs.includes(`${count}-${withRedis ? 'redis' : 'pg'}`))
            await killedWorkerScenario(bench, count, withRedis, seed);
        }
      }
    }
    process.stdout.write(`\nSummary\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  } finally {
    for (const child of children) await stop(child);
    await rm(dir, { recursive: true, force: true });
    // --keep leaves the database for a closer look (its name is printed).
    if (args.includes('--keep')) process.stdout.write(`kept database ${dbName}\n`);
    else await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    await admin.end();
  }
}

await main();
