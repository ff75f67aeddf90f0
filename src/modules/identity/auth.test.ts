// Authentication through the real app: every bad credential is a 401 with a message naming the fix,
// answered before parsing, so no resolver runs and nothing is written.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TEST_JWT_SECRET, type Harness, type Tenant } from '../../test/harness.ts';

let h: Harness;
let t: Tenant;

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('auth');
});
afterAll(() => h?.close());

const WRITE = `mutation { createGrower(input: { code: "AUTH-1", name: "Should not exist" }) { __typename } }`;

async function growerCount() {
  const [{ n }] = await h.resources
    .sql`select count(*)::int as n from growers where organization_id = ${t.organizationId}`;
  return n as number;
}

/** Sends the write mutation with the given headers; checks a 401 that ran nothing. */
async function expectRefused(headers: Record<string, string>, message: RegExp) {
  const before = await growerCount();
  const r = await h.gql(WRITE, { headers });
  expect(r.status).toBe(401);
  expect(r.headers.get('www-authenticate')).toBe('Bearer');
  expect(r.headers.get('x-request-id')).toBeTruthy();
  expect(r.body.data).toBeUndefined();
  expect(r.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(r.body.errors?.[0].message).toMatch(message);
  expect(r.statements).toBe(0);
  expect(await growerCount()).toBe(before);
}

function jwt(claims: Record<string, unknown>, options: { secret?: string; exp?: number } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('harvest-graph')
    .setSubject(String(t.adminUserId))
    .setJti(`jti-${Math.random()}`)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

describe('refused credentials', () => {
  it('missing credentials', () => expectRefused({}, /needs credentials.*signIn/));
  it('a non-Bearer Authorization header', () =>
    expectRefused({ authorization: 'Basic dXNlcjpwYXNz' }, /must be "Bearer/));
  it('both Authorization and X-API-Key', () =>
    expectRefused({ authorization: `Bearer ${t.partnerKey}`, 'x-api-key': t.partnerKey }, /not both/));
  it('a malformed API key', () => expectRefused({ authorization: 'Bearer hgk_short' }, /malformed/));
  it('an unknown API key', () =>
    expectRefused({ authorization: `Bearer hgk_000000000000_${'A'.repeat(43)}` }, /not valid/));
  it('a known key id with the wrong secret', () =>
    expectRefused({ authorization: `Bearer ${t.partnerKey.slice(0, 17)}${'B'.repeat(43)}` }, /not valid/));

  it('an expired API key', async () => {
    const key = await t.key(['read', 'write']);
    await h.resources
      .sql`update api_keys set expires_at = now() - interval '1 minute' where key_id = ${key.slice(4, 16)}`;
    await expectRefused({ 'x-api-key': key }, /expired at .* Ask an admin/);
  });

  it('a revoked API key, revoked through the API', async () => {
    const key = await t.key(['read', 'write']);
    expect((await h.gql(`{ viewer { tier } }`, { auth: key })).status).toBe(200);
    const keys = await h.gql(`{ apiKeys(first: 100) { edges { node { id prefix } } } }`, { auth: t.adminToken });
    const id = keys.body.data.apiKeys.edges.find((e: any) => key.startsWith(e.node.prefix)).node.id;
    const revoked = await h.gql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { __typename ... on MutationRevokeApiKeySuccess { data { revokedAt } } } }`,
      {
        auth: t.adminToken,
        variables: { id },
      },
    );
    expect(revoked.body.data.revokeApiKey.data.revokedAt).toBeTruthy();
    await expectRefused({ authorization: `Bearer ${key}` }, /was revoked at/);
  });

  it('a malformed token', () =>
    expectRefused({ authorization: 'Bearer abc.def.ghi' }, /neither an API key nor a valid sign-in token/));
  it('a token signed with another key', async () =>
    expectRefused(
      { authorization: `Bearer ${await jwt({ org: t.organizationId, role: 'admin' }, { secret: 'x'.repeat(40) })}` },
      /neither an API key nor a valid sign-in token/,
    ));
  it('an expired token', async () =>
    expectRefused(
      {
        authorization: `Bearer ${await jwt({ org: t.organizationId, role: 'admin' }, { exp: Math.floor(Date.now() / 1000) - 5 })}`,
      },
      /expired\. Call the signIn mutation/,
    ));
  it('a token naming another organization than its user’s', async () =>
    expectRefused(
      { authorization: `Bearer ${await jwt({ org: t.organizationId + 1000, role: 'admin' })}` },
      /disabled or no longer exists/,
    ));

  it('a token ended by signOut', async () => {
    const signedIn = await h.gql(
      `mutation($e: String!) { signIn(email: $e, password: "correct horse battery staple") { ... on MutationSignInSuccess { data { token } } } }`,
      { variables: { e: `member@${t.slug}.example` } },
    );
    const token = signedIn.body.data.signIn.data.token;
    expect((await h.gql(`mutation { signOut }`, { auth: token })).body.data).toEqual({ signOut: true });
    await expectRefused({ authorization: `Bearer ${token}` }, /ended by signOut/);
  });

  it('a token of a disabled user', async () => {
    const signedIn = await h.gql(
      `mutation($e: String!) { signIn(email: $e, password: "correct horse battery staple") { ... on MutationSignInSuccess { data { token } } } }`,
      { variables: { e: `admin@${t.slug}.example` } },
    );
    const token = signedIn.body.data.signIn.data.token;
    await h.resources.sql`update users set disabled_at = now() where id = ${t.adminUserId}`;
    try {
      await expectRefused({ authorization: `Bearer ${token}` }, /disabled/);
    } finally {
      await h.resources.sql`update users set disabled_at = null where id = ${t.adminUserId}`;
    }
  });
});

describe('sign-in', () => {
  it('signIn needs no credentials and returns a token that works', async () => {
    const r = await h.gql(
      `mutation($e: String!) { signIn(email: $e, password: "correct horse battery staple") {
        __typename ... on MutationSignInSuccess { data { token expiresAt user { email } } } } }`,
      { variables: { e: `MEMBER@${t.slug}.example` } },
    );
    expect(r.status).toBe(200);
    const { token, expiresAt, user } = r.body.data.signIn.data;
    expect(user.email).toBe(`member@${t.slug}.example`);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(h.config.auth.jwtTtlSeconds * 1000);
    const viewer = await h.gql(`{ viewer { tier scopes user { email } organization { slug } } }`, { auth: token });
    expect(viewer.body.data.viewer).toEqual({
      tier: 'USER',
      scopes: ['READ', 'WRITE'],
      user: { email: user.email },
      organization: { slug: t.slug },
    });
  });

  it('a wrong password and an unknown e-mail get the same typed answer', async () => {
    for (const [email, password] of [
      [`member@${t.slug}.example`, 'wrong password!!'],
      ['nobody@nowhere.example', 'whatever-password'],
    ]) {
      const r = await h.gql(
        `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename ... on Error { message } } }`,
        {
          variables: { e: email, p: password },
        },
      );
      expect(r.body.data.signIn.__typename).toBe('InvalidCredentialsError');
    }
  });

  it('an e-mail with SIGN_IN_FAILURES_PER_EMAIL wrong passwords is refused for a while, even with the right one', async () => {
    const locked = await h.tenant('lockout');
    const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) {
      __typename ... on Error { message } ... on TooManySignInFailuresError { retryAfterSeconds } } }`;
    const signIn = async (e: string, p: string) =>
      (await h.gql(SIGN_IN, { variables: { e, p } })).body.data.signIn as Record<string, unknown>;
    const limit = h.config.limits.failures.signInPerEmail;
    expect(limit).toBe(10);
    for (let i = 0; i < limit; i++) {
      // Counted per e-mail, whatever its case.
      const email = i % 2 ? `member@${locked.slug}.example` : `Member@${locked.slug}.EXAMPLE`;
      expect((await signIn(email, `wrong password ${i}`)).__typename).toBe('InvalidCredentialsError');
    }
    const refused = await signIn(`member@${locked.slug}.example`, 'correct horse battery staple');
    expect(refused.__typename).toBe('TooManySignInFailuresError');
    expect(refused.message).toMatch(/Too many failed sign-ins for this e-mail: try again in \d+ s/);
    expect(refused.retryAfterSeconds).toBeGreaterThan(15 * 60 - 60);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    // Another e-mail of the same organization is not affected.
    expect((await signIn(`admin@${locked.slug}.example`, 'correct horse battery staple')).__typename).toBe(
      'MutationSignInSuccess',
    );
  });

  it('anonymous callers may ask for __typename but nothing else', async () => {
    expect((await h.gql(`{ __typename }`)).body.data).toEqual({ __typename: 'Query' });
    expect((await h.gql(`{ __typename viewer { tier } }`)).status).toBe(401);
    expect((await h.gql(`query Q { ...F } fragment F on Query { batches { edges { node { id } } } }`)).status).toBe(
      401,
    );
  });
});

describe('API keys', () => {
  it('an admin creates a key that is shown once and works at once', async () => {
    const r = await h.gql(
      `mutation { createApiKey(input: { name: "ERP sync", scopes: [READ] }) { __typename ... on MutationCreateApiKeySuccess { data { key apiKey { name prefix kind scopes persistedOnly } } } } }`,
      { auth: t.adminToken },
    );
    const { key, apiKey } = r.body.data.createApiKey.data;
    expect(key).toMatch(/^hgk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toEqual({
      name: 'ERP sync',
      prefix: key.slice(0, 16),
      kind: 'PARTNER',
      scopes: ['READ'],
      persistedOnly: false,
    });
    const [row] = await h.resources.sql`select secret_hash from api_keys where key_id = ${key.slice(4, 16)}`;
    expect(row.secret_hash).not.toContain(key.slice(17));
    expect((await h.gql(`{ viewer { tier scopes } }`, { auth: key })).body.data.viewer).toEqual({
      tier: 'PARTNER',
      scopes: ['READ'],
    });
  });

  it('members cannot manage keys, and nobody grants more than they hold', async () => {
    const member = await h.gql(`mutation { createApiKey(input: { name: "x", scopes: [READ] }) { __typename } }`, {
      auth: t.memberToken,
    });
    expect(member.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const internal = await h.gql(
      `mutation { createApiKey(input: { name: "x", kind: INTERNAL, scopes: [READ] }) { __typename ... on ValidationError { field } } }`,
      { auth: t.adminToken },
    );
    expect(internal.body.data.createApiKey).toEqual({ __typename: 'ValidationError', field: 'input.kind' });
    const past = await h.gql(
      `mutation { createApiKey(input: { name: "x", scopes: [READ], expiresAt: "2020-01-01T00:00:00Z" }) { __typename ... on ValidationError { field } } }`,
      { auth: t.adminToken },
    );
    expect(past.body.data.createApiKey).toEqual({ __typename: 'ValidationError', field: 'expiresAt' });
  });
});
