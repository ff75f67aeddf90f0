// Front-end SLA scenario: ad-hoc queries across domains from signed-in users, on an open model
// (fixed arrival rate, whatever the latency), each operation held to the SLA on its own.
//   k6 run -e BASE_URL=http://127.0.0.1:4000 -e USER_TOKEN=… loadtest/frontend-mixed.js
//   npm run loadtest -- loadtest/frontend-mixed.js          (starts a seeded API itself)
import { SUMMARY_TREND_STATS, slaThresholds } from './lib/graphql.js';
import { FRONTEND_OPERATIONS, frontendIteration, frontendSetup } from './lib/frontend.js';

const RATE = Number(__ENV.RATE || 100);

export const options = {
  scenarios: {
    frontend: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION || '60s',
      preAllocatedVUs: Math.max(10, Math.ceil(RATE / 5)),
      maxVUs: Math.max(50, RATE * 2),
      exec: 'frontend',
    },
  },
  thresholds: slaThresholds(FRONTEND_OPERATIONS),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export function setup() {
  return frontendSetup();
}

export function frontend(data) {
  return frontendIteration(data);
}
