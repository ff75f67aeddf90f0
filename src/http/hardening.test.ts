// Regression tests for hardening: malformed Host headers, job file routes that
// answered 500 text/plain with SQL, keys with more than their creator, keys of disabled users.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../lib/global-id.ts';
import { createUser } from '../modules/identity/service.ts';
import { signToken } from '../modules/identity/secrets.ts';
import { startHarness, type Harness, type Tenant } from '../test/harness.ts';
import { guardRequestUrl } from './request-url-guard.ts';

let h: Harness;
let t: Tenant;
let server: Server;
let port: number;

beforeAll(async () => {
  // The platform's own rate limit (100 a minute), so "more than its creator" means something.
  h = await startHarness({ env: { RATE_LIMIT_POINTS: '100', RATE_LIMIT_BURST_POINTS: '100' } });
  t = await h.tenant('hardening');
  server = createServer(guardRequestUrl(h.app)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server?.close();
  await h?.close();
});

/** One raw HTTP/1.1 request, as a careless client or an attacker writes it. */
async function raw(head: string): Promise<{ status: number; text: string }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`${head}\r\nConnection: close\r\n\r\n`);
  let text = '';
  socket.on('data', (d) => (text += d));
  await once(socket, 'close');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text };
}

describe('malformed Host header', () => {
  for (const host of ['[::1', 'a b', 'x:99999', 'exa mple.com:80']) {
    it(`Host: ${host} → 400 without a stack, on any route`, async () => {
      for (const path of ['/graphql', '/health', '/jobs/import']) {
        const r = await raw(`GET ${path} HTTP/1.1\r\nHost: ${host}`);
        expect(r.status, `${path}`).toBe(400);
        expect(r.text).toContain('malformed Host header');
        expect(r.text).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+/);
      }
    });
  }

  it('a sane Host is served as before', async () => {
    expect((await raw(`GET /health HTTP/1.1\r\nHost: localhost:${port}`)).status).toBe(200);
  });
});

describe('job file routes answer JSON and mask what they did not expect', () => {
  const auth = () => ({ authorization: `Bearer ${t.partnerKey}` });

  it('a job id beyond int4 is not found, not a 500 with SQL', async () => {
    for (const local of ['2147483648', '999999999999']) {
      const res = await h.fetch(`/jobs/${encodeGlobalId('RecommendationJob', local)}/results.csv`, { headers: auth() });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
    }
  });

  it('a NUL or control character in ?name= is refused, naming the parameter', async () => {
    for (const name of ['a%00b', 'line%0Abreak', 'x'.repeat(201)]) {
      const res = await h.fetch(`/jobs/import?format=csv&name=${name}`, {
        method: 'POST',
        headers: auth(),
        body: 'customer_ref,online_shopping\n',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        errors: [{ message: expect.stringContaining('name'), extensions: { code: 'BAD_NAME' } }],
      });
    }
  });

  it('an unexpected failure is a masked JSON 500 with an error id, the cause only in the log', async () => {
    // A real failure PostgreSQL raises on this file's database only, for one job name.
    await h.resources.sql.unsafe(`
      create function hg_test_explode() returns trigger language plpgsql as $$
      begin if new.name = 'explode' then raise exception 'secret detail from the database'; end if; return new; end $$;
      create trigger hg_test_explode before insert on recommendation_jobs for each row execute function hg_test_explode();`);
    const res = await h.fetch('/jobs/import?format=csv&name=explode', {
      method: 'POST',
      headers: auth(),
      body: 'customer_ref,online_shopping,groceries,dining,travel,fuel,utilities,other\nA,1,1,1,1,1,1,1\n',
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as any;
    expect(body.errors[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) });
    expect(JSON.stringify(body)).not.toMatch(/secret detail|insert into|recommendation_jobs|node_modules/);
  });
});

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename
  ... on MutationCreateApiKeySuccess { data { key apiKey { rateLimitPerMinute } } }
  ... on ValidationError { field message } } }`;

describe('a key never gets more than its creator has', () => {
  it('an admin user cannot give a key more than the platform limit it has itself', async () => {
    const big = await h.gql(CREATE, {
      auth: t.adminToken,
      variables: { input: { name: 'greedy', scopes: ['READ'], rateLimitPerMinute: 100_000 } },
    });
    expect(big.body.data.createApiKey).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.rateLimitPerMinute',
      message: expect.stringContaining('100 requests a minute'),
    });
    const same = await h.gql(CREATE, {
      auth: t.adminToken,
      variables: { input: { name: 'fair', scopes: ['READ'], rateLimitPerMinute: 100 } },
    });
    expect(same.body.data.createApiKey.__typename).toBe('MutationCreateApiKeySuccess');
  });

  it('a key with a low limit passes it on, also when it names none', async () => {
    const slow = await t.key(['read', 'admin'], { rateLimitPerMinute: 5 });
    const more = await h.gql(CREATE, {
      auth: slow,
      variables: { input: { name: 'more', scopes: ['READ'], rateLimitPerMinute: 6 } },
    });
    expect(more.body.data.createApiKey).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.rateLimitPerMinute',
    });
    const unnamed = await h.gql(CREATE, { auth: slow, variables: { input: { name: 'unnamed', scopes: ['READ'] } } });
    expect(unnamed.body.data.createApiKey.data.apiKey.rateLimitPerMinute).toBe(5);
  });
});

describe('disabled users', () => {
  it('their API keys and tokens stop at once, and work again once enabled; only admins may, never on themselves', async () => {
    const other = await createUser(h.resources.db, {
      organizationId: t.organizationId,
      email: `second-admin@${t.slug}.example`,
      name: 'Second',
      password: 'correct horse battery staple',
      role: 'admin',
    });
    const otherToken = (
      await signToken(
        { userId: other.id, organizationId: t.organizationId, role: 'admin' },
        h.config.auth.jwtSecret,
        900,
      )
    ).token;
    const created = await h.gql(CREATE, {
      auth: otherToken,
      variables: { input: { name: 'made by second', scopes: ['READ', 'ADMIN'] } },
    });
    const key = created.body.data.createApiKey.data.key;
    const viewer = (auth: string) => h.gql(`{ viewer { scopes } }`, { auth });
    expect((await viewer(key)).status).toBe(200);

    const SET = `mutation($id: ID!, $disabled: Boolean!) { setUserDisabled(id: $id, disabled: $disabled) { __typename
      ... on MutationSetUserDisabledSuccess { data { disabledAt } } ... on ValidationError { field } ... on NotFoundError { message } } }`;
    const id = encodeGlobalId('User', other.id);
    const byMember = await h.gql(SET, { auth: t.memberToken, variables: { id, disabled: true } });
    expect(byMember.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const self = await h.gql(SET, {
      auth: t.adminToken,
      variables: { id: encodeGlobalId('User', t.adminUserId), disabled: true },
    });
    expect(self.body.data.setUserDisabled).toEqual({ __typename: 'ValidationError', field: 'id' });
    const stranger = await h.tenant('stranger');
    const foreign = await h.gql(SET, { auth: stranger.adminToken, variables: { id, disabled: true } });
    expect(foreign.body.data.setUserDisabled.__typename).toBe('NotFoundError');

    const off = await h.gql(SET, { auth: t.adminToken, variables: { id, disabled: true } });
    expect(off.body.data.setUserDisabled.data.disabledAt).toMatch(/^\d{4}-/);
    for (const auth of [key, otherToken]) {
      const r = await viewer(auth);
      expect(r.status).toBe(401);
      expect(r.body.errors?.[0].message).toMatch(/disabled/);
    }
    const files = await h.fetch(`/jobs/${encodeGlobalId('RecommendationJob', 1)}/results.csv`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(files.status).toBe(401);

    const on = await h.gql(SET, { auth: t.adminToken, variables: { id, disabled: false } });
    expect(on.body.data.setUserDisabled.data.disabledAt).toBeNull();
    expect((await viewer(key)).body.data.viewer.scopes).toEqual(['READ', 'ADMIN']);
  });

  it('a key loses the scopes its creator no longer has', async () => {
    const made = await h.gql(CREATE, {
      auth: t.adminToken,
      variables: { input: { name: 'admin key', scopes: ['READ', 'WRITE', 'ADMIN'] } },
    });
    const key = made.body.data.createApiKey.data.key;
    await h.resources.sql`update users set role = 'member' where id = ${t.adminUserId}`;
    try {
      expect((await h.gql(`{ viewer { scopes } }`, { auth: key })).body.data.viewer.scopes).toEqual(['READ', 'WRITE']);
    } finally {
      await h.resources.sql`update users set role = 'admin' where id = ${t.adminUserId}`;
    }
  });
});
