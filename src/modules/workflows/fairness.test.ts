// The per-organization cap (WORKFLOW_ORG_CONCURRENCY, pg-boss group concurrency): one tenant's big
// start takes at most its share of the worker's slots, so another tenant's run started after it does
// not wait for it to drain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test/harness.ts';
import { createLead, saveDefinition, startRuns, waitFor } from '../../test/leads.ts';
import { startWorkflowWorker, type WorkflowWorker } from './tasks.ts';

let h: Harness;
let worker: WorkflowWorker | undefined;

beforeAll(async () => {
  h = await startHarness({ env: { WORKFLOW_ORG_CONCURRENCY: '1' } });
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

const STEPS = [
  { key: 'enrich', kind: 'enrich' },
  { key: 'score', kind: 'score' },
  { key: 'assign', kind: 'assign', owners: ['ana'] },
  { key: 'note', kind: 'notify', message: 'hello' },
];

describe('a concurrency cap per organization', () => {
  it("lets a small tenant's run finish while a big tenant's runs are still queued", async () => {
    const big = await h.tenant('big');
    const small = await h.tenant('small');
    const bigLeads = [];
    for (let i = 0; i < 60; i++) bigLeads.push((await createLead(h, big.partnerKey)).id);
    const smallLead = (await createLead(h, small.partnerKey)).id;
    const bigRuns = await startRuns(h, big.partnerKey, (await saveDefinition(h, big.partnerKey, STEPS)).id, bigLeads);
    const smallDefinition = (await saveDefinition(h, small.partnerKey, STEPS)).id;
    worker = await startWorkflowWorker(h.resources, { concurrency: 4 });
    // The big tenant is under way before the small one asks.
    await waitFor('big tenant started', async () => {
      const [{ n }] = await h.resources
        .sql`select count(*)::int as n from workflow_runs where organization_id = ${big.organizationId} and status = 'completed'`;
      return n > 0;
    });
    const [smallRun] = await startRuns(h, small.partnerKey, smallDefinition, [smallLead]);
    await waitFor('small run completed', async () => {
      const [r] = await h.resources
        .sql`select status from workflow_runs where organization_id = ${small.organizationId}`;
      return r.status === 'completed';
    });
    const [{ open }] = await h.resources
      .sql`select count(*)::int as open from workflow_runs where organization_id = ${big.organizationId} and status <> 'completed'`;
    expect(smallRun.status).toBe('QUEUED');
    expect(open, 'big tenant runs still open when the small one finished').toBeGreaterThan(10);
    await waitFor(
      'big tenant done',
      async () => {
        const [{ n }] = await h.resources
          .sql`select count(*)::int as n from workflow_runs where organization_id = ${big.organizationId} and status = 'completed'`;
        return n === bigRuns.length;
      },
      60_000,
    );
  }, 90_000);
});
