// Workflows end to end with an in-process worker: runs start at once and complete, each step stored
// once with its result; branch, assign, wait (a scheduled job), cancel of a waiting run, rerun from a
// step, versions kept by runs, Idempotency-Key, and the refusals (unknown step kinds, another
// tenant's leads, 10,000 leads) that write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../lib/global-id.ts';
import { startHarness, subscriptionEvents, type Harness, type Tenant } from '../../test/harness.ts';
import {
  createLead,
  DEFAULT_STEPS,
  RUN,
  SAVE_DEFINITION,
  saveDefinition,
  START,
  startRuns,
  waitFor,
} from '../../test/leads.ts';
import { startWorkflowWorker, type WorkflowWorker } from './tasks.ts';

let h: Harness;
let t: Tenant;
let worker: WorkflowWorker;

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('workflows');
  worker = await startWorkflowWorker(h.resources, { concurrency: 4 });
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

const run = async (id: string) => (await h.gql(RUN, { auth: t.partnerKey, variables: { id } })).body.data.workflowRun;
const finished = (id: string, status = 'COMPLETED') =>
  waitFor(`run ${status}`, async () => {
    const r = await run(id);
    return r.status === status && r;
  });
const count = async (table: string, org = t.organizationId) =>
  (await h.resources.sql`select count(*)::int as n from ${h.resources.sql(table)} where organization_id = ${org}`)[0]
    .n as number;

describe('runs', () => {
  it('run every step once, store each result, and change the lead (branch taken by score)', async () => {
    const rich = await createLead(h, t.partnerKey, { phone: '+64 21 555 0101', source: 'REFERRAL' });
    const poor = await createLead(h, t.partnerKey, { email: `solo${Date.now()}@gmail.com`, source: 'OTHER' });
    const def = await saveDefinition(h, t.partnerKey);
    const runs = await startRuns(h, t.partnerKey, def.id, [rich.id, poor.id]);
    expect(runs.map((r) => r.status)).toEqual(['QUEUED', 'QUEUED']);
    const [a, b] = [await finished(runs[0].id), await finished(runs[1].id)];
    expect(a).toMatchObject({ completedSteps: 6, stepCount: 6, progress: 1, currentStep: null, error: null });
    expect(a.steps.map((s: any) => [s.key, s.status])).toEqual([
      ['enrich', 'COMPLETED'],
      ['score', 'COMPLETED'],
      ['hot', 'COMPLETED'],
      ['nurture', 'SKIPPED'],
      ['assign', 'COMPLETED'],
      ['welcome', 'COMPLETED'],
    ]);
    expect(b.steps.map((s: any) => s.key)).toEqual(['enrich', 'score', 'hot', 'nurture', 'assign', 'welcome']);
    expect(JSON.parse(b.steps[2].output)).toEqual({ holds: false, next: 'nurture' });
    const leads = await h.gql(
      `query($a: ID!, $b: ID!) { a: lead(id: $a) { company score owner } b: lead(id: $b) { company score owner } }`,
      {
        auth: t.partnerKey,
        variables: { a: rich.id, b: poor.id },
      },
    );
    expect(leads.body.data.a.company).toMatch(/^Acme-\d$/);
    expect(leads.body.data.a.score).toBeGreaterThanOrEqual(50);
    expect(['ana', 'ben']).toContain(leads.body.data.a.owner);
    expect(leads.body.data.b).toMatchObject({ company: null });
  });

  it('a wait step is a scheduled job; cancel stops a waiting run; rerun goes again from a step', async () => {
    // Version 1 waits a second, version 2 two.
    const waits = (seconds: number) => [
      { key: 'hello', kind: 'notify', message: 'hi' },
      { key: 'pause', kind: 'wait', seconds },
      { key: 'bye', kind: 'notify', message: 'bye' },
    ];
    const lead = await createLead(h, t.partnerKey);
    const def = await saveDefinition(h, t.partnerKey, waits(1), 'waits');
    const [quick] = await startRuns(h, t.partnerKey, def.id, [lead.id]);
    const waiting = await waitFor('waiting', async () => {
      const r = await run(quick.id);
      return r.status === 'WAITING' && r;
    });
    expect(waiting.currentStep).toEqual({ key: 'bye', kind: 'NOTIFY' });
    const [job] = await h.resources
      .sql`select start_after > now() as later from pgboss.job where name = 'workflow-run' and state = 'created' and data->>'runId' = ${String(decodeGlobalId(quick.id).id)}`;
    expect(job.later).toBe(true);
    await finished(quick.id);

    const long = await saveDefinition(h, t.partnerKey, waits(2), 'waits');
    expect(long.version).toBe(2);
    const [r2] = await startRuns(h, t.partnerKey, long.id, [lead.id]);
    await waitFor('waiting', async () => (await run(r2.id)).status === 'WAITING');
    const cancel = await h.gql(
      `mutation($id: ID!) { cancelWorkflowRun(id: $id) { __typename ... on MutationCancelWorkflowRunSuccess { data { status } } } }`,
      { auth: t.partnerKey, variables: { id: r2.id } },
    );
    expect(cancel.body.data.cancelWorkflowRun.data.status).toBe('CANCELLED');
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await run(r2.id);
    expect(after.status).toBe('CANCELLED');
    expect(after.steps.map((s: any) => s.key)).toEqual(['hello', 'pause']);

    const rerun = await h.gql(
      `mutation($id: ID!, $from: String!) { rerunWorkflowRun(id: $id, fromStep: $from) { __typename ... on ValidationError { field } } }`,
      {
        auth: t.partnerKey,
        variables: { id: r2.id, from: 'nope' },
      },
    );
    expect(rerun.body.data.rerunWorkflowRun).toEqual({ __typename: 'ValidationError', field: 'fromStep' });
    await h.gql(`mutation($id: ID!) { rerunWorkflowRun(id: $id, fromStep: "bye") { __typename } }`, {
      auth: t.partnerKey,
      variables: { id: r2.id },
    });
    const redone = await finished(r2.id);
    expect(redone.steps.map((s: any) => s.key)).toEqual(['hello', 'pause', 'bye']);
    const byRun = await h.resources
      .sql`select run_id, count(*)::int as n, count(distinct step_key)::int as keys from workflow_steps where organization_id = ${t.organizationId} group by run_id`;
    for (const row of byRun) expect(row.n).toBe(row.keys);
  }, 30_000);

  it("streams a run's progress over SSE until it completes", async () => {
    const lead = await createLead(h, t.partnerKey);
    const def = await saveDefinition(
      h,
      t.partnerKey,
      [
        { key: 'a', kind: 'score' },
        { key: 'w', kind: 'wait', seconds: 1 },
        { key: 'b', kind: 'notify', message: 'x' },
      ],
      'sse',
    );
    const [r] = await startRuns(h, t.partnerKey, def.id, [lead.id]);
    const response = await h.subscribe(
      `subscription($id: ID!) { workflowRunProgress(id: $id) { status completedSteps } }`,
      { auth: t.partnerKey, variables: { id: r.id } },
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await subscriptionEvents(response, 'workflowRunProgress');
    expect(events.at(-1)).toEqual({ status: 'COMPLETED', completedSteps: 3 });
    expect(events.map((e: any) => e.status)).toContain('WAITING');
  });

  it('the same Idempotency-Key and body return the same runs; another body is refused', async () => {
    const lead = await createLead(h, t.partnerKey);
    const def = await saveDefinition(h, t.partnerKey, [{ key: 'one', kind: 'score' }], 'idem');
    const headers = { 'idempotency-key': `start-${Date.now()}` };
    const a = await startRuns(h, t.partnerKey, def.id, [lead.id], headers);
    const b = await startRuns(h, t.partnerKey, def.id, [lead.id], headers);
    expect(b.map((r) => r.id)).toEqual(a.map((r) => r.id));
    const other = await createLead(h, t.partnerKey);
    const c = await h.gql(START, { auth: t.partnerKey, variables: { definition: def.id, leads: [other.id] }, headers });
    expect(c.body.data.startWorkflow.__typename).toBe('IdempotencyKeyReusedError');
  });
});

describe('bad input is a typed error and writes nothing', () => {
  it('unknown step kinds, bad waits and backward branches name their field', async () => {
    const before = await count('workflow_definitions');
    const r = await h.gql(SAVE_DEFINITION, {
      auth: t.partnerKey,
      variables: {
        input: {
          name: 'bad',
          steps: [
            { key: 'a', kind: 'score' },
            { key: 'b', kind: 'teleport' },
            { key: 'c', kind: 'wait' },
            { key: 'd', kind: 'branch', condition: { field: 'score', op: 'gte', value: '1' }, then: 'a' },
          ],
        },
      },
    });
    const out = r.body.data.saveWorkflowDefinition;
    expect(out.__typename).toBe('ValidationError');
    expect(out.issues.map((i: any) => i.field)).toEqual([
      'input.steps.1.kind',
      'input.steps.2.seconds',
      'input.steps.3.then',
    ]);
    expect(out.issues[0].message).toContain('teleport');
    expect(await count('workflow_definitions')).toBe(before);
  });

  it("another tenant's leads or definition are NotFoundError; nothing is started", async () => {
    const other = await h.tenant('other-workflows');
    const theirs = await createLead(h, other.partnerKey);
    const mine = await createLead(h, t.partnerKey);
    const def = await saveDefinition(h, t.partnerKey, DEFAULT_STEPS, 'tenancy');
    const theirDef = await saveDefinition(h, other.partnerKey, DEFAULT_STEPS, 'tenancy');
    const before = [await count('workflow_runs'), await count('workflow_runs', other.organizationId)];
    const r = await h.gql(START, {
      auth: t.partnerKey,
      variables: { definition: def.id, leads: [mine.id, theirs.id] },
    });
    expect(r.body.data.startWorkflow).toMatchObject({ __typename: 'NotFoundError', id: theirs.id });
    const d = await h.gql(START, { auth: t.partnerKey, variables: { definition: theirDef.id, leads: [mine.id] } });
    expect(d.body.data.startWorkflow.__typename).toBe('NotFoundError');
    expect([await count('workflow_runs'), await count('workflow_runs', other.organizationId)]).toEqual(before);
  });

  it('10,000 leads in one startWorkflow is refused with the limit', async () => {
    const def = await saveDefinition(h, t.partnerKey, DEFAULT_STEPS, 'big');
    const before = await count('workflow_runs');
    const leads = Array.from({ length: 10_000 }, (_, i) => encodeGlobalId('Lead', i + 1));
    const r = await h.gql(START, { auth: t.partnerKey, variables: { definition: def.id, leads } });
    expect(r.body.data.startWorkflow).toMatchObject({ __typename: 'ValidationError', field: 'leads' });
    expect(r.body.data.startWorkflow.message).toContain('at most 1,000');
    // Its cost grows with the leads named (a point per 10 leads).
    expect(r.body.extensions?.cost?.requested).toBeGreaterThan(1_000);
    expect(await count('workflow_runs')).toBe(before);
  });
});
