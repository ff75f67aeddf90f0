// POST /webhooks/crm/:connector: signed per organization, deduplicated by event id, tolerant of
// out-of-order delivery, and writing the lead's history; the lead's cached answers are dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../modules/leads/crm/webhooks.ts';
import { startHarness, type Harness, type Tenant } from '../test/harness.ts';
import { createLead } from '../test/leads.ts';

let h: Harness;
let t: Tenant;
let secret: string;

beforeAll(async () => {
  h = await startHarness({ redis: true });
  t = await h.tenant('hooks');
  const r = await h.gql(`mutation { rotateCrmWebhookSecret { secret } }`, { auth: t.adminToken });
  secret = r.body.data.rotateCrmWebhookSecret.secret;
});
afterAll(() => h?.close());

function post(body: unknown, key = secret, connector = 'hubspot') {
  const raw = JSON.stringify(body);
  return h.fetch(`/webhooks/crm/${connector}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-crm-signature': sign(key, raw) },
    body: raw,
  });
}

const LEAD = `query($id: ID!) { lead(id: $id) { status owner score history(first: 10) { edges { node { kind note } } } } }`;

describe('CRM webhooks', () => {
  it('applies a signed event once, ignores redeliveries and older events, and refreshes cached reads', async () => {
    const lead = await createLead(h, t.partnerKey);
    const cached = await h.gql(LEAD, { auth: t.partnerKey, variables: { id: lead.id } });
    expect(cached.body.data.lead.owner).toBeNull();
    const event = {
      eventId: 'evt-2',
      organization: t.slug,
      occurredAt: '2026-05-01T10:00:00Z',
      lead: lead.id,
      changes: { status: 'QUALIFIED', owner: 'crm-owner', score: 77 },
    };
    const first = await post(event);
    expect([first.status, await first.json()]).toEqual([200, { outcome: 'applied' }]);
    const again = await post(event);
    expect(await again.json()).toEqual({ outcome: 'duplicate' });
    const older = await post({
      ...event,
      eventId: 'evt-1',
      occurredAt: '2026-05-01T09:00:00Z',
      changes: { status: 'CONTACTED', owner: 'stale' },
    });
    expect(await older.json()).toEqual({ outcome: 'stale' });
    const r = await h.gql(LEAD, { auth: t.partnerKey, variables: { id: lead.id } });
    expect(r.body.data.lead).toMatchObject({ status: 'QUALIFIED', owner: 'crm-owner', score: 77 });
    expect(r.body.data.lead.history.edges.map((e: any) => e.node)).toEqual([
      { kind: 'CRM_CHANGED', note: 'hubspot event evt-2' },
      { kind: 'CREATED', note: null },
    ]);
  });

  it('refuses bad signatures, unknown organizations, other tenants’ leads and malformed events', async () => {
    const lead = await createLead(h, t.partnerKey);
    const event = {
      eventId: 'evt-x',
      organization: t.slug,
      occurredAt: '2026-05-01T10:00:00Z',
      lead: lead.id,
      changes: { owner: 'x' },
    };
    expect((await post(event, 'wrong-secret')).status).toBe(401);
    expect((await post({ ...event, organization: 'no-such-org' })).status).toBe(401);
    // Not a slug at all (60 KB, upper case): refused like an unknown organization.
    expect((await post({ ...event, organization: 'X'.repeat(60_000) })).status).toBe(401);
    expect((await post({ ...event, organization: t.slug.toUpperCase() })).status).toBe(401);
    const unsigned = await h.fetch('/webhooks/crm/hubspot', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(unsigned.status).toBe(401);
    expect((await post({ ...event, changes: { status: 'MAYBE' } })).status).toBe(422);
    expect((await post({ ...event, occurredAt: 'yesterday' })).status).toBe(422);
    const other = await h.tenant('hooks-other');
    const theirs = await createLead(h, other.partnerKey);
    const foreign = await post({ ...event, eventId: 'evt-foreign', lead: theirs.id });
    expect(foreign.status).toBe(404);
    const [row] = await h.resources.sql`select owner from leads where organization_id = ${other.organizationId}`;
    expect(row.owner).toBeNull();
  });

  it('refuses an address for an organization after WEBHOOK_SIGNATURE_FAILURES bad signatures, and only for it', async () => {
    const hh = await startHarness({ env: { CLIENT_IP_HEADER: 'X-Client-IP', WEBHOOK_SIGNATURE_FAILURES: '3' } });
    try {
      const secretOf = async (tenant: Tenant) =>
        (await hh.gql(`mutation { rotateCrmWebhookSecret { secret } }`, { auth: tenant.adminToken })).body.data
          .rotateCrmWebhookSecret.secret as string;
      const tt = await hh.tenant('hooks-limit');
      const neighbour = await hh.tenant('hooks-neighbour');
      const good = await secretOf(tt);
      const neighbourSecret = await secretOf(neighbour);
      const lead = await createLead(hh, tt.partnerKey);
      const neighbourLead = await createLead(hh, neighbour.partnerKey);
      const send = (address: string, key: string, eventId: string, tenant = tt, leadId = lead.id) => {
        const raw = JSON.stringify({
          eventId,
          organization: tenant.slug,
          occurredAt: '2026-05-01T10:00:00Z',
          lead: leadId,
          changes: { owner: eventId },
        });
        return hh.fetch('/webhooks/crm/hubspot', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-client-ip': address, 'x-crm-signature': sign(key, raw) },
          body: raw,
        });
      };
      // A good call is never counted: a CRM that signs right is not slowed down.
      expect((await send('203.0.113.9', good, 'ok-0')).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        const bad = await send('203.0.113.9', 'guessed-secret', `bad-${i}`);
        expect(bad.status).toBe(401);
        expect((await bad.json()).errors[0].extensions.code).toBe('BAD_SIGNATURE');
      }
      // From the limit on, even a well-signed call for that organization from that address is refused.
      const refused = await send('203.0.113.9', good, 'ok-1');
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(50);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const body = await refused.json();
      expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
      expect(body.errors[0].message).toMatch(/Too many badly signed calls for this organization from your address/);
      const [applied] = await hh.resources
        .sql`select count(*)::int as n from crm_webhook_events where event_id = 'ok-1'`;
      expect(applied.n).toBe(0);
      // The same CRM servers still deliver another organization's events, and another address is served.
      expect((await send('203.0.113.9', neighbourSecret, 'n-1', neighbour, neighbourLead.id)).status).toBe(200);
      expect((await send('198.51.100.4', good, 'ok-2')).status).toBe(200);
    } finally {
      await hh.close();
    }
  });
});
