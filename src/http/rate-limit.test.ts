// Rate limits with the production values (100 per 60 s and 20 per 10 s), on Redis: the 429 answer,
// the RateLimit headers, per-key limits, per-user and per-address limits. The accuracy of the two
// sliding windows over a full minute is in rate-limit-accuracy.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type Tenant } from '../test/harness.ts';

let h: Harness;
let t: Tenant;

beforeAll(async () => {
  h = await startHarness({
    redis: true,
    env: { RATE_LIMIT_POINTS: '100', RATE_LIMIT_BURST_POINTS: '20', CLIENT_IP_HEADER: 'Fly-Client-IP' },
  });
  t = await h.tenant('limits');
});
afterAll(() => h?.close());

const ping = (auth?: string, headers?: Record<string, string>) => h.gql('{ __typename }', { auth, headers });

describe('per API key', () => {
  it('allows 20 quick requests, then answers 429 with Retry-After and RATE_LIMITED', async () => {
    const key = await t.key(['read']);
    for (let i = 1; i <= 20; i++) {
      const r = await ping(key);
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBe('20');
      expect(r.headers.get('ratelimit-remaining')).toBe(String(20 - i));
      expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(9);
      expect(r.headers.get('ratelimit-policy')).toBe('100;w=60, 20;w=10');
    }
    const refused = await ping(key);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.body.errors?.[0].message).toMatch(/20 requests per 10 s/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(9);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(refused.body.errors?.[0].extensions?.retryAfterSeconds).toBe(retryAfter);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.statements).toBe(0);
    // Another key of the same organization is not affected.
    expect((await ping(t.readKey)).status).toBe(200);
  });

  it("uses the key's own requests per minute, with a burst window scaled to match", async () => {
    const slow = await t.key(['read'], { rateLimitPerMinute: 5 });
    const first = await ping(slow);
    expect(first.headers.get('ratelimit-policy')).toBe('5;w=60, 1;w=10');
    expect((await ping(slow)).status).toBe(429);

    const fast = await t.key(['read'], { rateLimitPerMinute: 1000 });
    const statuses = await Promise.all(Array.from({ length: 30 }, () => ping(fast).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await ping(fast)).headers.get('ratelimit-policy')).toBe('1000;w=60, 200;w=10');
  });

  it('puts the headers on error answers too', async () => {
    const key = await t.key(['read']);
    const invalid = await h.gql('{ nope }', { auth: key });
    expect(invalid.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(invalid.headers.get('ratelimit-remaining')).toBe('19');
  });
});

describe('per user and per address', () => {
  it('limits each signed-in user on their own', async () => {
    const other = await h.tenant('users');
    for (let i = 0; i < 20; i++) expect((await ping(other.memberToken)).status).toBe(200);
    expect((await ping(other.memberToken)).status).toBe(429);
    expect((await ping(other.adminToken)).status).toBe(200);
  });

  it('limits anonymous callers by the client address header', async () => {
    const from = (ip: string) => ping(undefined, { 'Fly-Client-IP': ip });
    for (let i = 0; i < 20; i++) expect((await from('203.0.113.7')).status).toBe(200);
    expect((await from('203.0.113.7')).status).toBe(429);
    expect((await from('203.0.113.8')).status).toBe(200);
  });
});

describe('job file routes', () => {
  const download = (auth: string) =>
    h.fetch('/jobs/UmVjb21tZW5kYXRpb25Kb2I6OTk5OTk5/results.csv', { headers: { authorization: `Bearer ${auth}` } });

  it('count against the same limit as GraphQL, with the same 429 answer and headers', async () => {
    // 5 per minute: a burst window of 1 request per 10 s.
    const key = await t.key(['read'], { rateLimitPerMinute: 5 });
    const first = await download(key);
    expect(first.status).toBe(404);
    expect(first.headers.get('ratelimit-policy')).toBe('5;w=60, 1;w=10');
    expect(first.headers.get('ratelimit-remaining')).toBe('0');
    const refused = await download(key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(9);
    const body = (await refused.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0].message).toMatch(/this API key/);
    // The budget is shared: the GraphQL request after the download is refused too, and the other way round.
    expect((await ping(key)).status).toBe(429);
    const other = await t.key(['read'], { rateLimitPerMinute: 5 });
    expect((await ping(other)).status).toBe(200);
    expect((await download(other)).status).toBe(429);
  });

  it('a refused import reads none of its body and creates no job', async () => {
    const key = await t.key(['read', 'write'], { rateLimitPerMinute: 5 });
    expect((await ping(key)).status).toBe(200);
    const jobsBefore = await h.resources
      .sql`select count(*)::int as n from recommendation_jobs where organization_id = ${t.organizationId}`;
    const r = await h.fetch('/jobs/import?format=csv', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body: 'customer_id,online_shopping\nc1,100\n',
    });
    expect(r.status).toBe(429);
    const jobsAfter = await h.resources
      .sql`select count(*)::int as n from recommendation_jobs where organization_id = ${t.organizationId}`;
    expect(jobsAfter[0].n).toBe(jobsBefore[0].n);
  });
});
