// Courses under load: 50 concurrent users (closed model) read and edit courses while 5 generations
// run all the time (5 more VUs, each starting a generation and following it to the end). The
// addendum: 0 failed requests and p99 < 200 ms for every standard operation (we aim below 50 ms).
//   k6 run -e BASE_URL=… -e USER_TOKEN=… loadtest/courses-50-users.js      (needs a worker: npm run worker)
//   npm run loadtest:courses [-- -e DURATION=20s]                          (starts the API and one worker itself)
import { Counter } from 'k6/metrics';
import {
  arrive,
  checkResponse,
  closedModelOptions,
  pause,
  pick,
  query,
  required,
  think,
  weighted,
} from './lib/graphql.js';

const READS = ['CourseList', 'CourseOutline', 'LessonRead'];
const WRITES = ['UpdateLesson', 'ReorderLessons', 'AddLesson'];
export const options = closedModelOptions([...READS, ...WRITES], { duration: '60s' });
// Generation requests answer at once; following one is a read of one row.
options.thresholds['http_req_duration{operation:GenerateCourse}'] = ['p(99)<200'];
options.thresholds['http_req_duration{operation:GenerationStatus}'] = ['p(99)<200'];
options.thresholds.generations_completed = ['count>=1'];
options.scenarios.generations = {
  executor: 'constant-vus',
  vus: Number(__ENV.GENERATIONS || 5),
  duration: __ENV.DURATION || '60s',
  exec: 'generation',
};

const completed = new Counter('generations_completed');

const CREATE = `mutation CreateCourse($input: CourseInput!) { createCourse(input: $input) { __typename ... on MutationCreateCourseSuccess { data { id } } ... on Error { message } } }`;
const ADD_MODULE = `mutation AddModule($c: ID!, $input: CourseModuleInput!) { addCourseModule(courseId: $c, input: $input) { __typename ... on MutationAddCourseModuleSuccess { data { id } } ... on Error { message } } }`;
const ADD_LESSON = `mutation AddLesson($m: ID!, $input: CourseLessonInput!) { addCourseLesson(moduleId: $m, input: $input) { __typename ... on MutationAddCourseLessonSuccess { data { id } } ... on Error { message } } }`;
const LIST = `query CourseList { courses(first: 20) { edges { node { id title status updatedAt modules(first: 5) { edges { node { id title lessons(first: 5) { edges { node { id title estimatedMinutes } } } } } } } } } }`;
const OUTLINE = `query CourseOutline($id: ID!) { course(id: $id) { id title summary modules(first: 20) { edges { node { id position title objectives lessons(first: 20) { edges { node { id position title estimatedMinutes } } } } } } } }`;
const LESSON = `query LessonRead($id: ID!) { node(id: $id) { ... on CourseLesson { id title body objectives prerequisites module { title } } } }`;
const UPDATE = `mutation UpdateLesson($id: ID!, $input: CourseLessonPatch!) { updateCourseLesson(id: $id, input: $input) { __typename ... on MutationUpdateCourseLessonSuccess { data { id updatedAt } } ... on Error { message } } }`;
const LESSON_IDS = `query ModuleLessons($id: ID!) { node(id: $id) { ... on CourseModule { lessons(first: 100) { edges { node { id } } } } } }`;
const REORDER = `mutation ReorderLessons($m: ID!, $ids: [ID!]!) { reorderCourseLessons(moduleId: $m, lessonIds: $ids) { __typename ... on MutationReorderCourseLessonsSuccess { data { id } } ... on Error { message } } }`;
const GENERATE = `mutation GenerateCourse($input: GenerateCourseInput!) { generateCourse(input: $input) { __typename ... on MutationGenerateCourseSuccess { data { id } } ... on Error { message } } }`;
const STATUS = `query GenerationStatus($id: ID!) { courseGeneration(id: $id) { status completedModules queuePosition failureReason } }`;

const succeeded = (field) => ({ name: `${field} succeeded`, test: (data) => /Success$/.test(data[field].__typename) });

/** Ten hand-made courses of 4 modules × 5 lessons for the users to read and edit. */
export async function setup() {
  const token = required('USER_TOKEN');
  const courses = [];
  for (let c = 0; c < 10; c++) {
    const course = (
      await query(
        CREATE,
        { input: { title: `Load test course ${c}`, summary: 'Read and edited under load.', authors: ['k6'] } },
        token,
      )
    ).json().data.createCourse.data.id;
    const modules = [];
    for (let m = 0; m < 4; m++) {
      const module = (
        await query(
          ADD_MODULE,
          { c: course, input: { title: `Module ${m + 1}`, objectives: ['Understand the topic'] } },
          token,
        )
      ).json().data.addCourseModule.data.id;
      const lessons = [];
      for (let l = 0; l < 5; l++) {
        const body = `# Lesson ${l + 1}\n\n${'A short paragraph of course text for the load test. '.repeat(40)}`;
        lessons.push(
          (
            await query(
              ADD_LESSON,
              { m: module, input: { title: `Lesson ${l + 1}`, body, estimatedMinutes: 5, objectives: ['Read it'] } },
              token,
            )
          ).json().data.addCourseLesson.data.id,
        );
      }
      modules.push({ id: module, lessons });
    }
    courses.push({ id: course, modules });
  }
  return { token, courses };
}

export async function user(data) {
  await arrive();
  const { token } = data;
  const course = pick(data.courses);
  const module = pick(course.modules);
  const op = weighted([
    [30, 'list'],
    [30, 'outline'],
    [25, 'lesson'],
    [10, 'update'],
    [3, 'reorder'],
    [2, 'add'],
  ]);
  if (op === 'list') checkResponse(await query(LIST, {}, token), 'CourseList');
  else if (op === 'outline') checkResponse(await query(OUTLINE, { id: course.id }, token), 'CourseOutline');
  else if (op === 'lesson') checkResponse(await query(LESSON, { id: pick(module.lessons) }, token), 'LessonRead');
  else if (op === 'update') {
    const body = `# Edited\n\n${'Edited text of the lesson. '.repeat(30 + Math.floor(Math.random() * 30))}`;
    checkResponse(
      await query(
        UPDATE,
        { id: pick(module.lessons), input: { body, estimatedMinutes: 3 + Math.floor(Math.random() * 5) } },
        token,
      ),
      'UpdateLesson',
      succeeded('updateCourseLesson'),
    );
  } else if (op === 'reorder') {
    // The whole current order, shuffled: another user may just have added a lesson.
    const ids = (await query(LESSON_IDS, { id: module.id }, token))
      .json()
      .data.node.lessons.edges.map((e) => e.node.id);
    ids.sort(() => Math.random() - 0.5);
    checkResponse(
      await query(REORDER, { m: module.id, ids }, token),
      'ReorderLessons',
      succeeded('reorderCourseLessons'),
    );
  } else {
    checkResponse(
      await query(
        ADD_LESSON,
        {
          m: module.id,
          input: { title: 'Added under load', body: 'Text. '.repeat(100), estimatedMinutes: 2, objectives: ['Check'] },
        },
        token,
      ),
      'AddLesson',
      succeeded('addCourseLesson'),
    );
  }
  await think();
}

/** One generation at a time per VU, followed to the end: with 5 VUs, 5 generations run all the time. */
export async function generation(data) {
  await arrive();
  const { token } = data;
  const input = {
    topic: `Load topic ${Math.floor(Math.random() * 1e9)}`,
    audience: 'testers',
    modules: Number(__ENV.GEN_MODULES || 20),
    lessonsPerModule: Number(__ENV.GEN_LESSONS || 10),
    lessonWords: Number(__ENV.GEN_WORDS || 800),
  };
  const res = await query(GENERATE, { input }, token);
  if (!checkResponse(res, 'GenerateCourse', succeeded('generateCourse'))) return pause(1_000);
  const id = res.json().data.generateCourse.data.id;
  for (;;) {
    await pause(1_000);
    const status = await query(STATUS, { id }, token);
    checkResponse(status, 'GenerationStatus');
    const g = status.json().data && status.json().data.courseGeneration;
    if (!g || g.status === 'COMPLETED' || g.status === 'FAILED') {
      if (g && g.status === 'COMPLETED') completed.add(1);
      return;
    }
  }
}
