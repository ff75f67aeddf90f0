// npm run bench:profile [-- --only nested --seconds 8]
// CPU profile of our API under one comparison operation (closed loop), summarised by self time per
// function and per package, to see what limits throughput. Writes the .cpuprofile for DevTools too.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase, ensureTemplateDatabase } from '../../src/test/db.ts';
import { seedLoadTestTenant, startApiProcess, stopProcess, LOADTEST_SIZES } from '../runner/target.ts';
import { closedLoop } from './load.ts';
import { PAIRS, type Keys } from './queries.ts';
import { cost, snapshot } from './probe.ts';
import postgres from 'postgres';
import { ADMIN_URL } from '../../src/test/db.ts';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: '50 growers' },
    seconds: { type: 'string', default: '8' },
    'no-profile': { type: 'boolean' },
    env: { type: 'string', short: 'e', multiple: true },
  },
});
const pair = PAIRS.find((p) => p.name.includes(args.only));
if (!pair) throw new Error(`no operation matches "${args.only}"`);

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

function packageOf(url: string): string {
  if (!url) return '(native/gc)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node core';
  return url.includes('/src/') ? `src/${url.split('/src/')[1].split('/')[0]}` : url;
}

async function main() {
  const loadMs = Number(args.seconds) * 1000;
  const dir = resolve('loadtest/results/profile');
  await mkdir(dir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  const db = await createTestDatabase(await ensureTemplateDatabase());
  try {
    const tenant = await seedLoadTestTenant(db.url, secret, LOADTEST_SIZES);
    const extra = Object.fromEntries(
      (args.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    const { child, url } = await startApiProcess({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      JWT_SECRET: secret,
      DATABASE_URL: db.url,
      DIAGNOSTIC_HEADERS: 'true',
      RESPONSE_CACHE_TTL_SECONDS: '0',
      ...extra,
      NODE_OPTIONS: `${args['no-profile'] ? '' : `--cpu-prof --cpu-prof-dir=${dir}`} ${extra.NODE_OPTIONS ?? ''}`,
    });
    const ids = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.internalKey}` },
      body: JSON.stringify({ query: '{ batches(first: 50) { edges { node { id } } } }' }),
    }).then((r) => r.json() as Promise<{ data: { batches: { edges: { node: { id: string } }[] } } }>);
    const keys: Keys = {
      ours: ids.data.batches.edges.map((e) => e.node.id),
      postgraphile: [],
      run: randomBytes(3).toString('hex'),
    };
    const target = {
      url: `${url}/graphql`,
      headers: { authorization: `Bearer ${tenant.internalKey}` },
      body: (i: number) =>
        JSON.stringify({ query: pair!.ours.query, variables: pair!.ours.variables?.(i, keys) ?? {} }),
    };
    await closedLoop(target, { concurrency: 4, durationMs: 1_000, startIndex: 1e6 });
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    const before = await snapshot(admin, child.pid ?? 0, db.name);
    const r = await closedLoop(target, { concurrency: 8, durationMs: loadMs, startIndex: 2e6 });
    const spent = cost(before, await snapshot(admin, child.pid ?? 0, db.name));
    await admin.end();
    process.stdout.write(
      `${pair!.name}: ${r.rps.toFixed(0)} req/s, CPU ms/request: server ${(spent.serverCpuMs / r.requests).toFixed(2)}, PostgreSQL ${(spent.postgresCpuMs / r.requests).toFixed(2)}; ${r.errors} errors\n`,
    );
    await stopProcess(child);
  } finally {
    await db.drop();
  }
  if (args['no-profile']) return;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  const profile = JSON.parse(await readFile(join(dir, files.at(-1)!), 'utf8')) as Profile;
  const self = new Map<number, number>();
  // Only the samples of the load (the profile also covers start-up and shutdown).
  const from = profile.endTime - (loadMs + 300) * 1000;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= from) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const t = self.get(node.id) ?? 0;
    if (node.callFrame.functionName === '(idle)') continue;
    total += t;
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${packageOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
    byPackage.set(packageOf(node.callFrame.url), (byPackage.get(packageOf(node.callFrame.url)) ?? 0) + t);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  process.stdout.write(
    `busy CPU by package:\n${top(byPackage, 15)}\n\nbusy CPU by function (self):\n${top(byFunction, 30)}\n\nprofile: ${join(dir, files.at(-1)!)}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
