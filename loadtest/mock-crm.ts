// A stand-in CRM for tests and benchmarks, shaped like loadtest/mock-provider.ts. Leads are upserted
// with PUT /leads/:id (our lead id, so a repeated push is harmless); the body carries the lead's
// version, and a push older than the version stored is counted as out of order and not applied.
// Faults: latency, a share of 500s, a share of 429s with Retry-After, and "down" (every push 503).
//   npm run mock:crm -- --port 6201 --latency 300 --fail-500 0.1 --fail-429 0.02
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flag, serveUntilSignalled } from './mock-cli.ts';

export type MockCrmOptions = {
  port?: number;
  latencyMs?: number;
  /** Share of pushes answered 500 (0-1). */
  failureRate?: number;
  /** Share of pushes answered 429 with Retry-After: retryAfterSeconds. */
  rateLimitedRate?: number;
  retryAfterSeconds?: number;
  apiKey?: string;
  random?: () => number;
};

export type MockCrmStats = {
  requests: number;
  accepted: number;
  failed: number;
  rateLimited: number;
  down: number;
  /** Pushes whose version was lower than the one already stored (must stay 0). */
  outOfOrder: number;
  /** Accepted pushes repeating the version already stored (after a crash or a lost answer). */
  repeated: number;
};

export type MockCrm = {
  url: string;
  port: number;
  stats(): MockCrmStats;
  /** Accepted pushes per lead id, in arrival order. */
  pushes(leadId: string): { version: number; body: Record<string, unknown> }[];
  stored(leadId: string): { version: number; body: Record<string, unknown> } | undefined;
  setDown(down: boolean): void;
  setFailureRate(rate: number): void;
  /** Every push of this lead id answers 500 (a lead the CRM keeps refusing). */
  failLead(leadId: string, failing: boolean): void;
  close(): Promise<void>;
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export async function startMockCrm(options: MockCrmOptions = {}): Promise<MockCrm> {
  const random = options.random ?? Math.random;
  let failureRate = options.failureRate ?? 0;
  let down = false;
  const failing = new Set<string>();
  const stats: MockCrmStats = {
    requests: 0,
    accepted: 0,
    failed: 0,
    rateLimited: 0,
    down: 0,
    outOfOrder: 0,
    repeated: 0,
  };
  const store = new Map<string, { version: number; body: Record<string, unknown> }>();
  const history = new Map<string, { version: number; body: Record<string, unknown> }[]>();
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://mock');
    if (req.method === 'GET' && url.pathname === '/stats') return send(res, 200, stats);
    const match = /^\/leads\/([^/]+)$/.exec(url.pathname);
    if (!match || req.method !== 'PUT') return send(res, 404, { error: 'PUT /leads/:id' });
    stats.requests += 1;
    const raw = await readBody(req);
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`)
      return send(res, 401, { error: 'bad key' });
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    if (down) {
      stats.down += 1;
      return send(res, 503, { error: 'down for maintenance' });
    }
    if (failing.has(decodeURIComponent(match[1]))) {
      stats.failed += 1;
      return send(res, 500, { error: 'this lead is refused' });
    }
    const roll = random();
    if (options.rateLimitedRate && roll < options.rateLimitedRate) {
      stats.rateLimited += 1;
      return send(res, 429, { error: 'slow down' }, { 'retry-after': String(options.retryAfterSeconds ?? 1) });
    }
    if (roll < (options.rateLimitedRate ?? 0) + failureRate) {
      stats.failed += 1;
      return send(res, 500, { error: 'injected failure' });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 400, { error: 'not JSON' });
    }
    const id = decodeURIComponent(match[1]);
    const version = Number(body.version);
    const current = store.get(id);
    if (current && version < current.version) {
      stats.outOfOrder += 1;
      return send(res, 200, { id, version: current.version, ignored: 'older than stored' });
    }
    if (current && version === current.version) stats.repeated += 1;
    stats.accepted += 1;
    store.set(id, { version, body });
    history.set(id, [...(history.get(id) ?? []), { version, body }]);
    send(res, 200, { id, version });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats: () => ({ ...stats }),
    pushes: (leadId) => history.get(leadId) ?? [],
    stored: (leadId) => store.get(leadId),
    setDown: (value) => void (down = value),
    setFailureRate: (rate) => void (failureRate = rate),
    failLead: (leadId, value) => void (value ? failing.add(leadId) : failing.delete(leadId)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const crm = await startMockCrm({
    port: flag(args, 'port') ?? 6201,
    latencyMs: flag(args, 'latency'),
    failureRate: flag(args, 'fail-500') ?? 0,
    rateLimitedRate: flag(args, 'fail-429') ?? 0,
    retryAfterSeconds: flag(args, 'retry-after') ?? 1,
  });
  serveUntilSignalled(crm, `mock CRM listening: ${crm.url} (PUT /leads/:id, GET /stats)`);
}

if (import.meta.main) await main();
