// /metrics (Prometheus text), /metrics/performance (rolling p50/p95/p99, success rate, request count,
// peak concurrency) and /health/performance (status, response time, connections, CPU, memory, running
// generations, queue depth). These paths are outside /graphql, so they authenticate here: detail is
// for internal API keys only; anyone may read the one-word status of /health/performance.
import { loadavg } from 'node:os';
import type { Db } from '../resources.ts';
import type { Metrics } from '../observability/metrics.ts';
import { withFallback } from '../lib/timeout.ts';
import { dayFigures } from '../observability/minute-buckets.ts';
import type { AppPlugin, AuthenticateRequest } from './edge.ts';
import { forbiddenResponse, unauthorizedResponse } from './responses.ts';

/** The SLA, as /health/performance judges the last minute. */
export const SLA = { p99Ms: 200, successRate: 0.999 };

type Deps = { db: Db; metrics: Metrics; authenticateRequest: AuthenticateRequest };
type Access = { ok: true } | { ok: false; response: Response };

async function internalOnly(deps: Deps, request: Request): Promise<Access> {
  const result = await deps.authenticateRequest(request);
  if (!result.ok) return result;
  const p = result.principal;
  if (p.kind === 'apiKey' && p.keyKind === 'internal') return { ok: true };
  if (p.kind === 'anonymous') {
    return {
      ok: false,
      response: unauthorizedResponse(
        'This endpoint needs an internal API key: send "Authorization: Bearer <internal key>".',
      ),
    };
  }
  return {
    ok: false,
    response: forbiddenResponse(
      'This endpoint is for internal API keys only; ask an admin for a key of kind INTERNAL.',
    ),
  };
}

function cpuMeter() {
  let last = { at: performance.now(), usage: process.cpuUsage() };
  return () => {
    const now = { at: performance.now(), usage: process.cpuUsage() };
    const cpuMicros = now.usage.user - last.usage.user + (now.usage.system - last.usage.system);
    const wallMicros = Math.max(1, (now.at - last.at) * 1000);
    last = now;
    // Percent of one core since the previous reading.
    return Math.round((cpuMicros / wallMicros) * 1000) / 10;
  };
}

export function useObservability(deps: Deps): AppPlugin {
  const { metrics } = deps;
  const cpu = cpuMeter();
  return {
    async onRequest({ request, url, endResponse }) {
      const path = url.pathname;
      if (path !== '/metrics' && path !== '/metrics/performance' && path !== '/health/performance') return;
      if (path === '/health/performance') {
        const snapshot = metrics.window.snapshot();
        const degraded =
          (snapshot.latencyMs.p99 ?? 0) > SLA.p99Ms ||
          (snapshot.successRate !== null && snapshot.successRate < SLA.successRate);
        const status = degraded ? 'degraded' : 'ok';
        if (!request.headers.has('authorization') && !request.headers.has('x-api-key')) {
          endResponse(Response.json({ status }));
          return;
        }
        const access = await internalOnly(deps, request);
        if (!access.ok) return endResponse(access.response);
        const [pool, runningGenerations, queueDepth, generationQueueDepth] = await Promise.all([
          withFallback(metrics.poolUsage(), 1_000, null),
          metrics.read('runningGenerations'),
          metrics.read('queueDepth'),
          metrics.read('generationQueueDepth'),
        ]);
        const memory = process.memoryUsage();
        endResponse(
          Response.json({
            status,
            sla: SLA,
            responseTimeMs: snapshot.latencyMs,
            requestsPerSecond: snapshot.requestsPerSecond,
            activeConnections: { httpRequestsInFlight: snapshot.inFlight, database: pool },
            cpu: { processPercentOfOneCore: cpu(), loadAverage1m: Math.round(loadavg()[0] * 100) / 100 },
            memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal },
            runningGenerations,
            queueDepth,
            // The courses addendum's names: generations running now across every worker, and waiting.
            concurrent_generations: runningGenerations,
            generation_queue_depth: generationQueueDepth,
            uptimeSeconds: Math.round(process.uptime()),
          }),
        );
        return;
      }
      const access = await internalOnly(deps, request);
      if (!access.ok) return endResponse(access.response);
      if (path === '/metrics') {
        endResponse(
          new Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }),
        );
      } else {
        // Today's rolling minute of this instance, beside the last 24 hours of every instance.
        const last24h = await withFallback(dayFigures(deps.db), 3_000, null);
        endResponse(Response.json({ ...metrics.window.snapshot(), last24h }));
      }
    },
  };
}
