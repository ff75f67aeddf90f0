// Write SLA scenario: mutations (create and update growers, receive batches and move them on).
//   k6 run -e BASE_URL=… -e USER_TOKEN=… loadtest/writes.js
import { arrivalRateOptions } from './lib/graphql.js';
import { WRITE_OPERATIONS, writesIteration, writesSetup } from './lib/writes.js';

const RATE = Number(__ENV.RATE || 20);

export const options = arrivalRateOptions('writes', WRITE_OPERATIONS, {
  rate: RATE,
  minVUs: 5,
  ratePerVU: 4,
  minMaxVUs: 30,
});

export function setup() {
  return writesSetup();
}

export function writes(data) {
  return writesIteration(data);
}
