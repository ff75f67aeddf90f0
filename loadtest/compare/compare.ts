// npm run bench:compare [-- --repeats 5 --seconds 5 --rates 50,100 --concurrency 8 --only nested
//                          --node-flags=--max-semi-space-size=16 --server-env COMPILED_READS=off]
// Our API against PostGraphile V5 on the same PostgreSQL, each on its own database seeded with
// seeds/packhouse.ts. Every operation's answers are checked equal (after normalisation) before any
// timing; then, per repeat and alternating which server goes first: closed-loop capacity with CPU
// and SQL statements per request, and open-model p99 at fixed rates. Prints a markdown table of
// medians with ratios, and writes it to loadtest/results/compare.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import postgres from 'postgres';
import { createTestDatabase, ensureTemplateDatabase, ADMIN_URL, type TestDatabase } from '../../src/test/db.ts';
import { seedLoadTestTenant, startApiProcess, stopProcess, LOADTEST_SIZES } from '../runner/target.ts';
import { preparePostGraphileDatabase } from './postgraphile-db.ts';
import { closedLoop, openLoop, send, type Target } from './load.ts';
import { PAIRS, type Keys, type Pair } from './queries.ts';
import { cost, snapshot } from './probe.ts';
import { renderReport, type Measurement } from './report.ts';

const { values: args } = parseArgs({
  options: {
    // Five: the p99 of 5 s at a fixed rate moves with any stall on a shared machine, and a median of
    // five runs is what the README's table reports.
    repeats: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    rates: { type: 'string', default: '50,100' },
    concurrency: { type: 'string', default: '8' },
    only: { type: 'string' },
    // V8 flags given to BOTH servers alike (e.g. --max-semi-space-size=16).
    'node-flags': { type: 'string', default: '' },
    // Extra environment of our server only (e.g. COMPILED_READS=off to measure the resolver path).
    'server-env': { type: 'string', multiple: true, default: [] },
  },
});
const NODE_FLAGS = args['node-flags'].split(' ').filter(Boolean);
const SERVER_ENV = Object.fromEntries(args['server-env'].map((kv) => kv.split('=', 2) as [string, string]));
const REPEATS = Number(args.repeats);
const DURATION_MS = Number(args.seconds) * 1000;
const RATES = args.rates.split(',').map(Number);
const CONCURRENCY = Number(args.concurrency);
const log = (line: string) => process.stderr.write(`${line}\n`);

function pin(pid: number, cpuList: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

type Server = {
  name: 'ours' | 'postgraphile';
  url: string;
  pid: number;
  database: string;
  headers: Record<string, string>;
  stop: () => Promise<void>;
};

function targetFor(server: Server, pair: Pair, keys: Keys): Target {
  const side = server.name === 'ours' ? pair.ours : pair.postgraphile;
  return {
    url: `${server.url}/graphql`,
    headers: server.headers,
    body: (i) => JSON.stringify({ query: side.query, variables: side.variables?.(i, keys) ?? {} }),
  };
}

async function gqlOnce(server: Server, query: string): Promise<any> {
  const pool = new Pool(server.url);
  try {
    const r = await send(
      pool,
      { url: `${server.url}/graphql`, headers: server.headers, body: () => JSON.stringify({ query }) },
      0,
    );
    const body = JSON.parse(r.text);
    if (body.errors) throw new Error(`${server.name}: ${JSON.stringify(body.errors).slice(0, 500)}`);
    return body.data;
  } finally {
    await pool.close();
  }
}

/** Our credential reads from the database so far (API process metrics; the others were kept). */
async function credentialLookupsOf(server: Server): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: server.headers })).text();
  return Number(/^hg_credential_checks_total\{source="database"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

async function statementsOf(server: Server): Promise<number> {
  return (await (await fetch(`${server.url}/__bench/stats`)).json()).statements;
}

async function checkEqual(servers: Server[], pair: Pair, keys: Keys): Promise<number> {
  const answers: { data: unknown; bytes: number }[] = [];
  for (const server of servers) {
    const pool = new Pool(server.url);
    const r = await send(pool, targetFor(server, pair, keys), 0).finally(() => pool.close());
    const body = JSON.parse(r.text);
    if (r.status !== 200 || body.errors)
      throw new Error(`${pair.name}: ${server.name} answered ${r.status} ${r.text.slice(0, 400)}`);
    const normalise = server.name === 'ours' ? pair.normalise.ours : pair.normalise.postgraphile;
    answers.push({ data: normalise(body.data), bytes: Buffer.byteLength(r.text) });
  }
  const [a, b] = answers.map((x) => JSON.stringify(x.data));
  if (a !== b) {
    const at = [...a].findIndex((c, i) => c !== b[i]);
    throw new Error(
      `${pair.name}: the answers differ after normalisation, from character ${at}:\n  ours:         …${a.slice(Math.max(0, at - 80), at + 120)}\n  postgraphile: …${b.slice(Math.max(0, at - 80), at + 120)}`,
    );
  }
  return answers[0].bytes;
}

let requestBase = 1;

async function measure(server: Server, pair: Pair, keys: Keys, admin: postgres.Sql): Promise<Measurement> {
  const target = targetFor(server, pair, keys);
  await closedLoop(target, { concurrency: 4, durationMs: 1_000, startIndex: (requestBase += 1_000_000) });
  const statementsBefore =
    server.name === 'postgraphile' ? await statementsOf(server) : await credentialLookupsOf(server);
  const before = await snapshot(admin, server.pid, server.database);
  const closed = await closedLoop(target, {
    concurrency: CONCURRENCY,
    durationMs: DURATION_MS,
    startIndex: (requestBase += 1_000_000),
  });
  const after = await snapshot(admin, server.pid, server.database);
  const spent = cost(before, after);
  // Ours: statements of the operation (X-SQL-Statements) plus the API key lookups made meanwhile
  // (one a request with CREDENTIAL_CACHE_SECONDS=0; one every few seconds with the credential cache).
  const statements =
    server.name === 'ours'
      ? (closed.sqlHeaderSum + (await credentialLookupsOf(server)) - statementsBefore) / closed.requests
      : ((await statementsOf(server)) - statementsBefore) / closed.requests;
  const open = [];
  for (const rate of RATES)
    open.push(await openLoop(target, { rate, durationMs: DURATION_MS, startIndex: (requestBase += 1_000_000) }));
  return {
    rps: closed.rps,
    errors: closed.errors + open.reduce((n, o) => n + o.errors + o.dropped, 0),
    serverCpuMsPerRequest: spent.serverCpuMs / closed.requests,
    postgresCpuMsPerRequest: spent.postgresCpuMs / closed.requests,
    statementsPerRequest: statements,
    p99: Object.fromEntries(open.map((o) => [o.rate, o.p99])),
    p50: Object.fromEntries(open.map((o) => [o.rate, o.p50])),
  };
}

/** A started API process as the bench drives it: its URL, its database, the credential it is sent. */
function serverOf(
  name: Server['name'],
  started: Awaited<ReturnType<typeof startApiProcess>>,
  database: TestDatabase,
  credential: string,
): Server {
  return {
    name,
    url: started.url,
    pid: started.child.pid ?? 0,
    database: database.name,
    headers: { authorization: `Bearer ${credential}` },
    stop: () => stopProcess(started.child),
  };
}

async function main() {
  const pinned = cpus().length >= 2 && pin(process.pid, '1');
  const jwtSecret = randomBytes(32).toString('hex');
  const template = await ensureTemplateDatabase();
  const databases: TestDatabase[] = [];
  const servers: Server[] = [];
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    log('bench: two databases from the migrated template, seeded alike');
    for (let i = 0; i < 2; i++) databases.push(await createTestDatabase(template));
    const [oursTenant, pglTenant] = await Promise.all(
      databases.map((d) => seedLoadTestTenant(d.url, jwtSecret, LOADTEST_SIZES)),
    );
    await preparePostGraphileDatabase(databases[1].url);
    const common = { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', JWT_SECRET: jwtSecret, DATABASE_POOL_MAX: '10' };
    const cpu = pinned ? '0' : undefined;
    const ours = await startApiProcess(
      {
        ...common,
        NODE_ENV: 'production',
        SERVER_ID: 'bench',
        DATABASE_URL: databases[0].url,
        DIAGNOSTIC_HEADERS: 'true',
        RESPONSE_CACHE_TTL_SECONDS: '0',
        ...SERVER_ENV,
      },
      { cpus: cpu, nodeFlags: NODE_FLAGS },
    );
    servers.push(serverOf('ours', ours, databases[0], oursTenant.internalKey));
    const pgl = await startApiProcess(
      { ...common, DATABASE_URL: databases[1].url },
      { cpus: cpu, entry: 'loadtest/compare/postgraphile-server.ts', nodeFlags: NODE_FLAGS },
    );
    servers.push(serverOf('postgraphile', pgl, databases[1], pglTenant.userToken));
    log(
      `bench: ours at ${ours.url}, PostGraphile at ${pgl.url}${pinned ? ' (servers pinned to CPU 0, load generator to CPU 1)' : ''}; node flags: ${NODE_FLAGS.join(' ') || 'none'}; our env: ${JSON.stringify(SERVER_ENV)}`,
    );

    const oursKeys = await gqlOnce(servers[0], '{ batches(first: 50) { edges { node { id code } } } }');
    const pglKeys = await gqlOnce(
      servers[1],
      '{ allBatches(first: 50, orderBy: [INTAKE_DATE_DESC, ROW_ID_DESC]) { nodes { rowId code } } }',
    );
    const codes = (x: any[]) => x.map((n) => n.code).join();
    if (codes(oursKeys.batches.edges.map((e: any) => e.node)) !== codes(pglKeys.allBatches.nodes))
      throw new Error('the two databases hold different batches');
    const keys: Keys = {
      ours: oursKeys.batches.edges.map((e: any) => e.node.id),
      postgraphile: pglKeys.allBatches.nodes.map((n: any) => n.rowId),
      run: randomBytes(3).toString('hex'),
    };

    const pairs = PAIRS.filter((p) => !args.only || p.name.includes(args.only));
    const bytes = new Map<string, number>();
    for (const pair of pairs) bytes.set(pair.name, await checkEqual(servers, pair, keys));
    log(`bench: all ${pairs.length} operations answer the same on both servers; timing ${REPEATS} repeat(s)`);

    const results = new Map<string, { ours: Measurement[]; postgraphile: Measurement[] }>();
    for (const pair of pairs) {
      const entry = { ours: [] as Measurement[], postgraphile: [] as Measurement[] };
      results.set(pair.name, entry);
      for (let r = 0; r < REPEATS; r++) {
        const order = r % 2 === 0 ? servers : [...servers].reverse();
        for (const server of order) {
          const m = await measure(server, pair, keys, admin);
          entry[server.name].push(m);
          log(
            `  ${pair.name} · ${server.name} · run ${r + 1}: ${m.rps.toFixed(0)} req/s, p99 ${RATES.map((rate) => `${m.p99[rate].toFixed(1)} ms@${rate}/s`).join(', ')}, ${m.errors} errors`,
          );
        }
      }
    }
    const report = renderReport({
      pairs,
      results,
      bytes,
      rates: RATES,
      repeats: REPEATS,
      seconds: DURATION_MS / 1000,
      concurrency: CONCURRENCY,
      pinned,
      load: loadAverage(),
    });
    process.stdout.write(`${report}\n`);
    await mkdir('loadtest/results', { recursive: true });
    await writeFile('loadtest/results/compare.md', `${report}\n`);
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    await admin.end();
    for (const d of databases) await d.drop().catch(() => undefined);
  }
}

function loadAverage(): string {
  try {
    return execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

main().catch((err) => {
  process.stderr.write(`bench:compare failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
