// Course generation: queued at once, run by a worker, deterministic; the cap on running generations
// holds in the database; a generation killed mid-way resumes from its last completed module; a slow
// or failing generator fails the generation with a reason; one module or one lesson regenerates
// without touching the rest; bad requests write nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCourse } from '../../../../seeds/courses.ts';
import { encodeGlobalId } from '../../../lib/global-id.ts';
import { startHarness, subscriptionEvents, type Harness, type Tenant } from '../../../test/harness.ts';
import { memoryBucket } from '../../recommendations/provider/token-bucket.ts';
import { builtinOutline, createBuiltinGenerator } from './builtin.ts';
import type { CourseGenerator } from './generator.ts';
import { createHttpGenerator } from './http-generator.ts';
import { claimGeneration, runGeneration, startCourseGenerationWorker, type GenerationDeps } from './tasks.ts';

let h: Harness;
let t: Tenant;

const GENERATE = `mutation($input: GenerateCourseInput!) { generateCourse(input: $input) {
  __typename
  ... on MutationGenerateCourseSuccess { data { id status queuePosition totalModules completedModules course { id } } }
  ... on ValidationError { field issues { field message } } } }`;
const GENERATION = `query($id: ID!) { courseGeneration(id: $id) { id status completedModules totalModules attempts failureReason queuePosition course { id title modules(first: 10) { edges { node { id title lessons(first: 10) { edges { node { id title body } } } } } } } } }`;

const input = {
  topic: 'Beekeeping basics',
  audience: 'hobbyists',
  level: 'BEGINNER',
  modules: 4,
  lessonsPerModule: 3,
  lessonWords: 150,
};

async function waitFor(id: string, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await h.gql(GENERATION, { auth: t.partnerKey, variables: { id } });
    const g = r.body.data?.courseGeneration;
    if (g && (g.status === 'COMPLETED' || g.status === 'FAILED')) return g;
    if (Date.now() > until) throw new Error(`generation still ${g?.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function deps(generators: GenerationDeps['generators'], config = h.config): GenerationDeps {
  return { db: h.resources.db, config, log: h.resources.log, generators };
}

/** A direct generation row (no queue), as generateCourse writes it. */
async function generationRow(modules = 5) {
  const { sql } = h.resources;
  const spec = {
    topic: `Resume ${Math.random()}`,
    audience: 'testers',
    level: 'beginner',
    modules,
    lessonsPerModule: 2,
    lessonWords: 60,
  };
  const [course] =
    await sql`insert into courses (organization_id, title) values (${t.organizationId}, 'Resumable') returning id`;
  const [g] =
    await sql`insert into course_generations (organization_id, course_id, generator, spec, total_modules) values (${t.organizationId}, ${course.id}, 'builtin', ${JSON.stringify(spec)}::jsonb, ${modules}) returning id`;
  return { courseId: course.id as number, id: g.id as number };
}

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('generation');
});
afterAll(() => h?.close());

describe('generating a course', () => {
  it('queues at once, then a worker writes the whole course, the same for the same request', async () => {
    const worker = await startCourseGenerationWorker(h.resources, { concurrency: 2 });
    try {
      const first = await h.gql(GENERATE, { auth: t.partnerKey, variables: { input } });
      expect(first.body.data.generateCourse.data).toMatchObject({
        status: 'QUEUED',
        totalModules: 4,
        completedModules: 0,
      });
      expect(first.body.data.generateCourse.data.queuePosition).toBeGreaterThanOrEqual(1);
      const second = await h.gql(GENERATE, { auth: t.partnerKey, variables: { input } });
      const [a, b] = [
        await waitFor(first.body.data.generateCourse.data.id),
        await waitFor(second.body.data.generateCourse.data.id),
      ];
      for (const g of [a, b]) {
        expect(g).toMatchObject({ status: 'COMPLETED', completedModules: 4, attempts: 1, queuePosition: null });
        expect(g.course.modules.edges).toHaveLength(4);
        for (const m of g.course.modules.edges) expect(m.node.lessons.edges).toHaveLength(3);
      }
      const content = (g: any) =>
        g.course.modules.edges.map((m: any) => [
          m.node.title,
          m.node.lessons.edges.map((l: any) => [l.node.title, l.node.body]),
        ]);
      expect(content(a)).toEqual(content(b));
      expect(a.course.title).toBe(builtinOutline({ ...input, level: 'beginner' }).title);
    } finally {
      await worker.stop();
    }
  });

  it('cached course answers follow the worker’s writes', async () => {
    const queued = await h.gql(GENERATE, {
      auth: t.partnerKey,
      variables: { input: { ...input, topic: 'Cached topic', modules: 2 } },
    });
    const courseId = queued.body.data.generateCourse.data.course.id;
    const READ = `query($id: ID!) { course(id: $id) { title modules { edges { node { title } } } } }`;
    const first = await h.gql(READ, { auth: t.partnerKey, variables: { id: courseId } });
    const again = await h.gql(READ, { auth: t.partnerKey, variables: { id: courseId } });
    expect(again.headers.get('x-cache-status')).toBe('HIT');
    expect(first.body.data.course.modules.edges).toEqual([]);
    const worker = await startCourseGenerationWorker(h.resources, { concurrency: 1 });
    try {
      await waitFor(queued.body.data.generateCourse.data.id);
    } finally {
      await worker.stop();
    }
    const fresh = await h.gql(READ, { auth: t.partnerKey, variables: { id: courseId } });
    expect(fresh.body.data.course.modules.edges).toHaveLength(2);
    expect(fresh.body.data.course.title).not.toBe('Cached topic');
  });

  it('streams progress per module over SSE until it completes', async () => {
    const queued = await h.gql(GENERATE, {
      auth: t.partnerKey,
      variables: { input: { ...input, topic: 'SSE topic', modules: 3 } },
    });
    const id = queued.body.data.generateCourse.data.id;
    const worker = await startCourseGenerationWorker(h.resources, { concurrency: 1 });
    try {
      const response = await h.subscribe(
        `subscription($id: ID!) { courseGenerationProgress(id: $id) { status completedModules totalModules } }`,
        { auth: t.partnerKey, variables: { id } },
      );
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const events = await subscriptionEvents(response, 'courseGenerationProgress');
      expect(events.at(-1)).toEqual({ status: 'COMPLETED', completedModules: 3, totalModules: 3 });
      const done = events.map((e: any) => e.completedModules);
      expect([...done].sort((x, y) => x - y)).toEqual(done);
    } finally {
      await worker.stop();
    }
  });
});

describe('the cap on running generations', () => {
  it('at most COURSE_GENERATION_MAX_RUNNING claims succeed, however many race for them', async () => {
    const rows = await Promise.all(Array.from({ length: 9 }, () => generationRow(1)));
    const claims = await Promise.all(rows.map((r) => claimGeneration(h.resources.db, h.config, r.id)));
    expect(claims.filter((c) => c === 'claimed')).toHaveLength(h.config.courses.maxRunning);
    expect(claims.filter((c) => c === 'busy')).toHaveLength(9 - h.config.courses.maxRunning);
    // A place frees when one finishes; a running generation whose heartbeat stopped no longer holds one.
    const ids = rows.map((r) => r.id);
    await h.resources
      .sql`update course_generations set status = 'completed' where id = ${ids[claims.indexOf('claimed')]}`;
    await h.resources
      .sql`update course_generations set heartbeat_at = now() - interval '1 hour' where id = ${ids[claims.lastIndexOf('claimed')]}`;
    const again = await Promise.all(
      rows.map((r, i) =>
        claims[i] === 'busy' ? claimGeneration(h.resources.db, h.config, r.id) : Promise.resolve('skip'),
      ),
    );
    expect(again.filter((c) => c === 'claimed')).toHaveLength(2);
    await h.resources.sql`update course_generations set status = 'completed' where id = any(${ids})`;
  });
});

describe('resuming and failing', () => {
  it('a generation killed mid-way resumes from its last completed module', async () => {
    const row = await generationRow(5);
    const builtin = createBuiltinGenerator();
    const stop = new AbortController();
    const calls: number[] = [];
    const dying: CourseGenerator = {
      ...builtin,
      async module(spec, outline, i, revision, signal) {
        if (i === 2) stop.abort(new Error('killed'));
        signal.throwIfAborted();
        calls.push(i);
        return builtin.module(spec, outline, i, revision, signal);
      },
    };
    expect(await claimGeneration(h.resources.db, h.config, row.id)).toBe('claimed');
    await expect(runGeneration(deps({ builtin: dying }), row.id, stop.signal)).rejects.toThrow('killed');
    const [mid] = await h.resources.sql`select status, completed_modules from course_generations where id = ${row.id}`;
    expect(mid).toEqual({ status: 'running', completed_modules: 2 });

    const resumed: number[] = [];
    const counting: CourseGenerator = {
      ...builtin,
      module: (spec, outline, i, revision, signal) => (
        resumed.push(i), builtin.module(spec, outline, i, revision, signal)
      ),
    };
    expect(await claimGeneration(h.resources.db, h.config, row.id)).toBe('claimed');
    expect(await runGeneration(deps({ builtin: counting }), row.id, new AbortController().signal)).toBe('completed');
    expect(calls).toEqual([0, 1]);
    expect(resumed).toEqual([2, 3, 4]);
    const modules = await h.resources
      .sql`select position, title from course_modules where course_id = ${row.courseId} order by position`;
    expect(modules.map((m) => m.position)).toEqual([1, 2, 3, 4, 5]);
    const [{ lessons }] = await h.resources
      .sql`select count(*)::int as lessons from course_lessons where course_id = ${row.courseId}`;
    expect(lessons).toBe(10);
    const [g] = await h.resources.sql`select status, attempts from course_generations where id = ${row.id}`;
    expect(g).toEqual({ status: 'completed', attempts: 2 });
  });

  it('fails with a reason when it takes longer than the limit', async () => {
    const row = await generationRow(2);
    const builtin = createBuiltinGenerator();
    const hanging: CourseGenerator = {
      ...builtin,
      module: (_s, _o, _i, _r, signal) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    };
    await claimGeneration(h.resources.db, h.config, row.id);
    const config = { ...h.config, courses: { ...h.config.courses, generationTimeoutMs: 300 } };
    expect(await runGeneration(deps({ builtin: hanging }, config), row.id, new AbortController().signal)).toBe(
      'failed',
    );
    const [g] = await h.resources.sql`select status, failure_reason from course_generations where id = ${row.id}`;
    expect(g.status).toBe('failed');
    expect(g.failure_reason).toMatch(/timed out.*0\.3 s/);
  });

  describe('the HTTP generator', () => {
    let server: Server;
    let url: string;
    let calls = 0;
    let mode: 'flaky' | 'broken' = 'flaky';
    beforeAll(async () => {
      const builtin = createBuiltinGenerator();
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', async () => {
          calls++;
          if (req.headers.authorization !== 'Bearer gen-key') return res.writeHead(401).end('no key');
          if (mode === 'broken') return res.writeHead(400).end('bad prompt');
          if (calls % 3 === 1) return res.writeHead(503, { 'retry-after': '0' }).end('busy');
          const ask = JSON.parse(body);
          const signal = new AbortController().signal;
          const answer =
            ask.kind === 'outline'
              ? await builtin.outline(ask.spec, ask.revision, signal)
              : await builtin.module(ask.spec, ask.outline, ask.moduleIndex, ask.revision, signal);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/generate`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const generator = () =>
      createHttpGenerator({
        url,
        apiKey: 'gen-key',
        timeoutMs: 2_000,
        maxAttempts: 3,
        retryBaseMs: 5,
        retryMaxMs: 20,
        bucket: memoryBucket({ ratePerSecond: 200, capacity: 5 }),
      });

    /** Runs a generation of `modules` modules through the HTTP generator; its row and how it ended. */
    async function runOverHttp(modules: number) {
      const row = await generationRow(modules);
      await h.resources.sql`update course_generations set generator = 'http' where id = ${row.id}`;
      await claimGeneration(h.resources.db, h.config, row.id);
      const withHttp = deps({ builtin: createBuiltinGenerator(), http: generator() });
      return { row, outcome: await runGeneration(withHttp, row.id, new AbortController().signal) };
    }

    it('retries 5xx and writes what the API answered', async () => {
      const { row, outcome } = await runOverHttp(3);
      expect(outcome).toBe('completed');
      const [{ modules }] = await h.resources
        .sql`select count(*)::int as modules from course_modules where course_id = ${row.courseId}`;
      expect(modules).toBe(3);
      expect(calls).toBeGreaterThan(4);
    });

    it('a refused call fails the generation with the reason, and no retry', async () => {
      mode = 'broken';
      const before = calls;
      const { row, outcome } = await runOverHttp(2);
      expect(outcome).toBe('failed');
      const [g] = await h.resources.sql`select failure_reason from course_generations where id = ${row.id}`;
      expect(g.failure_reason).toMatch(/rejected.*HTTP 400: bad prompt/);
      expect(calls - before).toBe(1);
    });
  });
});

describe('regenerating part of a course', () => {
  it('one module gets new lessons; every other module and lesson stays as it was', async () => {
    const courseId = await seedCourse(h.resources.db, t.organizationId, {
      topic: 'Regenerate module',
      audience: 'authors',
      level: 'beginner',
      modules: 3,
      lessonsPerModule: 2,
      lessonWords: 80,
    });
    const snapshot = () =>
      h.resources
        .sql`select l.id, l.module_id, l.title, l.body from course_lessons l where course_id = ${courseId} order by module_id, position`;
    const before = await snapshot();
    const target = before[2].module_id as number;
    const worker = await startCourseGenerationWorker(h.resources, { concurrency: 1 });
    try {
      const r = await h.gql(
        `mutation($id: ID!) { regenerateCourseModule(id: $id) { __typename ... on MutationRegenerateCourseModuleSuccess { data { id kind } } } }`,
        {
          auth: t.partnerKey,
          variables: { id: encodeGlobalId('CourseModule', target) },
        },
      );
      expect(r.body.data.regenerateCourseModule.data.kind).toBe('MODULE');
      expect((await waitFor(r.body.data.regenerateCourseModule.data.id)).status).toBe('COMPLETED');
      const after = await snapshot();
      expect(after.filter((l) => l.module_id !== target)).toEqual(before.filter((l) => l.module_id !== target));
      const changed = after.filter((l) => l.module_id === target);
      expect(changed).toHaveLength(2);
      expect(changed.map((l) => l.body)).not.toEqual(before.filter((l) => l.module_id === target).map((l) => l.body));

      const lesson = after[0];
      const lr = await h.gql(
        `mutation($id: ID!) { regenerateCourseLesson(id: $id) { ... on MutationRegenerateCourseLessonSuccess { data { id } } } }`,
        {
          auth: t.partnerKey,
          variables: { id: encodeGlobalId('CourseLesson', lesson.id) },
        },
      );
      expect((await waitFor(lr.body.data.regenerateCourseLesson.data.id)).status).toBe('COMPLETED');
      const final = await snapshot();
      expect(final.slice(1)).toEqual(after.slice(1));
      expect(final[0]).toMatchObject({ id: lesson.id, title: lesson.title });
      expect(final[0].body).not.toBe(lesson.body);
    } finally {
      await worker.stop();
    }
  });
});

describe('bad requests write nothing', () => {
  it('empty topics, 0 or 10,000 modules, too many lessons, unknown targets', async () => {
    const count = async () => {
      const [row] = await h.resources.sql`
        select (select count(*)::int from courses where organization_id = ${t.organizationId}) as courses,
               (select count(*)::int from course_generations where organization_id = ${t.organizationId}) as generations,
               (select count(*)::int from pgboss.job where name = 'course-generation') as jobs`;
      return row;
    };
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ topic: '   ' }, 'input.topic'],
      [{ modules: 0 }, 'input.modules'],
      [{ modules: 10_000 }, 'input.modules'],
      [{ lessonsPerModule: 0 }, 'input.lessonsPerModule'],
      [{ modules: 100, lessonsPerModule: 50 }, 'input.lessonsPerModule'],
      [{ lessonWords: 100_000 }, 'input.lessonWords'],
      [{ generator: 'HTTP' }, 'input.generator'],
    ];
    for (const [change, field] of cases) {
      const r = await h.gql(GENERATE, { auth: t.partnerKey, variables: { input: { ...input, ...change } } });
      expect(r.body.data.generateCourse, JSON.stringify(change)).toMatchObject({
        __typename: 'ValidationError',
        field,
      });
    }
    const missing = await h.gql(
      `mutation { regenerateCourseModule(id: "${encodeGlobalId('CourseModule', 2_000_000_000)}") { __typename } }`,
      { auth: t.partnerKey },
    );
    expect(missing.body.data.regenerateCourseModule.__typename).toBe('NotFoundError');
    expect(await count()).toEqual(before);
  });
});
