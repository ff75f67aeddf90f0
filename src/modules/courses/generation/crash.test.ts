// Kills a real worker process (src/worker.ts) with SIGKILL in the middle of a generation, then
// starts another: pg-boss hands the generation out again once its heartbeat lapses, and it resumes
// at the module after its last checkpoint: every module exists exactly once, in order, and the
// modules written before the kill are the very same rows.
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId } from '../../../lib/global-id.ts';
import { startHarness, type Harness, type Tenant } from '../../../test/harness.ts';
import { stopAllAfterAll, workerProcesses } from '../../../test/workers.ts';

let h: Harness;
let t: Tenant;
const workers = workerProcesses(() => ({ DATABASE_URL: h.db.url }), { stdout: 'ignore' });

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('crash');
});
stopAllAfterAll(workers, () => [h]);

describe('a worker killed mid-generation', () => {
  it('the generation resumes from its last completed module on another worker', { timeout: 90_000 }, async () => {
    const worker = await workers.start();
    const r = await h.gql(
      `mutation { generateCourse(input: { topic: "Crash course", modules: 30, lessonsPerModule: 20, lessonWords: 2500 }) { ... on MutationGenerateCourseSuccess { data { id } } } }`,
      { auth: t.partnerKey },
    );
    const id = Number(decodeGlobalId(r.body.data.generateCourse.data.id).id);
    const { sql } = h.resources;
    let atKill = 0;
    for (const until = Date.now() + 30_000; Date.now() < until; ) {
      const [g] = await sql`select completed_modules from course_generations where id = ${id}`;
      if (g.completed_modules >= 2) {
        await workers.kill(worker);
        atKill = (await sql`select completed_modules from course_generations where id = ${id}`)[0].completed_modules;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(atKill).toBeGreaterThanOrEqual(2);
    expect(atKill).toBeLessThan(30);
    const before =
      await sql`select id, position from course_modules where course_id = (select course_id from course_generations where id = ${id}) order by position`;
    expect(before.map((m) => m.position)).toEqual(Array.from({ length: atKill }, (_, i) => i + 1));

    await workers.start();
    let g: any;
    for (const until = Date.now() + 60_000; Date.now() < until; ) {
      [g] = await sql`select status, completed_modules, attempts from course_generations where id = ${id}`;
      if (g.status === 'completed' || g.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(g).toMatchObject({ status: 'completed', completed_modules: 30, attempts: 2 });
    const after =
      await sql`select id, position from course_modules where course_id = (select course_id from course_generations where id = ${id}) order by position`;
    expect(after.map((m) => m.position)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(after.slice(0, atKill)).toEqual(before);
    const [{ lessons }] =
      await sql`select count(*)::int as lessons from course_lessons where course_id = (select course_id from course_generations where id = ${id})`;
    expect(lessons).toBe(600);
  });
});
