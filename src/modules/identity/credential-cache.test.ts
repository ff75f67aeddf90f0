// Verified credentials are kept by the process (credential-cache.ts) and forgotten the moment one
// changes: a write of this process forgets at once, another process's write arrives as a PostgreSQL
// notification, and an expiry is checked on every use. Through the real app and database.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type Tenant } from '../../test/harness.ts';
import { waitFor } from '../../test/leads.ts';
import { withTableLocked } from '../../test/locks.ts';

let h: Harness;
let t: Tenant;
let other: postgres.Sql;

beforeAll(async () => {
  // A short deadline, so a key lookup stalled behind a lock answers 503 quickly.
  h = await startHarness({ env: { REQUEST_TIMEOUT_MS: '500' } });
  t = await h.tenant('credential-cache');
  // Another process's connection, as `npm run key:revoke` or an operator's psql would use.
  other = postgres(h.db.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await other?.end();
  await h?.close();
});

const viewer = (headers: Record<string, string>) =>
  h.fetch('/graphql?query=%7Bviewer%7Btier%7D%7D', { headers }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] },
  }));
const keyIdOf = (key: string) => key.slice(4, 16);

/** The first 401 the key gets, asking until `timeoutMs` has passed (`what` names the wait in a timeout). */
const refusedWithin = (key: string, what: string, timeoutMs: number) =>
  waitFor(
    what,
    async () => {
      const r = await viewer({ authorization: `Bearer ${key}` });
      return r.status === 401 && r;
    },
    timeoutMs,
  );

/**
 * Uses the credential until the process keeps it (the first use also starts listening): until it is
 * answered while `table`, where it is looked up, is locked.
 */
async function cached(headers: Record<string, string>, table = 'api_keys') {
  await waitFor('the credential to be kept', async () => {
    expect((await viewer(headers)).status).toBe(200);
    return withTableLocked(h.db.url, table, async () => (await viewer(headers)).status === 200);
  });
}

describe('a verified credential', () => {
  it('is not read from the database again: it answers while api_keys is locked, and a new key does not', async () => {
    const key = await t.key(['read']);
    await cached({ authorization: `Bearer ${key}` });
    const fresh = await t.key(['read']);
    const checks = async () =>
      Object.fromEntries(
        (await h.resources.metrics.credentialChecks.get()).values.map((v) => [v.labels.source, v.value]),
      ) as Record<'kept' | 'database', number>;
    const before = await checks();
    await withTableLocked(h.db.url, 'api_keys', async () => {
      expect((await viewer({ authorization: `Bearer ${key}` })).status).toBe(200);
      expect((await viewer({ 'x-api-key': key })).status).toBe(200);
      const stalled = await viewer({ authorization: `Bearer ${fresh}` });
      expect(stalled.status).toBe(503);
      expect(stalled.body.errors?.[0].extensions?.code).toBe('REQUEST_TIMEOUT');
    });
    // What /metrics reports (hg_credential_checks_total): two kept, one read from the database.
    const after = await checks();
    expect(after.kept - before.kept).toBe(2);
    expect(after.database - before.database).toBe(1);
  });

  it('with a wrong secret is a different credential, looked up and refused', async () => {
    const key = await t.key(['read']);
    await cached({ authorization: `Bearer ${key}` });
    const wrong = `${key.slice(0, 17)}${'A'.repeat(43)}`;
    const r = await viewer({ authorization: `Bearer ${wrong}` });
    expect(r.status).toBe(401);
    expect(r.body.errors?.[0].message).toMatch(/not valid/);
  });

  it('revoked by another process stops working as soon as PostgreSQL tells this one', async () => {
    const key = await t.key(['read']);
    await cached({ authorization: `Bearer ${key}` });
    await other`update api_keys set revoked_at = now() where key_id = ${keyIdOf(key)}`;
    const refused = await refusedWithin(key, 'the revocation to be heard', 2_000);
    expect(refused.body.errors?.[0].message).toMatch(/was revoked at/);
  });

  it('of a user demoted by another process loses the admin scope as soon as PostgreSQL tells this one', async () => {
    const token = t.adminToken;
    const scopes = async () =>
      ((await h.gql(`{ viewer { scopes } }`, { auth: token })).body.data.viewer.scopes as string[]).join(',');
    await cached({ authorization: `Bearer ${token}` }, 'users');
    expect(await scopes()).toBe('READ,WRITE,ADMIN');
    await other`update users set role = 'member' where id = ${t.adminUserId}`;
    try {
      await waitFor('the demotion to be heard', async () => (await scopes()) === 'READ,WRITE', 2_000);
    } finally {
      await other`update users set role = 'admin' where id = ${t.adminUserId}`;
      await waitFor('the promotion to be heard', async () => (await scopes()) === 'READ,WRITE,ADMIN', 2_000);
    }
  });

  it('that expires is refused at its expiry, however recently it was verified', async () => {
    const key = await t.key(['read'], { expiresAt: new Date(Date.now() + 1_500).toISOString() });
    await cached({ authorization: `Bearer ${key}` });
    const refused = await refusedWithin(key, 'the key to expire', 5_000);
    expect(refused.body.errors?.[0].message).toMatch(/expired at/);
  });

  it('revoked through the API is refused on the very next request', async () => {
    const key = await t.key(['read']);
    await cached({ authorization: `Bearer ${key}` });
    const keys = await h.gql(`{ apiKeys(first: 100) { edges { node { id prefix } } } }`, { auth: t.adminToken });
    const id = keys.body.data.apiKeys.edges.find((e: any) => key.startsWith(e.node.prefix)).node.id;
    await h.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`, {
      auth: t.adminToken,
      variables: { id },
    });
    expect((await viewer({ authorization: `Bearer ${key}` })).status).toBe(401);
  });

  it('is forgotten when the connection that hears changes is lost, and changes are heard again after', async () => {
    const key = await t.key(['read']);
    await cached({ authorization: `Bearer ${key}` });
    expect(h.resources.credentials.size).toBeGreaterThan(0);
    const killed = await other`
      select pg_terminate_backend(pid) as done from pg_stat_activity
      where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
    expect(killed.length).toBeGreaterThan(0);
    // postgres.js listens again; what changed meanwhile was not heard, so everything is forgotten.
    await waitFor('the cache to be emptied', async () => h.resources.credentials.size === 0, 5_000);
    await cached({ authorization: `Bearer ${key}` });
    await other`update api_keys set revoked_at = now() where key_id = ${keyIdOf(key)}`;
    await waitFor(
      'the revocation to be heard after reconnecting',
      async () => (await viewer({ authorization: `Bearer ${key}` })).status === 401,
      2_000,
    );
  });
});
