// Partner SLA scenario: persisted operations only (by hash, APQ shape), with a persisted-only API key.
//   k6 run -e BASE_URL=… -e PARTNER_KEY=… loadtest/partner-persisted.js
import { arrivalRateOptions } from './lib/graphql.js';
import { PARTNER_OPERATIONS, partnerIteration, partnerOperations, partnerSetup } from './lib/partner.js';

const hashes = partnerOperations(JSON.parse(open('./partner-operations.json')));

export const options = arrivalRateOptions('partner', PARTNER_OPERATIONS, { rate: 30 });

export const setup = partnerSetup;

export function partner(data) {
  return partnerIteration(hashes, data);
}
