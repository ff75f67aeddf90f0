// Kills the worker process with SIGKILL three times while it is both pushing leads to the CRM and
// running workflows (each time starting a new one). In the end every lead is synced with its last
// state (the CRM's copy has the lead's current version, never an older one over a newer), no step
// of any run was executed twice (each notify step left exactly one note), and every run completed,
// going on from where it stopped. Workers are real `src/worker.ts` processes; the CRM is the mock.
import { beforeAll, describe, expect, it } from 'vitest';
import { startMockCrm, type MockCrm } from '../../../loadtest/mock-crm.ts';
import { encodeGlobalId } from '../../lib/global-id.ts';
import { startHarness, type Harness, type Tenant } from '../../test/harness.ts';
import { createLead, saveDefinition, startRuns, waitFor } from '../../test/leads.ts';
import { stopAllAfterAll, workerProcesses } from '../../test/workers.ts';

const LEADS = 40;
const STEPS = [
  { key: 'enrich', kind: 'enrich' },
  { key: 'first-note', kind: 'notify', message: 'note one' },
  { key: 'pause', kind: 'wait', seconds: 1 },
  { key: 'score', kind: 'score' },
  { key: 'assign', kind: 'assign', owners: ['ana', 'ben', 'cy'] },
  { key: 'again', kind: 'wait', seconds: 2 },
  { key: 'last-note', kind: 'notify', message: 'note two' },
];

let h: Harness;
let t: Tenant;
let crm: MockCrm;

const CRM_ENV = {
  CRM_CONNECTOR: 'http',
  CRM_TIMEOUT_MS: '1000',
  CRM_RETRY_BASE_MS: '100',
  CRM_RETRY_MAX_MS: '1000',
  CRM_CONCURRENCY: '2',
  CRM_POLL_MS: '50',
};

const workers = workerProcesses(() => ({
  DATABASE_URL: h.db.url,
  ...CRM_ENV,
  CRM_URL: crm.url,
  WORKER_CONCURRENCY: '2',
}));

async function progress() {
  const [row] = await h.resources.sql<{ steps: number; runs_open: number; unsynced: number }[]>`
    select (select count(*)::int from workflow_steps where organization_id = ${t.organizationId}) as steps,
           (select count(*)::int from workflow_runs where organization_id = ${t.organizationId} and status <> 'completed') as runs_open,
           (select count(*)::int from lead_crm_sync s join leads l on l.id = s.lead_id
              where s.organization_id = ${t.organizationId} and (s.state <> 'synced' or s.synced_version <> l.version)) as unsynced`;
  return row;
}

beforeAll(async () => {
  crm = await startMockCrm({ latencyMs: 150 });
  h = await startHarness({ env: { ...CRM_ENV, CRM_URL: crm.url } });
  t = await h.tenant('crash');
});
stopAllAfterAll(workers, () => [h, crm]);

describe('a worker killed with SIGKILL three times, mid-sync and mid-workflow', () => {
  it('ends with every lead synced at its last state, no step run twice, every run completed', async () => {
    const leads = [];
    for (let i = 0; i < LEADS; i++)
      leads.push(await createLead(h, t.partnerKey, { phone: i % 2 ? '+64 21 555 0100' : null }));
    const definition = await saveDefinition(h, t.partnerKey, STEPS, 'crash');
    const runs = await startRuns(
      h,
      t.partnerKey,
      definition.id,
      leads.map((l) => l.id),
    );
    let worker = await workers.start();
    const kills: { steps: number; runsOpen: number; unsynced: number }[] = [];
    for (const atSteps of [40, 110, 180]) {
      await waitFor(`${atSteps} steps`, async () => (await progress()).steps >= atSteps, 60_000);
      // Updates keep arriving while the worker is down: they must end up in the CRM too.
      await workers.kill(worker);
      const p = await progress();
      kills.push({ steps: p.steps, runsOpen: p.runs_open, unsynced: p.unsynced });
      for (const lead of leads.slice(0, 10)) {
        await h.gql(`mutation($id: ID!, $c: String!) { updateLead(id: $id, input: { company: $c }) { __typename } }`, {
          auth: t.partnerKey,
          variables: { id: lead.id, c: `Killed at ${p.steps}` },
        });
      }
      worker = await workers.start();
    }
    // Every kill happened with runs open and pushes due.
    for (const k of kills) expect(k.runsOpen, JSON.stringify(kills)).toBeGreaterThan(0);
    for (const k of kills) expect(k.unsynced, JSON.stringify(kills)).toBeGreaterThan(0);
    await waitFor(
      'runs completed and leads synced',
      async () => {
        const p = await progress();
        return p.runs_open === 0 && p.unsynced === 0;
      },
      120_000,
    );

    const { sql } = h.resources;
    // No step twice: 7 step rows per run, and exactly one note per notify step per run.
    const steps =
      await sql`select run_id, count(*)::int as n from workflow_steps where organization_id = ${t.organizationId} group by run_id`;
    expect(steps).toHaveLength(runs.length);
    for (const s of steps) expect(s.n).toBe(STEPS.length);
    const notes =
      await sql`select lead_id, note, count(*)::int as n from lead_events where organization_id = ${t.organizationId} and note like 'note %' group by lead_id, note`;
    expect(notes).toHaveLength(LEADS * 2);
    for (const n of notes) expect(n.n, `${n.lead_id} ${n.note}`).toBe(1);
    // The CRM holds each lead's current version and state, and never took an older version over a newer one.
    const rows =
      await sql`select id, version, company, owner, score from leads where organization_id = ${t.organizationId}`;
    for (const row of rows) {
      const stored = crm.stored(encodeGlobalId('Lead', row.id));
      expect(stored?.version, `lead ${row.id}`).toBe(row.version);
      expect(stored?.body).toMatchObject({ company: row.company, owner: row.owner, score: row.score });
    }
    expect(crm.stats().outOfOrder).toBe(0);
    process.stdout.write(
      `killed at ${kills.map((k) => `${k.steps} steps / ${k.runsOpen} runs open / ${k.unsynced} leads unsynced`).join('; ')}; ` +
        `CRM: ${JSON.stringify(crm.stats())}\n`,
    );
  }, 240_000);
});
