// The compiled three-level read, planned as this server's sessions plan it: each batch's grower is
// one probe of its primary key, not a scan of the growers table per batch. At PostgreSQL's default
// random_page_cost (4, for spinning disks) the planner preferred the scan on a 200-grower table;
// sessions run with DATABASE_RANDOM_PAGE_COST (1.1, decision 0029).
import { parse } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { schema } from '../schema/index.ts';
import { startHarness, type Harness } from '../test/harness.ts';
import { describePlan, planOf } from '../test/explain.ts';
import { compileRead } from './compile.ts';

const THREE_LEVELS = `{ packhouses(first: 10) { edges { node { name batches(first: 10) { edges { node { code
  grower { name region batches(first: 3) { edges { node { code intakeDate } } } } } } } } } } }`;

let h: Harness;
let organizationId: number;

beforeAll(async () => {
  h = await startHarness({ env: { STATEMENT_TIMEOUT_MS: '60000' } });
  organizationId = (await h.tenant('plans')).organizationId;
  await seedPackhouse(h.resources, organizationId, { growers: 200, packhouses: 12, batches: 5_000, quiet: true });
  await h.resources.sql`vacuum (analyze) growers, packhouses, batches`;
}, 120_000);
afterAll(() => h?.close());

function threeLevelStatement() {
  const compiled = compileRead({
    schema,
    document: parse(THREE_LEVELS),
    principal: {
      kind: 'apiKey',
      apiKeyId: 0,
      organizationId,
      keyKind: 'internal',
      scopes: ['read'],
      persistedOnly: false,
      manifest: null,
      rateLimitPerMinute: null,
    },
    ctx: {},
  });
  return { query: compiled.text, params: compiled.params as unknown[] };
}

it("sessions plan with DATABASE_RANDOM_PAGE_COST, and each batch's grower is a primary-key probe", async () => {
  const [{ random_page_cost }] = await h.resources.sql`show random_page_cost`;
  expect(random_page_cost).toBe('1.1');
  const nodes = await planOf(h.resources.sql, threeLevelStatement());
  const plan = describePlan(nodes);
  expect(
    nodes.filter((n) => n.relation === 'growers'),
    plan,
  ).toEqual([expect.objectContaining({ nodeType: 'Index Scan' })]);
});

it('at the default random_page_cost the same statement scans growers once per batch (why the setting is ours)', async () => {
  const nodes = await h.resources.sql.begin(async (tx) => {
    await tx`set local random_page_cost = 4`;
    return planOf(tx as never, threeLevelStatement());
  });
  expect(
    nodes.filter((n) => n.relation === 'growers').map((n) => n.nodeType),
    describePlan(nodes),
  ).toEqual(['Seq Scan']);
});
