// `k6/http`: asyncRequest (and the helpers the scripts use) over undici. k6's synchronous calls
// (http.get/post/request) block their VU; a Node event loop cannot block, so they throw with the
// async equivalent to use instead, which runs unchanged under k6 (0.43+).
import { Agent, request as undiciRequest } from 'undici';
import { baseTags, currentVu, runtime } from '../runtime.ts';
import type { Tags } from '../metrics.ts';
import { parseDuration } from '../duration.ts';

export type Params = {
  headers?: Record<string, string>;
  tags?: Tags;
  timeout?: string | number;
  responseType?: 'text' | 'none';
};

type ResponseCallback = (status: number) => boolean;

let agent = new Agent({ keepAliveTimeout: 30_000, pipelining: 1, connect: { timeout: 10_000 } });
let expected: ResponseCallback = (status) => status >= 200 && status < 400;

export async function closeAgent(): Promise<void> {
  await agent.close();
  agent = new Agent({ keepAliveTimeout: 30_000, pipelining: 1, connect: { timeout: 10_000 } });
  expected = (status) => status >= 200 && status < 400;
}

function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

export class Response {
  status = 0;
  body: string | null = null;
  headers: Record<string, string> = {};
  url: string;
  error = '';
  error_code = 0;
  timings = { duration: 0, waiting: 0, receiving: 0, sending: 0, blocked: 0, connecting: 0, tls_handshaking: 0 };
  request: { method: string; url: string; body: string; headers: Record<string, string> };

  constructor(method: string, url: string, body: string, headers: Record<string, string>) {
    this.url = url;
    this.request = { method, url, body, headers };
  }

  json(selector?: string): unknown {
    if (this.body == null) throw new Error(`the response of ${this.url} has no body`);
    let value: unknown = JSON.parse(this.body);
    if (selector) {
      for (const part of selector.split('.'))
        value = value == null ? undefined : (value as Record<string, unknown>)[part];
    }
    return value;
  }
}

function encodeBody(body: unknown, headers: Record<string, string>): string {
  if (body == null) return '';
  if (typeof body === 'string') return body;
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  return new URLSearchParams(body as Record<string, string>).toString();
}

export async function asyncRequest(
  method: string,
  url: string,
  body?: unknown,
  params: Params = {},
): Promise<Response> {
  if (runtime.phase === 'init')
    throw new Error(
      'HTTP requests are not allowed in the init context (k6 forbids them too): make them in setup() or an iteration.',
    );
  const vu = currentVu();
  const headers: Record<string, string> = { 'User-Agent': 'k6-node-runner/1.0', ...params.headers };
  const payload = encodeBody(body, headers);
  const response = new Response(method, url, payload, headers);
  const timeoutMs =
    params.timeout == null
      ? 60_000
      : typeof params.timeout === 'number'
        ? params.timeout
        : parseDuration(params.timeout);
  // Open model: the iteration's first request is timed from its scheduled start.
  const sentAt = performance.now();
  const scheduledAt = vu?.iteration.scheduledAt;
  const startedAt = scheduledAt !== undefined ? Math.min(scheduledAt, sentAt) : sentAt;
  if (vu) vu.iteration.scheduledAt = undefined;
  let headersAt = sentAt;
  let received = 0;
  runtime.inFlight += 1;
  try {
    const res = await undiciRequest(url, {
      method: method as 'GET',
      headers,
      body: payload || undefined,
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    headersAt = performance.now();
    response.status = res.statusCode;
    for (const [name, value] of Object.entries(res.headers)) {
      response.headers[canonical(name)] = Array.isArray(value) ? value.join(', ') : String(value ?? '');
    }
    if (params.responseType === 'none') {
      for await (const chunk of res.body) received += (chunk as Buffer).length;
    } else {
      response.body = await res.body.text();
      received = Buffer.byteLength(response.body);
    }
  } catch (err) {
    const e = err as Error & { code?: string };
    response.error = `${e.code ?? e.name}: ${e.message}`;
    response.error_code = e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' ? 1050 : 1000;
  } finally {
    runtime.inFlight -= 1;
  }
  const doneAt = performance.now();
  response.timings.waiting = headersAt - sentAt;
  response.timings.receiving = doneAt - headersAt;
  response.timings.duration = doneAt - startedAt;
  emit(
    response,
    params.tags ?? {},
    Buffer.byteLength(payload) + 200,
    received + 200,
    vu ? baseTags(vu) : { group: '' },
  );
  return response;
}

function emit(response: Response, extra: Tags, sent: number, received: number, base: Tags): void {
  const ok = response.status !== 0 && expected(response.status);
  const tags: Tags = {
    ...base,
    method: response.request.method,
    url: response.url,
    name: response.url,
    status: String(response.status),
    expected_response: String(ok),
    ...extra,
  };
  const r = runtime.registry;
  r.get('http_reqs', 'counter').add(1, tags);
  r.get('http_req_failed', 'rate').add(ok ? 0 : 1, tags);
  r.get('data_sent', 'counter', 'data').add(sent, tags);
  r.get('data_received', 'counter', 'data').add(received, tags);
  // k6 records timings of failed connections too; a request that never got an answer has none.
  if (response.status !== 0) {
    r.get('http_req_duration', 'trend', 'time').add(response.timings.duration, tags);
    r.get('http_req_waiting', 'trend', 'time').add(response.timings.waiting, tags);
    r.get('http_req_receiving', 'trend', 'time').add(response.timings.receiving, tags);
  }
}

function blocking(name: string): never {
  throw new Error(
    `http.${name}() blocks its VU, which this runner cannot do: use \`await http.asyncRequest(...)\` in an async function (k6 supports it too).`,
  );
}

export function expectedStatuses(...ranges: (number | { min: number; max: number })[]): ResponseCallback {
  return (status) => ranges.some((r) => (typeof r === 'number' ? status === r : status >= r.min && status <= r.max));
}

export function setResponseCallback(callback: ResponseCallback): void {
  expected = callback;
}

const http = {
  asyncRequest,
  expectedStatuses,
  setResponseCallback,
  get: () => blocking('get'),
  post: () => blocking('post'),
  put: () => blocking('put'),
  patch: () => blocking('patch'),
  del: () => blocking('del'),
  request: () => blocking('request'),
  batch: () => blocking('batch'),
};
export const { get, post, put, patch, del, request, batch } = http;
export default http;
