// The zero-setup path: with no DATABASE_URL (and no REDIS_URL) the server starts its own PostgreSQL
// under a data directory, migrates, seeds the demo organization, answers queries with the demo key,
// starts again warm on the same data, and shuts down cleanly on SIGTERM and SIGINT.
import { rm } from 'node:fs/promises';
import { afterAll, expect, it } from 'vitest';
import { embeddedStartEnv, startServerProcess } from './server-process.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

it('starts with an embedded PostgreSQL, serves the demo data, restarts warm and stops on signals', async () => {
  const { dir, env: embedded } = await embeddedStartEnv('hg-embedded-');
  dirs.push(dir);
  const env = { ...embedded, NODE_ENV: 'development' };

  const cold = await startServerProcess(env);
  expect(cold.output()).toMatch(/Database:\s+embedded PostgreSQL/);
  expect(cold.output()).toMatch(/Cache:\s+in-memory/);
  expect(cold.demoKey).toMatch(/^hgk_/);
  const query = (server: typeof cold) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cold.demoKey}` },
      body: JSON.stringify({
        query: '{ viewer { organization { slug } } batches(first: 3) { edges { node { code grower { name } } } } }',
      }),
    }).then((r) => r.json());
  const first = await query(cold);
  expect(first.data.viewer.organization.slug).toBe('demo');
  expect(first.data.batches.edges).toHaveLength(3);
  expect((await fetch(`${cold.url}/ready`)).status).toBe(200);
  expect(cold.output()).toMatch(/Jobs:\s+one worker process started/);

  // Background jobs run in the worker process `npm start` started beside the API.
  const gql = (query: string, variables?: object) =>
    fetch(`${cold.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cold.demoKey}` },
      body: JSON.stringify({ query, variables }),
    }).then((r) => r.json());
  const submitted = await gql(
    `mutation($c: [CustomerSpendInput!]!) { submitRecommendationJob(input: { customers: $c }) {
      __typename ... on MutationSubmitRecommendationJobSuccess { data { job { id } } } } }`,
    {
      c: [
        { customerRef: 'c-1', groceries: '12000', dining: '5000' },
        { customerRef: 'c-2', travel: '40000', fuel: '3000' },
      ],
    },
  );
  const jobId = submitted.data.submitRecommendationJob.data.job.id;
  let job: { status: string; done: number } | undefined;
  for (let i = 0; i < 120 && job?.status !== 'COMPLETED'; i++) {
    await new Promise((r) => setTimeout(r, 250));
    job = (await gql(`query($id: ID!) { recommendationJob(id: $id) { status done } }`, { id: jobId })).data
      .recommendationJob;
  }
  expect(job).toEqual({ status: 'COMPLETED', done: 2 });
  const stopped = await cold.stop('SIGTERM');
  expect(stopped.code).toBe(0);
  expect(stopped.ms).toBeLessThan(4_000);

  const warm = await startServerProcess(env);
  expect(warm.demoKey).toBe(cold.demoKey);
  expect(await query(warm)).toEqual(first);
  const stoppedAgain = await warm.stop('SIGINT');
  expect(stoppedAgain.code).toBe(0);
}, 180_000);
