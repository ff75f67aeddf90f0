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

/** The check of one input field: pushes its problems, named `field`. */
type Check<Value> = (issues: Issues, field: string, value: Value | null | undefined) => void;

/** Text of at most `max` characters; a `required` one must be given and not blank. */
const text =
  (max: number, required = false): Check<string> =>
  (issues, field, value) => {
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
  };

/** A title: required (and not blank) whenever it is given, as a create always gives it; a patch may leave it out. */
const title: Check<string> = (issues, field, value) => text(LIMITS.title, value !== undefined)(issues, field, value);

const list =
  (maxItems: number): Check<string[]> =>
  (issues, field, values) => {
    if (!values) return;
    if (values.length > maxItems)
      issues.push({ field, message: `must have at most ${maxItems} items (got ${values.length})` });
    values.slice(0, maxItems).forEach((v, i) => {
      if (v.trim() === '') issues.push({ field: `${field}.${i}`, message: 'must not be blank' });
      else if (v.length > LIMITS.listItem)
        issues.push({ field: `${field}.${i}`, message: `must be at most ${LIMITS.listItem} characters` });
    });
  };

const minutes =
  (max: number): Check<number> =>
  (issues, field, value) => {
    if (value === undefined || value === null) return;
    if (!Number.isInteger(value) || value < 0 || value > max)
      issues.push({ field, message: `must be a whole number of minutes between 0 and ${max.toLocaleString('en')}` });
  };

/** Each field's check, in the order its problems are reported. */
type Checks<Patch> = { [K in keyof Patch]?: Check<NonNullable<Patch[K]>> };

const COURSE_CHECKS: Checks<CoursePatch> = {
  title,
  summary: text(LIMITS.summary),
  topic: text(LIMITS.topic),
  audience: text(LIMITS.audience),
  authors: list(LIMITS.authors),
  declaredMinutes: minutes(LIMITS.courseMinutes),
};
const MODULE_CHECKS: Checks<ModulePatch> = { title, summary: text(LIMITS.summary), objectives: list(LIMITS.listItems) };
const LESSON_CHECKS: Checks<LessonPatch> = {
  title,
  body: text(LIMITS.body),
  objectives: list(LIMITS.listItems),
  prerequisites: list(LIMITS.listItems),
  estimatedMinutes: minutes(LIMITS.lessonMinutes),
};

/** Checks every field of `input` that `checks` names; `prefix` is the input argument's name ("input"). */
function checkFields<Patch extends object>(checks: Checks<Patch>, input: Patch, prefix: string): void {
  const issues: Issues = [];
  for (const [name, check] of Object.entries(checks) as [keyof Patch & string, Check<unknown>][])
    check(issues, `${prefix}.${name}`, input[name]);
  if (issues.length) throw new ValidationError(issues);
}

export const checkCourse = (input: CoursePatch, prefix: string) => checkFields(COURSE_CHECKS, input, prefix);
export const checkModule = (input: ModulePatch, prefix: string) => checkFields(MODULE_CHECKS, input, prefix);
export const checkLesson = (input: LessonPatch, prefix: string) => checkFields(LESSON_CHECKS, input, prefix);
