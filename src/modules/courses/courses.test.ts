// Courses, modules and lessons through the API: nested lists in one statement on the compiled read
// path and batched per level through the resolvers (statement counts),
// editing, reordering (a permutation of the course's own ids), publication, and bad input that is
// refused with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCourse } from '../../../seeds/courses.ts';
import { encodeGlobalId } from '../../lib/global-id.ts';
import { expectResolversAgree } from '../../test/compiled.ts';
import { startHarness, type Harness, type Tenant } from '../../test/harness.ts';

let h: Harness;
let a: Tenant;
let b: Tenant;

const spec = {
  topic: 'Pruning stone fruit',
  audience: 'orchard hands',
  level: 'beginner' as const,
  modules: 3,
  lessonsPerModule: 4,
  lessonWords: 120,
};

async function counts(organizationId: number) {
  const [row] = await h.resources.sql`
    select (select count(*)::int from courses where organization_id = ${organizationId}) as courses,
           (select count(*)::int from course_modules where organization_id = ${organizationId}) as modules,
           (select count(*)::int from course_lessons where organization_id = ${organizationId}) as lessons,
           (select coalesce(sum(length(body)), 0)::int from course_lessons where organization_id = ${organizationId}) as chars,
           (select string_agg(id || ':' || position, ',' order by id) from course_modules where organization_id = ${organizationId}) as positions`;
  return row;
}

/** A new tenant with `count` courses seeded from `spec`, course `i` changed by `vary(i)`. */
async function tenantWithCourses(name: string, count: number, vary: (i: number) => Partial<typeof spec>) {
  const t = await h.tenant(name);
  for (let i = 0; i < count; i++) await seedCourse(h.resources.db, t.organizationId, { ...spec, ...vary(i) });
  return t;
}

beforeAll(async () => {
  h = await startHarness();
  a = await h.tenant('alpha');
  b = await h.tenant('bravo');
});
afterAll(() => h?.close());

describe('reading courses', () => {
  it('lists 20 courses with their modules and lessons in 1 statement compiled, 3 through the resolvers', async () => {
    const t = await tenantWithCourses('lists', 20, (i) => ({
      topic: `Topic ${i}`,
      modules: 2 + (i % 3),
      lessonsPerModule: 3,
    }));
    const query = `{ courses(first: 20) { edges { node { id title modules(first: 5) { edges { node { id position title lessons(first: 5) { edges { node { id position title estimatedMinutes } } } } } } } } } }`;
    const r = await h.gql(query, { auth: t.partnerKey });
    expect(r.body.errors).toBeUndefined();
    expect(r.headers.get('x-read-path')).toBe('compiled');
    const courses = r.body.data.courses.edges;
    expect(courses).toHaveLength(20);
    const modules = courses.flatMap((c: any) => c.node.modules.edges);
    expect(modules.length).toBe(courses.reduce((n: number, _c: any, i: number) => n + 2 + ((19 - i) % 3), 0));
    for (const m of modules) expect(m.node.lessons.edges.map((e: any) => e.node.position)).toEqual([1, 2, 3]);
    expect(r.statements).toBe(1);
    // Resolvers: courses, their modules, the modules' lessons.
    await expectResolversAgree(h, r, query, { auth: t.partnerKey }, 3);
  });

  it('pages courses by cursor without repeats', async () => {
    const t = await tenantWithCourses('pages', 5, (i) => ({ topic: `Paged ${i}`, modules: 1, lessonsPerModule: 1 }));
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await h.gql(
        `query($after: String) { courses(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { auth: t.partnerKey, variables: { after } },
      );
      seen.push(...r.body.data.courses.edges.map((e: any) => e.node.id));
      if (!r.body.data.courses.pageInfo.hasNextPage) break;
      after = r.body.data.courses.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });
});

const CREATE = `mutation($input: CourseInput!) { createCourse(input: $input) { __typename ... on MutationCreateCourseSuccess { data { id status } } ... on ValidationError { field issues { field message } } } }`;
const ADD_MODULE = `mutation($c: ID!, $input: CourseModuleInput!) { addCourseModule(courseId: $c, input: $input) { __typename ... on MutationAddCourseModuleSuccess { data { id position } } ... on ValidationError { field } ... on NotFoundError { id } } }`;
const ADD_LESSON = `mutation($m: ID!, $input: CourseLessonInput!) { addCourseLesson(moduleId: $m, input: $input) { __typename ... on MutationAddCourseLessonSuccess { data { id position } } ... on ValidationError { field issues { field message } } ... on NotFoundError { id } } }`;
const REORDER = `mutation($c: ID!, $ids: [ID!]!) { reorderCourseModules(courseId: $c, moduleIds: $ids) { __typename ... on MutationReorderCourseModulesSuccess { data { modules { edges { node { id position } } } } } ... on ValidationError { field issues { field message } } ... on NotFoundError { id } } }`;
const STATUS = `mutation($id: ID!, $s: CourseStatus!) { changeCourseStatus(id: $id, status: $s) { __typename ... on MutationChangeCourseStatusSuccess { data { status publishedAt } } ... on ValidationError { field message } } }`;

async function courseWithModules(t: Tenant, n: number) {
  const c = await h.gql(CREATE, {
    auth: t.memberToken,
    variables: { input: { title: 'Hand-made course', authors: ['Ana'] } },
  });
  const courseId = c.body.data.createCourse.data.id;
  const moduleIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = await h.gql(ADD_MODULE, {
      auth: t.memberToken,
      variables: { c: courseId, input: { title: `Module ${i + 1}`, objectives: ['Learn'] } },
    });
    expect(m.body.data.addCourseModule.data.position).toBe(i + 1);
    moduleIds.push(m.body.data.addCourseModule.data.id);
  }
  return { courseId, moduleIds };
}

describe('editing courses', () => {
  it('creates a course, appends modules and lessons in order, and edits a lesson', async () => {
    const { courseId, moduleIds } = await courseWithModules(a, 2);
    const l1 = await h.gql(ADD_LESSON, {
      auth: a.memberToken,
      variables: { m: moduleIds[0], input: { title: 'First', body: '# Hello\n\nText.', estimatedMinutes: 5 } },
    });
    const l2 = await h.gql(ADD_LESSON, {
      auth: a.memberToken,
      variables: { m: moduleIds[0], input: { title: 'Second' } },
    });
    expect([l1.body.data.addCourseLesson.data.position, l2.body.data.addCourseLesson.data.position]).toEqual([1, 2]);
    const edit = await h.gql(
      `mutation($id: ID!) { updateCourseLesson(id: $id, input: { body: "New body", prerequisites: ["First"] }) { ... on MutationUpdateCourseLessonSuccess { data { title body prerequisites estimatedMinutes } } } }`,
      { auth: a.memberToken, variables: { id: l2.body.data.addCourseLesson.data.id } },
    );
    expect(edit.body.data.updateCourseLesson.data).toEqual({
      title: 'Second',
      body: 'New body',
      prerequisites: ['First'],
      estimatedMinutes: 0,
    });
    const read = await h.gql(
      `query($id: ID!) { course(id: $id) { title authors modules { edges { node { title lessons { edges { node { title } } } } } } } }`,
      { auth: a.memberToken, variables: { id: courseId } },
    );
    expect(
      read.body.data.course.modules.edges.map((e: any) => [
        e.node.title,
        e.node.lessons.edges.map((l: any) => l.node.title),
      ]),
    ).toEqual([
      ['Module 1', ['First', 'Second']],
      ['Module 2', []],
    ]);
  });

  it('reorders modules with a whole new order in one call', async () => {
    const { courseId, moduleIds } = await courseWithModules(a, 3);
    const r = await h.gql(REORDER, {
      auth: a.memberToken,
      variables: { c: courseId, ids: [moduleIds[2], moduleIds[0], moduleIds[1]] },
    });
    expect(r.body.data.reorderCourseModules.__typename).toBe('MutationReorderCourseModulesSuccess');
    expect(r.body.data.reorderCourseModules.data.modules.edges.map((e: any) => e.node.id)).toEqual([
      moduleIds[2],
      moduleIds[0],
      moduleIds[1],
    ]);
    expect(r.body.data.reorderCourseModules.data.modules.edges.map((e: any) => e.node.position)).toEqual([1, 2, 3]);
  });

  it('moves a course DRAFT → REVIEW → PUBLISHED → ARCHIVED and refuses other moves', async () => {
    const id = encodeGlobalId(
      'Course',
      await seedCourse(h.resources.db, a.organizationId, { ...spec, topic: 'Publishing' }),
    );
    const skip = await h.gql(STATUS, { auth: a.memberToken, variables: { id, s: 'PUBLISHED' } });
    expect(skip.body.data.changeCourseStatus).toMatchObject({ __typename: 'ValidationError', field: 'status' });
    for (const s of ['REVIEW', 'PUBLISHED', 'ARCHIVED']) {
      const r = await h.gql(STATUS, { auth: a.memberToken, variables: { id, s } });
      expect(r.body.data.changeCourseStatus.data.status).toBe(s);
    }
    const empty = await h.gql(CREATE, { auth: a.memberToken, variables: { input: { title: 'Empty' } } });
    const emptyId = empty.body.data.createCourse.data.id;
    await h.gql(STATUS, { auth: a.memberToken, variables: { id: emptyId, s: 'REVIEW' } });
    const refused = await h.gql(STATUS, { auth: a.memberToken, variables: { id: emptyId, s: 'PUBLISHED' } });
    expect(refused.body.data.changeCourseStatus.message).toMatch(/without lessons/);
  });
});

describe('bad input is refused and nothing is written', () => {
  it('reorder with foreign, missing or repeated ids', async () => {
    const { courseId, moduleIds } = await courseWithModules(a, 3);
    const other = await courseWithModules(a, 1);
    const foreignTenant = await courseWithModules(b, 1);
    const before = await counts(a.organizationId);
    const cases = [
      [moduleIds[0], moduleIds[1], other.moduleIds[0]],
      [moduleIds[0], moduleIds[1]],
      [moduleIds[0], moduleIds[0], moduleIds[1], moduleIds[2]],
      [moduleIds[2], moduleIds[1], foreignTenant.moduleIds[0]],
    ];
    for (const ids of cases) {
      const r = await h.gql(REORDER, { auth: a.memberToken, variables: { c: courseId, ids } });
      expect(r.body.data.reorderCourseModules.__typename, JSON.stringify(ids)).toBe('ValidationError');
    }
    const foreignCourse = await h.gql(REORDER, {
      auth: a.memberToken,
      variables: { c: foreignTenant.courseId, ids: foreignTenant.moduleIds },
    });
    expect(foreignCourse.body.data.reorderCourseModules.__typename).toBe('NotFoundError');
    expect(await counts(a.organizationId)).toEqual(before);
  });

  it('a 10 MB lesson body is refused at the door (413), a 300,000-character one with a ValidationError', async () => {
    const { moduleIds } = await courseWithModules(a, 1);
    const before = await counts(a.organizationId);
    const huge = await h.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.memberToken}` },
      body: JSON.stringify({
        query: ADD_LESSON,
        variables: { m: moduleIds[0], input: { title: 'Huge', body: 'x'.repeat(10 * 1024 * 1024) } },
      }),
    });
    expect(huge.status).toBe(413);
    const big = await h.gql(ADD_LESSON, {
      auth: a.memberToken,
      variables: { m: moduleIds[0], input: { title: 'Big', body: 'word '.repeat(60_000) } },
    });
    expect(big.body.data.addCourseLesson).toMatchObject({ __typename: 'ValidationError', field: 'input.body' });
    const blank = await h.gql(ADD_LESSON, {
      auth: a.memberToken,
      variables: { m: moduleIds[0], input: { title: '  ', estimatedMinutes: -3 } },
    });
    expect(blank.body.data.addCourseLesson.issues.map((i: any) => i.field).sort()).toEqual([
      'input.estimatedMinutes',
      'input.title',
    ]);
    expect(await counts(a.organizationId)).toEqual(before);
  });

  it("another tenant's module cannot get lessons", async () => {
    const foreign = await courseWithModules(b, 1);
    const before = await counts(b.organizationId);
    const r = await h.gql(ADD_LESSON, {
      auth: a.memberToken,
      variables: { m: foreign.moduleIds[0], input: { title: 'Sneaky' } },
    });
    expect(r.body.data.addCourseLesson.__typename).toBe('NotFoundError');
    expect(await counts(b.organizationId)).toEqual(before);
  });
});
