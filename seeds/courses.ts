// Courses written straight from the built-in generator (no queue, no worker): the demo's courses,
// and the fixtures of tests and benchmarks. Idempotent per title: a course with the same title in the
// organization is left as it is.
import { and, eq } from 'drizzle-orm';
import {
  courseLessonTable,
  courseModuleTable,
  courseTable,
  type CourseStatus,
  type GenerationSpec,
} from '../src/db/tables/index.ts';
import { builtinModule, builtinOutline } from '../src/modules/courses/generation/builtin.ts';
import { lessonRows } from '../src/modules/courses/generation/generator.ts';
import type { Db } from '../src/resources.ts';

export const DEMO_COURSES: (GenerationSpec & { status: CourseStatus; authors: string[] })[] = [
  {
    topic: 'Apple orchard food safety',
    audience: 'packhouse staff',
    level: 'beginner',
    modules: 4,
    lessonsPerModule: 4,
    lessonWords: 400,
    status: 'published',
    authors: ['Demo Admin'],
  },
  {
    topic: 'Grading kiwifruit for export',
    audience: 'graders',
    level: 'intermediate',
    modules: 3,
    lessonsPerModule: 5,
    lessonWords: 350,
    status: 'review',
    authors: ['Demo Admin'],
  },
  {
    topic: 'Cold chain management',
    audience: 'logistics coordinators',
    level: 'advanced',
    modules: 5,
    lessonsPerModule: 3,
    lessonWords: 500,
    status: 'draft',
    authors: ['Demo Admin', 'Cold Store Team'],
  },
];

export async function seedCourse(
  db: Db,
  organizationId: number,
  spec: GenerationSpec,
  extra: { status?: CourseStatus; authors?: string[]; title?: string } = {},
): Promise<number> {
  const outline = builtinOutline(spec);
  const title = extra.title ?? outline.title;
  const [existing] = await db
    .select({ id: courseTable.id })
    .from(courseTable)
    .where(and(eq(courseTable.organizationId, organizationId), eq(courseTable.title, title)));
  if (existing) return existing.id;
  return db.transaction(async (tx) => {
    const [course] = await tx
      .insert(courseTable)
      .values({
        organizationId,
        title,
        summary: outline.summary,
        topic: spec.topic,
        audience: spec.audience,
        level: spec.level,
        status: extra.status ?? 'draft',
        authors: extra.authors ?? [],
        publishedAt: extra.status === 'published' ? new Date().toISOString() : null,
      })
      .returning({ id: courseTable.id });
    let minutes = 0;
    for (let i = 0; i < spec.modules; i++) {
      const m = builtinModule(spec, outline, i);
      const [row] = await tx
        .insert(courseModuleTable)
        .values({
          organizationId,
          courseId: course.id,
          position: i + 1,
          title: m.title,
          summary: m.summary,
          objectives: m.objectives,
        })
        .returning({ id: courseModuleTable.id });
      await tx.insert(courseLessonTable).values(lessonRows({ organizationId, courseId: course.id }, row.id, m.lessons));
      for (const l of m.lessons) minutes += l.estimatedMinutes;
    }
    await tx.update(courseTable).set({ declaredMinutes: minutes }).where(eq(courseTable.id, course.id));
    return course.id;
  });
}

export async function seedDemoCourses(db: Db, organizationId: number): Promise<number[]> {
  const ids: number[] = [];
  for (const { status, authors, ...spec } of DEMO_COURSES)
    ids.push(await seedCourse(db, organizationId, spec, { status, authors }));
  return ids;
}
