// The system under test: a fresh database (copied from the migrated template the tests use), one
// organization seeded with seeds/packhouse.ts, a front-end user, a partner key and an internal key,
// and the real API process (`node src/main.ts`) on an ephemeral port of 127.0.0.1.
// stop() ends the process and drops the database, so nothing is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { createApiKey, createOrganization, createUser } from '../../src/modules/identity/service.ts';
import { registerOperations } from '../../src/modules/persisted/service.ts';
import { schema } from '../../src/schema/index.ts';
import { signToken } from '../../src/modules/identity/secrets.ts';
import { createResources } from '../../src/resources.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../../src/test/db.ts';
import { seedPackhouse, type PackhouseSizes } from '../../seeds/packhouse.ts';
import { readManifest } from './persisted.ts';

/**
 * One signed-in user and one key of each kind send the whole SLA load (1,000+ requests a minute),
 * which the per-caller rate limits and cost budgets would mostly refuse. They are measured by their
 * own tests (src/http/rate-limit*.test.ts, query-cost.test.ts); the SLA suite measures latency.
 */
export const LOADTEST_LIMITS = {
  RATE_LIMIT_POINTS: '1000000000',
  RATE_LIMIT_BURST_POINTS: '1000000000',
  COST_BUCKET_REFILL_SECONDS: '0',
};

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LOADTEST_SIZES: PackhouseSizes = { growers: 200, packhouses: 12, batches: 20_000, quiet: true };

export type Target = {
  url: string;
  /** What the k6 scripts read from __ENV. */
  env: Record<string, string>;
  databaseUrl: string;
  pid: number;
  stop(): Promise<void>;
};

export type TargetOptions = {
  sizes?: PackhouseSizes;
  /** Extra environment for the API process (e.g. REDIS_URL). */
  serverEnv?: Record<string, string>;
  /** `taskset -c` CPU list to pin the API process to. */
  cpus?: string;
  log?: (line: string) => void;
};

export async function seedLoadTestTenant(databaseUrl: string, jwtSecret: string, sizes: PackhouseSizes) {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: 'silent',
  });
  const resources = await createResources(config);
  try {
    const { db } = resources;
    const suffix = randomBytes(3).toString('hex');
    const org = await createOrganization(db, { slug: `load-test-${suffix}`, name: 'Load Test Orchards' });
    const user = await createUser(db, {
      organizationId: org.id,
      email: `loadtest-${suffix}@harvest.example`,
      name: 'Load Test',
      password: 'load-test-password',
      role: 'member',
    });
    // Keys get a high per-key budget: the SLA gate measures latency, not the rate limiter.
    const budget = { rateLimitPerMinute: 1_000_000 };
    // The partner runs the operations of loadtest/partner-operations.json, registered as its manifest.
    const documents = Object.values(await readManifest());
    await registerOperations(db, schema, {
      organizationId: org.id,
      manifest: 'load-test',
      documents,
      createdByUserId: null,
    });
    const partner = await createApiKey(db, org.id, {
      name: 'load test partner',
      kind: 'partner',
      scopes: ['read'],
      persistedOnly: true,
      manifest: 'load-test',
      ...budget,
    });
    const internal = await createApiKey(db, org.id, {
      name: 'load test internal',
      kind: 'internal',
      scopes: ['read', 'write', 'admin'],
      ...budget,
    });
    const frontendKey = await createApiKey(db, org.id, {
      name: 'load test front end',
      kind: 'partner',
      scopes: ['read', 'write'],
      ...budget,
    });
    const { token } = await signToken({ userId: user.id, organizationId: org.id, role: 'member' }, jwtSecret, 6 * 3600);
    await seedPackhouse(resources, org.id, sizes);
    return {
      organizationId: org.id,
      userToken: token,
      frontendKey: frontendKey.key,
      partnerKey: partner.key,
      internalKey: internal.key,
    };
  } finally {
    await resources.close();
  }
}

const START_TIMEOUT_MS = 120_000;

/** The Node flags `npm start` runs the API with (package.json), so the load tests measure the API as it is deployed. */
export function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('src/main.ts')).filter((w) => w.startsWith('--'));
}

export function startApiProcess(
  env: Record<string, string>,
  options: { cpus?: string; entry?: string; nodeFlags?: string[] } = {},
): Promise<{ child: ChildProcess; url: string }> {
  const entry = options.entry ?? 'src/main.ts';
  const command = options.cpus ? 'taskset' : process.execPath;
  const node = [...(options.nodeFlags ?? []), entry];
  const args = options.cpus ? ['-c', options.cpus, process.execPath, ...node] : node;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    // The API writes its banner on stdout beside pretty logs (a terminal) and on stderr beside JSON
    // logs (production, as here): read both. A process that never says where it listens is stopped.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `the API process did not say where it listens within ${START_TIMEOUT_MS / 1000} s:\n${output.slice(-2000)}`,
        ),
      );
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(?:GraphiQL|Listening):\s+(http:\/\/[^\s/]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.stdout?.resume();
        resolve({ child, url: match[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the API process exited (${code}) before listening:\n${output.slice(-2000)}`));
    });
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 6_000);
  await exited;
  clearTimeout(timer);
}

export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  const log = options.log ?? (() => {});
  const jwtSecret = randomBytes(32).toString('hex');
  log('target: creating a database from the migrated template');
  const database = await createTestDatabase(await ensureTemplateDatabase());
  try {
    log('target: seeding one organization (growers, packhouses, batches) and its credentials');
    const tenant = await seedLoadTestTenant(database.url, jwtSecret, options.sizes ?? LOADTEST_SIZES);
    const { child, url } = await startApiProcess(
      {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        SERVER_ID: 'loadtest',
        DATABASE_URL: database.url,
        JWT_SECRET: jwtSecret,
        LOG_LEVEL: 'warn',
        DIAGNOSTIC_HEADERS: 'true',
        ...LOADTEST_LIMITS,
        ...options.serverEnv,
      },
      { cpus: options.cpus, nodeFlags: productionNodeFlags() },
    );
    log(`target: API listening at ${url} (pid ${child.pid})`);
    const userToken = await usableUserToken(url, tenant.userToken, tenant.frontendKey, log);
    child.stderr?.on('data', (chunk: Buffer) => log(`api: ${chunk.toString().trimEnd()}`));
    return {
      url,
      databaseUrl: database.url,
      pid: child.pid ?? 0,
      env: { BASE_URL: url, USER_TOKEN: userToken, PARTNER_KEY: tenant.partnerKey, INTERNAL_KEY: tenant.internalKey },
      async stop() {
        await stopProcess(child);
        await database.drop();
      },
    };
  } catch (err) {
    await database.drop();
    throw err;
  }
}

/**
 * Front-end traffic signs in as a user. Should sign-in tokens not work on this server, the run goes on
 * with a read/write API key and says so, rather than measuring a wall of 401s and 500s.
 */
async function usableUserToken(
  url: string,
  token: string,
  fallbackKey: string,
  log: (line: string) => void,
): Promise<string> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ viewer { tier } }' }),
  });
  const text = await res.text();
  if (res.status === 200 && text.includes('"USER"')) return token;
  log(
    `target: WARNING sign-in tokens fail on this server (HTTP ${res.status}: ${text.slice(0, 160).replace(/\s+/g, ' ')}); front-end traffic uses a read/write API key instead`,
  );
  return fallbackKey;
}
