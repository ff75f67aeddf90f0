// `npm run bench:courses [-- --modules 50 --lessons 20 --words 2000]`: the courses addendum's figures,
// through the app (app.fetch, no network) on a throw-away database copied from the migrated test
// template, with two real worker processes (src/worker.ts):
//   1. built-in generation of a 50 × 20 course with 2,000-word lessons, end to end (queue → worker → rows);
//   2. export of that course in every format (streamed; bytes, time, and this process's peak RSS);
//   3. quality analysis of it (courseQuality);
//   4. 10 generation requests at once: the most ever running (sampled every 50 ms from the
//      database), the queue positions right after submitting, and when all were done.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createResources } from '../../src/resources.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../../src/test/db.ts';
import { benchOrganization } from './organization.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const MODULES = arg('modules', 50);
const LESSONS = arg('lessons', 20);
const WORDS = arg('words', 2_000);
const WORKERS = arg('workers', 2);
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  const database = await createTestDatabase(await ensureTemplateDatabase());
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    JWT_SECRET: SECRET,
    RESPONSE_CACHE_TTL_SECONDS: '0',
    STATEMENT_TIMEOUT_MS: '60000',
  };
  const config = loadConfig(env);
  const resources = await createResources(config);
  const workers: ChildProcess[] = [];
  try {
    const { key } = await benchOrganization(resources.db);
    const app = createApp(resources);
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const r = await app.fetch('http://bench/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = await r.json();
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    for (let i = 0; i < WORKERS; i++) {
      const child = fork(root('src/worker.ts'), [], {
        env: { ...process.env, ...env, SERVER_ID: `bench-worker-${i}` },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      workers.push(child);
      await once(child, 'message');
    }
    process.stdout.write(
      `courses benchmark: ${WORKERS} worker processes, cap ${config.courses.maxRunning} running generations; ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(2)} at the start\n`,
    );

    const GENERATE = `mutation($input: GenerateCourseInput!) { generateCourse(input: $input) { ... on MutationGenerateCourseSuccess { data { id queuePosition course { id } } } ... on ValidationError { message } } }`;
    const STATUS = `query($id: ID!) { courseGeneration(id: $id) { status completedModules failureReason startedAt finishedAt } }`;
    const waitDone = async (id: string) => {
      for (;;) {
        const g = (await gql(STATUS, { id })).courseGeneration;
        if (g.status === 'COMPLETED' || g.status === 'FAILED') return g;
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // 1. One big generation.
    const started = performance.now();
    const big = (
      await gql(GENERATE, {
        input: {
          topic: 'Post-harvest quality control',
          audience: 'packhouse supervisors',
          level: 'INTERMEDIATE',
          modules: MODULES,
          lessonsPerModule: LESSONS,
          lessonWords: WORDS,
        },
      })
    ).generateCourse.data;
    const done = await waitDone(big.id);
    const total = performance.now() - started;
    const run = Date.parse(done.finishedAt) - Date.parse(done.startedAt);
    const [size] =
      await resources.sql`select count(*)::int as lessons, sum(length(body))::bigint as chars, sum(array_length(regexp_split_to_array(body, '\\s+'), 1))::bigint as words from course_lessons where course_id = (select course_id from course_generations where status = 'completed' order by id limit 1)`;
    process.stdout.write(
      `\n1. built-in generation ${MODULES} × ${LESSONS}, ${WORDS}-word lessons: ${done.status} in ${seconds(total)} from request to done (${seconds(run)} running; limit 120 s); ${size.lessons} lessons, ${Number(size.words).toLocaleString('en')} words, ${(Number(size.chars) / 1048576).toFixed(1)} MB of Markdown\n`,
    );

    // 2. Exports, streamed.
    process.stdout.write(`\n2. export of that course (limit 30 s each):\n`);
    const courseId = big.course.id;
    for (const format of ['json', 'md', 'zip', 'scorm12.zip', 'imscc']) {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const t0 = performance.now();
      const r = await app.fetch(`http://bench/courses/${courseId}/export.${format}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      let bytes = 0;
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      const ms = performance.now() - t0;
      clearInterval(sampler);
      process.stdout.write(
        `   ${format.padEnd(12)} ${r.status} ${seconds(ms).padStart(8)}  ${(bytes / 1048576).toFixed(1).padStart(6)} MB  peak RSS +${((peak - rssBefore) / 1048576).toFixed(0)} MB over ${(rssBefore / 1048576).toFixed(0)} MB\n`,
      );
    }

    // 3. Quality analysis.
    const t1 = performance.now();
    const q = (
      await gql(`query($id: ID!) { courseQuality(id: $id) { score errors warnings infos lessons words analyzedMs } }`, {
        id: courseId,
      })
    ).courseQuality;
    process.stdout.write(
      `\n3. courseQuality of that course: ${seconds(performance.now() - t1)} through GraphQL (${q.analyzedMs} ms analysing; limit 5 s): score ${q.score}, ${q.errors} errors, ${q.warnings} warnings, ${q.infos} notes over ${q.lessons} lessons, ${q.words.toLocaleString('en')} words\n`,
    );

    // 4. Ten generations at once.
    let maxRunning = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [row] =
          await resources.sql`select count(*)::int as n from course_generations where status = 'running' and heartbeat_at > now() - interval '10 seconds'`;
        maxRunning = Math.max(maxRunning, row.n);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const t2 = performance.now();
    const ten = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gql(GENERATE, {
          input: {
            topic: `Concurrent topic ${i}`,
            audience: 'staff',
            modules: 20,
            lessonsPerModule: 10,
            lessonWords: 1_000,
          },
        }).then((d) => d.generateCourse.data),
      ),
    );
    const answered = performance.now() - t2;
    const positions = await Promise.all(
      ten.map(
        async (g) =>
          (await gql(`query($id: ID!) { courseGeneration(id: $id) { status queuePosition } }`, { id: g.id }))
            .courseGeneration,
      ),
    );
    const results = await Promise.all(ten.map((g) => waitDone(g.id)));
    const allDone = performance.now() - t2;
    sampling = false;
    await sampler;
    const queued = positions.filter((p) => p.status === 'QUEUED').map((p) => p.queuePosition);
    process.stdout.write(
      `\n4. 10 generation requests at once (20 × 10, 1,000-word lessons): all answered in ${seconds(answered)}; right after, ${positions.filter((p) => p.status === 'RUNNING').length} running and ${queued.length} queued (positions ${queued.join(', ') || '-'}); ` +
        `most running at any sample: ${maxRunning} (cap ${config.courses.maxRunning}); ${results.filter((r) => r.status === 'COMPLETED').length}/10 completed in ${seconds(allDone)}\n`,
    );
    if (maxRunning > config.courses.maxRunning) throw new Error(`cap broken: ${maxRunning} running`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.exitCode === null ? once(w, 'exit') : undefined)));
    await resources.close();
    await database.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
