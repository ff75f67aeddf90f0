// GraphQL for course generation: generate a course, regenerate one module or one lesson, follow a
// generation (query or SSE subscription). Thin: the work is in service.ts and tasks.ts.
import { principalKey, type Context } from '../../../context.ts';
import { GENERATION_KINDS, GENERATION_STATUSES, courseGenerationTable } from '../../../db/tables/index.ts';
import { builder } from '../../../schema/builder.ts';
import { tenantRows } from '../../../schema/nodes.ts';
import { mutation } from '../../../schema/mutations.ts';
import { listQuery, nodeQuery, progressSubscription } from '../../../schema/queries.ts';
import { enumValues } from '../../../schema/common.ts';
import { CourseLevelEnum, CourseRef } from '../schema.ts';
import * as service from './service.ts';
import { watchGeneration } from './watch.ts';

const StatusEnum = builder.enumType('CourseGenerationStatus', { values: enumValues(GENERATION_STATUSES) });
const KindEnum = builder.enumType('CourseGenerationKind', {
  description: 'A whole course, one module or one lesson.',
  values: enumValues(GENERATION_KINDS),
});
const GeneratorEnum = builder.enumType('CourseGenerator', {
  description:
    'BUILTIN writes from the template library in our workers (deterministic, no network); HTTP calls the external text-generation API.',
  values: { BUILTIN: { value: 'builtin' as const }, HTTP: { value: 'http' as const } },
});

export const CourseGenerationRef = builder.loadableNode('CourseGeneration', {
  ...tenantRows(courseGenerationTable, { compiled: false }),
  description:
    'A generation job. At most COURSE_GENERATION_MAX_RUNNING (5 by default) run at once across all workers; the others wait in one queue.',
  fields: (t) => ({
    kind: t.expose('kind', { type: KindEnum }),
    status: t.expose('status', { type: StatusEnum }),
    generator: t.expose('generator', { type: GeneratorEnum }),
    course: t.field({ type: CourseRef, resolve: (g) => String(g.courseId) }),
    topic: t.string({ resolve: (g) => g.spec.topic }),
    totalModules: t.exposeInt('totalModules'),
    completedModules: t.exposeInt('completedModules', {
      description: 'Modules written so far (the checkpoint a resumed run continues from).',
    }),
    attempts: t.exposeInt('attempts', { description: 'Runs started: more than 1 after a worker died mid-way.' }),
    failureReason: t.exposeString('failureReason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    queuePosition: t.loadable({
      type: 'Int',
      nullable: true,
      description: 'Place in the queue while QUEUED (1 = next to start); null once running or done.',
      load: (ids: number[], ctx: Context) => service.queuePositions(ctx.db, ids),
      resolve: (g) => g.id,
    }),
  }),
});
const GenerationConnection = builder.connectionObject({
  type: CourseGenerationRef,
  name: 'CourseGenerationConnection',
});

nodeQuery('courseGeneration', CourseGenerationRef, (id, ctx, org) => service.getGeneration(ctx.db, org, id));
listQuery('courseGenerations', {
  type: GenerationConnection,
  description: 'Your generations, newest first.',
  resolve: (args, ctx, org) => service.listGenerations(ctx.db, org, args),
});

progressSubscription('courseGenerationProgress', {
  type: CourseGenerationRef,
  description:
    'The generation each time its status, queue position or completed modules change (checked every 500 ms), until it completes or fails. Works over SSE (Accept: text/event-stream).',
  watch: (id, ctx, org) => watchGeneration(ctx.db, org, id),
});

const L = service.GENERATION_LIMITS;
const GenerateCourseInput = builder.inputType('GenerateCourseInput', {
  fields: (t) => ({
    topic: t.string({ required: true, description: `What the course teaches (1-${L.text} characters).` }),
    audience: t.string({ description: 'Who it is for; "learners" when not given.' }),
    level: t.field({ type: CourseLevelEnum }),
    modules: t.int({ required: true, description: `${L.modules.min} to ${L.modules.max}.` }),
    lessonsPerModule: t.int({
      required: true,
      description: `${L.lessonsPerModule.min} to ${L.lessonsPerModule.max}; at most ${L.totalLessons} lessons in all.`,
    }),
    lessonWords: t.int({
      description: `Words per lesson, ${L.lessonWords.min} to ${L.lessonWords.max} (${L.lessonWords.default} by default).`,
    }),
    generator: t.field({ type: GeneratorEnum, description: 'Defaults to the server setting (COURSE_GENERATOR).' }),
  }),
});

export const GENERATION_COST = 500;

const deps = (ctx: Context) => ({ db: ctx.db, jobs: ctx.jobs, config: ctx.config });

mutation('generateCourse', {
  type: CourseGenerationRef,
  description:
    'Creates a DRAFT course and queues its generation; returns the generation at once. Follow it with courseGeneration or courseGenerationProgress.',
  // A generation occupies one of the few running places for up to two minutes: it costs like a large page.
  complexity: GENERATION_COST,
  input: GenerateCourseInput,
  resolve: ({ input }, ctx, org) => service.generateCourse(deps(ctx), org, principalKey(ctx.principal), input),
});
/** regenerateCourseModule and regenerateCourseLesson: new content for one part of a course, queued. */
function regenerate(part: 'Module' | 'Lesson', description: string, complexity: number) {
  const kind = part === 'Module' ? 'module' : 'lesson';
  mutation(`regenerateCourse${part}`, {
    type: CourseGenerationRef,
    description,
    complexity,
    ids: { id: `Course${part}` },
    args: (arg) => ({ generator: arg({ type: GeneratorEnum }) }),
    resolve: ({ id, generator }, ctx, org) =>
      service.regeneratePart(deps(ctx), org, principalKey(ctx.principal), kind, id, generator),
  });
}
regenerate(
  'Module',
  "Queues new content for one module (its title, objectives and lessons); the course's other modules are not touched.",
  GENERATION_COST / 5,
);
regenerate(
  'Lesson',
  'Queues a new body and objectives for one lesson; its title, place and every other lesson stay as they are.',
  GENERATION_COST / 10,
);
