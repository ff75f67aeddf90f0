// Domain 3: courses with ordered modules and lessons, and the generation jobs that write them. Every
// row carries organization_id and children reference their parents through (organization_id, id),
// so no module or lesson can point into another tenant's course.
//
// Order is `position` (1..n within the parent). There is no unique (parent, position) constraint:
// a reorder rewrites every position in one statement, and every structural write locks the course
// row first (service.ts), so positions stay a permutation without a deferred constraint.
import { type BuildExtraConfigColumns, sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  type PgColumn,
  type PgColumnBuilderBase,
  pgTable,
  type PgTableExtraConfigValue,
  text,
} from 'drizzle-orm/pg-core';
import { childColumns, createdAt, instant, tenantTable, timestamps, updatedAt } from './columns.ts';
import { notBlank, oneOf, tenantKey, tenantRef } from './constraints.ts';

export const COURSE_STATUSES = ['draft', 'review', 'published', 'archived'] as const;
export type CourseStatus = (typeof COURSE_STATUSES)[number];
export const COURSE_LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export type CourseLevel = (typeof COURSE_LEVELS)[number];

/** Longest lesson body the database keeps (the API refuses longer ones before this, with a typed error). */
export const LESSON_BODY_MAX_CHARS = 200_000;

export const courseTable = tenantTable(
  'courses',
  {
    title: text('title').notNull(),
    summary: text('summary'),
    topic: text('topic'),
    audience: text('audience'),
    level: text('level', { enum: COURSE_LEVELS }).notNull().default('beginner'),
    status: text('status', { enum: COURSE_STATUSES }).notNull().default('draft'),
    authors: text('authors').array().notNull().default(sql`'{}'::text[]`),
    /** Duration the author announces; quality analysis compares it with the lessons' sum. */
    declaredMinutes: integer('declared_minutes'),
    publishedAt: instant('published_at'),
    ...timestamps(),
  },
  (t) => [
    tenantKey(t),
    index('courses_organization_updated_idx').on(t.organizationId, t.updatedAt, t.id),
    index('courses_organization_status_updated_idx').on(t.organizationId, t.status, t.updatedAt, t.id),
    notBlank(t.title),
    oneOf(t.status, COURSE_STATUSES),
    oneOf(t.level, COURSE_LEVELS),
    check(
      'courses_declared_minutes_range',
      sql`${t.declaredMinutes} is null or ${t.declaredMinutes} between 0 and 1000000`,
    ),
  ],
);
export type Course = typeof courseTable.$inferSelect;

const courseRef = (name: string, t: { organizationId: PgColumn; courseId: PgColumn }) =>
  tenantRef(name, t, t.courseId, courseTable).onDelete('cascade');

/** What every part of a course (module, lesson) has: its course, its place (1..n) within its parent, a title, objectives. */
const coursePartColumns = () => ({
  ...childColumns(),
  courseId: integer('course_id').notNull(),
  position: integer('position').notNull(),
  title: text('title').notNull(),
  objectives: text('objectives').array().notNull().default(sql`'{}'::text[]`),
});

type CoursePartColumns = ReturnType<typeof coursePartColumns> & ReturnType<typeof timestamps>;

/**
 * A table of course parts: coursePartColumns, `columns` and timestamps; deleted with the course, with a
 * non-blank title and a positive position, and referenceable by (organization_id, id).
 */
function coursePartTable<Name extends string, Columns extends Record<string, PgColumnBuilderBase>>(
  name: Name,
  columns: Columns,
  extraConfig: (self: BuildExtraConfigColumns<Name, CoursePartColumns & Columns, 'pg'>) => PgTableExtraConfigValue[],
) {
  return pgTable<Name, CoursePartColumns & Columns>(
    name,
    { ...coursePartColumns(), ...columns, ...timestamps() },
    (t) => [
      courseRef(`${name}_course_fkey`, t),
      tenantKey(t),
      notBlank(t.title),
      check(`${name}_position_positive`, sql`${t.position} > 0`),
      ...extraConfig(t),
    ],
  );
}

export const courseModuleTable = coursePartTable('course_modules', { summary: text('summary') }, (t) => [
  index('course_modules_course_position_idx').on(t.courseId, t.organizationId, t.position, t.id),
]);
export type CourseModule = typeof courseModuleTable.$inferSelect;

export const courseLessonTable = coursePartTable(
  'course_lessons',
  {
    moduleId: integer('module_id').notNull(),
    /** Markdown. */
    body: text('body').notNull().default(''),
    estimatedMinutes: integer('estimated_minutes').notNull().default(0),
    level: text('level', { enum: COURSE_LEVELS }),
    prerequisites: text('prerequisites').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    tenantRef('course_lessons_module_fkey', t, t.moduleId, courseModuleTable).onDelete('cascade'),
    index('course_lessons_module_position_idx').on(t.moduleId, t.organizationId, t.position, t.id),
    index('course_lessons_course_idx').on(t.courseId),
    check('course_lessons_body_size', sql`length(${t.body}) <= ${sql.raw(String(LESSON_BODY_MAX_CHARS))}`),
    check('course_lessons_minutes_range', sql`${t.estimatedMinutes} between 0 and 10000`),
    oneOf(t.level, COURSE_LEVELS, { nullable: true }),
  ],
);
export type CourseLesson = typeof courseLessonTable.$inferSelect;

export const GENERATION_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];
export const GENERATION_KINDS = ['course', 'module', 'lesson'] as const;
export type GenerationKind = (typeof GENERATION_KINDS)[number];
export const GENERATOR_KINDS = ['builtin', 'http'] as const;
export type GeneratorKind = (typeof GENERATOR_KINDS)[number];

/** What the author asked for; stored so a resumed generation continues the same course. */
export type GenerationSpec = {
  topic: string;
  audience: string;
  level: CourseLevel;
  modules: number;
  lessonsPerModule: number;
  lessonWords: number;
};

/**
 * One generation: a whole course, one module or one lesson. `completed_modules` is the checkpoint:
 * module n and its lessons are written in the transaction that sets it to n, so a generation that
 * dies resumes at module n + 1. At most COURSE_GENERATION_MAX_RUNNING rows are `running` with a
 * fresh heartbeat at any time, across every worker (claimGeneration in generation/slots.ts).
 */
export const courseGenerationTable = tenantTable(
  'course_generations',
  {
    courseId: integer('course_id').notNull(),
    kind: text('kind', { enum: GENERATION_KINDS }).notNull().default('course'),
    /** The module or lesson regenerated (kind module / lesson). */
    targetId: integer('target_id'),
    generator: text('generator', { enum: GENERATOR_KINDS }).notNull(),
    status: text('status', { enum: GENERATION_STATUSES }).notNull().default('queued'),
    spec: jsonb('spec').$type<GenerationSpec>().notNull(),
    /** Regeneration counter: the built-in generator varies its choices with it. */
    revision: integer('revision').notNull().default(0),
    /** The outline, written once by the first run: a resumed run continues the same course. */
    outline: jsonb('outline'),
    totalModules: integer('total_modules').notNull(),
    completedModules: integer('completed_modules').notNull().default(0),
    /** Runs started (more than one after a crash). */
    attempts: integer('attempts').notNull().default(0),
    failureReason: text('failure_reason'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    startedAt: instant('started_at'),
    heartbeatAt: instant('heartbeat_at'),
    finishedAt: instant('finished_at'),
    updatedAt: updatedAt(),
  },
  (t) => [
    courseRef('course_generations_course_fkey', t),
    tenantKey(t),
    index('course_generations_organization_idx').on(t.organizationId, t.id),
    index('course_generations_status_idx').on(t.status, t.id),
    oneOf(t.status, GENERATION_STATUSES),
    oneOf(t.kind, GENERATION_KINDS),
    oneOf(t.generator, GENERATOR_KINDS),
    check('course_generations_progress_valid', sql`${t.completedModules} between 0 and ${t.totalModules}`),
  ],
);
export type Generation = typeof courseGenerationTable.$inferSelect;
