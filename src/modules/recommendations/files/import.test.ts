// Imports through POST /jobs/import (streamed) and the GraphQL multipart mutation: good files score
// like inline jobs; bad rows are refused with their line numbers while the rest import; bad files
// (unknown or missing columns, empty, header only, not the format they claim) are refused whole.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_COLUMNS, customerRecord, customerRow, writeCustomersXlsx } from '../../../../seeds/customers.ts';
import { startHarness, type Harness, type Tenant } from '../../../test/harness.ts';
import { startRecommendationWorker, type RecommendationWorker } from '../jobs/tasks.ts';
import {
  allResults,
  catalogTenant,
  expectedTop,
  expectValidRanking,
  JOB,
  waitForJob,
} from '../../../test/recommendations.ts';

let h: Harness;
let t: Tenant;
let worker: RecommendationWorker;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ env: { JOB_CHUNK_SIZE: '100' } });
  t = await catalogTenant(h, 'importer');
  worker = await startRecommendationWorker(h.resources, { concurrency: 2 });
  dir = await mkdtemp(join(tmpdir(), 'hg-import-'));
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function csvOf(count: number, start = 0): string {
  const lines = [CUSTOMER_COLUMNS.join(',')];
  for (let i = start; i < start + count; i++) {
    const r = customerRecord(customerRow(1, i));
    lines.push(CUSTOMER_COLUMNS.map((c) => r[c]).join(','));
  }
  return `${lines.join('\n')}\n`;
}

async function upload(body: BodyInit, query: string, auth = t.partnerKey, contentType = 'application/octet-stream') {
  const res = await h.fetch(`/jobs/import?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}`, 'content-type': contentType },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** A refused import's error, in the GraphQL error shape every early answer has: code and message side by side. */
function errorOf(body: { errors: { message: string; extensions: Record<string, unknown> }[] }) {
  const [{ message, extensions }] = body.errors;
  return { message, ...extensions } as { message: string; code: string } & Record<string, any>;
}

async function jobCount(): Promise<number> {
  const [row] = await h.resources.sql<
    { n: number }[]
  >`select count(*)::int as n from recommendation_jobs where organization_id = ${t.organizationId}`;
  return row.n;
}

describe('good files', () => {
  it('imports a CSV and scores it like an inline job', async () => {
    const r = await upload(csvOf(250), 'format=csv&name=csv%20batch');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      deduplicated: false,
      imported: 250,
      rejectedRows: 0,
      errors: [],
      job: { status: 'QUEUED', total: 250 },
    });
    const job = await waitForJob(h, t.partnerKey, r.body.job.id);
    expect(job).toMatchObject({ status: 'COMPLETED', done: 250, failed: 0 });
    const results = await allResults(h, t.partnerKey, r.body.job.id);
    expect(results).toHaveLength(250);
    results.forEach((node, i) => {
      expectValidRanking(node);
      expect(node.recommendations.map((x) => [x.cardCode, x.netSavings])).toEqual(expectedTop(i));
    });
    const again = await upload(csvOf(250), 'format=csv&name=csv%20batch');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ deduplicated: true, job: { id: r.body.job.id } });
  });

  it('imports an XLSX (amounts as spreadsheet numbers) through the streaming route', async () => {
    const file = join(dir, 'customers.xlsx');
    await writeCustomersXlsx(file, { count: 120, start: 500, quiet: true });
    const r = await upload(
      await readFile(file),
      '',
      t.partnerKey,
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ imported: 120, rejectedRows: 0 });
    await waitForJob(h, t.partnerKey, r.body.job.id);
    const results = await allResults(h, t.partnerKey, r.body.job.id);
    for (const [i, node] of results.entries())
      expect(node.recommendations.map((x) => [x.cardCode, x.netSavings])).toEqual(expectedTop(500 + i));
  });

  it('imports through the GraphQL multipart mutation (with the CSRF preflight header)', async () => {
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: `mutation($file: File!) { importRecommendationJob(file: $file, name: "multipart") { __typename
        ... on MutationImportRecommendationJobSuccess { data { imported rejectedRows job { id total status } } }
        ... on ImportRefused { code message } } }`,
        variables: { file: null },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([csvOf(60, 900)], { type: 'text/csv' }), 'customers.csv');
    const res = await h.app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.partnerKey}`, 'x-graphql-yoga-csrf': '1' },
      body: form,
    });
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.importRecommendationJob).toMatchObject({
      __typename: 'MutationImportRecommendationJobSuccess',
      data: { imported: 60, rejectedRows: 0, job: { total: 60 } },
    });
    await waitForJob(h, t.partnerKey, body.data.importRecommendationJob.data.job.id);
  });
});

describe('bad rows are refused with their line numbers; the rest import', () => {
  it('in a CSV: negative spend, bad amounts, short and long rows, blank and repeated refs, broken quotes', async () => {
    const good = csvOf(6).trim().split('\n');
    const lines = [
      good[0], //                                                   line 1: header
      good[1], //                                                   line 2
      good[2].replace(/^([^,]+,)[^,]+/, '$1-150.00'), //            line 3: negative online_shopping
      good[3], //                                                   line 4
      good[4].replace(/,[^,]+$/, ',lots'), //                       line 5: gmv not an amount
      'CUST-X,1,2,3', //                                            line 6: too few values
      `${good[5]},99`, //                                           line 7: one value too many
      good[1], //                                                   line 8: repeats line 2's customer
      ',1,1,1,1,1,1,1,', //                                         line 9: no customer_ref
      'CUST-Q,12"3,4,5,6,7,8,9,', //                                line 10: a quote inside a bare value
      good[6], //                                                   line 11
      'CUST-Z,"5,0,0,0,0,0,0,', //                                  line 12: a quote never closed (runs to the end)
    ];
    const r = await upload(lines.join('\n'), 'format=csv');
    expect(r.status).toBe(201);
    expect(r.body.imported).toBe(3);
    expect(r.body.rejectedRows).toBe(8);
    const byLine = Object.fromEntries(r.body.errors.map((e: any) => [e.line, e.message]));
    expect(
      Object.keys(byLine)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([3, 5, 6, 7, 8, 9, 10, 12]);
    expect(byLine[3]).toMatch(/online_shopping is negative \(-150\.00\)/);
    expect(byLine[5]).toMatch(/gmv "lots" is not an amount/);
    expect(byLine[6]).toMatch(/the row has 4 values but the header has 9 columns/);
    expect(byLine[7]).toMatch(/9 columns/);
    expect(byLine[8]).toMatch(/already appears on line 2/);
    expect(byLine[9]).toMatch(/customer_ref is empty/);
    expect(byLine[10]).toMatch(/malformed CSV.*quote/i);
    expect(byLine[12]).toMatch(/malformed CSV.*quote/i);
    const job = await waitForJob(h, t.partnerKey, r.body.job.id);
    expect(job).toMatchObject({ total: 3, done: 3 });
    const stored = await h.gql(
      `query($id: ID!) { recommendationJob(id: $id) { rejectedRows inputErrors(first: 20) { edges { node { line message } } } } }`,
      {
        auth: t.partnerKey,
        variables: { id: r.body.job.id },
      },
    );
    expect(stored.body.data.recommendationJob.rejectedRows).toBe(8);
    expect(stored.body.data.recommendationJob.inputErrors.edges.map((e: any) => e.node.line)).toEqual([
      3, 5, 6, 7, 8, 9, 10, 12,
    ]);
  });

  it('in an XLSX: row numbers are the sheet rows', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('customers');
    sheet.addRow([...CUSTOMER_COLUMNS]);
    sheet.addRow(['A-1', 100, 200, 300, 0, 0, 0, 0, 600]);
    sheet.addRow(['A-2', -5, 200, 300, 0, 0, 0, 0, null]);
    sheet.addRow(['A-3', 'ten', 200, 300, 0, 0, 0, 0, null]);
    sheet.addRow(['A-4', 10.001, 0, 0, 0, 0, 0, 0, null]);
    sheet.addRow(['A-5', 1, 2, 3, 4, 5, 6, 7, null]);
    const r = await upload(Buffer.from(await workbook.xlsx.writeBuffer()), 'format=xlsx');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ imported: 2, rejectedRows: 3 });
    expect(r.body.errors).toEqual([
      { line: 3, message: expect.stringContaining('online_shopping is negative') },
      { line: 4, message: expect.stringContaining('"ten" is not an amount') },
      { line: 5, message: expect.stringContaining('more than 2 decimal places') },
    ]);
  });
});

describe('bad files are refused whole', () => {
  it('unknown columns', async () => {
    const before = await jobCount();
    const r = await upload(
      csvOf(3)
        .replace('customer_ref,', 'customer_ref,age,')
        .replace(/\n(CUST-\d+,)/g, '\n$1 42,'),
      'format=csv',
    );
    expect(r.status).toBe(422);
    expect(errorOf(r.body)).toMatchObject({
      code: 'BAD_HEADER',
      message: expect.stringMatching(/Unknown column "age".*Expected columns: customer_ref, online_shopping/),
    });
    expect(await jobCount()).toBe(before);
  });

  it('missing columns', async () => {
    const r = await upload('customer_ref,groceries\nA,1\n', 'format=csv');
    expect(errorOf(r.body)).toMatchObject({
      code: 'BAD_HEADER',
      message: expect.stringContaining('Missing columns online_shopping, dining'),
    });
  });

  it('empty files, header-only files and files with no good row', async () => {
    const before = await jobCount();
    expect(errorOf((await upload('', 'format=csv')).body)).toMatchObject({
      code: 'EMPTY_FILE',
      message: expect.stringContaining('The file is empty'),
    });
    expect(errorOf((await upload('\n\n', 'format=csv')).body).code).toBe('EMPTY_FILE');
    expect(errorOf((await upload(`${CUSTOMER_COLUMNS.join(',')}\n`, 'format=csv')).body)).toMatchObject({
      code: 'NO_VALID_ROWS',
      message: expect.stringContaining('no customer rows'),
    });
    const allBad = await upload(`${CUSTOMER_COLUMNS.join(',')}\nA,-1,0,0,0,0,0,0,\n`, 'format=csv');
    expect(errorOf(allBad.body)).toMatchObject({
      code: 'NO_VALID_ROWS',
      errors: [{ line: 2, message: expect.stringContaining('negative') }],
    });
    const emptyWorkbook = new ExcelJS.Workbook();
    emptyWorkbook.addWorksheet('empty');
    expect(errorOf((await upload(Buffer.from(await emptyWorkbook.xlsx.writeBuffer()), 'format=xlsx')).body).code).toBe(
      'EMPTY_FILE',
    );
    expect(await jobCount()).toBe(before);
  });

  it('a file that is not what it claims, a missing format, and the wrong scope', async () => {
    expect(errorOf((await upload(csvOf(3), 'format=xlsx')).body)).toMatchObject({
      code: 'UNREADABLE',
      message: expect.stringContaining('could not be read as XLSX'),
    });
    expect((await upload(csvOf(3), '')).status).toBe(415);
    expect((await upload(csvOf(3), 'format=csv', t.readKey)).status).toBe(403);
    const anonymous = await h.fetch('/jobs/import?format=csv', { method: 'POST', body: csvOf(3) });
    expect(anonymous.status).toBe(401);
  });

  it('a quarter of the connection pool at most imports at once; the next upload is told to come back', async () => {
    // Uploads that send their header and then wait, as a slow client does.
    const held: ReadableStreamDefaultController<Uint8Array>[] = [];
    const slowUpload = () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`${CUSTOMER_COLUMNS.join(',')}\n`));
          held.push(controller);
        },
      });
      return h.fetch('/jobs/import?format=csv', {
        method: 'POST',
        headers: { authorization: `Bearer ${t.partnerKey}` },
        body,
        duplex: 'half',
      } as RequestInit);
    };
    const slots = Math.floor(h.config.database.poolMax / 4);
    const uploads = Array.from({ length: slots }, slowUpload);
    await new Promise((r) => setTimeout(r, 300));
    const refused = await upload(csvOf(2, 3000), 'format=csv');
    expect(refused.status).toBe(503);
    expect(errorOf(refused.body)).toMatchObject({
      code: 'BUSY',
      message: expect.stringContaining('send the file again'),
    });
    for (const controller of held) {
      controller.enqueue(new TextEncoder().encode(`${csvOf(1, 4000 + held.indexOf(controller)).split('\n')[1]}\n`));
      controller.close();
    }
    expect((await Promise.all(uploads)).map((r) => r.status)).toEqual(Array(slots).fill(201));
    expect((await upload(csvOf(2, 3000), 'format=csv')).status).toBe(201);
  });

  it('the job is visible to its tenant only', async () => {
    const r = await upload(csvOf(5, 2000), 'format=csv');
    const other = await h.tenant('stranger');
    const seen = await h.gql(JOB, { auth: other.partnerKey, variables: { id: r.body.job.id } });
    expect(seen.body.data.recommendationJob).toBeNull();
  });
});
