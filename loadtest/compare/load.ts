// Load for the comparison: closed loop (N clients back to back: capacity) and open model (fixed
// arrival rate, latency timed from each request's scheduled start, so a stalled server is charged
// for every request that waited). One undici pool per target; bodies checked for GraphQL errors.
import { Pool } from 'undici';
import { newHistogram } from '../runner/metrics.ts';

export type Target = {
  url: string;
  headers: Record<string, string>;
  /** The i-th request body (mutations need a fresh code each time). */
  body: (i: number) => string;
};

export type Sent = { status: number; text: string; headers: Record<string, string | string[] | undefined> };

export async function send(pool: Pool, target: Target, i: number): Promise<Sent> {
  const path = new URL(target.url).pathname;
  const res = await pool.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body(i),
  });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

const isError = (r: Sent) => r.status !== 200 || r.text.includes('"errors"');

export type ClosedResult = { requests: number; errors: number; seconds: number; rps: number; sqlHeaderSum: number };

export async function closedLoop(
  target: Target,
  options: { concurrency: number; durationMs: number; startIndex?: number },
): Promise<ClosedResult> {
  const pool = new Pool(new URL(target.url).origin, { connections: options.concurrency, pipelining: 1 });
  let requests = 0;
  let errors = 0;
  let sqlHeaderSum = 0;
  let next = options.startIndex ?? 0;
  const started = performance.now();
  const end = started + options.durationMs;
  try {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < end) {
          const r: Sent = await send(pool, target, next++).catch(() => ({ status: 0, text: '', headers: {} }));
          requests += 1;
          if (isError(r)) errors += 1;
          sqlHeaderSum += Number(r.headers['x-sql-statements'] ?? 0);
        }
      }),
    );
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { requests, errors, seconds, rps: requests / seconds, sqlHeaderSum };
}

export type OpenResult = {
  rate: number;
  requests: number;
  errors: number;
  dropped: number;
  p50: number;
  p99: number;
  max: number;
};

export async function openLoop(
  target: Target,
  options: { rate: number; durationMs: number; maxInFlight?: number; startIndex?: number },
): Promise<OpenResult> {
  const pool = new Pool(new URL(target.url).origin, { connections: 64, pipelining: 1 });
  const hist = newHistogram();
  const interval = 1000 / options.rate;
  const total = Math.floor(options.durationMs / interval);
  const maxInFlight = options.maxInFlight ?? 500;
  const running = new Set<Promise<void>>();
  let errors = 0;
  let dropped = 0;
  let max = 0;
  const start = performance.now();
  let i = 0;
  try {
    while (i < total) {
      const now = performance.now();
      while (i < total && start + i * interval <= now) {
        const scheduled = start + i * interval;
        const index = (options.startIndex ?? 0) + i++;
        if (running.size >= maxInFlight) {
          dropped += 1;
          continue;
        }
        const task: Promise<void> = send(pool, target, index)
          .then(
            (r) => {
              if (isError(r)) errors += 1;
            },
            () => {
              errors += 1;
            },
          )
          .finally(() => {
            const latency = performance.now() - scheduled;
            if (latency > max) max = latency;
            hist.recordValue(Math.round(latency * 1000));
            running.delete(task);
          });
        running.add(task);
      }
      if (i < total) await new Promise((r) => setTimeout(r, Math.max(0, start + i * interval - performance.now())));
    }
    await Promise.all(running);
  } finally {
    await pool.close();
  }
  return {
    rate: options.rate,
    requests: total - dropped,
    errors,
    dropped,
    p50: hist.getValueAtPercentile(50) / 1000,
    p99: hist.getValueAtPercentile(99) / 1000,
    max,
  };
}
