// GraphQL for courses, their modules and lessons: types, queries and the editing mutations. Thin:
// the work is in content/service.ts. Generation, export and quality have their own schema files,
// which build on this one.
import { organizationOf, type Context } from '../../context.ts';
import {
  COURSE_LEVELS,
  COURSE_STATUSES,
  courseLessonTable,
  courseModuleTable,
  courseTable,
  type CourseStatus,
} from '../../db/tables/index.ts';
import { LIST_PAGE } from '../../db/keyset.ts';
import { sqlColumn, sqlConnection, sqlLookup, sqlRelation, sqlTable } from '../../compiled/mapping.ts';
import { loadTenantNodes } from '../../db/tenant.ts';
import { builder, type InputFieldBuilder, mutationErrors } from '../../schema/builder.ts';
import { connectionComplexity, enumValues, inputId, queryId } from '../../schema/common.ts';
import { LIMITS } from './content/input.ts';
import * as service from './content/service.ts';
import { exportPath } from './export/formats.ts';

export const CourseStatusEnum = builder.enumType('CourseStatus', {
  description:
    'DRAFT → REVIEW → PUBLISHED → ARCHIVED (REVIEW may go back to DRAFT; ARCHIVED may be restored to DRAFT).',
  values: enumValues(COURSE_STATUSES),
});
export const CourseLevelEnum = builder.enumType('CourseLevel', { values: enumValues(COURSE_LEVELS) });

export type ExportLinks = { courseId: number };
export const CourseExportLinksRef = builder.objectRef<ExportLinks>('CourseExportLinks').implement({
  description: 'Download paths of a course; GET them with your credentials (same auth and rate limit as /graphql).',
  fields: (t) => ({
    json: t.string({ resolve: (l) => exportPath(l.courseId, 'json') }),
    markdown: t.string({ resolve: (l) => exportPath(l.courseId, 'md') }),
    zip: t.string({
      description: 'One Markdown file per lesson, in one folder per module.',
      resolve: (l) => exportPath(l.courseId, 'zip'),
    }),
    scorm12: t.string({
      description: 'SCORM 1.2 package (imsmanifest.xml + one HTML page per lesson).',
      resolve: (l) => exportPath(l.courseId, 'scorm12.zip'),
    }),
    commonCartridge: t.string({
      description: 'IMS Common Cartridge 1.1 (web-content resources).',
      resolve: (l) => exportPath(l.courseId, 'imscc'),
    }),
  }),
});

export const CourseRef = builder.loadableNode('Course', {
  description: 'A course: ordered modules of ordered lessons.',
  extensions: sqlTable(courseTable),
  id: { resolve: (c) => c.id },
  load: (ids: string[], ctx: Context) => loadTenantNodes(ctx, courseTable, ids),
  fields: (t) => ({
    title: t.exposeString('title'),
    summary: t.exposeString('summary', { nullable: true }),
    topic: t.exposeString('topic', { nullable: true }),
    audience: t.exposeString('audience', { nullable: true }),
    level: t.expose('level', { type: CourseLevelEnum }),
    status: t.expose('status', { type: CourseStatusEnum }),
    authors: t.exposeStringList('authors'),
    declaredMinutes: t.exposeInt('declaredMinutes', {
      nullable: true,
      description: 'The duration the author announces (quality analysis compares it with the lessons).',
    }),
    publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    // Paths built in Node: not declared, reading them runs the resolvers.
    exportLinks: t.field({ type: CourseExportLinksRef, resolve: (c) => ({ courseId: c.id }) }),
  }),
});

export const CourseModuleRef = builder.loadableNode('CourseModule', {
  description: 'A module of a course: ordered lessons.',
  extensions: sqlTable(courseModuleTable),
  id: { resolve: (m) => m.id },
  load: (ids: string[], ctx: Context) => loadTenantNodes(ctx, courseModuleTable, ids),
  fields: (t) => ({
    position: t.exposeInt('position', { description: '1 for the first module.' }),
    title: t.exposeString('title'),
    summary: t.exposeString('summary', { nullable: true }),
    objectives: t.exposeStringList('objectives'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    course: t.field({
      type: CourseRef,
      extensions: sqlRelation(courseModuleTable.courseId),
      resolve: (m) => String(m.courseId),
    }),
  }),
});

export const CourseLessonRef = builder.loadableNode('CourseLesson', {
  description: 'A lesson: Markdown body, objectives, estimated minutes, level and prerequisites.',
  extensions: sqlTable(courseLessonTable),
  id: { resolve: (l) => l.id },
  load: (ids: string[], ctx: Context) => loadTenantNodes(ctx, courseLessonTable, ids),
  fields: (t) => ({
    position: t.exposeInt('position'),
    title: t.exposeString('title'),
    objectives: t.exposeStringList('objectives'),
    body: t.loadable({
      type: 'String',
      description: 'Markdown.',
      // Compiled reads select the column only when the query asks for it.
      extensions: sqlColumn(courseLessonTable.body),
      // Lesson lists leave bodies out of their rows; the bodies a query asks for load in one statement.
      load: (ids: number[], ctx: Context) => service.lessonBodies(ctx.db, organizationOf(ctx), ids),
      resolve: (l) => l.id,
    }),
    estimatedMinutes: t.exposeInt('estimatedMinutes'),
    level: t.expose('level', { type: CourseLevelEnum, nullable: true }),
    prerequisites: t.exposeStringList('prerequisites'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    module: t.field({
      type: CourseModuleRef,
      extensions: sqlRelation(courseLessonTable.moduleId),
      resolve: (l) => String(l.moduleId),
    }),
    course: t.field({
      type: CourseRef,
      extensions: sqlRelation(courseLessonTable.courseId),
      resolve: (l) => String(l.courseId),
    }),
  }),
});

export const CourseConnection = builder.connectionObject({ type: CourseRef, name: 'CourseConnection' });
const ModuleConnection = builder.connectionObject({ type: CourseModuleRef, name: 'CourseModuleConnection' });
const LessonConnection = builder.connectionObject({ type: CourseLessonRef, name: 'CourseLessonConnection' });

builder.objectField(CourseRef, 'modules', (t) =>
  t.loadable({
    type: ModuleConnection,
    description: `Modules in order, ${service.MODULE_PAGE.defaultSize} a page by default, at most ${service.MODULE_PAGE.maxSize}. One statement for every course of a list.`,
    byPath: true,
    args: t.arg.connectionArgs(),
    complexity: connectionComplexity(service.MODULE_PAGE),
    extensions: sqlConnection({
      table: courseModuleTable,
      parentColumn: courseModuleTable.courseId,
      page: service.MODULE_PAGE,
      ordering: () => service.moduleOrdering,
    }),
    load: (ids: number[], ctx: Context, args) => service.modulesByCourse(ctx.db, organizationOf(ctx), ids, args),
    resolve: (c) => c.id,
  }),
);

builder.objectField(CourseModuleRef, 'lessons', (t) =>
  t.loadable({
    type: LessonConnection,
    description: `Lessons in order, ${service.LESSON_PAGE.defaultSize} a page by default, at most ${service.LESSON_PAGE.maxSize}. One statement for every module at this level of the query.`,
    byPath: true,
    args: t.arg.connectionArgs(),
    complexity: connectionComplexity(service.LESSON_PAGE),
    extensions: sqlConnection({
      table: courseLessonTable,
      parentColumn: courseLessonTable.moduleId,
      page: service.LESSON_PAGE,
      ordering: () => service.lessonOrdering,
    }),
    load: (ids: number[], ctx: Context, args) => service.lessonsByModule(ctx.db, organizationOf(ctx), ids, args),
    resolve: (m) => m.id,
  }),
);

const CourseFilter = builder.inputType('CourseFilter', {
  fields: (t) => ({ status: t.field({ type: CourseStatusEnum }) }),
});

builder.queryFields((t) => ({
  courses: t.field({
    type: CourseConnection,
    authScopes: { read: true },
    description: `Courses of your organization, most recently changed first; ${LIST_PAGE.defaultSize} a page by default, at most ${LIST_PAGE.maxSize}.`,
    args: { ...t.arg.connectionArgs(), filter: t.arg({ type: CourseFilter }) },
    complexity: connectionComplexity(LIST_PAGE),
    extensions: sqlConnection({
      table: courseTable,
      page: LIST_PAGE,
      ordering: () => service.courseOrdering,
      conditions: (args) =>
        service.courseFilterConditions({ status: (args.filter as { status?: CourseStatus | null } | null)?.status }),
    }),
    resolve: (_root, args, ctx) =>
      service.listCourses(ctx.db, organizationOf(ctx), { status: args.filter?.status }, args),
  }),
  course: t.field({
    type: CourseRef,
    nullable: true,
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true }) },
    extensions: sqlLookup(),
    resolve: (_root, { id }, ctx) => service.getCourse(ctx.db, organizationOf(ctx), queryId(String(id), 'Course')),
  }),
}));

// ---- mutations -------------------------------------------------------------------------------

// An Input and its Patch share their fields; only the Input requires the title.
const courseFields = (required: boolean) => (t: InputFieldBuilder) => ({
  title: t.string({ required }),
  summary: t.string(),
  topic: t.string(),
  audience: t.string(),
  level: t.field({ type: CourseLevelEnum }),
  authors: t.stringList(),
  declaredMinutes: t.int(),
});
const CourseInput = builder.inputType('CourseInput', { fields: courseFields(true) });
const CoursePatch = builder.inputType('CoursePatch', {
  description: 'Only the fields given are changed.',
  fields: courseFields(false),
});
const moduleFields = (required: boolean) => (t: InputFieldBuilder) => ({
  title: t.string({ required }),
  summary: t.string(),
  objectives: t.stringList(),
});
const ModuleInput = builder.inputType('CourseModuleInput', { fields: moduleFields(true) });
const ModulePatch = builder.inputType('CourseModulePatch', { fields: moduleFields(false) });
const bodyDescription = `Markdown, at most ${LIMITS.body.toLocaleString('en')} characters.`;
const lessonFields = (required: boolean) => (t: InputFieldBuilder) => ({
  title: t.string({ required }),
  objectives: t.stringList(),
  body: t.string({ description: bodyDescription }),
  estimatedMinutes: t.int(),
  level: t.field({ type: CourseLevelEnum }),
  prerequisites: t.stringList(),
});
const LessonInput = builder.inputType('CourseLessonInput', { fields: lessonFields(true) });
const LessonPatch = builder.inputType('CourseLessonPatch', { fields: lessonFields(false) });

/** GraphQL sends null for omitted optional fields only when the client writes null; both mean "leave it". */
function given<T extends Record<string, unknown>>(input: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v != null)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}

builder.mutationFields((t) => ({
  createCourse: t.field({
    type: CourseRef,
    authScopes: { write: true },
    errors: mutationErrors,
    args: { input: t.arg({ type: CourseInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      service.createCourse(ctx.db, organizationOf(ctx), given(input) as service.CourseInput),
  }),
  updateCourse: t.field({
    type: CourseRef,
    authScopes: { write: true },
    errors: mutationErrors,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CoursePatch, required: true }) },
    resolve: (_root, { id, input }, ctx) =>
      service.updateCourse(ctx.db, organizationOf(ctx), inputId(String(id), 'Course', 'id'), given(input)),
  }),
  changeCourseStatus: t.field({
    type: CourseRef,
    authScopes: { write: true },
    errors: mutationErrors,
    description: 'Moves a course along DRAFT → REVIEW → PUBLISHED → ARCHIVED; PUBLISHED needs at least one lesson.',
    args: { id: t.arg.id({ required: true }), status: t.arg({ type: CourseStatusEnum, required: true }) },
    resolve: (_root, { id, status }, ctx) =>
      service.changeCourseStatus(ctx.db, organizationOf(ctx), inputId(String(id), 'Course', 'id'), status),
  }),
  addCourseModule: t.field({
    type: CourseModuleRef,
    authScopes: { write: true },
    errors: mutationErrors,
    description: 'Appends a module to a course.',
    args: { courseId: t.arg.id({ required: true }), input: t.arg({ type: ModuleInput, required: true }) },
    resolve: (_root, { courseId, input }, ctx) =>
      service.addModule(
        ctx.db,
        organizationOf(ctx),
        inputId(String(courseId), 'Course', 'courseId'),
        given(input) as service.ModuleInput,
      ),
  }),
  updateCourseModule: t.field({
    type: CourseModuleRef,
    authScopes: { write: true },
    errors: mutationErrors,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ModulePatch, required: true }) },
    resolve: (_root, { id, input }, ctx) =>
      service.updateModule(ctx.db, organizationOf(ctx), inputId(String(id), 'CourseModule', 'id'), given(input)),
  }),
  addCourseLesson: t.field({
    type: CourseLessonRef,
    authScopes: { write: true },
    errors: mutationErrors,
    description: 'Appends a lesson to a module.',
    args: { moduleId: t.arg.id({ required: true }), input: t.arg({ type: LessonInput, required: true }) },
    resolve: (_root, { moduleId, input }, ctx) =>
      service.addLesson(
        ctx.db,
        organizationOf(ctx),
        inputId(String(moduleId), 'CourseModule', 'moduleId'),
        given(input) as service.LessonInput,
      ),
  }),
  updateCourseLesson: t.field({
    type: CourseLessonRef,
    authScopes: { write: true },
    errors: mutationErrors,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: LessonPatch, required: true }) },
    resolve: (_root, { id, input }, ctx) =>
      service.updateLesson(ctx.db, organizationOf(ctx), inputId(String(id), 'CourseLesson', 'id'), given(input)),
  }),
  reorderCourseModules: t.field({
    type: CourseRef,
    authScopes: { write: true },
    errors: mutationErrors,
    description: "Puts the course's modules in this order: every module id of the course, each once.",
    args: { courseId: t.arg.id({ required: true }), moduleIds: t.arg.idList({ required: true }) },
    resolve: (_root, { courseId, moduleIds }, ctx) =>
      service.reorderModules(
        ctx.db,
        organizationOf(ctx),
        inputId(String(courseId), 'Course', 'courseId'),
        moduleIds.map((id, i) => inputId(String(id), 'CourseModule', `moduleIds.${i}`)),
      ),
  }),
  reorderCourseLessons: t.field({
    type: CourseModuleRef,
    authScopes: { write: true },
    errors: mutationErrors,
    description: "Puts the module's lessons in this order: every lesson id of the module, each once.",
    args: { moduleId: t.arg.id({ required: true }), lessonIds: t.arg.idList({ required: true }) },
    resolve: (_root, { moduleId, lessonIds }, ctx) =>
      service.reorderLessons(
        ctx.db,
        organizationOf(ctx),
        inputId(String(moduleId), 'CourseModule', 'moduleId'),
        lessonIds.map((id, i) => inputId(String(id), 'CourseLesson', `lessonIds.${i}`)),
      ),
  }),
}));
