// Course generation requests: generate a course, regenerate one module or one lesson, and the reads
// behind progress (queue position, running count). A request writes its generation row and its
// queue job in one transaction and returns at once; the work runs in a worker (tasks.ts).
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Config } from '../../../config.ts';
import {
  courseGenerationTable,
  courseLessonTable,
  courseModuleTable,
  courseTable,
  type CourseLevel,
  type GenerationKind,
  type GenerationSpec,
  type GeneratorKind,
} from '../../../db/tables/index.ts';
import { newestFirst, tenantPage, type PageArgs } from '../../../db/keyset.ts';
import { findOwnedRow, ownedRow } from '../../../db/tenant.ts';
import { COURSE_GENERATION_GROUP, QUEUES, type JobQueue } from '../../../db/queue.ts';
import { ValidationError } from '../../../lib/errors.ts';
import type { Db } from '../../../resources.ts';
import { lockCourse } from '../content/service.ts';
import type { Course, Generation } from '../../../db/tables/index.ts';

export type GenerationDeps = { db: Db; jobs: JobQueue; config: Config };
export type GenerationPayload = { organizationId: number; generationId: number };

export const GENERATION_LIMITS = {
  modules: { min: 1, max: 100 },
  lessonsPerModule: { min: 1, max: 50 },
  totalLessons: 2_000,
  lessonWords: { min: 50, max: 3_000, default: 600 },
  text: 300,
};

export type GenerateCourseInput = {
  topic: string;
  audience?: string | null;
  level?: CourseLevel | null;
  modules: number;
  lessonsPerModule: number;
  lessonWords?: number | null;
  generator?: GeneratorKind | null;
};

function range(issues: { field: string; message: string }[], field: string, value: number, min: number, max: number) {
  if (!Number.isInteger(value) || value < min || value > max)
    issues.push({ field, message: `must be a whole number from ${min} to ${max.toLocaleString('en')} (got ${value})` });
}

/** Checks a generation request; every problem at once, each naming its field. */
export function generationSpec(input: GenerateCourseInput): GenerationSpec {
  const issues: { field: string; message: string }[] = [];
  const topic = input.topic.trim();
  if (!topic) issues.push({ field: 'input.topic', message: 'must not be blank: name what the course teaches' });
  if (topic.length > GENERATION_LIMITS.text)
    issues.push({ field: 'input.topic', message: `must be at most ${GENERATION_LIMITS.text} characters` });
  const audience = input.audience?.trim() || 'learners';
  if (audience.length > GENERATION_LIMITS.text)
    issues.push({ field: 'input.audience', message: `must be at most ${GENERATION_LIMITS.text} characters` });
  const L = GENERATION_LIMITS;
  range(issues, 'input.modules', input.modules, L.modules.min, L.modules.max);
  range(issues, 'input.lessonsPerModule', input.lessonsPerModule, L.lessonsPerModule.min, L.lessonsPerModule.max);
  const lessonWords = input.lessonWords ?? L.lessonWords.default;
  range(issues, 'input.lessonWords', lessonWords, L.lessonWords.min, L.lessonWords.max);
  if (!issues.length && input.modules * input.lessonsPerModule > L.totalLessons) {
    issues.push({
      field: 'input.lessonsPerModule',
      message: `a course may have at most ${L.totalLessons.toLocaleString('en')} lessons; ${input.modules} × ${input.lessonsPerModule} is ${input.modules * input.lessonsPerModule}`,
    });
  }
  if (issues.length) throw new ValidationError(issues);
  return {
    topic,
    audience,
    level: input.level ?? 'beginner',
    modules: input.modules,
    lessonsPerModule: input.lessonsPerModule,
    lessonWords,
  };
}

export function resolveGenerator(config: Config, requested: GeneratorKind | null | undefined): GeneratorKind {
  const kind = requested ?? config.courses.generator;
  if (kind === 'http' && !config.courses.generatorUrl) {
    throw ValidationError.of(
      'input.generator',
      'The HTTP course generator is not configured on this server (COURSE_GENERATOR_URL is unset): use generator BUILTIN.',
    );
  }
  return kind;
}

async function enqueue(deps: GenerationDeps, tx: Db, generation: Generation) {
  const payload: GenerationPayload = { organizationId: generation.organizationId, generationId: generation.id };
  await deps.jobs.send(tx, QUEUES.courseGeneration, [payload], { group: COURSE_GENERATION_GROUP });
}

/** Creates a DRAFT course and queues its generation; returns both at once. */
export async function generateCourse(
  deps: GenerationDeps,
  organizationId: number,
  createdBy: string | null,
  input: GenerateCourseInput,
): Promise<Generation> {
  const spec = generationSpec(input);
  const generator = resolveGenerator(deps.config, input.generator);
  return deps.db.transaction(async (tx) => {
    const [course] = await tx
      .insert(courseTable)
      .values({
        organizationId,
        title: spec.topic,
        topic: spec.topic,
        audience: spec.audience,
        level: spec.level,
        summary: 'Being generated…',
      })
      .returning();
    const [generation] = await tx
      .insert(courseGenerationTable)
      .values({
        organizationId,
        courseId: course.id,
        kind: 'course',
        generator,
        spec,
        totalModules: spec.modules,
        createdBy,
      })
      .returning();
    await enqueue(deps, tx, generation);
    return generation;
  });
}

/** The spec of an existing course, for regenerating part of it in the same voice. */
async function specOfCourse(tx: Db, course: Course, lessonsPerModule: number): Promise<GenerationSpec> {
  const [stats] = await tx.execute<{ modules: number; words: number | null }>(sql`
    select (select count(*)::int from course_modules where course_id = ${course.id}) as modules,
           (select avg(array_length(regexp_split_to_array(trim(body), '\\s+'), 1))::int from course_lessons where course_id = ${course.id} and body <> '') as words`);
  const L = GENERATION_LIMITS;
  return {
    topic: course.topic ?? course.title,
    audience: course.audience ?? 'learners',
    level: course.level,
    modules: Math.max(1, stats.modules),
    lessonsPerModule: Math.min(L.lessonsPerModule.max, Math.max(1, lessonsPerModule)),
    lessonWords: Math.min(L.lessonWords.max, Math.max(L.lessonWords.min, stats.words ?? L.lessonWords.default)),
  };
}

async function nextRevision(tx: Db, kind: GenerationKind, targetId: number): Promise<number> {
  const [row] = await tx.execute<{ n: number }>(
    sql`select count(*)::int + 1 as n from course_generations where kind = ${kind} and target_id = ${targetId}`,
  );
  return row.n;
}

/**
 * Queues the generation of one part (`kind` = module or lesson, `targetId`) of a course locked by the
 * caller's transaction, sized like the other lessons of the module it is in.
 */
async function queuePart(
  deps: GenerationDeps,
  tx: Db,
  course: Course,
  part: { kind: 'module' | 'lesson'; targetId: number; moduleId: number },
  generator: GeneratorKind,
  createdBy: string | null,
): Promise<Generation> {
  const [{ lessons }] = await tx.execute<{ lessons: number }>(
    sql`select count(*)::int as lessons from course_lessons where module_id = ${part.moduleId}`,
  );
  const spec = await specOfCourse(tx, course, lessons);
  const [generation] = await tx
    .insert(courseGenerationTable)
    .values({
      organizationId: course.organizationId,
      courseId: course.id,
      kind: part.kind,
      targetId: part.targetId,
      generator,
      spec,
      totalModules: 1,
      revision: await nextRevision(tx, part.kind, part.targetId),
      createdBy,
    })
    .returning();
  await enqueue(deps, tx, generation);
  return generation;
}

/**
 * Queues new content for one part of a course: a module (its title and lessons) or a lesson (its
 * body and objectives; its title and place stay). The rest of the course is untouched.
 */
export async function regeneratePart(
  deps: GenerationDeps,
  organizationId: number,
  createdBy: string | null,
  kind: 'module' | 'lesson',
  id: number,
  requested?: GeneratorKind | null,
): Promise<Generation> {
  const generator = resolveGenerator(deps.config, requested);
  return deps.db.transaction(async (tx) => {
    // The module a part sizes its lessons by: the module itself, or the lesson's.
    const { courseId, moduleId } =
      kind === 'module'
        ? { ...(await ownedRow(tx, courseModuleTable, organizationId, id, 'CourseModule')), moduleId: id }
        : await ownedRow(tx, courseLessonTable, organizationId, id, 'CourseLesson');
    const course = await lockCourse(tx, organizationId, courseId);
    return queuePart(deps, tx, course, { kind, targetId: id, moduleId }, generator, createdBy);
  });
}

// ---- reads -----------------------------------------------------------------------------------

export function getGeneration(db: Db, organizationId: number, id: number): Promise<Generation | null> {
  return findOwnedRow(db, courseGenerationTable, organizationId, id);
}

const generationOrdering = newestFirst(courseGenerationTable, 'courseGenerations');

export function listGenerations(db: Db, organizationId: number, page: PageArgs) {
  return tenantPage(db, courseGenerationTable, organizationId, generationOrdering, page);
}

/**
 * Places in the one queue shared by every organization (1 = next to start), for queued generations;
 * null for the others. One statement for all ids.
 */
export async function queuePositions(db: Db, ids: readonly number[]): Promise<(number | null)[]> {
  const rows = await db.execute<{ id: number; position: number }>(sql`
    select g.id, (select count(*)::int from course_generations q where q.status = 'queued' and q.id < g.id) + 1 as position
    from course_generations g where g.id = any(${`{${ids.map((id) => Math.trunc(id)).join(',')}}`}::int[]) and g.status = 'queued'`);
  const byId = new Map(rows.map((r) => [Number(r.id), r.position]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** Running generations (with a live heartbeat) and queued ones, across every worker and organization. */
export async function generationCounts(db: Db, staleSeconds: number): Promise<{ running: number; queued: number }> {
  const [row] = await db.execute<{ running: number; queued: number }>(sql`
    select count(*) filter (where status = 'running' and heartbeat_at > now() - make_interval(secs => ${staleSeconds}))::int as running,
           count(*) filter (where status = 'queued')::int as queued
    from course_generations where status in ('queued', 'running')`);
  return row;
}

export async function latestGenerationOf(db: Db, organizationId: number, courseId: number): Promise<Generation | null> {
  const [row] = await db
    .select()
    .from(courseGenerationTable)
    .where(and(eq(courseGenerationTable.courseId, courseId), eq(courseGenerationTable.organizationId, organizationId)))
    .orderBy(desc(courseGenerationTable.id))
    .limit(1);
  return row ?? null;
}

/** generationCounts, read at most once a second however often health checks and scrapes ask. */
export function cachedGenerationCounts(
  db: Db,
  staleSeconds: number,
): () => Promise<{ running: number; queued: number }> {
  let last: { at: number; value: Promise<{ running: number; queued: number }> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > 1_000) {
      const value = generationCounts(db, staleSeconds);
      value.catch(() => (last = undefined));
      last = { at: Date.now(), value };
    }
    return last.value;
  };
}
