// Calls the external scoring API: one POST per customer over keep-alive connections, with a
// per-call timeout. Every outcome is classified for the retry policy (retry.ts): 429 (with its
// Retry-After), 5xx, timeouts and dropped connections are retryable; other 4xx are not.
import http from 'node:http';
import https from 'node:https';
import { parseRetryAfter, ProviderCallError } from './retry.ts';
import { fromWireResponse, IDEMPOTENCY_HEADER, toWireRequest } from './wire.ts';
import type { CustomerSpend, Recommendation } from '../catalog/scoring.ts';

export type HttpProviderOptions = { url: string; apiKey?: string; timeoutMs: number };

type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export function createHttpProvider(options: HttpProviderOptions) {
  const url = new URL(options.url);
  const transport = url.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 10_000 });

  function post(payload: string, idempotencyKey: string, signal: AbortSignal): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const req = transport.request(url, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          [IDEMPOTENCY_HEADER]: idempotencyKey,
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
      });
      const timer = setTimeout(() => {
        finish(() => reject(new ProviderCallError('timeout', `no answer within ${options.timeoutMs} ms`)));
        req.destroy();
      }, options.timeoutMs);
      const onAbort = () => {
        finish(() => reject(signal.reason));
        req.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish(() =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          ),
        );
        res.on('error', (err) => finish(() => reject(classifyNetworkError(err))));
      });
      req.on('error', (err) => finish(() => reject(classifyNetworkError(err))));
      req.end(payload);
    });
  }

  return {
    kind: 'http' as const,
    timeoutMs: options.timeoutMs,
    /** One call; `idempotencyKey` is the same for every call for this customer of this job (wire.ts). */
    async score(
      customer: CustomerSpend,
      cardIds: ReadonlyMap<string, { id: number; name: string }>,
      idempotencyKey: string,
      signal: AbortSignal,
    ): Promise<Recommendation[]> {
      const res = await post(JSON.stringify(toWireRequest(customer)), idempotencyKey, signal);
      if (res.status === 429) {
        throw new ProviderCallError('rate_limited', 'HTTP 429 Too Many Requests', {
          retryAfterMs: parseRetryAfter(firstHeader(res.headers['retry-after'])),
        });
      }
      if (res.status >= 500) {
        throw new ProviderCallError('server_error', `HTTP ${res.status}`, {
          retryAfterMs: parseRetryAfter(firstHeader(res.headers['retry-after'])),
        });
      }
      if (res.status !== 200) {
        throw new ProviderCallError('rejected', `HTTP ${res.status}: ${res.body.slice(0, 200)}`, { retryable: false });
      }
      let body: unknown;
      try {
        body = JSON.parse(res.body);
      } catch {
        // A cut-off body is a transport problem more often than a provider bug: worth another call.
        throw new ProviderCallError(
          'invalid_response',
          `the provider answered 200 with a body that is not JSON: ${res.body.slice(0, 80)}`,
        );
      }
      return fromWireResponse(body, cardIds);
    },
    close() {
      agent.destroy();
    },
  };
}

export type HttpProvider = ReturnType<typeof createHttpProvider>;

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function classifyNetworkError(err: Error & { code?: string }): ProviderCallError {
  if (err instanceof ProviderCallError) return err;
  if ((err.code && RESET_CODES.has(err.code)) || /socket hang up|other side closed/i.test(err.message)) {
    return new ProviderCallError('connection_reset', `connection dropped (${err.code ?? err.message})`);
  }
  return new ProviderCallError('connection_reset', `network error: ${err.message}`);
}
