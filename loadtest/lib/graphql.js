// Shared by every SLA script: GraphQL over HTTP with k6, the checks every response must pass, and the
// SLA thresholds. Runs under k6 (0.52+) and under the Node runner in loadtest/runner.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:4000').replace(/\/$/, '');
// What the server says it spent (X-Response-Time), beside what the client saw: when the two differ,
// the time went to the network, the machine's scheduler or the load generator, not the API.
const serverTime = new Trend('server_response_time', true);

export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'];

/** The published SLA, per operation tag: p99 < 200 ms, p95 < 100 ms; < 0.1% failed; > 99.9% checks. */
export function slaThresholds(operations, { openModel = true } = {}) {
  const thresholds = {
    http_req_failed: ['rate<0.001'],
    checks: ['rate>0.999'],
  };
  if (openModel) thresholds.dropped_iterations = ['count==0'];
  for (const operation of operations) {
    thresholds[`http_req_duration{operation:${operation}}`] = ['p(99)<200', 'p(95)<100'];
  }
  return thresholds;
}

function headers(token) {
  const h = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

function operationName(document) {
  const match = /^\s*(?:query|mutation)\s+(\w+)/.exec(document);
  return match ? match[1] : undefined;
}

/** Sends an ad-hoc document; the request is tagged with its operation name. */
export function query(document, variables, token) {
  const name = operationName(document);
  return http.asyncRequest(
    'POST',
    `${BASE_URL}/graphql`,
    JSON.stringify({ query: document, variables, operationName: name }),
    {
      headers: headers(token),
      tags: { operation: name, name: `graphql ${name}` },
    },
  );
}

/** Sends a persisted operation by hash only (APQ shape), as a persisted-only partner must. */
export function persisted(hash, name, variables, token) {
  const body = { operationName: name, variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
  return http.asyncRequest('POST', `${BASE_URL}/graphql`, JSON.stringify(body), {
    headers: headers(token),
    tags: { operation: name, name: `graphql ${name}` },
  });
}

function body(res) {
  try {
    return res.json();
  } catch (_e) {
    return undefined;
  }
}

/**
 * A 200 with an `errors` entry is a failure: GraphQL reports most failures that way. `expect(data)`
 * adds a domain check, e.g. that a mutation returned its Success member and not a ValidationError.
 */
export function checkResponse(res, operation, expect) {
  const json = body(res);
  const reported = parseFloat(res.headers['X-Response-Time'] || '');
  if (!Number.isNaN(reported)) serverTime.add(reported, { operation });
  return group(operation, () => {
    const checks = {
      'status is 200': (r) => r.status === 200,
      'no GraphQL errors': () => Boolean(json) && (!json.errors || json.errors.length === 0),
      'has data': () => Boolean(json?.data),
    };
    if (expect) checks[expect.name] = () => Boolean(json?.data && expect.test(json.data));
    return check(res, checks);
  });
}

export function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

/** Picks one entry of [[weight, value], …] in proportion to its weight. */
export function weighted(entries) {
  const total = entries.reduce((s, [w]) => s + w, 0);
  let roll = Math.random() * total;
  for (const [w, value] of entries) {
    roll -= w;
    if (roll < 0) return value;
  }
  return entries[entries.length - 1][1];
}

export function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function required(name) {
  const value = __ENV[name];
  if (!value)
    throw new Error(`${name} is not set: pass -e ${name}=... (the Node runner sets it when it starts the API itself).`);
  return value;
}

/**
 * Options of a closed-model SLA script: VUS (50) users run its `user` function back to back for
 * DURATION (`duration` when unset), with no failed request at all and each of `operations` held to
 * the SLA.
 */
export function closedModelOptions(operations, { duration }) {
  const thresholds = slaThresholds(operations, { openModel: false });
  thresholds.http_req_failed = ['rate==0'];
  return {
    scenarios: {
      users: {
        executor: 'constant-vus',
        vus: Number(__ENV.VUS || 50),
        duration: __ENV.DURATION || duration,
        exec: 'user',
      },
    },
    thresholds,
    summaryTrendStats: SUMMARY_TREND_STATS,
  };
}

/**
 * A closed-model user's first iteration starts after a random think (0 to 1.5 × THINK_MS), as people
 * who open the app do not all click in the same millisecond: without it, every VU's first request
 * lands at once on a new connection, and the test measures that one burst (55 requests queued on
 * one event loop) rather than users at work. START_SPREAD=false sends them together.
 */
export async function arrive() {
  if (__ENV.START_SPREAD === 'false' || exec.vu.iterationInScenario > 0) return;
  await pause(Number(__ENV.THINK_MS || 500) * 1.5 * Math.random());
}

/** Think time between a user's iterations: a person reads the page before the next click (THINK_MS, 500 ms, ± half). */
export function think() {
  return pause(Number(__ENV.THINK_MS || 500) * (0.5 + Math.random()));
}

/**
 * Options of a one-scenario SLA script: `name` (also its exec function) at a constant arrival rate of
 * RATE per second (`rate` unless RATE is set) for DURATION (60 s), at least `minVUs` (5) VUs preallocated
 * (one per `ratePerVU` (5) arrivals a second) and up to twice the rate but at least `minMaxVUs` (30),
 * each of `operations` held to the SLA.
 */
export function arrivalRateOptions(name, operations, { rate: defaultRate, minVUs = 5, ratePerVU = 5, minMaxVUs = 30 }) {
  const rate = Number(__ENV.RATE || defaultRate);
  return {
    scenarios: {
      [name]: {
        executor: 'constant-arrival-rate',
        rate,
        timeUnit: '1s',
        duration: __ENV.DURATION || '60s',
        preAllocatedVUs: Math.max(minVUs, Math.ceil(rate / ratePerVU)),
        maxVUs: Math.max(minMaxVUs, rate * 2),
        exec: name,
      },
    },
    thresholds: slaThresholds(operations),
    summaryTrendStats: SUMMARY_TREND_STATS,
  };
}
