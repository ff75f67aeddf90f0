// courseQuality(id): the analysis of analyze.ts as GraphQL. Thin.
import { organizationOf } from '../../../context.ts';
import { builder } from '../../../schema/builder.ts';
import { queryId } from '../../../schema/common.ts';
import { getCourse } from '../content/service.ts';
import { CourseLessonRef, CourseModuleRef, CourseRef } from '../schema.ts';
import {
  analyzeCourse,
  type CourseQuality,
  type Finding,
  type FindingLocation,
  type LessonReading,
} from './analyze.ts';

export const QUALITY_COST = 1_000;

const SeverityEnum = builder.enumType('QualitySeverity', {
  description: 'ERROR: fix before publishing. WARNING: a learner will notice. INFO: worth a look.',
  values: {
    ERROR: { value: 'error' as const },
    WARNING: { value: 'warning' as const },
    INFO: { value: 'info' as const },
  },
});

const LocationRef = builder.objectRef<FindingLocation>('QualityFindingLocation').implement({
  fields: (t) => ({
    path: t.exposeString('path', { description: 'Readable place, e.g. "Module 2 › Lesson 3: Title".' }),
    module: t.field({
      type: CourseModuleRef,
      nullable: true,
      resolve: (l) => (l.moduleId === null ? null : String(l.moduleId)),
    }),
    lesson: t.field({
      type: CourseLessonRef,
      nullable: true,
      resolve: (l) => (l.lessonId === null ? null : String(l.lessonId)),
    }),
    modulePosition: t.exposeInt('modulePosition', { nullable: true }),
    lessonPosition: t.exposeInt('lessonPosition', { nullable: true }),
  }),
});

const FindingRef = builder.objectRef<Finding>('QualityFinding').implement({
  fields: (t) => ({
    code: t.exposeString('code', {
      description:
        'NO_MODULES, EMPTY_MODULE, EMPTY_LESSON, SHORT_LESSON, DUPLICATE_LESSON, NEAR_DUPLICATE_LESSON, MISSING_OBJECTIVES, READING_LEVEL, DURATION_MISMATCH, BROKEN_LINK, BROKEN_IMAGE, …',
    }),
    severity: t.field({ type: SeverityEnum, resolve: (f) => f.severity }),
    message: t.exposeString('message'),
    suggestedFix: t.exposeString('suggestedFix'),
    location: t.field({ type: LocationRef, resolve: (f) => f.location }),
  }),
});

const ReadingRef = builder.objectRef<LessonReading>('LessonReadability').implement({
  fields: (t) => ({
    lesson: t.field({ type: CourseLessonRef, resolve: (r) => String(r.lessonId) }),
    path: t.exposeString('path'),
    words: t.exposeInt('words'),
    sentences: t.exposeInt('sentences'),
    fleschReadingEase: t.float({ nullable: true, resolve: (r) => r.readingEase }),
    gradeLevel: t.float({ nullable: true, description: 'Flesch-Kincaid grade level.', resolve: (r) => r.gradeLevel }),
  }),
});

const QualityRef = builder.objectRef<CourseQuality>('CourseQuality').implement({
  description: 'Where a course falls short before a learner sees it.',
  fields: (t) => ({
    course: t.field({ type: CourseRef, resolve: (q) => String(q.courseId) }),
    score: t.exposeInt('score', {
      description:
        '0-100: the mean over the course, its modules and lessons of 100 − 25 per error − 10 per warning − 2 per note.',
    }),
    errors: t.int({ resolve: (q) => q.counts.errors }),
    warnings: t.int({ resolve: (q) => q.counts.warnings }),
    infos: t.int({ resolve: (q) => q.counts.infos }),
    findings: t.field({ type: [FindingRef], complexity: { field: 1, multiplier: 1 }, resolve: (q) => q.findings }),
    modules: t.exposeInt('modules'),
    lessons: t.exposeInt('lessons'),
    words: t.exposeInt('words'),
    totalMinutes: t.exposeInt('totalMinutes', { description: "Sum of the lessons' estimated minutes." }),
    declaredMinutes: t.exposeInt('declaredMinutes', { nullable: true }),
    readability: t.field({
      type: [ReadingRef],
      complexity: { field: 1, multiplier: 1 },
      description: 'Reading level of every lesson, in course order.',
      resolve: (q) => q.readability,
    }),
    analyzedMs: t.exposeInt('analyzedMs'),
  }),
});

builder.queryFields((t) => ({
  courseQuality: t.field({
    type: QualityRef,
    nullable: true,
    authScopes: { read: true },
    description:
      'Quality analysis of a course: each finding with its location, severity and a suggested fix, and a score. Null when the course does not exist in your organization.',
    args: { id: t.arg.id({ required: true }) },
    // Reads and analyses a whole course (seconds of CPU for 1,000 lessons): it costs like a page of
    // a thousand rows, so a partner's budget allows a few a minute, not hundreds.
    complexity: QUALITY_COST,
    resolve: async (_root, { id }, ctx) => {
      const course = await getCourse(ctx.db, organizationOf(ctx), queryId(String(id), 'Course'));
      return course ? analyzeCourse(ctx.db, course) : null;
    },
  }),
}));
