// Front-end SLA scenario: ad-hoc queries across domains from signed-in users, on an open model
// (fixed arrival rate, whatever the latency), each operation held to the SLA on its own.
//   k6 run -e BASE_URL=http://127.0.0.1:4000 -e USER_TOKEN=… loadtest/frontend-mixed.js
//   npm run loadtest -- loadtest/frontend-mixed.js          (starts a seeded API itself)
import { arrivalRateOptions } from './lib/graphql.js';
import { FRONTEND_OPERATIONS, frontendIteration, frontendSetup } from './lib/frontend.js';

export const options = arrivalRateOptions('frontend', FRONTEND_OPERATIONS, { rate: 100, minVUs: 10, minMaxVUs: 50 });

export const setup = frontendSetup;
export const frontend = frontendIteration;
