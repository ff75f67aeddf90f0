// The comparison as markdown: medians over the repeats, ratios ours ÷ PostGraphile.
import type { Pair } from './queries.ts';

export type Measurement = {
  rps: number;
  errors: number;
  serverCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
  statementsPerRequest: number;
  p50: Record<number, number>;
  p99: Record<number, number>;
};

type Results = Map<string, { ours: Measurement[]; postgraphile: Measurement[] }>;

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const f = (n: number, digits = 1) => n.toFixed(digits);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function renderReport(input: {
  pairs: Pair[];
  results: Results;
  bytes: Map<string, number>;
  rates: number[];
  repeats: number;
  seconds: number;
  concurrency: number;
  pinned: boolean;
  load: string;
}): string {
  const { rates } = input;
  const head = [
    'operation',
    'response',
    'req/s ours',
    'req/s PostGraphile',
    'throughput ×',
    ...rates.flatMap((r) => [`p99 @${r}/s ours`, `p99 @${r}/s PG`]),
    'CPU ms/req ours (node+pg)',
    'CPU ms/req PG (node+pg)',
    'SQL/req ours',
    'SQL/req PG',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  let errors = 0;
  for (const pair of input.pairs) {
    const r = input.results.get(pair.name);
    if (!r) continue;
    const m = (side: Measurement[], pick: (x: Measurement) => number) => median(side.map(pick));
    const oursRps = m(r.ours, (x) => x.rps);
    const pglRps = m(r.postgraphile, (x) => x.rps);
    errors += [...r.ours, ...r.postgraphile].reduce((n, x) => n + x.errors, 0);
    const cpu = (side: Measurement[]) =>
      `${f(
        m(side, (x) => x.serverCpuMsPerRequest + x.postgresCpuMsPerRequest),
        2,
      )} (${f(
        m(side, (x) => x.serverCpuMsPerRequest),
        2,
      )}+${f(
        m(side, (x) => x.postgresCpuMsPerRequest),
        2,
      )})`;
    lines.push(
      `| ${pair.name}${pair.nested ? ' ★' : ''} | ${kb(input.bytes.get(pair.name) ?? 0)} | ${f(oursRps, 0)} | ${f(pglRps, 0)} | **${f(oursRps / pglRps, 2)}×** | ${rates
        .flatMap((rate) => [`${f(m(r.ours, (x) => x.p99[rate]))} ms`, `${f(m(r.postgraphile, (x) => x.p99[rate]))} ms`])
        .join(' | ')} | ${cpu(r.ours)} | ${cpu(r.postgraphile)} | ${f(
        m(r.ours, (x) => x.statementsPerRequest),
        1,
      )} | ${f(
        m(r.postgraphile, (x) => x.statementsPerRequest),
        1,
      )} |`,
    );
  }
  return [
    `### Harvest Graph vs PostGraphile V5 — medians of ${input.repeats} run(s)`,
    '',
    ...lines,
    '',
    `★ nested-list queries (aim: ≥ 1.5× PostGraphile's throughput). Closed loop: ${input.concurrency} clients for ${input.seconds} s; ` +
      `open model: ${rates.join(' and ')} req/s for ${input.seconds} s each, latency from the scheduled start. ` +
      `CPU: server process + PostgreSQL backends of its database, from /proc, over the closed loop. ` +
      `SQL/req: ours = X-SQL-Statements + the API-key lookups counted by its /metrics (hg_credential_checks_total); PostGraphile = statements counted in its pg client (begin, set_config, query, commit). ` +
      `${input.pinned ? 'Servers pinned to CPU 0, load generator to CPU 1; PostgreSQL unpinned (shared). ' : 'Not pinned (taskset unavailable or one CPU). '}` +
      `Load average at the end: ${input.load}. Errors or dropped requests during timing: ${errors}.`,
  ].join('\n');
}
