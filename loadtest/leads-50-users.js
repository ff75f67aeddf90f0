// Leads and workflows at 50 concurrent users (closed model) for 5 minutes: create, read, list with
// search, update, status changes, workflow start and status, while the worker pushes every change to
// a CRM that answers in 300 ms and fails 10% of pushes. The SLA: zero failed requests; p99 per
// operation is printed in the summary (aim < 50 ms).
//   npm run loadtest -- loadtest/leads-50-users.js --mock-crm 300:0.1          (starts API, worker and mock CRM)
//   k6 run -e BASE_URL=… -e USER_TOKEN=… loadtest/leads-50-users.js             (your own server and CRM)
import { arrive, closedModelOptions, think } from './lib/graphql.js';
import { LEAD_OPERATIONS, leadsIteration, leadsSetup } from './lib/leads.js';

export const options = closedModelOptions(LEAD_OPERATIONS, { duration: '5m' });

export async function setup() {
  return leadsSetup();
}

export async function user(data) {
  await arrive();
  await leadsIteration(data);
  await think();
}
