// The content generator behind course generation. A generation asks for an outline once (stored
// with the generation, so a resumed run continues the same course), then for each module in turn;
// regenerating one lesson asks for that lesson alone. Two implementations: builtin.ts (local,
// deterministic, from the template library in templates.json) and http-generator.ts (an external
// text-generation API, rate-limited and retried).
import type { CourseLevel, GenerationSpec, GeneratorKind } from '../../../db/tables/index.ts';

export type OutlineModule = { title: string; summary: string; objectives: string[]; lessonTitles: string[] };
export type CourseOutline = { title: string; summary: string; modules: OutlineModule[] };
export type GeneratedLesson = {
  title: string;
  objectives: string[];
  body: string;
  estimatedMinutes: number;
  level: CourseLevel;
  prerequisites: string[];
};
export type GeneratedModule = { title: string; summary: string; objectives: string[]; lessons: GeneratedLesson[] };

/** `revision` is 0 for a first generation and grows with each regeneration, so the answer can differ. */
export type CourseGenerator = {
  readonly kind: GeneratorKind;
  outline(spec: GenerationSpec, revision: number, signal: AbortSignal): Promise<CourseOutline>;
  module(
    spec: GenerationSpec,
    outline: CourseOutline,
    moduleIndex: number,
    revision: number,
    signal: AbortSignal,
  ): Promise<GeneratedModule>;
  lesson(
    spec: GenerationSpec,
    outline: CourseOutline,
    moduleIndex: number,
    lessonIndex: number,
    revision: number,
    signal: AbortSignal,
  ): Promise<GeneratedLesson>;
  close(): void;
};

/** A generator call that failed for good; its message becomes the generation's failure reason. */
export class GeneratorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GeneratorError';
  }
}

/** Reading speed used for estimated minutes: 200 words a minute, at least one minute. */
export function minutesFor(body: string): number {
  const words = body.split(/\s+/).filter(Boolean).length;
  return Math.max(1, Math.round(words / 200));
}

/** The course_lessons rows of a module's generated lessons, numbered from 1. */
export function lessonRows(
  course: { organizationId: number; courseId: number },
  moduleId: number,
  lessons: GeneratedLesson[],
) {
  return lessons.map((l, i) => ({
    organizationId: course.organizationId,
    courseId: course.courseId,
    moduleId,
    position: i + 1,
    title: l.title,
    objectives: l.objectives,
    body: l.body,
    estimatedMinutes: l.estimatedMinutes,
    level: l.level,
    prerequisites: l.prerequisites,
  }));
}
