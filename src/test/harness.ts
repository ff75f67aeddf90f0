// The real app on a fresh database: `const h = await startHarness()` in beforeAll, `h.close()` in afterAll.
// Requests go through app.fetch() with no port; tenants created per test keep tests independent.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createApp, type App } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import type { Scope } from '../context.ts';
import { createApiKey, createOrganization, createUser } from '../modules/identity/service.ts';
import { signToken } from '../modules/identity/secrets.ts';
import { createResources, type ResourceOptions, type Resources } from '../resources.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export type GqlResult<T = any> = {
  status: number;
  headers: Headers;
  body: {
    data?: T;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, any> }[];
    extensions?: Record<string, any>;
  };
  /** The response body as it came. */
  text: string;
  /** SQL statements the operation sent (X-SQL-Statements). */
  statements: number;
};

export type GqlOptions = {
  variables?: Record<string, unknown>;
  auth?: string;
  headers?: Record<string, string>;
  operationName?: string;
};

export type Harness = {
  db: TestDatabase;
  config: Config;
  resources: Resources;
  app: App;
  gql<T = any>(query: string, options?: GqlOptions): Promise<GqlResult<T>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A subscription over SSE (Accept: text/event-stream) as `auth`; the response streams its events. */
  subscribe(query: string, options: { auth: string; variables?: Record<string, unknown> }): Promise<Response>;
  tenant(name?: string): Promise<Tenant>;
  /** Another server on the same database and Redis (its own pools and memory), closed with the harness. */
  otherInstance(): Promise<{ app: App; resources: Resources }>;
  close(): Promise<void>;
};

export type HarnessOptions = {
  redis?: boolean;
  env?: Record<string, string>;
  resources?: Omit<ResourceOptions, 'databaseUrl'>;
};

/**
 * Limits that tests of other features never reach (a test file sends many requests with one key in
 * seconds); tests of the limits themselves pass the real values in `env`.
 */
export const RELAXED_LIMITS = {
  RATE_LIMIT_POINTS: '1000000',
  RATE_LIMIT_BURST_POINTS: '1000000',
  COST_BUCKET_REFILL_SECONDS: '0',
};

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SERVER_ID: 'test',
    ...RELAXED_LIMITS,
    ...env,
  });
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase(inject('templateDatabase'));
  const config = testConfig({
    DATABASE_URL: db.url,
    ...(options.redis ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `${db.name}:` } : {}),
    ...options.env,
  });
  const resources = await createResources(config, options.resources);
  const app = createApp(resources);
  const fetchApp = (path: string, init?: RequestInit) =>
    Promise.resolve(app.fetch(new Request(`http://test${path}`, init)));
  const others: Resources[] = [];
  return {
    db,
    config,
    resources,
    app,
    fetch: fetchApp,
    gql: (query, opts = {}) => gql(app, query, opts),
    subscribe: (query, { auth, variables }) =>
      Promise.resolve(
        app.fetch('http://test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${auth}` },
          body: JSON.stringify({ query, variables }),
        }),
      ),
    tenant: (name) => createTenant(resources, name),
    async otherInstance() {
      const other = await createResources(config);
      others.push(other);
      return { app: createApp(other), resources: other };
    },
    async close() {
      for (const other of others.splice(0)) await other.close();
      await resources.close();
      await db.drop();
    },
  };
}

/** A response body without extensions.cost, which describes one request (src/http/use-query-cost.ts), not the answer. */
export function withoutCost<B extends { extensions?: Record<string, any> }>(body: B): B {
  if (!body.extensions || !('cost' in body.extensions)) return body;
  const { cost: _cost, ...extensions } = body.extensions;
  return Object.keys(extensions).length ? { ...body, extensions } : (({ extensions: _e, ...rest }) => rest as B)(body);
}

/** The `field` payloads of a subscription's SSE response (from `subscribe`), in order, once the stream has ended. */
export async function subscriptionEvents<T = any>(response: Response, field: string): Promise<T[]> {
  return (await response.text())
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l.length > 6)
    .map((l) => JSON.parse(l.slice(6)).data?.[field])
    .filter(Boolean);
}

export async function gql<T = any>(app: App, query: string, options: GqlOptions = {}): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.auth) headers.authorization = `Bearer ${options.auth}`;
  const response = await app.fetch('http://test/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables: options.variables, operationName: options.operationName }),
  });
  const text = await response.text();
  let body: GqlResult<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`Response ${response.status} is not JSON: ${text.slice(0, 300)}`);
  }
  return {
    status: response.status,
    headers: response.headers,
    body,
    text,
    statements: Number(response.headers.get('x-sql-statements') ?? NaN),
  };
}

export type Tenant = {
  organizationId: number;
  slug: string;
  adminUserId: number;
  /** Sign-in token of an admin user (read, write, admin). */
  adminToken: string;
  /** Sign-in token of a member user (read, write). */
  memberToken: string;
  /** Partner API key with read and write. */
  partnerKey: string;
  /** Internal API key with every scope. */
  internalKey: string;
  /** Partner API key with read only. */
  readKey: string;
  key(scopes: Scope[], extra?: Partial<Parameters<typeof createApiKey>[2]>): Promise<string>;
};

export async function createTenant(resources: Resources, name = 'tenant'): Promise<Tenant> {
  const { db, config } = resources;
  const slug = `${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  const org = await createOrganization(db, { slug, name });
  const password = 'correct horse battery staple';
  // admin@<slug>.example ("Admin") and member@<slug>.example ("Member").
  const user = (role: 'admin' | 'member', name: string) =>
    createUser(db, { organizationId: org.id, email: `${role}@${slug}.example`, name, password, role });
  const admin = await user('admin', 'Admin');
  const member = await user('member', 'Member');
  const token = async (u: typeof admin) =>
    (
      await signToken(
        { userId: u.id, organizationId: org.id, role: u.role },
        config.auth.jwtSecret,
        config.auth.jwtTtlSeconds,
      )
    ).token;
  const key = async (scopes: Scope[], extra: Partial<Parameters<typeof createApiKey>[2]> = {}) =>
    (await createApiKey(db, org.id, { name: `key ${scopes.join('+')}`, scopes, ...extra })).key;
  return {
    organizationId: org.id,
    slug,
    adminUserId: admin.id,
    adminToken: await token(admin),
    memberToken: await token(member),
    partnerKey: await key(['read', 'write']),
    internalKey: await key(['read', 'write', 'admin'], { kind: 'internal' }),
    readKey: await key(['read']),
    key,
  };
}
