// Partner SLA scenario: persisted operations only (by hash, APQ shape), with a persisted-only API key.
//   k6 run -e BASE_URL=… -e PARTNER_KEY=… loadtest/partner-persisted.js
import { SUMMARY_TREND_STATS, slaThresholds } from './lib/graphql.js';
import { PARTNER_OPERATIONS, partnerIteration, partnerOperations, partnerSetup } from './lib/partner.js';

const hashes = partnerOperations(JSON.parse(open('./partner-operations.json')));
const RATE = Number(__ENV.RATE || 30);

export const options = {
  scenarios: {
    partner: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION || '60s',
      preAllocatedVUs: Math.max(5, Math.ceil(RATE / 5)),
      maxVUs: Math.max(30, RATE * 2),
      exec: 'partner',
    },
  },
  thresholds: slaThresholds(PARTNER_OPERATIONS),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export function setup() {
  return partnerSetup();
}

export function partner(data) {
  return partnerIteration(hashes, data);
}
