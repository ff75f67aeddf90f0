// A stand-in for the external scoring API, for tests and benchmarks. It scores with the seed card
// catalog (so its answers match the built-in scorer on a seeded organization), answers after a
// configurable latency, enforces a rate limit (token bucket: R a second, bursts of B = R) with 429 and
// Retry-After, and injects 429s, 500s, timeouts (no answer) and connection resets at given rates.
// It counts everything it receives, so callers can check they never went over its limit.
// Listens on 127.0.0.1 only.
//
// Strict mode (`strict: true`, `--strict`) is the provider the issue-18 checks run against: it
// counts calls in each of its seconds (1 s windows from the first call), admits at most R in each,
// no burst, and answers the rest 429 (the sliding-window peak is reported too, for comparison); it keeps a
// ledger of Idempotency-Keys, so a repeated key is answered with the first answer and not scored
// again (a repeat that arrives while the first call is still running waits for it); an injected
// timeout scores the customer and loses the answer, as a real provider that timed out may have done;
// and it counts scorings per customer, so a customer scored twice shows up whatever the keys were.
//
//   npm run mock:provider -- [--port 6101] [--latency 1500] [--limit 10] [--burst 10] [--strict]
//                            [--fail-429 0.1] [--fail-500 0.1] [--timeout 0.1] [--reset 0.1] [--key secret]
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { seededRandom } from '../src/lib/random.ts';
import { recommend, type CatalogCard } from '../src/modules/recommendations/catalog/scoring.ts';
import { fromWireRequest, toWireRecommendations } from '../src/modules/recommendations/provider/wire.ts';
import { SEED_CATALOG } from '../seeds/cards.ts';
import { flag, serveUntilSignalled } from './mock-cli.ts';

export type MockFaults = { rateLimited?: number; serverError?: number; timeout?: number; reset?: number };

export type MockProviderOptions = {
  port?: number;
  latencyMs?: number;
  /** Requests per second the provider accepts. */
  rateLimit?: number;
  /** Requests it accepts at once above the steady rate; one second's worth by default, as most APIs count. */
  burst?: number;
  retryAfterSeconds?: number;
  faults?: MockFaults;
  seed?: number;
  apiKey?: string;
  catalog?: readonly CatalogCard[];
  /** See the header: sliding 1 s limit without burst, Idempotency-Key ledger, scorings per customer. */
  strict?: boolean;
  /** The first N calls for each customer are answered 429 (Retry-After: 0), as a provider that is busy. */
  rateLimitedCallsPerCustomer?: number;
};

export type MockProviderStats = {
  received: number;
  ok: number;
  /** Refused because the caller went over the rate limit (not injected). */
  overLimit: number;
  injected: { rateLimited: number; serverError: number; timeout: number; reset: number };
  badRequests: number;
  /** Most requests that arrived within any 1-second window (sliding: the harshest count). */
  peakPerSecond: number;
  /** Most requests that arrived in one of its seconds (perSecond), the windows strict mode limits. */
  maxPerSecond: number;
  peakInFlight: number;
  /** Calls received in each second since the first one. */
  perSecond: number[];
  /**
   * Longest the mock's own event loop was stalled (a busy machine): calls that arrive meanwhile are
   * counted together when it wakes, so one of its seconds can show a bunch its callers never sent.
   */
  maxLoopStallMs: number;
  /** Customers scored more than once (answered 200 more than once; in strict mode, scored more than once, ledger replays apart). */
  customersScoredTwice: number;
  distinctCustomersScored: number;
  /** Calls that carried an Idempotency-Key already seen. */
  repeatedKeys: number;
  /** Calls answered from the ledger without scoring (strict mode). */
  replayed: number;
  /** Calls without an Idempotency-Key. */
  withoutKey: number;
};

export type MockProvider = {
  url: string;
  port: number;
  stats(): MockProviderStats;
  /** Idempotency-Keys of the calls being worked on now (answered or not yet). */
  inFlightKeys(): string[];
  /** Calls received with this Idempotency-Key. */
  callsWithKey(key: string): number;
  resetStats(): void;
  close(): Promise<void>;
};

type Answer = { status: number; body: unknown };

export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const latencyMs = options.latencyMs ?? 1_500;
  const rate = options.rateLimit ?? 10;
  const burst = options.burst ?? rate;
  const faults = { rateLimited: 0, serverError: 0, timeout: 0, reset: 0, ...options.faults };
  const catalog = options.catalog ?? SEED_CATALOG;
  const random = seededRandom(options.seed ?? 42);

  const strict = options.strict ?? false;
  let stats = emptyStats();
  let okByRef = new Map<string, number>();
  let callsByKey = new Map<string, number>();
  let refusedByRef = new Map<string, number>();
  // Strict mode: the answer (or the call still working on it) for every key that was scored.
  let ledger = new Map<string, Promise<Answer | null>>();
  const workingOn = new Map<IncomingMessage, string>();
  let admittedWindow = -1;
  let admittedInWindow = 0;
  let arrivals: number[] = [];
  let inFlight = 0;
  let tokens = burst;
  let refilledAt = performance.now();
  const held = new Set<ServerResponse>();

  /** Seconds until a token is free, 0 when the request is admitted. */
  function admit(now: number): number {
    if (strict) {
      const window = Math.floor((now - (firstArrival ?? now)) / 1000);
      if (window !== admittedWindow) {
        admittedWindow = window;
        admittedInWindow = 0;
      }
      if (admittedInWindow >= rate) return 1;
      admittedInWindow++;
      return 0;
    }
    tokens = Math.min(burst, tokens + ((now - refilledAt) * rate) / 1000);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - tokens) / rate);
  }

  let firstArrival: number | undefined;
  function countArrival(now: number) {
    firstArrival ??= now;
    const second = Math.floor((now - firstArrival) / 1000);
    while (stats.perSecond.length <= second) stats.perSecond.push(0);
    stats.perSecond[second]++;
    arrivals.push(now);
    let drop = 0;
    while (drop < arrivals.length && arrivals[drop] <= now - 1000) drop++;
    if (drop) arrivals = arrivals.slice(drop);
    stats.peakPerSecond = Math.max(stats.peakPerSecond, arrivals.length);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'GET' && req.url === '/stats') return json(res, 200, snapshot());
    if (req.method === 'GET' && req.url === '/keys')
      return json(res, 200, { inFlight: [...workingOn.values()], calls: Object.fromEntries(callsByKey) });
    if (req.method === 'POST' && req.url === '/stats/reset') {
      reset();
      return json(res, 200, { ok: true });
    }
    const now = performance.now();
    stats.received++;
    countArrival(now);
    const body = await readBody(req);
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`)
      return json(res, 401, { error: 'bad api key' });
    const customer = fromWireRequest(safeJson(body));
    if (!customer) {
      stats.badRequests++;
      return json(res, 400, { error: 'invalid request' });
    }
    const keyHeader = req.headers['idempotency-key'];
    const key = typeof keyHeader === 'string' && keyHeader ? keyHeader : null;
    if (key) {
      const seen = callsByKey.get(key) ?? 0;
      if (seen) stats.repeatedKeys++;
      callsByKey.set(key, seen + 1);
    } else stats.withoutKey++;
    const waitSeconds = admit(now);
    if (waitSeconds > 0) {
      stats.overLimit++;
      return json(res, 429, { error: 'rate limit exceeded' }, { 'retry-after': String(Math.max(1, waitSeconds)) });
    }
    if (options.rateLimitedCallsPerCustomer) {
      const refused = refusedByRef.get(customer.customerRef) ?? 0;
      if (refused < options.rateLimitedCallsPerCustomer) {
        refusedByRef.set(customer.customerRef, refused + 1);
        stats.injected.rateLimited++;
        return json(res, 429, { error: 'busy' }, { 'retry-after': '0' });
      }
    }
    let roll = random();
    if ((roll -= faults.rateLimited) < 0) {
      stats.injected.rateLimited++;
      return json(res, 429, { error: 'slow down' }, { 'retry-after': String(options.retryAfterSeconds ?? 1) });
    }
    inFlight++;
    if (key) workingOn.set(req, key);
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    try {
      const earlier = strict && key ? ledger.get(key) : undefined;
      if (earlier) {
        const answer = await earlier;
        if (answer) {
          stats.replayed++;
          return json(res, answer.status, answer.body);
        }
      }
      if ((roll -= faults.serverError) < 0) {
        stats.injected.serverError++;
        await sleep(latencyMs);
        return json(res, 500, { error: 'internal error' });
      }
      if ((roll -= faults.timeout) < 0) {
        stats.injected.timeout++;
        // Strict: the provider scored the customer, the answer never arrives.
        if (strict) void score(customer, key);
        held.add(res);
        res.on('close', () => held.delete(res));
        return; // never answers: the client's timeout decides
      }
      if ((roll -= faults.reset) < 0) {
        stats.injected.reset++;
        await sleep(Math.min(latencyMs, 50));
        req.socket.destroy();
        return;
      }
      const answer = await score(customer, key);
      stats.ok++;
      return json(res, answer.status, answer.body);
    } finally {
      inFlight--;
      workingOn.delete(req);
    }
  }

  /** Scores after the latency; in strict mode, records the answer under the key first. */
  function score(customer: NonNullable<ReturnType<typeof fromWireRequest>>, key: string | null): Promise<Answer> {
    const answer = sleep(latencyMs).then(() => {
      okByRef.set(customer.customerRef, (okByRef.get(customer.customerRef) ?? 0) + 1);
      return {
        status: 200,
        body: {
          customer_ref: customer.customerRef,
          recommendations: toWireRecommendations(recommend(catalog, customer)),
        },
      };
    });
    if (strict && key) ledger.set(key, answer);
    return answer;
  }

  function snapshot(): MockProviderStats {
    let twice = 0;
    for (const count of okByRef.values()) if (count > 1) twice++;
    return {
      ...stats,
      injected: { ...stats.injected },
      perSecond: [...stats.perSecond],
      maxPerSecond: Math.max(0, ...stats.perSecond),
      customersScoredTwice: twice,
      distinctCustomersScored: okByRef.size,
    };
  }

  function reset() {
    stats = emptyStats();
    okByRef = new Map();
    callsByKey = new Map();
    refusedByRef = new Map();
    ledger = new Map();
    admittedWindow = -1;
    admittedInWindow = 0;
    arrivals = [];
    firstArrival = undefined;
  }

  let tickAt = performance.now();
  const lagTimer = setInterval(() => {
    const now = performance.now();
    stats.maxLoopStallMs = Math.max(stats.maxLoopStallMs, Math.round(now - tickAt - 10));
    tickAt = now;
  }, 10);
  lagTimer.unref();

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 30_000;
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1/score`,
    port,
    stats: snapshot,
    inFlightKeys: () => [...workingOn.values()],
    callsWithKey: (key) => callsByKey.get(key) ?? 0,
    resetStats: reset,
    async close() {
      clearInterval(lagTimer);
      for (const res of held) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

function emptyStats(): MockProviderStats {
  return {
    received: 0,
    ok: 0,
    overLimit: 0,
    injected: { rateLimited: 0, serverError: 0, timeout: 0, reset: 0 },
    badRequests: 0,
    peakPerSecond: 0,
    maxPerSecond: 0,
    maxLoopStallMs: 0,
    peakInFlight: 0,
    perSecond: [],
    customersScoredTwice: 0,
    distinctCustomersScored: 0,
    repeatedKeys: 0,
    replayed: 0,
    withoutKey: 0,
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main() {
  const args = process.argv.slice(2);
  const keyAt = args.indexOf('--key');
  const provider = await startMockProvider({
    port: flag(args, 'port') ?? 6101,
    latencyMs: flag(args, 'latency'),
    rateLimit: flag(args, 'limit'),
    burst: flag(args, 'burst'),
    apiKey: keyAt >= 0 ? args[keyAt + 1] : undefined,
    strict: args.includes('--strict'),
    faults: {
      rateLimited: flag(args, 'fail-429') ?? 0,
      serverError: flag(args, 'fail-500') ?? 0,
      timeout: flag(args, 'timeout') ?? 0,
      reset: flag(args, 'reset') ?? 0,
    },
  });
  serveUntilSignalled(provider, `mock scoring provider listening: ${provider.url} (GET /stats for counts)`);
}

if (import.meta.main) await main();
