// Job payloads are checked with zod when they are enqueued and when a worker takes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../test/harness.ts';
import { parsePayload, PayloadError, QUEUES } from './queue.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

describe('job payloads', () => {
  it('a worker reads a well-formed payload, typed', () => {
    expect(parsePayload(QUEUES.recommendationChunk, { organizationId: 1, jobId: 2, chunkNo: 3 })).toEqual({
      organizationId: 1,
      jobId: 2,
      chunkNo: 3,
    });
  });

  it.each([
    ['a missing field', { organizationId: 1, jobId: 2 }, /chunkNo/],
    ['a string id', { organizationId: 1, jobId: '2', chunkNo: 3 }, /jobId/],
    ['an id beyond int4', { organizationId: 1, jobId: 2 ** 31, chunkNo: 3 }, /jobId/],
    ['an extra field', { organizationId: 1, jobId: 2, chunkNo: 3, sql: 'drop table' }, /sql/],
    ['no object at all', null, /\(payload\)/],
  ])('a worker refuses %s, naming the field', (_name, data, field) => {
    expect(() => parsePayload(QUEUES.recommendationChunk, data)).toThrow(PayloadError);
    expect(() => parsePayload(QUEUES.recommendationChunk, data)).toThrow(field);
  });

  it('send refuses a bad payload and enqueues none of the batch', async () => {
    const count = async () =>
      Number(
        (await h.resources.sql`select count(*)::int as n from pgboss.job where name = ${QUEUES.recommendationChunk}`)[0]
          .n,
      );
    const before = await count();
    const bad = [
      { organizationId: 1, jobId: 2, chunkNo: 1 },
      { organizationId: 1, jobId: 2, chunkNo: -1 },
    ];
    await expect(
      h.resources.db.transaction((tx) => h.resources.jobs.send(tx, QUEUES.recommendationChunk, bad)),
    ).rejects.toThrow(/chunkNo/);
    expect(await count()).toBe(before);
  });
});
