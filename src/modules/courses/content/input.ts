// Checks of course, module and lesson input that the GraphQL validation cannot express alone (and
// that seeds and jobs calling the service directly need too). Every problem names its input field.
import { LESSON_BODY_MAX_CHARS, type CourseLevel } from '../../../db/tables/index.ts';
import { ValidationError } from '../../../lib/errors.ts';

export const LIMITS = {
  title: 300,
  summary: 5_000,
  topic: 300,
  audience: 300,
  listItems: 50,
  listItem: 500,
  authors: 20,
  body: LESSON_BODY_MAX_CHARS,
  lessonMinutes: 10_000,
  courseMinutes: 1_000_000,
};

export type CoursePatch = {
  title?: string | null;
  summary?: string | null;
  topic?: string | null;
  audience?: string | null;
  level?: CourseLevel | null;
  authors?: string[] | null;
  declaredMinutes?: number | null;
};
export type ModulePatch = { title?: string | null; summary?: string | null; objectives?: string[] | null };
export type LessonPatch = {
  title?: string | null;
  objectives?: string[] | null;
  body?: string | null;
  estimatedMinutes?: number | null;
  level?: CourseLevel | null;
  prerequisites?: string[] | null;
};

type Issues = { field: string; message: string }[];

function text(issues: Issues, field: string, value: string | null | undefined, max: number, required = false) {
  if (value === undefined || value === null) {
    if (required) issues.push({ field, message: 'is required' });
    return;
  }
  if (required && value.trim() === '') issues.push({ field, message: 'must not be blank' });
  if (value.length > max)
    issues.push({
      field,
      message: `must be at most ${max.toLocaleString('en')} characters (got ${value.length.toLocaleString('en')})`,
    });
}

function list(issues: Issues, field: string, values: string[] | null | undefined, maxItems: number) {
  if (!values) return;
  if (values.length > maxItems)
    issues.push({ field, message: `must have at most ${maxItems} items (got ${values.length})` });
  values.slice(0, maxItems).forEach((v, i) => {
    if (v.trim() === '') issues.push({ field: `${field}.${i}`, message: 'must not be blank' });
    else if (v.length > LIMITS.listItem)
      issues.push({ field: `${field}.${i}`, message: `must be at most ${LIMITS.listItem} characters` });
  });
}

function minutes(issues: Issues, field: string, value: number | null | undefined, max: number) {
  if (value === undefined || value === null) return;
  if (!Number.isInteger(value) || value < 0 || value > max)
    issues.push({ field, message: `must be a whole number of minutes between 0 and ${max.toLocaleString('en')}` });
}

function done(issues: Issues) {
  if (issues.length) throw new ValidationError(issues);
}

/** `prefix` is the input argument's name ("input"); a create passes `title` as required. */
export function checkCourse(
  input: CoursePatch,
  prefix: string,
  required = 'title' in input && input.title !== undefined,
): void {
  const issues: Issues = [];
  text(issues, `${prefix}.title`, input.title, LIMITS.title, required);
  text(issues, `${prefix}.summary`, input.summary, LIMITS.summary);
  text(issues, `${prefix}.topic`, input.topic, LIMITS.topic);
  text(issues, `${prefix}.audience`, input.audience, LIMITS.audience);
  list(issues, `${prefix}.authors`, input.authors, LIMITS.authors);
  minutes(issues, `${prefix}.declaredMinutes`, input.declaredMinutes, LIMITS.courseMinutes);
  done(issues);
}

export function checkModule(input: ModulePatch, prefix: string): void {
  const issues: Issues = [];
  text(issues, `${prefix}.title`, input.title, LIMITS.title, input.title !== undefined);
  text(issues, `${prefix}.summary`, input.summary, LIMITS.summary);
  list(issues, `${prefix}.objectives`, input.objectives, LIMITS.listItems);
  done(issues);
}

export function checkLesson(input: LessonPatch, prefix: string): void {
  const issues: Issues = [];
  text(issues, `${prefix}.title`, input.title, LIMITS.title, input.title !== undefined);
  text(issues, `${prefix}.body`, input.body, LIMITS.body);
  list(issues, `${prefix}.objectives`, input.objectives, LIMITS.listItems);
  list(issues, `${prefix}.prerequisites`, input.prerequisites, LIMITS.listItems);
  minutes(issues, `${prefix}.estimatedMinutes`, input.estimatedMinutes, LIMITS.lessonMinutes);
  done(issues);
}
