// The CRM outbox against the mock CRM: pushes in order per lead, ten updates while the CRM is down
// pushed once with the last state, one failing lead not holding back the others, backoff with
// jitter, the dead (FAILED) state with retryCrmSync / skipCrmSync, and 429 Retry-After honoured.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startMockCrm, type MockCrm } from '../../../../loadtest/mock-crm.ts';
import { decodeGlobalId } from '../../../lib/global-id.ts';
import { startHarness, type Harness, type Tenant } from '../../../test/harness.ts';
import { createLead, waitFor } from '../../../test/leads.ts';
import { backoffMs, startCrmSync, type CrmSyncWorker } from './sync.ts';

let h: Harness;
let t: Tenant;
let crm: MockCrm;
let worker: CrmSyncWorker | undefined;

const SYNC = `query($id: ID!) { lead(id: $id) { version crmSync { state attempts lastError syncedAt syncedVersion } } }`;
const UPDATE = `mutation($id: ID!, $o: String!) { updateLead(id: $id, input: { owner: $o }) { __typename } }`;

beforeAll(async () => {
  crm = await startMockCrm({ latencyMs: 5 });
  h = await startHarness({
    env: {
      CRM_CONNECTOR: 'http',
      CRM_URL: crm.url,
      CRM_TIMEOUT_MS: '1000',
      CRM_RETRY_BASE_MS: '50',
      CRM_RETRY_MAX_MS: '400',
      CRM_MAX_ATTEMPTS: '4',
      CRM_POLL_MS: '20',
    },
  });
  t = await h.tenant('crm');
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  crm.setDown(false);
  crm.setFailureRate(0);
});
afterAll(async () => {
  await h?.close();
  await crm?.close();
});

const start = () => (worker = startCrmSync(h.resources, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })));
const sync = async (id: string) => (await h.gql(SYNC, { auth: t.partnerKey, variables: { id } })).body.data.lead;

describe('CRM outbox', () => {
  it('a lead updated ten times while the CRM is down is pushed once, with its last state', async () => {
    crm.setDown(true);
    start();
    const lead = await createLead(h, t.partnerKey);
    for (let i = 1; i <= 10; i++)
      await h.gql(UPDATE, { auth: t.partnerKey, variables: { id: lead.id, o: `owner-${i}` } });
    await waitFor('a failed attempt', async () => (await sync(lead.id)).crmSync.attempts >= 1);
    expect((await sync(lead.id)).crmSync).toMatchObject({
      state: 'PENDING',
      lastError: expect.stringContaining('503'),
    });
    crm.setDown(false);
    const done = await waitFor('synced', async () => {
      const s = await sync(lead.id);
      return s.crmSync.state === 'SYNCED' && s;
    });
    expect(done).toMatchObject({ version: 11, crmSync: { syncedVersion: 11, attempts: 0, lastError: null } });
    const pushes = crm.pushes(lead.id);
    expect(pushes.map((p) => [p.version, p.body.owner])).toEqual([[11, 'owner-10']]);
    expect(crm.stats().outOfOrder).toBe(0);
  });

  it('updates during a push are pushed after it, in order; other leads flow while one fails', async () => {
    const stuck = await createLead(h, t.partnerKey);
    crm.failLead(stuck.id, true);
    start();
    const healthy = await Promise.all(Array.from({ length: 20 }, () => createLead(h, t.partnerKey)));
    for (let round = 1; round <= 3; round++) {
      await Promise.all(
        healthy.map((l) => h.gql(UPDATE, { auth: t.partnerKey, variables: { id: l.id, o: `r${round}` } })),
      );
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor('all synced', async () => {
      const [{ n }] = await h.resources
        .sql`select count(*)::int as n from lead_crm_sync s join leads l on l.id = s.lead_id
        where s.organization_id = ${t.organizationId} and s.state = 'synced' and s.synced_version = l.version and l.owner = 'r3'`;
      return n === healthy.length;
    });
    for (const l of healthy) {
      const versions = crm.pushes(l.id).map((p) => p.version);
      expect(versions, l.id).toEqual([...versions].sort((a, b) => a - b));
      expect(crm.stored(l.id)?.body.owner).toBe('r3');
    }
    expect(crm.stats().outOfOrder).toBe(0);
    const s = await sync(stuck.id);
    expect(s.crmSync.state === 'PENDING' || s.crmSync.state === 'FAILED').toBe(true);
    expect(s.crmSync.attempts).toBeGreaterThan(0);
    crm.failLead(stuck.id, false);
  });

  it('after CRM_MAX_ATTEMPTS a lead is FAILED (a dead letter): listed, retried with retryCrmSync, or skipped', async () => {
    crm.setFailureRate(1);
    start();
    const lead = await createLead(h, t.partnerKey);
    const other = await createLead(h, t.partnerKey);
    // Both dead-lettered before the CRM recovers: a lead still between attempts would sync then.
    await waitFor(
      'both failed',
      async () => (await sync(lead.id)).crmSync.state === 'FAILED' && (await sync(other.id)).crmSync.state === 'FAILED',
    );
    expect((await sync(lead.id)).crmSync).toMatchObject({ attempts: 4, lastError: expect.stringContaining('500') });
    const list = await h.gql(`{ crmSyncFailures(first: 50) { edges { node { id } } } }`, { auth: t.partnerKey });
    expect(list.body.data.crmSyncFailures.edges.map((e: any) => e.node.id)).toEqual(expect.arrayContaining([lead.id]));
    crm.setFailureRate(0);
    const retry = await h.gql(`mutation($id: ID!) { retryCrmSync(id: $id) { __typename } }`, {
      auth: t.partnerKey,
      variables: { id: lead.id },
    });
    expect(retry.body.data.retryCrmSync.__typename).toBe('MutationRetryCrmSyncSuccess');
    await waitFor('synced after retry', async () => (await sync(lead.id)).crmSync.state === 'SYNCED');
    // A dead letter stays FAILED once the CRM answers again: only a retry or a skip moves it.
    expect((await sync(other.id)).crmSync.state).toBe('FAILED');
    const skip = await h.gql(
      `mutation($id: ID!) { skipCrmSync(id: $id) { __typename ... on MutationSkipCrmSyncSuccess { data { crmSync { state } } } } }`,
      {
        auth: t.adminToken,
        variables: { id: other.id },
      },
    );
    expect(skip.body.data.skipCrmSync.data.crmSync.state).toBe('SKIPPED');
  });

  it('backoff grows exponentially up to its cap, with jitter in the upper half', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 100, 1_000, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3].map((n) => backoffMs(n, 100, 1_000, () => 0))).toEqual([50, 100, 200]);
  });

  it('a 429 waits its Retry-After before the next attempt', async () => {
    const limited = await startMockCrm({ rateLimitedRate: 1, retryAfterSeconds: 30 });
    const h2 = await startHarness({
      env: { CRM_CONNECTOR: 'http', CRM_URL: limited.url, CRM_RETRY_BASE_MS: '10', CRM_POLL_MS: '20' },
    });
    try {
      const u = await h2.tenant('limited');
      const w = startCrmSync(h2.resources, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
      const lead = await createLead(h2, u.partnerKey);
      const id = Number(decodeGlobalId(lead.id).id);
      const row = await waitFor('a 429', async () => {
        const [r] = await h2.resources
          .sql`select attempts, extract(epoch from next_attempt_at - now())::float as wait from lead_crm_sync where lead_id = ${id}`;
        return r.attempts >= 1 && r;
      });
      await w.stop();
      expect(row.wait).toBeGreaterThan(25);
      expect(limited.stats().rateLimited).toBe(1);
    } finally {
      await h2.close();
      await limited.close();
    }
  });
});
