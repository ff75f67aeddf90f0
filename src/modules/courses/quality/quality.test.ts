// courseQuality: each kind of problem is found where it is, with a severity and a fix; a sound
// course scores high; another tenant's course is null. Plus the readability and duplicate helpers.
import { describe, expect } from 'vitest';
import { seedCourse } from '../../../../seeds/courses.ts';
import { encodeGlobalId } from '../../../lib/global-id.ts';
import { appTest, type AppFixtures } from '../../../test/fixtures.ts';
import { findDuplicates } from './duplicates.ts';
import { checkLinks } from './links.ts';
import { readability } from './readability.ts';

const it = appTest({ tenant: 'quality' });

const QUALITY = `query($id: ID!) { courseQuality(id: $id) {
  score errors warnings infos lessons modules totalMinutes declaredMinutes analyzedMs
  findings { code severity message suggestedFix location { path modulePosition lessonPosition module { id } lesson { id title } } }
  readability { path words fleschReadingEase gradeLevel } } }`;

const plain = (n: number, word = 'The cat sat on the mat') =>
  Array.from({ length: n }, (_, i) => `${word} number ${i}.`).join(' ');
const story = (seed: string) =>
  Array.from(
    { length: 40 },
    (_, i) =>
      `${seed} step ${i} asks the team to check the ${['plan', 'list', 'notes', 'tools'][i % 4]} before the next ${['task', 'shift', 'review'][i % 3]} starts.`,
  ).join(' ');

async function insert(
  { h, t }: AppFixtures,
  courseId: number,
  modulePosition: number,
  title: string,
  objectives: string[],
  lessons: { title: string; body: string; minutes?: number; objectives?: string[] }[],
) {
  const { sql } = h.resources;
  const [m] =
    await sql`insert into course_modules (organization_id, course_id, position, title, objectives) values (${t.organizationId}, ${courseId}, ${modulePosition}, ${title}, ${objectives}) returning id`;
  for (const [i, l] of lessons.entries()) {
    await sql`insert into course_lessons (organization_id, course_id, module_id, position, title, body, estimated_minutes, objectives)
      values (${t.organizationId}, ${courseId}, ${m.id}, ${i + 1}, ${l.title}, ${l.body}, ${l.minutes ?? 5}, ${l.objectives ?? ['Do it']})`;
  }
  return m.id as number;
}

describe('courseQuality', () => {
  it('finds each problem with its location, severity and a suggested fix', async ({ h, t }) => {
    const [course] = await h.resources
      .sql`insert into courses (organization_id, title, summary, declared_minutes) values (${t.organizationId}, 'Flawed', 'A course with problems.', 600) returning id`;
    const hard =
      'Notwithstanding considerable organisational heterogeneity, institutional implementation methodologies necessitate comprehensive multidimensional evaluation, incorporating interdisciplinary epistemological considerations regarding sustainability. '.repeat(
        12,
      );
    await insert(
      { h, t },
      course.id,
      1,
      'Good module',
      ['Explain the basics'],
      [
        {
          title: 'Welcome',
          body: `# Welcome\n\n${story('Welcome')}\n\nSee [the plan](#welcome), [next](lesson:second-one) and [docs](https://example.com/docs).`,
        },
        { title: 'Second one', body: story('Second') },
        { title: 'Copy', body: story('Second') },
        { title: 'Almost a copy', body: `${story('Welcome')} One more sentence here.` },
      ],
    );
    await insert(
      { h, t },
      course.id,
      2,
      'Problem module',
      [],
      [
        { title: 'Empty', body: '', minutes: 0 },
        { title: 'Tiny', body: 'Too short to teach anything.', objectives: [] },
        { title: 'Dense', body: hard },
        {
          title: 'Links',
          body: `${story('Links')}\n\n![diagram](images/diagram.png) [gone](#nowhere) [who](lesson:unknown-lesson) [file](notes.pdf) [bad](https://)`,
        },
      ],
    );
    await insert({ h, t }, course.id, 3, 'Nothing yet', ['Something'], []);
    const r = await h.gql(QUALITY, { auth: t.partnerKey, variables: { id: encodeGlobalId('Course', course.id) } });
    expect(r.body.errors).toBeUndefined();
    const q = r.body.data.courseQuality;
    const found = (code: string) =>
      q.findings.filter((f: any) => f.code === code).map((f: any) => [f.severity, f.location.path]);
    expect(found('EMPTY_MODULE')).toEqual([['ERROR', 'Module 3: Nothing yet']]);
    expect(found('EMPTY_LESSON')).toEqual([['ERROR', 'Module 2 › Lesson 1: Empty']]);
    expect(found('SHORT_LESSON')).toEqual([['WARNING', 'Module 2 › Lesson 2: Tiny']]);
    expect(found('DUPLICATE_LESSON')).toEqual([['ERROR', 'Module 1 › Lesson 3: Copy']]);
    expect(found('NEAR_DUPLICATE_LESSON')).toEqual([['WARNING', 'Module 1 › Lesson 4: Almost a copy']]);
    expect(found('MISSING_OBJECTIVES')).toEqual([
      ['WARNING', 'Module 2: Problem module'],
      ['WARNING', 'Module 2 › Lesson 2: Tiny'],
    ]);
    expect(found('READING_LEVEL')).toEqual([['WARNING', 'Module 2 › Lesson 3: Dense']]);
    expect(found('BROKEN_IMAGE')).toEqual([['ERROR', 'Module 2 › Lesson 4: Links']]);
    const links = q.findings.filter((f: any) => f.code === 'BROKEN_LINK');
    expect(links.map((f: any) => f.message.match(/"([^"]+)"/)[1])).toEqual([
      '#nowhere',
      'lesson:unknown-lesson',
      'notes.pdf',
      'https://',
    ]);
    expect(found('DURATION_MISMATCH')).toEqual([['WARNING', 'Course']]);
    expect(q.totalMinutes).toBe(35);
    for (const f of q.findings) expect(f.suggestedFix.length).toBeGreaterThan(10);
    const empty = q.findings.find((f: any) => f.code === 'EMPTY_LESSON');
    expect(empty.location).toMatchObject({ modulePosition: 2, lessonPosition: 1, lesson: { title: 'Empty' } });
    expect(q.readability).toHaveLength(8);
    // Units: course 90, modules 100/90/75, lessons 100, 100, 75, 90, 75, 80, 90, 0 (five broken targets): mean 80.4.
    expect(q.score).toBe(80);
  });

  it('a generated course with declared duration scores high', async ({ h, t }) => {
    const id = await seedCourse(h.resources.db, t.organizationId, {
      topic: 'Irrigation scheduling',
      audience: 'growers',
      level: 'intermediate',
      modules: 4,
      lessonsPerModule: 5,
      lessonWords: 400,
    });
    const r = await h.gql(QUALITY, { auth: t.partnerKey, variables: { id: encodeGlobalId('Course', id) } });
    const q = r.body.data.courseQuality;
    expect(q.errors).toBe(0);
    expect(q.findings.filter((f: any) => f.code === 'NEAR_DUPLICATE_LESSON')).toEqual([]);
    expect(q.score).toBeGreaterThanOrEqual(90);
    expect(q.lessons).toBe(20);
  });

  it("another tenant's course is null", async ({ h, t }) => {
    const other = await h.tenant('other');
    const id = await seedCourse(h.resources.db, other.organizationId, {
      topic: 'Secret',
      audience: 'x',
      level: 'beginner',
      modules: 1,
      lessonsPerModule: 1,
      lessonWords: 60,
    });
    const r = await h.gql(QUALITY, { auth: t.partnerKey, variables: { id: encodeGlobalId('Course', id) } });
    expect(r.body.data.courseQuality).toBeNull();
  });
});

describe('helpers', () => {
  it('readability follows the Flesch formulas', () => {
    // 2 sentences, 8 words, 8 syllables: 206.835 − 1.015 × 4 − 84.6 × 1 = 118.175; grade 0.39 × 4 + 11.8 − 15.59 = −2.23.
    const r = readability('The cat sat down. The dog ran off.');
    expect(r).toMatchObject({ words: 8, sentences: 2, syllables: 8, readingEase: 118.2, gradeLevel: -2.2 });
    expect(readability('## Heading\n\n```\ncode here\n```\n\nA [link](https://x.y) word.').words).toBe(4);
    expect(readability('')).toMatchObject({ words: 0, readingEase: null });
  });

  it('finds exact and near duplicates but not merely related texts', () => {
    const a = story('Alpha');
    const pairs = findDuplicates([a, story('Beta'), a.toUpperCase(), `${a} plus an ending`, plain(50), '']);
    expect(pairs.map((p) => [p.a, p.b, p.exact])).toEqual([
      [0, 2, true],
      [0, 3, false],
    ]);
  });

  it('judges links by their form', () => {
    const index = { ids: new Set(['Q291cnNlTGVzc29uOjE']), slugs: new Set(['intro']) };
    const body =
      '# Top\n\n[a](#top) [b](lesson:intro) [c](lesson:Q291cnNlTGVzc29uOjE) [d](mailto:x@y.z) [e][ref] [f][missing] <img src="pic.png">\n\n[ref]: https://example.org';
    expect(checkLinks(body, index).map((p) => [p.kind, p.target])).toEqual([
      ['link', '[missing]'],
      ['image', 'pic.png'],
    ]);
    expect(checkLinks('no links at all', index)).toEqual([]);
  });
});
