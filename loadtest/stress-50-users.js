// Stress scenario: 50 concurrent users (closed model), each running front-end queries and the odd
// write with a short think time. The SLA: no failed request at 50+ concurrent users.
//   k6 run -e BASE_URL=… -e USER_TOKEN=… loadtest/stress-50-users.js
import { SUMMARY_TREND_STATS, pause, slaThresholds } from './lib/graphql.js';
import { FRONTEND_OPERATIONS, frontendIteration, frontendSetup } from './lib/frontend.js';
import { WRITE_OPERATIONS, writesIteration, writesSetup } from './lib/writes.js';

const thresholds = slaThresholds([...FRONTEND_OPERATIONS, ...WRITE_OPERATIONS], { openModel: false });
// Zero failed requests, not just under 0.1%.
thresholds.http_req_failed = ['rate==0'];

export const options = {
  scenarios: {
    users: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 50),
      duration: __ENV.DURATION || '60s',
      exec: 'user',
    },
  },
  thresholds,
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export async function setup() {
  return { frontend: await frontendSetup(), writes: await writesSetup() };
}

export async function user(data) {
  if (Math.random() < 0.1) await writesIteration(data.writes);
  else await frontendIteration(data.frontend);
  // Think time: a person reads the page before the next click.
  await pause(Number(__ENV.THINK_MS || 500) * (0.5 + Math.random()));
}
