// Stress scenario: 50 concurrent users (closed model), each running front-end queries and the odd
// write with a short think time. The SLA: no failed request at 50+ concurrent users.
//   k6 run -e BASE_URL=… -e USER_TOKEN=… loadtest/stress-50-users.js
import { arrive, closedModelOptions, think } from './lib/graphql.js';
import { FRONTEND_OPERATIONS, frontendIteration, frontendSetup } from './lib/frontend.js';
import { WRITE_OPERATIONS, writesIteration, writesSetup } from './lib/writes.js';

export const options = closedModelOptions([...FRONTEND_OPERATIONS, ...WRITE_OPERATIONS], { duration: '60s' });

export async function setup() {
  return { frontend: await frontendSetup(), writes: await writesSetup() };
}

export async function user(data) {
  await arrive();
  if (Math.random() < 0.1) await writesIteration(data.writes);
  else await frontendIteration(data.frontend);
  await think();
}
