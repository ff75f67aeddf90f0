// CRM changes coming back: POST /webhooks/crm/:connector (src/http/use-crm-webhooks.ts). Each event is
// signed with the organization's secret (HMAC-SHA256 of the raw body), applied once per event id,
// and never lets an older event overwrite a newer state (CRMs retry and deliver out of order).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import {
  crmSettingsTable,
  crmWebhookEventTable,
  LEAD_STATUSES,
  leadTable,
  organizationTable,
  type LeadStatus,
} from '../../../db/tables/index.ts';
import { localIdOrNull } from '../../../lib/global-id.ts';
import { isoFromPg } from '../../../lib/time.ts';
import type { Db } from '../../../resources.ts';
import { SYSTEM_ACTOR } from '../../packhouse/history.ts';
import { writeLead } from '../service.ts';
import { checkContact } from '../validation.ts';

export const SIGNATURE_HEADER = 'x-crm-signature';

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function signatureMatches(secret: string, body: string, header: string | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A new webhook secret for the organization (the old one stops working at once). */
export async function rotateWebhookSecret(db: Db, organizationId: number): Promise<string> {
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  await db
    .insert(crmSettingsTable)
    .values({ organizationId, webhookSecret: secret })
    .onConflictDoUpdate({
      target: crmSettingsTable.organizationId,
      set: { webhookSecret: secret, updatedAt: sql`now()` },
    });
  return secret;
}

export async function webhookSecretOf(
  db: Db,
  organizationSlug: string,
): Promise<{ organizationId: number; secret: string } | null> {
  const [row] = await db
    .select({ organizationId: crmSettingsTable.organizationId, secret: crmSettingsTable.webhookSecret })
    .from(crmSettingsTable)
    .innerJoin(organizationTable, eq(organizationTable.id, crmSettingsTable.organizationId))
    .where(eq(organizationTable.slug, organizationSlug));
  return row ?? null;
}

export type CrmEvent = {
  eventId: string;
  organization: string;
  occurredAt: string;
  lead: string;
  changes: {
    status?: string;
    owner?: string | null;
    score?: number | null;
    phone?: string | null;
    company?: string | null;
  };
};

export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'unknown_lead';

/** Checks the shape of a verified event body; returns the problem, or null. */
export function eventProblem(body: unknown): string | null {
  const e = body as Partial<CrmEvent>;
  if (!e || typeof e !== 'object') return 'the body must be a JSON object';
  if (typeof e.eventId !== 'string' || !e.eventId || e.eventId.length > 200)
    return 'eventId must be a string of 1-200 characters';
  if (typeof e.occurredAt !== 'string' || Number.isNaN(Date.parse(e.occurredAt)))
    return 'occurredAt must be an ISO 8601 instant';
  if (typeof e.lead !== 'string') return 'lead must be the id of one of your leads';
  if (!e.changes || typeof e.changes !== 'object') return 'changes must be an object';
  const c = e.changes;
  if (c.status !== undefined && !LEAD_STATUSES.includes(String(c.status).toLowerCase() as LeadStatus))
    return `changes.status must be one of ${LEAD_STATUSES.join(', ').toUpperCase()}`;
  if (c.score !== undefined && c.score !== null && (!Number.isInteger(c.score) || c.score < 0 || c.score > 100))
    return 'changes.score must be a whole number 0-100';
  try {
    checkContact({ phone: c.phone ?? null, company: c.company ?? null, owner: c.owner ?? null }, 'changes');
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}

/** Applies one verified event; idempotent by (organization, connector, eventId). */
export async function applyCrmEvent(
  db: Db,
  organizationId: number,
  connector: string,
  event: CrmEvent,
): Promise<{ outcome: EventOutcome; leadId: number | null }> {
  const leadId = localIdOrNull(event.lead, 'Lead');
  const occurredAt = new Date(event.occurredAt).toISOString();
  return db.transaction(async (tx) => {
    const recorded = await tx
      .insert(crmWebhookEventTable)
      .values({ organizationId, connector, eventId: event.eventId, leadId, occurredAt, outcome: 'applied' })
      .onConflictDoNothing()
      .returning({ eventId: crmWebhookEventTable.eventId });
    if (!recorded.length) return { outcome: 'duplicate' as const, leadId };
    const setOutcome = (outcome: EventOutcome) =>
      tx
        .update(crmWebhookEventTable)
        .set({ outcome })
        .where(
          and(
            eq(crmWebhookEventTable.organizationId, organizationId),
            eq(crmWebhookEventTable.connector, connector),
            eq(crmWebhookEventTable.eventId, event.eventId),
          ),
        );
    const [lead] = leadId
      ? await tx
          .select()
          .from(leadTable)
          .where(and(eq(leadTable.id, leadId), eq(leadTable.organizationId, organizationId)))
          .for('update')
      : [];
    if (!lead) {
      await setOutcome('unknown_lead');
      return { outcome: 'unknown_lead' as const, leadId: null };
    }
    // Out of order: an event older than the newest applied one changes nothing.
    if (lead.crmUpdatedAt && Date.parse(isoFromPg(lead.crmUpdatedAt)) >= Date.parse(occurredAt)) {
      await setOutcome('stale');
      return { outcome: 'stale' as const, leadId };
    }
    const c = event.changes;
    const patch = {
      ...(c.status !== undefined ? { status: String(c.status).toLowerCase() as LeadStatus } : {}),
      ...(c.owner !== undefined ? { owner: c.owner } : {}),
      ...(c.score !== undefined ? { score: c.score } : {}),
      ...(c.phone !== undefined ? { phone: c.phone } : {}),
      ...(c.company !== undefined ? { company: c.company } : {}),
      crmUpdatedAt: occurredAt,
    };
    // The CRM already holds this state: no push back.
    await writeLead(
      tx,
      lead,
      patch,
      { kind: 'crm_changed', note: `${connector} event ${event.eventId}` },
      SYSTEM_ACTOR,
      'builtin',
      { push: false },
    );
    return { outcome: 'applied' as const, leadId };
  });
}
