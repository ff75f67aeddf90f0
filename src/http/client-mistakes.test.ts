// Regression tests for client mistakes: a client's mistake is answered as one, naming what
// is wrong, never as a masked INTERNAL_SERVER_ERROR; logs carry no SQL parameters or secrets; CSV
// exports defuse formulas; CORS follows CORS_ORIGINS; anonymous subscriptions stop before resolvers.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyTable } from '../db/tables/index.ts';
import { encodeCursor } from '../lib/cursor.ts';
import { encodeGlobalId } from '../lib/global-id.ts';
import { loggerOptions } from '../lib/log-redaction.ts';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { startHarness, type Harness, type Tenant } from '../test/harness.ts';
import { startRecommendationWorker } from '../modules/recommendations/jobs/tasks.ts';
import { catalogTenant, customerInputs, submit, waitForJob } from '../test/recommendations.ts';

let h: Harness;
let t: Tenant;

beforeAll(async () => {
  h = await startHarness({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  t = await catalogTenant(h, 'mistakes');
  await seedPackhouse(h.resources, t.organizationId, { growers: 3, packhouses: 1, batches: 5, quiet: true });
});
afterAll(() => h?.close());

const codeOf = (r: { body: { errors?: { extensions?: Record<string, any> }[] } }) =>
  r.body.errors?.[0]?.extensions?.code;

describe('client mistakes are answered as such', () => {
  it('NUL in any string, in variables or in the document, is refused naming the field (signIn works anonymously)', async () => {
    const viaVariable = await h.gql(`mutation($e: String!) { signIn(email: $e, password: "x") { __typename } }`, {
      variables: { e: 'a\u0000@b.c' },
    });
    expect(viaVariable.status).toBe(400);
    expect(viaVariable.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('"$e"'),
      extensions: { code: 'BAD_USER_INPUT', field: 'e' },
    });
    const nested = await h.gql(`mutation($i: CreateGrowerInput!) { createGrower(input: $i) { __typename } }`, {
      auth: t.adminToken,
      variables: { i: { code: 'G', name: 'x\u0000' } },
    });
    expect(nested.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'i.name' });
    const literal = await h.gql(`mutation { signIn(email: "a\\u0000b", password: "x") { __typename } }`);
    expect(codeOf(literal)).toBe('BAD_USER_INPUT');
  });

  it('Dates and DateTimes PostgreSQL cannot store are refused by the scalar', async () => {
    for (const from of ['0000-01-01', '2025-02-30']) {
      const r = await h.gql(`query($f: Date) { batches(filter: { intakeFrom: $f }) { edges { node { id } } } }`, {
        auth: t.partnerKey,
        variables: { f: from },
      });
      expect(codeOf(r), from).toBe('BAD_USER_INPUT');
    }
    for (const expiresAt of [
      '0001-01-01T00:00:00+01:00',
      '2025-02-30T00:00:00Z',
      '9999-12-31T23:59:59-14:00',
      '2025-01-01T24:00:00Z',
    ]) {
      const r = await h.gql(
        `mutation($e: DateTime) { createApiKey(input: { name: "x", scopes: [READ], expiresAt: $e }) { __typename } }`,
        { auth: t.adminToken, variables: { e: expiresAt } },
      );
      expect(codeOf(r), expiresAt).toBe('BAD_USER_INPUT');
    }
  });

  it('ids beyond int4 in mutation and filter arguments find nothing', async () => {
    const huge = encodeGlobalId('Grower', '2147483648');
    const update = await h.gql(`mutation($id: ID!) { updateGrower(id: $id, input: { name: "x" }) { __typename } }`, {
      auth: t.adminToken,
      variables: { id: huge },
    });
    expect(update.body.data.updateGrower.__typename).toBe('NotFoundError');
    const filter = await h.gql(`query($g: ID!) { batches(filter: { grower: $g }) { edges { node { id } } } }`, {
      auth: t.partnerKey,
      variables: { g: huge },
    });
    expect(filter.body).toEqual({ data: { batches: { edges: [] } }, extensions: expect.anything() });
  });

  it('an id naming a type the schema does not have is refused, in node and nodes (found by the fuzzer)', async () => {
    const id = encodeGlobalId('Nope', 1);
    const r = await h.gql(`query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }`, {
      auth: t.partnerKey,
      variables: { id },
    });
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });

  it('edited cursors are refused (out-of-range numbers, impossible dates, NUL)', async () => {
    const first = await h.gql(`{ batches(first: 1) { pageInfo { endCursor } } }`, { auth: t.partnerKey });
    const [list, ...values] = JSON.parse(
      Buffer.from(first.body.data.batches.pageInfo.endCursor, 'base64url').toString(),
    );
    const edits = [
      values.map((v: unknown) => (typeof v === 'number' ? 2_147_483_648 : v)),
      values.map((v: unknown) => (typeof v === 'string' ? '2025-02-30T00:00:00.000+00' : v)),
      values.map((v: unknown) => (typeof v === 'string' ? '2025-13-45' : v)),
    ];
    for (const edited of edits) {
      const r = await h.gql(`query($a: String) { batches(first: 1, after: $a) { edges { node { id } } } }`, {
        auth: t.partnerKey,
        variables: { a: encodeCursor(list, edited) },
      });
      expect(codeOf(r), JSON.stringify(edited)).toBe('BAD_USER_INPUT');
    }
  });

  it('a ValidationError thrown from a query field keeps its message and field', async () => {
    const r = await h.gql(`{ persistedOperations(manifest: "Not A Name") { edges { node { id } } } }`, {
      auth: t.internalKey,
    });
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(r.body.errors?.[0].message).not.toMatch(/Unexpected error/);
  });

  it('a non-string query, non-object variables and very deep variables are 400s', async () => {
    const post = (body: string) =>
      h.fetch('/graphql', {
        method: 'POST',
        headers: { authorization: `Bearer ${t.partnerKey}`, 'content-type': 'application/json' },
        body,
      });
    for (const body of [
      '{"query":123}',
      '{"query":{}}',
      '{"query":"{ __typename }","variables":[]}',
      `{"query":"query($v: String) { __typename }","variables":{"v":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}}`,
    ]) {
      const res = await post(body);
      expect(res.status, body.slice(0, 40)).toBe(400);
      expect(JSON.stringify(await res.json())).not.toContain('INTERNAL_SERVER_ERROR');
    }
    const get = await h.fetch('/graphql?query=%7B__typename%7D&variables=nope', {
      headers: { authorization: `Bearer ${t.partnerKey}` },
    });
    expect(get.status).toBe(400);
  });
});

describe('logs', () => {
  it('never carry SQL parameters, secrets or hashes: a failed key insert logs its code and statement, not the hash', async () => {
    let out = '';
    const log = pino(
      loggerOptions('info', 'test'),
      new Writable({ write: (chunk, _e, done) => ((out += chunk), done()) }),
    );
    const secretHash = 'deadbeef'.repeat(8);
    const [existing] = await h.resources.db.select().from(apiKeyTable).limit(1);
    const err = await h.resources.db
      .insert(apiKeyTable)
      .values({ organizationId: t.organizationId, name: 'dup', keyId: existing.keyId, secretHash })
      .catch((e: unknown) => e);
    log.error({ err, headers: { authorization: `Bearer ${t.internalKey}` } }, 'unexpected error');
    expect(out).toContain('23505');
    expect(out).toContain('insert into');
    expect(out).not.toContain(secretHash);
    expect(out).not.toContain(existing.keyId);
    expect(out).not.toContain(t.internalKey);
  });
});

describe('CSV exports', () => {
  it('write formula cells with a leading apostrophe', async () => {
    const worker = await startRecommendationWorker(h.resources, { concurrency: 1 });
    try {
      const customers = customerInputs(4, 7_000).map((c, i) => ({
        ...c,
        customerRef: ['=HYPERLINK("http://x")', '+1+1', '@SUM(A1)', '-2+3'][i],
      }));
      const { job } = await submit(h, t.partnerKey, { customers });
      await waitForJob(h, t.partnerKey, job.id);
      const res = await h.fetch(`/jobs/${job.id}/results.csv`, {
        headers: { authorization: `Bearer ${t.partnerKey}` },
      });
      const refs = (await res.text())
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[0]);
      expect(refs).toEqual([`"'=HYPERLINK(""http://x"")"`, "'+1+1", "'@SUM(A1)", "'-2+3"]);
    } finally {
      await worker.stop();
    }
  });
});

describe('CORS and subscriptions', () => {
  it('allows credentialed CORS only for CORS_ORIGINS', async () => {
    const preflight = (origin: string) =>
      h.fetch('/graphql', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const good = await preflight('https://app.example.com');
    expect(good.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(good.headers.get('access-control-allow-credentials')).toBe('true');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).not.toBe('*');
  });

  it('an anonymous subscription is refused before its resolver runs', async () => {
    const res = await h.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: `subscription { recommendationJobProgress(id: "${encodeGlobalId('RecommendationJob', 1)}") { status } }`,
      }),
    });
    const text = await res.text();
    expect(text).toContain('UNAUTHENTICATED');
    expect(text).not.toContain('INTERNAL_SERVER_ERROR');
  });
});
