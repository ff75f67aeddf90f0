// The runner against a local server of known latency: the timings it reports, the open model, the
// thresholds and k6's exit codes. Bounds are one-sided where timing is involved (a request cannot
// finish before the server's sleep), with generous upper limits for a busy machine.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SummaryData } from './summary.ts';

const SLEEP_MS = 40;
let server: Server;
let baseUrl: string;
let requests = 0;
const iterations: URLSearchParams[] = [];
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    if (req.url?.startsWith('/iter?')) iterations.push(new URLSearchParams(req.url.slice('/iter?'.length)));
    setTimeout(
      () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true }));
      },
      req.url?.startsWith('/sleep') ? SLEEP_MS : 0,
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  dir = await mkdtemp(join(tmpdir(), 'hg-runner-'));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function run(
  env: Record<string, string>,
  script = 'loadtest/runner/fixtures/known-latency.js',
): Promise<{ code: number; output: string; summary: SummaryData }> {
  const file = join(dir, `summary-${Math.random().toString(36).slice(2)}.json`);
  const args = ['loadtest/runner/cli.ts', script, '--url', baseUrl, '--summary-export', file];
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PARTNER_SCENARIO: 'skip' },
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const [code] = (await once(child, 'exit')) as [number];
  const summary =
    code === 0 || code === 99 ? (JSON.parse(await readFile(file, 'utf8')) as SummaryData) : ({} as SummaryData);
  return { code, output, summary };
}

describe('k6 runner', () => {
  it('runs the planned number of iterations at a fixed rate and reports the server latency', async () => {
    const before = requests;
    const { code, output, summary } = await run({ RATE: '40', DURATION: '2s' });
    expect(code, output).toBe(0);
    expect(requests - before).toBe(80);
    const m = summary.metrics;
    expect(m.iterations.values.count).toBe(80);
    expect(m.http_reqs.values.count).toBe(80);
    expect(m.served.values.count).toBe(80);
    expect(m.checks.values).toMatchObject({ passes: 160, fails: 0 });
    const duration = m['http_req_duration{operation:sleep}'];
    expect(duration.values.count ?? 80).toBe(80);
    expect(duration.values.min).toBeGreaterThanOrEqual(SLEEP_MS);
    expect(duration.values.med).toBeGreaterThanOrEqual(SLEEP_MS);
    expect(duration.values.med).toBeLessThan(SLEEP_MS + 1_000);
    expect(duration.thresholds?.['p(95)<5000'].ok).toBe(true);
    expect(output).toContain('✓ status is 200');
    expect(output).toMatch(/✓ http_req_failed\.+: 0\.00%/);
  });

  it('exits 99 and marks the threshold failed when the server is slower than it allows', async () => {
    const { code, output, summary } = await run({ RATE: '20', DURATION: '1s', THRESHOLD: 'p(95)<5' });
    expect(code, output).toBe(99);
    const t = summary.metrics['http_req_duration{operation:sleep}'].thresholds?.['p(95)<5'];
    expect(t?.ok).toBe(false);
    expect(t?.actual).toBeGreaterThanOrEqual(SLEEP_MS);
    expect(summary.failedThresholds).toEqual(['http_req_duration{operation:sleep}']);
    expect(output).toContain("ERRO thresholds on metrics 'http_req_duration{operation:sleep}' have been crossed");
  });

  it('times the first request of an iteration from its scheduled start (no coordinated omission)', async () => {
    const { code, output, summary } = await run({ RATE: '10', DURATION: '1s', BLOCK_MS: '60' });
    expect(code, output).toBe(0);
    const d = summary.metrics['http_req_duration{operation:sleep}'].values;
    const waiting = summary.metrics.http_req_waiting.values;
    // The 60 ms the client spent before sending is part of the latency; the server's share is not.
    expect(d.min).toBeGreaterThanOrEqual(SLEEP_MS + 60);
    expect(waiting.min).toBeGreaterThanOrEqual(SLEEP_MS);
    expect(d.med - waiting.med).toBeGreaterThanOrEqual(55);
  });

  it('drops iterations when every VU is busy, and the dropped_iterations threshold fails', async () => {
    const { code, summary } = await run({ RATE: '50', DURATION: '1s', MAX_VUS: '1' });
    expect(code).toBe(99);
    expect(summary.metrics.dropped_iterations.values.count).toBeGreaterThan(0);
    expect(summary.metrics.dropped_iterations.values.count + summary.metrics.iterations.values.count).toBe(50);
    expect(summary.failedThresholds).toContain('dropped_iterations');
  });

  it("counts iterations per VU as k6 does, and the scenario's iterations across VUs", async () => {
    iterations.length = 0;
    const { code, output } = await run({}, 'loadtest/runner/fixtures/vu-iterations.js');
    expect(code, output).toBe(0);
    const byVu = new Map<string, number[]>();
    for (const q of iterations) {
      expect(q.get('iter')).toBe(q.get('i'));
      byVu.set(q.get('vu') ?? '', [...(byVu.get(q.get('vu') ?? '') ?? []), Number(q.get('i'))]);
    }
    expect(byVu.size).toBe(3);
    for (const seen of byVu.values()) {
      expect(seen.length).toBeGreaterThan(2);
      expect(seen).toEqual(seen.map((_, k) => k));
    }
    const inTest = iterations.map((q) => Number(q.get('t'))).sort((a, b) => a - b);
    expect(inTest).toEqual(inTest.map((_, k) => k));
  });

  it('counts a request that cannot connect as failed', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const file = join(dir, 'refused.json');
    const child = spawn(
      process.execPath,
      [
        'loadtest/runner/cli.ts',
        'loadtest/runner/fixtures/known-latency.js',
        '--url',
        `http://127.0.0.1:${port}`,
        '--summary-export',
        file,
        '-e',
        'RATE=5',
        '-e',
        'DURATION=1s',
      ],
      { stdio: 'ignore', env: { ...process.env, PARTNER_SCENARIO: 'skip' } },
    );
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(99);
    const summary = JSON.parse(await readFile(file, 'utf8')) as SummaryData;
    expect(summary.metrics.http_req_failed.values).toMatchObject({ passes: 5, fails: 0 });
    expect(summary.metrics.checks.values.fails).toBe(10);
  });
});
