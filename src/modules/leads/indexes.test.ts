// Lead list queries as the service sends them, planned on 30,000 leads: the search uses the GIN
// trigram index (pg_trgm), the filters and orders their b-tree indexes, never a scan of all leads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test/harness.ts';
import { describePlan, planOfWork } from '../../test/explain.ts';
import type { Db } from '../../resources.ts';
import { listLeads } from './service.ts';
import { runsByLead } from '../workflows/service.ts';

let h: Harness;
let org: number;

beforeAll(async () => {
  h = await startHarness({ env: { STATEMENT_TIMEOUT_MS: '120000' } });
  const neighbour = (await h.tenant('neighbour')).organizationId;
  org = (await h.tenant('big')).organizationId;
  const words = ['kowhai', 'rata', 'totara', 'manuka', 'kauri', 'rimu', 'matai', 'miro', 'tawa', 'hinau'];
  for (const [o, n] of [
    [neighbour, 5_000],
    [org, 30_000],
  ] as const) {
    await h.resources.sql`
      insert into leads (organization_id, name, email, company, source, status, owner, created_at)
      select ${o}, 'Lead ' || i || ' ' || (${words}::text[])[1 + i % 10], 'person' || i || '@' || (${words}::text[])[1 + (i / 7) % 10] || '.example.org',
             case when i % 3 = 0 then initcap((${words}::text[])[1 + (i / 3) % 10]) || ' Ltd' end,
             (array['web','referral','event','partner','import','other'])[1 + i % 6],
             (array['new','contacted','qualified','won','lost'])[1 + i % 5],
             'owner' || (i % 40), now() - make_interval(mins => i)
      from generate_series(1, ${n}) as i`;
  }
  await h.resources
    .sql`insert into leads (organization_id, name, email, company) values (${org}, 'Rare Find', 'rare@zyxwvut.example.org', 'Quokka Holdings')`;
  const [def] = await h.resources
    .sql`insert into workflow_definitions (organization_id, name, version, steps) values (${org}, 'w', 1, '[{"key":"a","kind":"score"}]') returning id`;
  for (let round = 0; round < 2; round++) {
    await h.resources.sql`insert into workflow_runs (organization_id, definition_id, lead_id, step_count)
      select ${org}, ${def.id}, id, 1 from leads where organization_id = ${org}`;
  }
  await h.resources.sql`vacuum (analyze) leads, workflow_runs`;
}, 120_000);
afterAll(() => h?.close());

async function expectPlan(work: (db: Db) => Promise<unknown>, index: string) {
  const nodes = await planOfWork(h.resources.sql, work);
  const plan = describePlan(nodes);
  expect(
    nodes.filter((n) => n.nodeType === 'Seq Scan' && n.relation === 'leads'),
    plan,
  ).toEqual([]);
  expect(
    nodes.some((n) => n.index === index),
    `${index} not in: ${plan}`,
  ).toBe(true);
}

const page = { first: 50 };

describe('leads', () => {
  it('search by a word in the e-mail or company uses the trigram index', async () => {
    await expectPlan((db) => listLeads(db, org, { search: 'zyxwvut' }, 'CREATED_DESC', page), 'leads_search_trgm_idx');
    await expectPlan(
      (db) => listLeads(db, org, { search: 'quokka hold' }, 'CREATED_DESC', page),
      'leads_search_trgm_idx',
    );
    const found = await listLeads(h.resources.db, org, { search: 'QUOKKA' }, 'CREATED_DESC', page);
    expect(found.edges.map((e) => e.node.name)).toEqual(['Rare Find']);
  });
  it('newest first', () =>
    expectPlan((db) => listLeads(db, org, {}, 'CREATED_DESC', page), 'leads_organization_created_idx'));
  it('by status', () =>
    expectPlan((db) => listLeads(db, org, { status: 'won' }, 'CREATED_DESC', page), 'leads_status_created_idx'));
  it('by owner', () =>
    expectPlan((db) => listLeads(db, org, { owner: 'owner7' }, 'CREATED_DESC', page), 'leads_owner_created_idx'));
  it('by name', () => expectPlan((db) => listLeads(db, org, {}, 'NAME_ASC', page), 'leads_organization_name_idx'));
  it("each lead's latest run, in one LATERAL statement", async () => {
    const ids = (await h.resources.sql`select id from leads where organization_id = ${org} order by id limit 50`).map(
      (r) => r.id as number,
    );
    const nodes = await planOfWork(h.resources.sql, (db) => runsByLead(db, org, ids, { first: 1 }));
    expect(
      nodes.some((n) => n.index === 'workflow_runs_lead_created_idx'),
      describePlan(nodes),
    ).toBe(true);
  });
});
