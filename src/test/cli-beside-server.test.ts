// The README's order of things: `npm start` (embedded PostgreSQL, no DATABASE_URL) and, while it
// runs, `npm run seed` and the operator CLIs on its database. They used to start a second embedded
// PostgreSQL on the same data and crash on its undefined rejection; a job imported by
// `npm run job:import` is scored by `npm run worker`, both beside the server. Also: a CLI with no
// server running starts the embedded database itself, and one that cannot start it says why.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { options } from './cli.ts';
import { RELAXED_LIMITS } from './harness.ts';
import { embeddedStartEnv, freePort, startServerProcess, type ServerProcess } from './server-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function spawnNpm(env: Record<string, string | undefined>, script: string, args: string[]) {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return spawn('npm', ['run', '-s', script, '--', ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: npm runs the script through a shell, so a signal for the whole command
    // goes to the group, or the node process under it is left running.
    detached: true,
  });
}

/** Runs `npm run <script> -- args` as a user would, with the server's environment. */
async function npmRun(env: Record<string, string | undefined>, script: string, args: string[]) {
  const child = spawnNpm(env, script, args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr, lastLine: stdout.trimEnd().split('\n').at(-1)! };
}

it('runs seed and the operator CLIs beside a running npm start, starts the database when none runs, and says why it cannot', async () => {
  const { dir, env: embedded } = await embeddedStartEnv('hg-cli-');
  dirs.push(dir);
  const env = {
    ...embedded,
    NODE_ENV: 'development',
    START_WORKER: 'false',
    // The job below is polled more often than a key's 20 requests per 10 s allow.
    ...RELAXED_LIMITS,
  };
  server = await startServerProcess(env);
  expect(server.output()).toMatch(/Demo internal key[^:]*: hgk_/);

  const seed = await npmRun(
    env,
    'seed',
    options({ org: 'seeded', growers: '5', packhouses: '2', batches: '40', payments: '10' }),
  );
  expect(seed.stderr).not.toMatch(/TypeError/);
  expect(seed.stderr).toContain(
    `Database: the embedded PostgreSQL of the running server (port ${env.EMBEDDED_PG_PORT})`,
  );
  expect(seed.stderr).toMatch(/added 5 growers, 2 packhouses, 40 batches/);
  expect(seed.code).toBe(0);

  const key = await npmRun(
    env,
    'key:create',
    options({ org: 'seeded', name: 'ops', kind: 'internal', scopes: 'read,write,admin' }),
  );
  expect(key.code).toBe(0);
  const answer = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key.lastLine}` },
    body: JSON.stringify({
      query: '{ viewer { tier organization { slug } } growers(first: 10) { edges { node { name } } } }',
    }),
  }).then((r) => r.json());
  expect(answer.data.viewer).toEqual({ tier: 'INTERNAL', organization: { slug: 'seeded' } });
  expect(answer.data.growers.edges).toHaveLength(5);

  // A data team's import, scored by a worker started by hand: both on the server's database.
  const csv = join(dir, 'customers.csv');
  await writeFile(
    csv,
    'customer_ref,online_shopping,groceries,dining,travel,fuel,utilities,other\nc-1,1000,12000,5000,0,0,0,0\nc-2,0,0,0,40000,3000,0,0\n',
  );
  const imported = await npmRun(env, 'job:import', [csv, '--org', 'demo']);
  expect(imported.stderr).toContain('Database: the embedded PostgreSQL of the running server');
  expect(imported.code).toBe(0);
  const jobId = /job (\S+) \(2 customers/.exec(imported.stdout)![1];
  const worker = spawnNpm(env, 'worker', []);
  try {
    let job: { status: string; done: number } | undefined;
    for (let i = 0; i < 120 && job?.status !== 'COMPLETED'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      job = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.demoKey}` },
        body: JSON.stringify({
          query: 'query($id: ID!) { recommendationJob(id: $id) { status done } }',
          variables: { id: jobId },
        }),
      }).then(async (r) => {
        const body = await r.json();
        if (!body.data) throw new Error(`${r.status} ${JSON.stringify(body)}`);
        return body.data.recommendationJob;
      });
    }
    expect(job).toEqual({ status: 'COMPLETED', done: 2 });
  } finally {
    const exited = once(worker, 'exit');
    process.kill(-worker.pid!, 'SIGTERM');
    await exited;
  }

  // Same data directory, another port: the embedded server cannot start, and says why.
  const clash = await npmRun({ ...env, EMBEDDED_PG_PORT: String(await freePort()) }, 'org:create', [
    '--slug',
    'clash',
    '--name',
    'Clash',
  ]);
  expect(clash.code).toBe(1);
  expect(clash.stderr).toMatch(
    /The embedded PostgreSQL could not start on port \d+ with data in .*: .*postmaster\.pid/,
  );
  expect(clash.stderr).toContain('is `npm start` already running?');
  expect(clash.stderr).not.toMatch(/TypeError|undefined/);

  expect((await server.stop()).code).toBe(0);
  server = undefined;
  // No server now: the command starts the embedded database for itself and stops it after.
  const alone = await npmRun(env, 'org:create', ['--slug', 'alone', '--name', 'Alone']);
  expect(alone.stderr).toContain('started for this command, no server was running');
  expect(alone.stdout).toContain('Created organization alone');
  expect(alone.code).toBe(0);
  const migrate = await npmRun(env, 'db:migrate', []);
  expect(migrate).toMatchObject({ code: 0, stdout: expect.stringContaining('schema is current') });
  expect(migrate.stdout).toContain('started for this command');
}, 180_000);
