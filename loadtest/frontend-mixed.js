// Front-end SLA scenario: ad-hoc queries across domains from signed-in users, on an open model
// (fixed arrival rate, whatever the latency), each operation held to the SLA on its own.
//   k6 run -e BASE_URL=http://127.0.0.1:4000 -e USER_TOKEN=… loadtest/frontend-mixed.js
//   npm run loadtest -- loadtest/frontend-mixed.js          (starts a seeded API itself)
import { arrivalRateOptions } from './lib/graphql.js';
import { FRONTEND_OPERATIONS, frontendIteration, frontendSetup } from './lib/frontend.js';

const RATE = Number(__ENV.RATE || 100);

export const options = arrivalRateOptions('frontend', FRONTEND_OPERATIONS, {
  rate: RATE,
  minVUs: 10,
  ratePerVU: 5,
  minMaxVUs: 50,
});

export function setup() {
  return frontendSetup();
}

export function frontend(data) {
  return frontendIteration(data);
}
