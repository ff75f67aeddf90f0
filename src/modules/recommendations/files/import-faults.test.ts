// Imports that go wrong always settle: a refused COPY, a NUL byte, a truncated or inflating
// workbook and a stalled upload each answer promptly, and leave no temporary file, no open or aborted
// transaction and no taken import slot behind. After every bad upload `expectClean` checks all three.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_COLUMNS, customerRecord, customerRow } from '../../../../seeds/customers.ts';
import { startHarness, type Harness, type Tenant } from '../../../test/harness.ts';
import { catalogTenant } from '../../../test/recommendations.ts';
import { sheetXml, xlsxWithSheet } from '../../../test/zip.ts';

let h: Harness;
let t: Tenant;
let spool: string;
const originalTmp = process.env.TMPDIR;

beforeAll(async () => {
  // A temp folder of this file's own, so the check sees only what these imports leave.
  spool = await mkdtemp(join(tmpdir(), 'hg-import-faults-'));
  process.env.TMPDIR = spool;
  h = await startHarness({ env: { JOB_CHUNK_SIZE: '500', IMPORT_IDLE_SECONDS: '1', IMPORT_DEADLINE_SECONDS: '3' } });
  t = await catalogTenant(h, 'import-faults');
  // A real refusal of the COPY data by PostgreSQL for one customer reference, in this file's database.
  await h.resources.sql.unsafe(`
    create function hg_test_refuse_customer() returns trigger language plpgsql as $$
    begin
      if new.customer_ref = 'REFUSE-ME' then raise exception 'refused by the test trigger'; end if;
      return new;
    end $$;
    create trigger hg_test_refuse_customer before insert on recommendation_job_customers
      for each row execute function hg_test_refuse_customer();`);
});
afterAll(async () => {
  await h?.close();
  process.env.TMPDIR = originalTmp;
  if (spool) await rm(spool, { recursive: true, force: true });
});

function csvOf(count: number, start = 0, extra: string[] = []): string {
  const lines = [CUSTOMER_COLUMNS.join(',')];
  for (let i = start; i < start + count; i++) {
    const r = customerRecord(customerRow(3, i));
    lines.push(CUSTOMER_COLUMNS.map((c) => r[c]).join(','));
  }
  return `${[...lines, ...extra].join('\n')}\n`;
}

type Upload = { status: number; body: any; ms: number };

async function upload(body: BodyInit | Buffer, query: string): Promise<Upload> {
  const started = performance.now();
  const res = await h.fetch(`/jobs/import?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.partnerKey}` },
    body: body as BodyInit,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as any, ms: performance.now() - started };
}

let fresh = 0;
/** Nothing left behind: no temp file, no transaction open on this database, both import slots free. */
async function expectClean() {
  expect(await readdir(spool)).toEqual([]);
  const open = await h.resources.sql<{ state: string; query: string }[]>`
    select state, query from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`;
  expect(open).toEqual([]);
  const slots = Math.max(1, Math.floor(h.config.database.poolMax / 4));
  const again = await Promise.all(
    Array.from({ length: slots }, () => upload(csvOf(2, 50_000 + 10 * fresh++), 'format=csv')),
  );
  expect(again.map((r) => r.status)).toEqual(Array(slots).fill(201));
}

/**
 * `r` was refused: HTTP `status`, its first error coded `code` and naming `mention`, answered within
 * `withinMs` when given; and nothing was left behind.
 */
async function expectRefusal(r: Upload, status: number, code: string, mention: string, withinMs?: number) {
  expect(r.status).toBe(status);
  expect(r.body.errors[0]).toMatchObject({ message: expect.stringContaining(mention), extensions: { code } });
  if (withinMs !== undefined) expect(r.ms).toBeLessThan(withinMs);
  await expectClean();
}

describe('CSV', () => {
  it('a NUL byte in a cell refuses that row, naming it, and imports the rest', async () => {
    const r = await upload(csvOf(3, 0, ['NUL\u0000REF,1,2,3,4,5,6,7,', 'CUST-OK,1\u0000,2,3,4,5,6,7,']), 'format=csv');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ imported: 3, rejectedRows: 2 });
    expect(r.body.errors).toEqual([
      { line: 5, message: expect.stringContaining('customer_ref holds a control character') },
      { line: 6, message: expect.stringContaining('online_shopping') },
    ]);
    await expectClean();
  });

  it('PostgreSQL refusing the COPY after the last chunk answers 422 and releases everything', async () => {
    const r = await upload(csvOf(3, 100, ['REFUSE-ME,1,2,3,4,5,6,7,']), 'format=csv');
    await expectRefusal(r, 422, 'UNREADABLE', 'refused by the test trigger', 3_000);
  });

  it('PostgreSQL refusing the COPY mid-stream answers 422 and releases everything', async () => {
    const lines = csvOf(20_000, 200).trim().split('\n');
    lines.splice(3, 0, 'REFUSE-ME,1,2,3,4,5,6,7,');
    const r = await upload(`${lines.join('\n')}\n`, 'format=csv');
    expect(r.status).toBe(422);
    expect(r.body.errors[0].extensions.code).toBe('UNREADABLE');
    await expectClean();
  });

  it('the multipart mutation answers a refused COPY as ImportRefused, not a timeout', async () => {
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: `mutation($file: File!) { importRecommendationJob(file: $file) { __typename ... on ImportRefused { code message } } }`,
        variables: { file: null },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([csvOf(2, 300, ['REFUSE-ME,1,2,3,4,5,6,7,'])], { type: 'text/csv' }), 'customers.csv');
    const res = await h.app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.partnerKey}`, 'x-graphql-yoga-csrf': '1' },
      body: form,
    });
    const body = (await res.json()) as any;
    expect(body.data.importRecommendationJob).toMatchObject({ __typename: 'ImportRefused', code: 'UNREADABLE' });
    await expectClean();
  });
});

describe('a slow upload is cut off and frees its slot', () => {
  function trickle(lines: string[], everyMs: number, thenStall = false) {
    let timer: NodeJS.Timeout;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        let i = 0;
        timer = setInterval(() => {
          if (i < lines.length) controller.enqueue(new TextEncoder().encode(`${lines[i++]}\n`));
          else if (!thenStall) {
            clearInterval(timer);
            controller.close();
          }
        }, everyMs);
      },
      cancel() {
        clearInterval(timer);
      },
    });
  }

  it('nothing sent for IMPORT_IDLE_SECONDS: 408', async () => {
    const r = await upload(trickle([CUSTOMER_COLUMNS.join(',')], 10, true), 'format=csv');
    await expectRefusal(r, 408, 'TOO_SLOW', 'IMPORT_IDLE_SECONDS', 2_500);
  });

  it('a line every 200 ms, past IMPORT_DEADLINE_SECONDS: 408', async () => {
    const r = await upload(trickle(csvOf(100, 400).trim().split('\n'), 200), 'format=csv');
    await expectRefusal(r, 408, 'TOO_SLOW', 'IMPORT_DEADLINE_SECONDS', 4_500);
  });
});

describe('XLSX: temporary files never stay', () => {
  const header = [...CUSTOMER_COLUMNS];
  const rows = (n: number, start: number) =>
    Array.from({ length: n }, (_, i) => {
      const r = customerRecord(customerRow(3, start + i));
      return CUSTOMER_COLUMNS.map((c, j) => (j === 0 ? String(r[c]) : r[c] === '' ? 0 : Number(r[c])));
    });

  it('a good workbook with inline strings and no shared strings (read as it arrives)', async () => {
    const r = await upload(xlsxWithSheet(sheetXml([header, ...rows(50, 600)])), 'format=xlsx');
    expect(r.body).toMatchObject({ imported: 50 });
    expect(r.status).toBe(201);
    expect(r.body.imported).toBe(50);
    await expectClean();
  });

  it('a good workbook whose sheet refers to shared strings stored after it (spooled)', async () => {
    const lines = [header, ...rows(50, 900)];
    const texts = [...new Set(lines.flat().filter((v): v is string => typeof v === 'string'))];
    const column = (j: number) => String.fromCharCode(65 + j);
    const sheet = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${lines
      .map(
        (r, i) =>
          `<row r="${i + 1}">${r
            .map((v, j) =>
              typeof v === 'string'
                ? `<c r="${column(j)}${i + 1}" t="s"><v>${texts.indexOf(v)}</v></c>`
                : `<c r="${column(j)}${i + 1}"><v>${v}</v></c>`,
            )
            .join('')}</row>`,
      )
      .join('')}</sheetData></worksheet>`;
    const strings = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${texts
      .map((t) => `<si><t>${t}</t></si>`)
      .join('')}</sst>`;
    const r = await upload(xlsxWithSheet(sheet, [{ name: 'xl/sharedStrings.xml', data: strings }]), 'format=xlsx');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ imported: 50, rejectedRows: 0 });
    const [{ refs }] = await h.resources.sql<{ refs: string[] }[]>`
      select array_agg(customer_ref order by seq) as refs from recommendation_job_customers where job_id = ${Number(Buffer.from(r.body.job.id, 'base64url').toString().split(':')[1])}`;
    expect(refs).toEqual(lines.slice(1).map((l) => l[0]));
    await expectClean();
  });

  it('a workbook truncated after its sheet', async () => {
    const file = xlsxWithSheet(sheetXml([header, ...rows(500, 700)]));
    const r = await upload(file.subarray(0, Math.floor(file.length * 0.8)), 'format=xlsx');
    expect(r.status).toBe(422);
    expect(r.body.errors[0].extensions.code).toMatch(/UNREADABLE|EMPTY_FILE/);
    await expectClean();
  });

  it('a zip bomb (a few hundred KB inflating past the spool limit) is refused', async () => {
    // 100 MB of whitespace inside the sheet data deflates to ~100 KB.
    const padding = Buffer.alloc(100 * 1024 * 1024, 0x20);
    const sheet = Buffer.concat([
      Buffer.from(sheetXml([header, ...rows(2, 800)]).replace('</sheetData></worksheet>', '')),
      padding,
      Buffer.from('</sheetData></worksheet>'),
    ]);
    const bomb = xlsxWithSheet(sheet);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const r = await upload(bomb, 'format=xlsx');
    await expectRefusal(r, 413, 'TOO_LARGE', 'inflates');
  });
});
