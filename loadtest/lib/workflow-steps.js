// How the onboarding workflows of the lead load test (leads.js) and of the workflow tests
// (src/test/leads.ts) begin: the lead is enriched and scored, and a score of 50 or more goes on to the
// step `assign`, anything less to `nurture` (each defines those two steps itself). Plain JS, so that
// k6 and Node both load it.
export const SCORE_AND_ROUTE = [
  { key: 'enrich', kind: 'enrich' },
  { key: 'score', kind: 'score' },
  {
    key: 'hot',
    kind: 'branch',
    condition: { field: 'score', op: 'gte', value: '50' },
    then: 'assign',
    else: 'nurture',
  },
];
