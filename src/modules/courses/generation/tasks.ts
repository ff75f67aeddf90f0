// Generation work, run by src/worker.ts through pg-boss. A worker that fetches a generation first
// claims one of the COURSE_GENERATION_MAX_RUNNING places (claimGeneration: a transaction under one
// advisory lock counts the running generations with a live heartbeat, so the cap holds across
// every worker process); without a place it waits, still queued, with its queue position visible.
//
// Checkpoint: module n and its lessons are inserted in the transaction that moves
// completed_modules from n - 1 to n (and only if it still is n - 1), so a run that dies mid-way —
// SIGKILL included — is resumed by pg-boss after the heartbeat timeout at module n + 1, and two
// runs of one generation can never write a module twice.
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { invalidateTypes, type ResponseCache } from '../../../cache/response-cache.ts';
import type { Config } from '../../../config.ts';
import { courseGenerationTable, courseLessonTable, courseModuleTable, courseTable } from '../../../db/tables/index.ts';
import { QUEUES, startQueueWorker } from '../../../db/queue.ts';
import type { Db, Resources } from '../../../resources.ts';
import { sleep } from '../../recommendations/provider/token-bucket.ts';
import { createBuiltinGenerator } from './builtin.ts';
import { GeneratorError, lessonRows, type CourseGenerator, type CourseOutline } from './generator.ts';
import { createHttpGenerator, httpGeneratorOptions } from './http-generator.ts';
import type { Generation } from '../../../db/tables/index.ts';
import type { GenerationPayload } from './service.ts';

export type GenerationDeps = {
  db: Db;
  config: Config;
  log: Logger;
  generators: { builtin: CourseGenerator; http?: CourseGenerator };
  responseCache?: ResponseCache;
  /** Called after each checkpoint (tests and the benchmark watch progress through it). */
  onCheckpoint?: (generation: Generation) => void;
};

const HEARTBEAT_MS = 2_000;
const CLAIM_POLL_MS = 250;

export type Claim = 'claimed' | 'busy' | 'finished';

/** Takes a running place for this generation if fewer than the cap are running now. */
export async function claimGeneration(db: Db, config: Config, generationId: number): Promise<Claim> {
  return db.transaction(async (tx) => {
    // One lock for every claim in the database: counting and claiming cannot interleave.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('course-generation-slots', 0))`);
    const [row] = await tx.execute<{ status: string }>(
      sql`select status from course_generations where id = ${generationId} for update`,
    );
    if (!row || row.status === 'completed' || row.status === 'failed') return 'finished';
    const [{ running }] = await tx.execute<{ running: number }>(sql`
      select count(*)::int as running from course_generations
      where status = 'running' and id <> ${generationId}
        and heartbeat_at > now() - make_interval(secs => ${config.jobs.heartbeatSeconds})`);
    if (running >= config.courses.maxRunning) return 'busy';
    await tx.execute(sql`
      update course_generations set status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now()),
        heartbeat_at = now(), updated_at = now()
      where id = ${generationId}`);
    return 'claimed';
  });
}

async function fail(deps: GenerationDeps, generation: Generation, reason: string) {
  await deps.db.execute(sql`
    update course_generations set status = 'failed', failure_reason = ${reason.slice(0, 1000)}, finished_at = now(), updated_at = now()
    where id = ${generation.id} and status <> 'completed'`);
  await invalidate(deps, generation.organizationId);
}

async function invalidate(deps: GenerationDeps, organizationId: number) {
  if (deps.responseCache)
    await invalidateTypes({ responseCache: deps.responseCache }, organizationId, [
      'Course',
      'CourseModule',
      'CourseLesson',
      'CourseGeneration',
    ]);
}

async function reload(db: Db, id: number): Promise<Generation> {
  const [row] = await db.select().from(courseGenerationTable).where(eq(courseGenerationTable.id, id));
  return row;
}

/** The outline: stored with the generation by its first run, so a resumed run continues the same course. */
async function outlineOf(
  deps: GenerationDeps,
  generator: CourseGenerator,
  generation: Generation,
  signal: AbortSignal,
): Promise<CourseOutline> {
  if (generation.outline) return generation.outline as CourseOutline;
  const outline = await generator.outline(generation.spec, generation.revision, signal);
  await deps.db.transaction(async (tx) => {
    await tx
      .update(courseGenerationTable)
      .set({ outline, updatedAt: sql`now()` })
      .where(and(eq(courseGenerationTable.id, generation.id), sql`outline is null`));
    await tx
      .update(courseTable)
      .set({ title: outline.title, summary: outline.summary, updatedAt: sql`now()` })
      .where(eq(courseTable.id, generation.courseId));
  });
  return (await reload(deps.db, generation.id)).outline as CourseOutline;
}

async function runCourse(
  deps: GenerationDeps,
  generator: CourseGenerator,
  generation: Generation,
  signal: AbortSignal,
) {
  const outline = await outlineOf(deps, generator, generation, signal);
  for (let i = generation.completedModules; i < generation.totalModules; i++) {
    const module = await generator.module(generation.spec, outline, i, generation.revision, signal);
    signal.throwIfAborted();
    const written = await deps.db.transaction(async (tx) => {
      const [advanced] = await tx
        .update(courseGenerationTable)
        .set({ completedModules: i + 1, heartbeatAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(courseGenerationTable.id, generation.id), eq(courseGenerationTable.completedModules, i)))
        .returning();
      // Another run of this generation got here first: nothing to write.
      if (!advanced) return null;
      const [row] = await tx
        .insert(courseModuleTable)
        .values({
          organizationId: generation.organizationId,
          courseId: generation.courseId,
          position: i + 1,
          title: module.title,
          summary: module.summary,
          objectives: module.objectives,
        })
        .returning({ id: courseModuleTable.id });
      await tx.insert(courseLessonTable).values(lessonRows(generation, row.id, module.lessons));
      await tx.update(courseTable).set({ updatedAt: sql`now()` }).where(eq(courseTable.id, generation.courseId));
      return advanced;
    });
    if (!written) return;
    await invalidate(deps, generation.organizationId);
    deps.onCheckpoint?.(written);
  }
}

/** The outline of an existing course, for regenerating a part of it. */
async function currentOutline(
  db: Db,
  generation: Generation,
): Promise<{ outline: CourseOutline; modules: { id: number; position: number }[] }> {
  const [course] = await db.select().from(courseTable).where(eq(courseTable.id, generation.courseId));
  const modules = await db
    .select()
    .from(courseModuleTable)
    .where(eq(courseModuleTable.courseId, generation.courseId))
    .orderBy(courseModuleTable.position);
  const lessons = await db
    .select({ moduleId: courseLessonTable.moduleId, title: courseLessonTable.title })
    .from(courseLessonTable)
    .where(eq(courseLessonTable.courseId, generation.courseId))
    .orderBy(courseLessonTable.moduleId, courseLessonTable.position);
  const titles = new Map<number, string[]>();
  for (const l of lessons) titles.set(l.moduleId, [...(titles.get(l.moduleId) ?? []), l.title]);
  return {
    outline: {
      title: course.title,
      summary: course.summary ?? '',
      modules: modules.map((m) => ({
        title: m.title,
        summary: m.summary ?? '',
        objectives: m.objectives,
        lessonTitles: titles.get(m.id) ?? [],
      })),
    },
    modules,
  };
}

/**
 * Writes the result of a one-part generation (a module or a lesson) once: the transaction that moves
 * completed_modules from 0 to 1 runs `write` and touches the course; a run after that (the job handed
 * out again after a crash) writes nothing.
 */
async function writeOnce(deps: GenerationDeps, generation: Generation, write: (tx: Db) => Promise<void>) {
  await deps.db.transaction(async (tx) => {
    const [advanced] = await tx
      .update(courseGenerationTable)
      .set({ completedModules: 1, updatedAt: sql`now()` })
      .where(and(eq(courseGenerationTable.id, generation.id), eq(courseGenerationTable.completedModules, 0)))
      .returning();
    if (!advanced) return;
    await write(tx);
    await tx.update(courseTable).set({ updatedAt: sql`now()` }).where(eq(courseTable.id, generation.courseId));
  });
}

async function runModule(
  deps: GenerationDeps,
  generator: CourseGenerator,
  generation: Generation,
  signal: AbortSignal,
) {
  const { outline, modules } = await currentOutline(deps.db, generation);
  const index = modules.findIndex((m) => m.id === generation.targetId);
  if (index < 0) throw new GeneratorError('The module to regenerate no longer exists.');
  if (!outline.modules[index].lessonTitles.length)
    outline.modules[index].lessonTitles = Array.from(
      { length: generation.spec.lessonsPerModule },
      (_, i) => `Lesson ${i + 1}`,
    );
  const module = await generator.module(generation.spec, outline, index, generation.revision, signal);
  signal.throwIfAborted();
  await writeOnce(deps, generation, async (tx) => {
    const moduleId = generation.targetId!;
    await tx
      .update(courseModuleTable)
      .set({ title: module.title, summary: module.summary, objectives: module.objectives, updatedAt: sql`now()` })
      .where(eq(courseModuleTable.id, moduleId));
    await tx.delete(courseLessonTable).where(eq(courseLessonTable.moduleId, moduleId));
    await tx.insert(courseLessonTable).values(lessonRows(generation, moduleId, module.lessons));
  });
}

async function runLesson(
  deps: GenerationDeps,
  generator: CourseGenerator,
  generation: Generation,
  signal: AbortSignal,
) {
  const [lesson] = await deps.db.select().from(courseLessonTable).where(eq(courseLessonTable.id, generation.targetId!));
  if (!lesson) throw new GeneratorError('The lesson to regenerate no longer exists.');
  const { outline, modules } = await currentOutline(deps.db, generation);
  const moduleIndex = modules.findIndex((m) => m.id === lesson.moduleId);
  const generated = await generator.lesson(
    generation.spec,
    outline,
    moduleIndex,
    lesson.position - 1,
    generation.revision,
    signal,
  );
  signal.throwIfAborted();
  await writeOnce(deps, generation, async (tx) => {
    await tx
      .update(courseLessonTable)
      .set({
        objectives: generated.objectives,
        body: generated.body,
        estimatedMinutes: generated.estimatedMinutes,
        prerequisites: generated.prerequisites,
        updatedAt: sql`now()`,
      })
      .where(eq(courseLessonTable.id, lesson.id));
  });
}

export type RunResult = 'completed' | 'failed' | 'finished-before';

/**
 * Runs a claimed generation from its checkpoint to the end. Expected failures (the generator gave
 * up, the time limit passed) mark it failed with the reason; `signal` (the worker stopping) leaves
 * it for the next run.
 */
export async function runGeneration(
  deps: GenerationDeps,
  generationId: number,
  signal: AbortSignal,
): Promise<RunResult> {
  const generation = await reload(deps.db, generationId);
  if (!generation || generation.status === 'completed' || generation.status === 'failed') return 'finished-before';
  const limitMs = deps.config.courses.generationTimeoutMs;
  const elapsed = generation.startedAt ? Date.now() - Date.parse(generation.startedAt) : 0;
  const left = limitMs - elapsed;
  if (left <= 0) {
    await fail(deps, generation, `timed out: the generation took longer than ${limitMs / 1000} s`);
    return 'failed';
  }
  const timeout = AbortSignal.timeout(left);
  const run = AbortSignal.any([signal, timeout]);
  const heartbeat = setInterval(() => {
    deps.db
      .execute(
        sql`update course_generations set heartbeat_at = now() where id = ${generationId} and status = 'running'`,
      )
      .catch(() => undefined);
  }, HEARTBEAT_MS);
  try {
    const generator = generation.generator === 'http' ? deps.generators.http : deps.generators.builtin;
    if (!generator)
      throw new GeneratorError(
        'The HTTP course generator is not configured on this worker (COURSE_GENERATOR_URL is unset).',
      );
    if (generation.kind === 'course') await runCourse(deps, generator, generation, run);
    else if (generation.kind === 'module') await runModule(deps, generator, generation, run);
    else await runLesson(deps, generator, generation, run);
    await deps.db.execute(sql`
      update course_generations set status = 'completed', finished_at = now(), updated_at = now()
      where id = ${generationId} and status = 'running'`);
    await invalidate(deps, generation.organizationId);
    return 'completed';
  } catch (err) {
    if (timeout.aborted && !signal.aborted) {
      await fail(deps, generation, `timed out: the generation took longer than ${limitMs / 1000} s`);
      return 'failed';
    }
    if (err instanceof GeneratorError) {
      await fail(deps, generation, err.message);
      return 'failed';
    }
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}

/** Claims a place (waiting while the cap is reached), then runs. */
export async function processGeneration(
  deps: GenerationDeps,
  payload: GenerationPayload,
  signal: AbortSignal,
): Promise<RunResult> {
  for (;;) {
    const claim = await claimGeneration(deps.db, deps.config, payload.generationId);
    if (claim === 'finished') return 'finished-before';
    if (claim === 'claimed') return runGeneration(deps, payload.generationId, signal);
    await sleep(CLAIM_POLL_MS, signal);
  }
}

export function createGenerators(resources: Pick<Resources, 'config' | 'redis' | 'log'>): GenerationDeps['generators'] {
  const { config } = resources;
  return {
    builtin: createBuiltinGenerator(),
    http: config.courses.generatorUrl
      ? createHttpGenerator(httpGeneratorOptions(config, resources.redis, resources.log))
      : undefined,
  };
}

export type GenerationWorker = { stop(): Promise<void> };

/** Consumes generation jobs until stopped. Used by src/worker.ts and by tests (never the API process). */
export async function startCourseGenerationWorker(
  resources: Pick<Resources, 'config' | 'db' | 'redis' | 'log' | 'databaseUrl' | 'responseCache'>,
  options: { concurrency?: number; onCheckpoint?: GenerationDeps['onCheckpoint'] } = {},
): Promise<GenerationWorker> {
  const { config, log } = resources;
  const generators = createGenerators(resources);
  const deps: GenerationDeps = {
    db: resources.db,
    config,
    log,
    generators,
    responseCache: resources.responseCache,
    onCheckpoint: options.onCheckpoint,
  };
  const worker = await startQueueWorker(resources, QUEUES.courseGeneration, {
    name: 'course generation',
    concurrency: options.concurrency ?? config.courses.maxRunning,
    // pg-boss hands out at most the cap at once across processes; claimGeneration makes it exact.
    groupConcurrency: config.courses.maxRunning,
    run: async (payload, signal) => {
      const result = await processGeneration(deps, payload, signal);
      log.debug({ ...payload, result }, 'course generation finished');
    },
    giveUp: async (payload, reason) => {
      const generation = await reload(deps.db, payload.generationId);
      if (generation) await fail(deps, generation, reason);
    },
    stopTimeoutMs: 10_000,
  });
  return {
    async stop() {
      await worker.stop();
      generators.builtin.close();
      generators.http?.close();
    },
  };
}
