// Inline jobs end to end through the real app and a worker (in this test process, which is not the
// API process): results, validation of rankings, statement counts, dedupe, the 501 refusal, cancel,
// SSE progress, tenant isolation and the download routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { startHarness, subscriptionEvents, type Harness, type Tenant } from '../../../test/harness.ts';
import { decodeGlobalId } from '../../../lib/global-id.ts';
import { startRecommendationWorker, writeOutcomes, type RecommendationWorker } from './tasks.ts';
import {
  allResults,
  catalogTenant,
  customerInputs,
  expectedTop,
  expectValidRanking,
  JOB,
  submit,
  SUBMIT,
  waitForJob,
} from '../../../test/recommendations.ts';

let h: Harness;
let t: Tenant;
let worker: RecommendationWorker;

beforeAll(async () => {
  h = await startHarness({ redis: true, env: { JOB_CHUNK_SIZE: '40', JOB_DEDUPE_SECONDS: '600' } });
  t = await catalogTenant(h, 'cards');
  worker = await startRecommendationWorker(h.resources, { concurrency: 3 });
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

describe('an inline job with the built-in scorer', () => {
  let jobId: string;

  beforeAll(async () => {
    const payload = await submit(h, t.partnerKey, { name: 'first', customers: customerInputs(150) });
    expect(payload).toMatchObject({ deduplicated: false, job: { status: 'QUEUED', total: 150 } });
    jobId = payload.job.id;
    await waitForJob(h, t.partnerKey, jobId);
  });

  it('scores every customer exactly once, as the scorer ranks them', async () => {
    const r = await h.gql(JOB, { auth: t.partnerKey, variables: { id: jobId } });
    expect(r.body.data.recommendationJob).toMatchObject({
      status: 'COMPLETED',
      total: 150,
      done: 150,
      failed: 0,
      pending: 0,
      etaSeconds: 0,
    });
    expect(r.body.data.recommendationJob.ratePerSecond).toBeGreaterThan(0);
    const results = await allResults(h, t.partnerKey, jobId);
    expect(results.map((n) => n.customerRef)).toEqual(customerInputs(150).map((c) => c.customerRef));
    results.forEach((node, i) => {
      expect(node.status).toBe('SCORED');
      expectValidRanking(node);
      expect(node.recommendations.map((x) => [x.cardCode, x.netSavings])).toEqual(expectedTop(i));
    });
  });

  it('pages results by cursor with a fixed number of statements', async () => {
    const q = `query($id: ID!, $after: String) { recommendationJob(id: $id) { status done results(first: 50, after: $after) {
      edges { node { customerRef recommendations { rank cardCode netSavings card { code issuer } } } } pageInfo { hasNextPage endCursor } } } }`;
    const first = await h.gql(q, { auth: t.partnerKey, variables: { id: jobId } });
    expect(first.body.errors).toBeUndefined();
    // job + results page + one batch of every card named on the page
    expect(first.statements).toBe(3);
    const second = await h.gql(q, {
      auth: t.partnerKey,
      variables: { id: jobId, after: first.body.data.recommendationJob.results.pageInfo.endCursor },
    });
    expect(second.statements).toBe(3);
    const refs = [
      ...first.body.data.recommendationJob.results.edges,
      ...second.body.data.recommendationJob.results.edges,
    ].map((e: any) => e.node.customerRef);
    expect(new Set(refs).size).toBe(100);
    expect(first.body.data.recommendationJob.results.edges[0].node.recommendations[0].card.code).toBe(
      expectedTop(0)[0][0],
    );
  });

  it('downloads the results as CSV and XLSX with the caller credentials only', async () => {
    const csv = await h.fetch(`/jobs/${jobId}/results.csv`, { headers: { authorization: `Bearer ${t.readKey}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines).toHaveLength(151);
    expect(lines[0].startsWith('customer_ref,status,card_1,card_1_name,card_1_net_savings')).toBe(true);
    const [ref, status, code, , net] = lines[1].split(',');
    expect([ref, status, code, net]).toEqual([customerInputs(1)[0].customerRef, 'scored', ...expectedTop(0)[0]]);

    const xlsx = await h.fetch(`/jobs/${jobId}/results.xlsx`, { headers: { authorization: `Bearer ${t.readKey}` } });
    expect(xlsx.status).toBe(200);
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(Buffer.from(await xlsx.arrayBuffer())), {});
    let rows = 0;
    for await (const sheet of reader) for await (const _row of sheet as unknown as AsyncIterable<unknown>) rows++;
    expect(rows).toBe(151);

    expect((await h.fetch(`/jobs/${jobId}/results.csv`)).status).toBe(401);
    const other = await h.tenant('other');
    const foreign = await h.fetch(`/jobs/${jobId}/results.csv`, {
      headers: { authorization: `Bearer ${other.partnerKey}` },
    });
    expect(foreign.status).toBe(404);
    const seen = await h.gql(JOB, { auth: other.partnerKey, variables: { id: jobId } });
    expect(seen.body.data.recommendationJob).toBeNull();
  });

  it('answers the same request within the dedupe window with the same job', async () => {
    const again = await submit(h, t.partnerKey, { name: 'first', customers: customerInputs(150) });
    expect(again).toMatchObject({ deduplicated: true, job: { id: jobId } });
    const different = await submit(h, t.partnerKey, { name: 'first', customers: customerInputs(150, 1) });
    expect(different.deduplicated).toBe(false);
    expect(different.job.id).not.toBe(jobId);
    await waitForJob(h, t.partnerKey, different.job.id);
  });
});

describe('inline input limits', () => {
  it('refuses 501 customers and points to the import', async () => {
    const r = await h.gql(SUBMIT, { auth: t.partnerKey, variables: { input: { customers: customerInputs(501) } } });
    const out = r.body.data.submitRecommendationJob;
    expect(out.__typename).toBe('ValidationError');
    expect(out.field).toBe('input.customers');
    expect(out.message).toMatch(/at most 500 customers; this request has 501/);
    expect(out.message).toMatch(/\/jobs\/import/);
    expect(out.message).toMatch(/npm run job:import/);
  });

  it('accepts exactly 500', async () => {
    const payload = await submit(h, t.partnerKey, { customers: customerInputs(500, 1000) });
    expect(payload.job.total).toBe(500);
    await waitForJob(h, t.partnerKey, payload.job.id);
  });

  it('names every bad field: negative spend, bad amounts, blank and repeated refs', async () => {
    const [a, b, c] = customerInputs(3);
    const r = await h.gql(SUBMIT, {
      auth: t.partnerKey,
      variables: {
        input: {
          customers: [
            { ...a, groceries: '-10.00' },
            { ...b, customerRef: ' ', dining: '1.005' },
            { ...c, customerRef: a.customerRef },
          ],
        },
      },
    });
    const out = r.body.data.submitRecommendationJob;
    expect(out.__typename).toBe('ValidationError');
    expect(out.issues).toEqual([
      { field: 'input.customers.0.groceries', message: expect.stringContaining('negative') },
      { field: 'input.customers.1.customerRef', message: 'customer_ref is empty' },
      { field: 'input.customers.1.dining', message: expect.stringContaining('not an amount') },
      { field: 'input.customers.2.customerRef', message: expect.stringContaining('already appears') },
    ]);
  });

  it('refuses the HTTP provider when none is configured', async () => {
    const r = await h.gql(SUBMIT, {
      auth: t.partnerKey,
      variables: { input: { provider: 'HTTP', customers: customerInputs(1) } },
    });
    expect(r.body.data.submitRecommendationJob).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.provider',
    });
  });

  it('needs the write scope', async () => {
    const r = await h.gql(SUBMIT, { auth: t.readKey, variables: { input: { customers: customerInputs(1) } } });
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('progress and cancel', () => {
  it('streams progress over SSE until the job completes', async () => {
    const payload = await submit(h, t.partnerKey, { customers: customerInputs(120, 3000) });
    const response = await h.subscribe(
      `subscription($id: ID!) { recommendationJobProgress(id: $id) { status done failed total } }`,
      { auth: t.partnerKey, variables: { id: payload.job.id } },
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await subscriptionEvents(response, 'recommendationJobProgress');
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)).toEqual({ status: 'COMPLETED', done: 120, failed: 0, total: 120 });
    const dones = events.map((e: any) => e.done);
    expect([...dones].sort((x, y) => x - y)).toEqual(dones);
  });

  it('cancels a queued job; its chunks stop and the status stays cancelled', async () => {
    await worker.stop();
    try {
      const payload = await submit(h, t.partnerKey, { customers: customerInputs(100, 5000) });
      const cancel = await h.gql(
        `mutation($id: ID!) { cancelRecommendationJob(id: $id) { __typename ... on MutationCancelRecommendationJobSuccess { data { status cancelledAt } } ... on ValidationError { message } } }`,
        {
          auth: t.partnerKey,
          variables: { id: payload.job.id },
        },
      );
      expect(cancel.body.data.cancelRecommendationJob).toMatchObject({
        __typename: 'MutationCancelRecommendationJobSuccess',
        data: { status: 'CANCELLED' },
      });
      worker = await startRecommendationWorker(h.resources, { concurrency: 3 });
      await new Promise((r) => setTimeout(r, 1_500));
      const job = await h.gql(JOB, { auth: t.partnerKey, variables: { id: payload.job.id } });
      expect(job.body.data.recommendationJob).toMatchObject({ status: 'CANCELLED', done: 0 });
      const retry = await h.gql(
        `mutation($id: ID!) { retryFailedRecommendations(id: $id) { __typename ... on ValidationError { message } } }`,
        {
          auth: t.partnerKey,
          variables: { id: payload.job.id },
        },
      );
      expect(retry.body.data.retryFailedRecommendations).toMatchObject({
        __typename: 'ValidationError',
        message: expect.stringContaining('cancelled'),
      });
    } finally {
      worker = await startRecommendationWorker(h.resources, { concurrency: 3 }).catch(() => worker);
    }
  });
});

describe('storing outcomes', () => {
  it('keeps the rows stored first and counts only the new ones when some of a batch exist already', async () => {
    const payload = await submit(h, t.partnerKey, { name: 'stored twice', customers: customerInputs(40, 7000) });
    await waitForJob(h, t.partnerKey, payload.job.id);
    const id = Number(decodeGlobalId(payload.job.id).id);
    const job = { id, organizationId: t.organizationId };
    const stored = () =>
      h.resources.sql<{ seq: number; status: string; recommendations: unknown }[]>`
        select seq, status, recommendations from recommendation_results where job_id = ${id} order by seq`;
    const before = await stored();
    // As if the second half had not been stored yet: a batch of all 40 then finds the first 20 stored.
    await h.resources.sql`
      with forgotten as (delete from recommendation_results where job_id = ${id} and seq > 20 returning 1)
      update recommendation_jobs set done_count = done_count - (select count(*) from forgotten) where id = ${id}`;
    const status = await writeOutcomes(
      h.resources.db,
      job,
      before.map((r) => ({
        seq: r.seq,
        customerRef: `again-${r.seq}`,
        status: 'failed' as const,
        reason: 'worker_error' as const,
        detail: 'stored twice',
        attempts: 0,
      })),
    );
    expect(status).toBe('completed');
    const after = await stored();
    expect(after.slice(0, 20)).toEqual(before.slice(0, 20));
    expect(after.slice(20).map((r) => [r.seq, r.status])).toEqual(before.slice(20).map((r) => [r.seq, 'failed']));
    const r = await h.gql(JOB, { auth: t.partnerKey, variables: { id: payload.job.id } });
    expect(r.body.data.recommendationJob).toMatchObject({ total: 40, done: 20, failed: 20 });
  });
});

describe('the stored form of the cards', () => {
  const CARDS = `query($id: ID!) { recommendationJob(id: $id) { results(first: 100) { edges { node {
    customerRef recommendations { rank cardCode cardName netSavings yearlyRewards fees card { id } } } } } } }`;

  it('is an array per card, and rows stored as objects before read the same after the migrations', async () => {
    const payload = await submit(h, t.partnerKey, { name: 'stored form', customers: customerInputs(30, 9000) });
    await waitForJob(h, t.partnerKey, payload.job.id);
    const id = Number(decodeGlobalId(payload.job.id).id);
    const read = async () => {
      const r = await h.gql(CARDS, { auth: t.partnerKey, variables: { id: payload.job.id } });
      expect(r.body.errors).toBeUndefined();
      const csv = await h.app.fetch(`http://test/jobs/${payload.job.id}/results.csv`, {
        headers: { authorization: `Bearer ${t.partnerKey}` },
      });
      return { graphql: r.body.data, csv: await csv.text() };
    };
    const stored = () =>
      h.resources.sql<{ recommendations: unknown[] }[]>`
        select recommendations from recommendation_results where job_id = ${id} and status = 'scored' order by seq`;

    const now = await read();
    const first = (await stored())[0].recommendations;
    expect(first.length).toBeGreaterThan(0);
    // [card id, code, name, net, rewards, fees]: rank is the position.
    expect(first[0]).toEqual([
      expect.any(Number),
      expect.any(String),
      expect.any(String),
      ...Array(3).fill(expect.any(Number)),
    ]);
    const ranks = now.graphql.recommendationJob.results.edges[0].node.recommendations.map(
      (c: { rank: number }) => c.rank,
    );
    expect(ranks).toEqual(ranks.map((_: number, i: number) => i + 1));

    // Rows written before drizzle/0012 held objects with the keys spelled out, in the jsonb column of
    // then: rewritten by 0012 and turned into json by 0014, they read the same.
    await h.resources.sql.unsafe(`
      alter table recommendation_results drop constraint recommendation_results_shape_valid;
      alter table recommendation_results alter column recommendations type jsonb using recommendations::jsonb;
      alter table recommendation_results add constraint recommendation_results_shape_valid check (
        (status = 'scored' and jsonb_typeof(recommendations) = 'array' and jsonb_array_length(recommendations) <= 10)
        or (status = 'failed' and reason is not null))`);
    await h.resources.sql`
      update recommendation_results set recommendations = (
        select jsonb_agg(jsonb_build_object('rank', ord, 'cardId', e->0, 'code', e->1, 'name', e->2, 'net', e->3, 'rewards', e->4, 'fees', e->5) order by ord)
        from jsonb_array_elements(recommendations) with ordinality as x(e, ord))
      where job_id = ${id} and status = 'scored'`;
    expect((await stored())[0].recommendations[0]).toMatchObject({ rank: 1, code: (first[0] as unknown[])[1] });
    for (const file of ['0012_compact_stored_cards.sql', '0014_stored_cards_as_json.sql'])
      await h.resources.sql.unsafe(readFileSync(new URL(`../../../../drizzle/${file}`, import.meta.url), 'utf8'));
    expect((await stored())[0].recommendations).toEqual(first);
    expect(await read()).toEqual(now);
  });
});
