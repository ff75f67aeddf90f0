// Write SLA scenario: mutations (create and update growers, receive batches and move them on).
//   k6 run -e BASE_URL=… -e USER_TOKEN=… loadtest/writes.js
import { arrivalRateOptions } from './lib/graphql.js';
import { WRITE_OPERATIONS, writesIteration, writesSetup } from './lib/writes.js';

export const options = arrivalRateOptions('writes', WRITE_OPERATIONS, { rate: 20, ratePerVU: 4 });

export const setup = writesSetup;
export const writes = writesIteration;
