// Courses, modules and lessons: reads and every write. No GraphQL here. Every function takes the
// caller's organization id and never reads or writes outside it; structural writes (add, reorder)
// lock the course row first, so concurrent edits of one course queue and positions stay 1..n.
import { and, eq, sql } from 'drizzle-orm';
import { findOwnedRow, lockOwnedRow, ownedRow, ownRowsMatching, updateOwnedRow } from '../../../db/tenant.ts';
import { courseLessonTable, courseModuleTable, courseTable, type CourseStatus } from '../../../db/tables/index.ts';
import type { Course, CourseLesson, CourseModule } from '../../../db/tables/index.ts';
import { keysetPage, lateralPages, NESTED_PAGE, type PageArgs, type PageSize, orderBy } from '../../../db/keyset.ts';
import type { SqlCondition } from '../../../compiled/mapping.ts';
import { ValidationError } from '../../../lib/errors.ts';
import { checkTransition, type Transitions } from '../../../lib/status-machine.ts';
import type { Db } from '../../../resources.ts';
import {
  checkCourse,
  checkLesson,
  checkModule,
  type CoursePatch,
  type LessonPatch,
  type ModulePatch,
} from './input.ts';

/** Nested lists of a course: up to 100 modules a page, 100 lessons a module page. */
export const MODULE_PAGE: PageSize = { defaultSize: 20, maxSize: 100 };
export const LESSON_PAGE: PageSize = { defaultSize: 20, maxSize: 100 };
export { NESTED_PAGE };

// ---- orderings -------------------------------------------------------------------------------

export const courseOrdering = orderBy(courseTable, 'courses:UPDATED_DESC', 'updatedAt', 'desc');
export const moduleOrdering = orderBy(courseModuleTable, 'course.modules', 'position', 'asc');
export const lessonOrdering = orderBy(courseLessonTable, 'module.lessons', 'position', 'asc');

// ---- reads -----------------------------------------------------------------------------------

/** The filter's conditions besides the tenant, as column comparisons (the compiled read path uses them too). */
export function courseFilterConditions(filter: { status?: CourseStatus | null }): SqlCondition[] {
  return filter.status ? [{ column: courseTable.status, op: '=', value: filter.status }] : [];
}

export function listCourses(db: Db, organizationId: number, filter: { status?: CourseStatus | null }, page: PageArgs) {
  const where = ownRowsMatching(courseTable, organizationId, courseFilterConditions(filter));
  return keysetPage(db, courseTable, where, courseOrdering, page);
}

/** First page of modules of each course: one statement for every course of a list. */
export function modulesByCourse(db: Db, organizationId: number, courseIds: readonly number[], page: PageArgs) {
  return lateralPages(
    db,
    courseModuleTable,
    courseModuleTable.courseId,
    courseIds,
    eq(courseModuleTable.organizationId, organizationId),
    moduleOrdering,
    page,
    MODULE_PAGE,
  );
}

/**
 * First page of lessons of each module: one statement for every module at this level of a query.
 * Without `withBody` the rows leave the Markdown body out (undefined): lists of lessons usually show
 * titles, and bodies are most of a course's bytes; `lessonBodies` loads them when asked for.
 */
export function lessonsByModule(
  db: Db,
  organizationId: number,
  moduleIds: readonly number[],
  page: PageArgs,
  withBody = false,
) {
  return lateralPages(
    db,
    courseLessonTable,
    courseLessonTable.moduleId,
    moduleIds,
    eq(courseLessonTable.organizationId, organizationId),
    lessonOrdering,
    page,
    LESSON_PAGE,
    withBody ? [] : [courseLessonTable.body],
  );
}

/** Bodies of lessons by id, in key order (a DataLoader batch): one statement. */
export async function lessonBodies(db: Db, organizationId: number, ids: readonly number[]): Promise<string[]> {
  const rows = await db.execute<{ id: number; body: string }>(sql`
    select id, body from course_lessons where organization_id = ${organizationId} and id = any(${`{${ids.map((id) => Math.trunc(id)).join(',')}}`}::int[])`);
  const byId = new Map(rows.map((r) => [Number(r.id), r.body]));
  return ids.map((id) => byId.get(id) ?? '');
}

export function getCourse(db: Db, organizationId: number, id: number): Promise<Course | null> {
  return findOwnedRow(db, courseTable, organizationId, id);
}

/** The course's modules in order (small: titles and objectives, no lesson bodies). */
export function courseModules(db: Db, organizationId: number, courseId: number): Promise<CourseModule[]> {
  return db
    .select()
    .from(courseModuleTable)
    .where(and(eq(courseModuleTable.courseId, courseId), eq(courseModuleTable.organizationId, organizationId)))
    .orderBy(courseModuleTable.position, courseModuleTable.id);
}

// ---- writes ----------------------------------------------------------------------------------

/** What a create takes: the fields of the patch, the title required. */
export type CourseInput = CoursePatch & { title: string };
export type ModuleInput = ModulePatch & { title: string };
export type LessonInput = LessonPatch & { title: string };

/** Keeps only the keys the client sent: a patch never clears what it did not name. */
function sent<T extends Record<string, unknown>>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function createCourse(db: Db, organizationId: number, input: CourseInput): Promise<Course> {
  checkCourse(input, 'input');
  const [row] = await db
    .insert(courseTable)
    .values({
      ...sent(input),
      title: input.title.trim(),
      level: input.level ?? 'beginner',
      authors: input.authors ?? [],
      organizationId,
    })
    .returning();
  return row;
}

export async function updateCourse(db: Db, organizationId: number, id: number, patch: CoursePatch): Promise<Course> {
  checkCourse(patch, 'input');
  const values = sent({
    ...patch,
    title: patch.title?.trim(),
    authors: patch.authors ?? undefined,
    level: patch.level ?? undefined,
  });
  return updateOwnedRow(db, courseTable, organizationId, id, 'Course', values);
}

/** The caller's course, locked until the transaction ends; structural writes queue behind it. */
export function lockCourse(tx: Db, organizationId: number, id: number): Promise<Course> {
  return lockOwnedRow(tx, courseTable, organizationId, id, 'Course');
}

/** Marks the course changed (its updatedAt) and returns it. */
async function touchCourse(tx: Db, courseId: number): Promise<Course> {
  const [course] = await tx
    .update(courseTable)
    .set({ updatedAt: sql`now()` })
    .where(eq(courseTable.id, courseId))
    .returning();
  return course;
}

export async function addModule(
  db: Db,
  organizationId: number,
  courseId: number,
  input: ModuleInput,
): Promise<CourseModule> {
  checkModule(input, 'input');
  return db.transaction(async (tx) => {
    await lockCourse(tx, organizationId, courseId);
    const [row] = await tx
      .insert(courseModuleTable)
      .values({
        organizationId,
        courseId,
        title: input.title.trim(),
        summary: input.summary ?? null,
        objectives: input.objectives ?? [],
        position: sql`(select coalesce(max(position), 0) + 1 from course_modules where course_id = ${courseId})`,
      })
      .returning();
    await touchCourse(tx, courseId);
    return row;
  });
}

export async function updateModule(
  db: Db,
  organizationId: number,
  id: number,
  patch: ModulePatch,
): Promise<CourseModule> {
  checkModule(patch, 'input');
  return db.transaction(async (tx) => {
    const values = sent({ ...patch, title: patch.title?.trim(), objectives: patch.objectives ?? undefined });
    const row = await updateOwnedRow(tx, courseModuleTable, organizationId, id, 'CourseModule', values);
    await touchCourse(tx, row.courseId);
    return row;
  });
}

function moduleOf(tx: Db, organizationId: number, moduleId: number): Promise<CourseModule> {
  return ownedRow(tx, courseModuleTable, organizationId, moduleId, 'CourseModule');
}

export async function addLesson(
  db: Db,
  organizationId: number,
  moduleId: number,
  input: LessonInput,
): Promise<CourseLesson> {
  checkLesson(input, 'input');
  return db.transaction(async (tx) => {
    const module = await moduleOf(tx, organizationId, moduleId);
    await lockCourse(tx, organizationId, module.courseId);
    const [row] = await tx
      .insert(courseLessonTable)
      .values({
        organizationId,
        courseId: module.courseId,
        moduleId,
        title: input.title.trim(),
        objectives: input.objectives ?? [],
        body: input.body ?? '',
        estimatedMinutes: input.estimatedMinutes ?? 0,
        level: input.level ?? null,
        prerequisites: input.prerequisites ?? [],
        position: sql`(select coalesce(max(position), 0) + 1 from course_lessons where module_id = ${moduleId})`,
      })
      .returning();
    await touchCourse(tx, module.courseId);
    return row;
  });
}

export async function updateLesson(
  db: Db,
  organizationId: number,
  id: number,
  patch: LessonPatch,
): Promise<CourseLesson> {
  checkLesson(patch, 'input');
  return db.transaction(async (tx) => {
    const values = sent({
      ...patch,
      title: patch.title?.trim(),
      objectives: patch.objectives ?? undefined,
      prerequisites: patch.prerequisites ?? undefined,
      body: patch.body ?? undefined,
      estimatedMinutes: patch.estimatedMinutes ?? undefined,
    });
    const row = await updateOwnedRow(tx, courseLessonTable, organizationId, id, 'CourseLesson', values);
    await touchCourse(tx, row.courseId);
    return row;
  });
}

/**
 * Checks that `ids` is a permutation of `current`: every id once, none missing, none foreign. Each
 * problem names its position in the input list.
 */
export function checkPermutation(
  ids: readonly number[],
  current: readonly number[],
  field: string,
  what: string,
): void {
  const own = new Set(current);
  const seen = new Set<number>();
  const issues: { field: string; message: string }[] = [];
  ids.forEach((id, i) => {
    if (!own.has(id))
      issues.push({
        field: `${field}.${i}`,
        message: `This ${what} is not part of it (unknown, or another course's).`,
      });
    else if (seen.has(id)) issues.push({ field: `${field}.${i}`, message: `This ${what} appears twice.` });
    seen.add(id);
  });
  const missing = current.filter((id) => !seen.has(id)).length;
  if (missing)
    issues.push({
      field,
      message: `${missing} of its ${current.length} ${what}s are missing: send every one of them, in the new order.`,
    });
  if (issues.length) throw new ValidationError(issues);
}

/**
 * Numbers the children of one parent (modules of a course, lessons of a module) 1..n in the order of
 * `ids`, which must hold every child id once (else a ValidationError on `arg`).
 */
async function reorder(
  tx: Db,
  parent: typeof courseModuleTable.courseId | typeof courseLessonTable.moduleId,
  parentId: number,
  ids: number[],
  arg: string,
  what: string,
) {
  const table = parent.table as typeof courseModuleTable | typeof courseLessonTable;
  const current = await tx.select({ id: table.id }).from(table).where(eq(parent, parentId));
  checkPermutation(
    ids,
    current.map((r) => r.id),
    arg,
    what,
  );
  await tx.execute(sql`
    update ${table} set position = o.ord, updated_at = now()
    from unnest(${`{${ids.join(',')}}`}::int[]) with ordinality as o(id, ord)
    where ${table.id} = o.id and ${parent} = ${parentId}`);
}

/** Puts a course's modules in the given order (every module id, once). */
export async function reorderModules(
  db: Db,
  organizationId: number,
  courseId: number,
  moduleIds: number[],
): Promise<Course> {
  return db.transaction(async (tx) => {
    await lockCourse(tx, organizationId, courseId);
    await reorder(tx, courseModuleTable.courseId, courseId, moduleIds, 'moduleIds', 'module');
    return touchCourse(tx, courseId);
  });
}

/** Puts a module's lessons in the given order (every lesson id of the module, once). */
export async function reorderLessons(
  db: Db,
  organizationId: number,
  moduleId: number,
  lessonIds: number[],
): Promise<CourseModule> {
  return db.transaction(async (tx) => {
    const module = await moduleOf(tx, organizationId, moduleId);
    await lockCourse(tx, organizationId, module.courseId);
    await reorder(tx, courseLessonTable.moduleId, moduleId, lessonIds, 'lessonIds', 'lesson');
    await touchCourse(tx, module.courseId);
    return module;
  });
}

/** DRAFT → REVIEW → PUBLISHED → ARCHIVED; review can go back to draft, archived can be restored to draft. */
export const COURSE_TRANSITIONS: Transitions<CourseStatus> = {
  draft: ['review'],
  review: ['draft', 'published'],
  published: ['archived'],
  archived: ['draft'],
};

export async function changeCourseStatus(
  db: Db,
  organizationId: number,
  id: number,
  to: CourseStatus,
): Promise<Course> {
  return db.transaction(async (tx) => {
    const course = await lockCourse(tx, organizationId, id);
    checkTransition(COURSE_TRANSITIONS, 'The course', course.status, to);
    if (to === 'published') {
      const [{ lessons }] = await tx.execute<{ lessons: number }>(
        sql`select count(*)::int as lessons from course_lessons where course_id = ${id}`,
      );
      if (lessons === 0)
        throw ValidationError.of(
          'status',
          'A course without lessons cannot be published: add lessons or generate them first.',
        );
    }
    const [row] = await tx
      .update(courseTable)
      .set({
        status: to,
        updatedAt: sql`now()`,
        publishedAt: to === 'published' ? sql`now()` : sql`${courseTable.publishedAt}`,
      })
      .where(eq(courseTable.id, id))
      .returning();
    return row;
  });
}
