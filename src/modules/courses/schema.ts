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
import { sqlColumn } from '../../compiled/mapping.ts';
import { builder, type InputFieldBuilder } from '../../schema/builder.ts';
import { parentNode, tenantRows } from '../../schema/nodes.ts';
import { mutation, updateMutation } from '../../schema/mutations.ts';
import { listQuery, nestedConnection, nodeQuery } from '../../schema/queries.ts';
import { defined, enumValues } from '../../schema/common.ts';
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
  ...tenantRows(courseTable),
  description: 'A course: ordered modules of ordered lessons.',
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
  ...tenantRows(courseModuleTable),
  description: 'A module of a course: ordered lessons.',
  fields: (t) => ({
    position: t.exposeInt('position', { description: '1 for the first module.' }),
    title: t.exposeString('title'),
    summary: t.exposeString('summary', { nullable: true }),
    objectives: t.exposeStringList('objectives'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    course: t.field(parentNode(CourseRef, courseModuleTable, 'courseId')),
  }),
});

export const CourseLessonRef = builder.loadableNode('CourseLesson', {
  ...tenantRows(courseLessonTable),
  description: 'A lesson: Markdown body, objectives, estimated minutes, level and prerequisites.',
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
    module: t.field(parentNode(CourseModuleRef, courseLessonTable, 'moduleId')),
    course: t.field(parentNode(CourseRef, courseLessonTable, 'courseId')),
  }),
});

export const CourseConnection = builder.connectionObject({ type: CourseRef, name: 'CourseConnection' });
const ModuleConnection = builder.connectionObject({ type: CourseModuleRef, name: 'CourseModuleConnection' });
const LessonConnection = builder.connectionObject({ type: CourseLessonRef, name: 'CourseLessonConnection' });

builder.objectField(CourseRef, 'modules', (t) =>
  t.loadable({
    type: ModuleConnection,
    description: `Modules in order, ${service.MODULE_PAGE.defaultSize} a page by default, at most ${service.MODULE_PAGE.maxSize}. One statement for every course of a list.`,
    ...nestedConnection(t.arg, service.MODULE_PAGE, {
      compiled: {
        table: courseModuleTable,
        parentColumn: courseModuleTable.courseId,
        ordering: () => service.moduleOrdering,
      },
      load: service.modulesByCourse,
    }),
  }),
);

builder.objectField(CourseModuleRef, 'lessons', (t) =>
  t.loadable({
    type: LessonConnection,
    description: `Lessons in order, ${service.LESSON_PAGE.defaultSize} a page by default, at most ${service.LESSON_PAGE.maxSize}. One statement for every module at this level of the query.`,
    ...nestedConnection(t.arg, service.LESSON_PAGE, {
      compiled: {
        table: courseLessonTable,
        parentColumn: courseLessonTable.moduleId,
        ordering: () => service.lessonOrdering,
      },
      load: service.lessonsByModule,
    }),
  }),
);

const CourseFilter = builder.inputType('CourseFilter', {
  fields: (t) => ({ status: t.field({ type: CourseStatusEnum }) }),
});

listQuery('courses', {
  type: CourseConnection,
  description: `Courses of your organization, most recently changed first; ${LIST_PAGE.defaultSize} a page by default, at most ${LIST_PAGE.maxSize}.`,
  args: (arg) => ({ filter: arg({ type: CourseFilter }) }),
  compiled: {
    table: courseTable,
    ordering: () => service.courseOrdering,
    conditions: (args) =>
      service.courseFilterConditions({ status: (args.filter as { status?: CourseStatus | null } | null)?.status }),
  },
  resolve: (args, ctx, org) => service.listCourses(ctx.db, org, { status: args.filter?.status }, args),
});
nodeQuery('course', CourseRef, (id, ctx, org) => service.getCourse(ctx.db, org, id), { compiled: true });

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

mutation('createCourse', {
  type: CourseRef,
  input: CourseInput,
  resolve: ({ input }, ctx, org) => service.createCourse(ctx.db, org, defined(input) as service.CourseInput),
});
updateMutation('updateCourse', CourseRef, CoursePatch, service.updateCourse);
mutation('changeCourseStatus', {
  type: CourseRef,
  description: 'Moves a course along DRAFT → REVIEW → PUBLISHED → ARCHIVED; PUBLISHED needs at least one lesson.',
  ids: { id: 'Course' },
  args: (arg) => ({ status: arg({ type: CourseStatusEnum, required: true }) }),
  resolve: ({ id, status }, ctx, org) => service.changeCourseStatus(ctx.db, org, id, status),
});
mutation('addCourseModule', {
  type: CourseModuleRef,
  description: 'Appends a module to a course.',
  ids: { courseId: 'Course' },
  input: ModuleInput,
  resolve: ({ courseId, input }, ctx, org) =>
    service.addModule(ctx.db, org, courseId, defined(input) as service.ModuleInput),
});
updateMutation('updateCourseModule', CourseModuleRef, ModulePatch, service.updateModule);
mutation('addCourseLesson', {
  type: CourseLessonRef,
  description: 'Appends a lesson to a module.',
  ids: { moduleId: 'CourseModule' },
  input: LessonInput,
  resolve: ({ moduleId, input }, ctx, org) =>
    service.addLesson(ctx.db, org, moduleId, defined(input) as service.LessonInput),
});
updateMutation('updateCourseLesson', CourseLessonRef, LessonPatch, service.updateLesson);
mutation('reorderCourseModules', {
  type: CourseRef,
  description: "Puts the course's modules in this order: every module id of the course, each once.",
  ids: { courseId: 'Course', moduleIds: ['CourseModule'] },
  resolve: ({ courseId, moduleIds }, ctx, org) => service.reorderModules(ctx.db, org, courseId, moduleIds),
});
mutation('reorderCourseLessons', {
  type: CourseModuleRef,
  description: "Puts the module's lessons in this order: every lesson id of the module, each once.",
  ids: { moduleId: 'CourseModule', lessonIds: ['CourseLesson'] },
  resolve: ({ moduleId, lessonIds }, ctx, org) => service.reorderLessons(ctx.db, org, moduleId, lessonIds),
});
