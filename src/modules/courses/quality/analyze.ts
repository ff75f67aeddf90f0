// Quality analysis of a course, before a learner sees it: missing objectives, empty, very short and
// (near-)duplicate lessons, modules without lessons, reading level per lesson, total duration
// against the declared one, broken internal links and images. Every finding has its location, a
// severity and a suggested fix. Two statements (modules, lessons), then pure computation.
//
// Score: each unit (the course, each module, each lesson) starts at 100 and loses 25 per error,
// 10 per warning and 2 per note (not below 0); the course's score is the mean over its units, so a
// problem in one lesson of a thousand weighs less than the same problem in a course of five.
import { and, eq } from 'drizzle-orm';
import { distance } from 'fastest-levenshtein';
import { courseLessonTable, courseModuleTable, type CourseLevel } from '../../../db/tables/index.ts';
import { encodeGlobalId } from '../../../lib/global-id.ts';
import type { Db } from '../../../resources.ts';
import type { Course, CourseLesson, CourseModule } from '../../../db/tables/index.ts';
import { slug } from '../export/export.ts';
import { findDuplicates } from './duplicates.ts';
import { checkLinks } from './links.ts';
import { readability, type Readability } from './readability.ts';

export type Severity = 'error' | 'warning' | 'info';
export type FindingLocation = {
  moduleId: number | null;
  lessonId: number | null;
  modulePosition: number | null;
  lessonPosition: number | null;
  path: string;
};
export type Finding = {
  code: string;
  severity: Severity;
  message: string;
  suggestedFix: string;
  location: FindingLocation;
};
export type LessonReading = Readability & { lessonId: number; path: string };
export type CourseQuality = {
  courseId: number;
  score: number;
  findings: Finding[];
  counts: { errors: number; warnings: number; infos: number };
  modules: number;
  lessons: number;
  words: number;
  totalMinutes: number;
  declaredMinutes: number | null;
  readability: LessonReading[];
  analyzedMs: number;
};

export const THRESHOLDS = {
  shortLessonWords: 150,
  nearDuplicate: 0.8,
  similarTitle: 0.9,
  /** Highest Flesch-Kincaid grade a lesson of this level should need. */
  maxGrade: { beginner: 9, intermediate: 12, advanced: 16 } satisfies Record<CourseLevel, number>,
  minReadingEase: 30,
  durationTolerance: 0.2,
};

const PENALTY: Record<Severity, number> = { error: 25, warning: 10, info: 2 };

type Unit = { key: string; findings: Finding[] };

export async function analyzeCourse(db: Db, course: Course): Promise<CourseQuality> {
  const started = performance.now();
  const modules = await db
    .select()
    .from(courseModuleTable)
    .where(and(eq(courseModuleTable.courseId, course.id), eq(courseModuleTable.organizationId, course.organizationId)))
    .orderBy(courseModuleTable.position, courseModuleTable.id);
  const lessons = await db
    .select()
    .from(courseLessonTable)
    .where(and(eq(courseLessonTable.courseId, course.id), eq(courseLessonTable.organizationId, course.organizationId)))
    .orderBy(courseLessonTable.position, courseLessonTable.id);
  return { ...analyzeContent(course, modules, lessons), analyzedMs: Math.round(performance.now() - started) };
}

/** The analysis of loaded rows (no I/O). */
export function analyzeContent(
  course: Course,
  modules: CourseModule[],
  lessons: CourseLesson[],
): Omit<CourseQuality, 'analyzedMs'> {
  const findings: Finding[] = [];
  const units = new Map<string, Unit>();
  const unit = (key: string) => {
    let u = units.get(key);
    if (!u) units.set(key, (u = { key, findings: [] }));
    return u;
  };
  const moduleById = new Map(modules.map((m) => [m.id, m]));
  const lessonsOf = new Map<number, CourseLesson[]>(modules.map((m) => [m.id, []]));
  for (const l of lessons) lessonsOf.get(l.moduleId)?.push(l);
  const ordered = modules.flatMap((m) => lessonsOf.get(m.id)!);

  const moduleLocation = (m: CourseModule): FindingLocation => ({
    moduleId: m.id,
    lessonId: null,
    modulePosition: m.position,
    lessonPosition: null,
    path: `Module ${m.position}: ${m.title}`,
  });
  const lessonLocation = (l: CourseLesson): FindingLocation => {
    const m = moduleById.get(l.moduleId)!;
    return {
      moduleId: m.id,
      lessonId: l.id,
      modulePosition: m.position,
      lessonPosition: l.position,
      path: `Module ${m.position} › Lesson ${l.position}: ${l.title}`,
    };
  };
  const courseLocation: FindingLocation = {
    moduleId: null,
    lessonId: null,
    modulePosition: null,
    lessonPosition: null,
    path: 'Course',
  };
  const add = (
    key: string,
    code: string,
    severity: Severity,
    location: FindingLocation,
    message: string,
    suggestedFix: string,
  ) => {
    const f = { code, severity, message, suggestedFix, location };
    findings.push(f);
    unit(key).findings.push(f);
  };
  unit('course');

  if (!modules.length)
    add(
      'course',
      'NO_MODULES',
      'error',
      courseLocation,
      'The course has no modules.',
      'Add modules and lessons, or generate the course with generateCourse.',
    );
  if (!course.summary?.trim())
    add(
      'course',
      'MISSING_SUMMARY',
      'info',
      courseLocation,
      'The course has no summary.',
      'Write two or three sentences on what learners will be able to do after the course.',
    );

  for (const m of modules) {
    unit(`m${m.id}`);
    const own = lessonsOf.get(m.id)!;
    if (!own.length)
      add(
        `m${m.id}`,
        'EMPTY_MODULE',
        'error',
        moduleLocation(m),
        'The module has no lessons.',
        'Add lessons to the module, regenerate it with regenerateCourseModule, or remove it.',
      );
    if (!m.objectives.length)
      add(
        `m${m.id}`,
        'MISSING_OBJECTIVES',
        'warning',
        moduleLocation(m),
        'The module states no learning objectives.',
        'Add 2–4 objectives that start with a measurable verb ("Explain…", "Apply…").',
      );
    const titles = own.map((l) => l.title.trim().toLowerCase());
    for (let i = 0; i < titles.length; i++) {
      for (let j = i + 1; j < titles.length; j++) {
        const longest = Math.max(titles[i].length, titles[j].length) || 1;
        const similarity = 1 - distance(titles[i], titles[j]) / longest;
        if (similarity >= THRESHOLDS.similarTitle) {
          add(
            `l${own[j].id}`,
            'SIMILAR_TITLES',
            'info',
            lessonLocation(own[j]),
            `The title is ${similarity === 1 ? 'the same as' : 'almost the same as'} that of lesson ${own[i].position} ("${own[i].title}").`,
            'Give each lesson a title that says what is different about it.',
          );
        }
      }
    }
  }

  const index = {
    ids: new Set(ordered.map((l) => encodeGlobalId('CourseLesson', l.id))),
    slugs: new Set(ordered.map((l) => slug(l.title))),
  };
  const reading: LessonReading[] = [];
  let words = 0;
  let totalMinutes = 0;
  for (const l of ordered) {
    const key = `l${l.id}`;
    unit(key);
    const where = lessonLocation(l);
    const r = readability(l.body);
    words += r.words;
    totalMinutes += l.estimatedMinutes;
    reading.push({ ...r, lessonId: l.id, path: where.path });
    if (!l.body.trim())
      add(
        key,
        'EMPTY_LESSON',
        'error',
        where,
        'The lesson has no content.',
        'Write the lesson body, or regenerate it with regenerateCourseLesson.',
      );
    else if (r.words < THRESHOLDS.shortLessonWords)
      add(
        key,
        'SHORT_LESSON',
        'warning',
        where,
        `The lesson has only ${r.words} words.`,
        `Develop it to at least ${THRESHOLDS.shortLessonWords} words with an explanation, an example and a practice step, or merge it into a neighbouring lesson.`,
      );
    if (!l.objectives.length)
      add(
        key,
        'MISSING_OBJECTIVES',
        'warning',
        where,
        'The lesson states no learning objectives.',
        'Add one or two objectives that say what the learner can do afterwards.',
      );
    if (l.body.trim() && l.estimatedMinutes === 0)
      add(
        key,
        'MISSING_DURATION',
        'info',
        where,
        'The lesson has no estimated duration.',
        `Set estimatedMinutes (about ${Math.max(1, Math.round(r.words / 200))} for ${r.words} words at 200 words a minute).`,
      );
    const level = l.level ?? course.level;
    const maxGrade = THRESHOLDS.maxGrade[level];
    if (
      r.gradeLevel !== null &&
      r.words >= 50 &&
      (r.gradeLevel > maxGrade || (r.readingEase ?? 100) < THRESHOLDS.minReadingEase)
    ) {
      add(
        key,
        'READING_LEVEL',
        'warning',
        where,
        `Reading level is grade ${r.gradeLevel} (Flesch reading ease ${r.readingEase}), above grade ${maxGrade} for a ${level} lesson.`,
        'Use shorter sentences and plainer words; split long sentences and explain terms before using them.',
      );
    }
    for (const p of checkLinks(l.body, index)) {
      add(
        key,
        p.kind === 'image' ? 'BROKEN_IMAGE' : 'BROKEN_LINK',
        'error',
        where,
        `${p.kind === 'image' ? 'Image' : 'Link'} "${p.target}"${p.line ? ` (line ${p.line})` : ''} is broken: ${p.reason}.`,
        p.kind === 'image'
          ? 'Use an absolute https:// image URL, or remove the image.'
          : 'Point it at a heading of this lesson (#slug), another lesson (lesson:<id>), or an absolute URL.',
      );
    }
  }

  for (const pair of findDuplicates(
    ordered.map((l) => l.body),
    THRESHOLDS.nearDuplicate,
  )) {
    const [first, second] = [ordered[pair.a], ordered[pair.b]];
    const other = lessonLocation(first).path;
    if (pair.exact)
      add(
        `l${second.id}`,
        'DUPLICATE_LESSON',
        'error',
        lessonLocation(second),
        `The lesson's text is identical to ${other}.`,
        'Remove one of the two, or rewrite it for its own objective.',
      );
    else
      add(
        `l${second.id}`,
        'NEAR_DUPLICATE_LESSON',
        'warning',
        lessonLocation(second),
        `The lesson is ${Math.round(pair.similarity * 100)}% similar to ${other}.`,
        'Merge the two lessons, or rewrite one so that each covers its own point.',
      );
  }

  const declared = course.declaredMinutes;
  if (declared == null)
    add(
      'course',
      'MISSING_DECLARED_DURATION',
      'info',
      courseLocation,
      `The course declares no duration; its lessons add up to ${totalMinutes} minutes.`,
      `Set declaredMinutes (e.g. ${totalMinutes}) so learners know the commitment.`,
    );
  else if (Math.abs(totalMinutes - declared) > Math.max(5, declared * THRESHOLDS.durationTolerance)) {
    add(
      'course',
      'DURATION_MISMATCH',
      'warning',
      courseLocation,
      `The lessons add up to ${totalMinutes} minutes; the course declares ${declared}.`,
      `Set declaredMinutes to ${totalMinutes}, or adjust the lessons' estimated minutes.`,
    );
  }

  const scores = [...units.values()].map((u) =>
    Math.max(0, 100 - u.findings.reduce((s, f) => s + PENALTY[f.severity], 0)),
  );
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  findings.sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      (a.location.modulePosition ?? 0) - (b.location.modulePosition ?? 0) ||
      (a.location.lessonPosition ?? 0) - (b.location.lessonPosition ?? 0),
  );
  return {
    courseId: course.id,
    score: Math.round(scores.reduce((s, x) => s + x, 0) / scores.length),
    findings,
    counts: {
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      infos: findings.filter((f) => f.severity === 'info').length,
    },
    modules: modules.length,
    lessons: ordered.length,
    words,
    totalMinutes,
    declaredMinutes: declared,
    readability: reading,
  };
}
