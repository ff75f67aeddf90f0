// Write SLA scenario: mutations (create and update growers, receive batches and move them on).
//   k6 run -e BASE_URL=… -e USER_TOKEN=… loadtest/writes.js
import { SUMMARY_TREND_STATS, slaThresholds } from './lib/graphql.js';
import { WRITE_OPERATIONS, writesIteration, writesSetup } from './lib/writes.js';

const RATE = Number(__ENV.RATE || 20);

export const options = {
  scenarios: {
    writes: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION || '60s',
      preAllocatedVUs: Math.max(5, Math.ceil(RATE / 4)),
      maxVUs: Math.max(30, RATE * 2),
      exec: 'writes',
    },
  },
  thresholds: slaThresholds(WRITE_OPERATIONS),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export function setup() {
  return writesSetup();
}

export function writes(data) {
  return writesIteration(data);
}
