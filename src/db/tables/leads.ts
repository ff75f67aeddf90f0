// Domain 2a: sales leads, their history, and their CRM sync. Child rows reference their lead through
// (organization_id, id), so nothing can point into another tenant.
//
// CRM sync is an outbox of ONE row per lead (lead_crm_sync): a lead write bumps the lead's version
// and marks its row pending in the same transaction. The worker claims due rows with SKIP LOCKED and
// a lease, and pushes the lead's state as it is at claim time. One row per lead gives per-lead FIFO
// (one push in flight per lead, each carrying the newest version) and coalescing (ten updates while
// the CRM is down are one pending row, pushed once with the last state) for free; each row has its
// own next_attempt_at, so a failing lead backs off without holding back any other.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizationTable } from './identity.ts';
import { createdAt, instant, organizationId, tenantTable, timestamps, updatedAt } from './columns.ts';
import { notBlank, oneOf, tenantKey, tenantRef } from './constraints.ts';
import { ACTOR_KINDS } from './packhouse-operations.ts';

export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'won', 'lost'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
export const LEAD_SOURCES = ['web', 'referral', 'event', 'partner', 'import', 'other'] as const;
export type LeadSource = (typeof LEAD_SOURCES)[number];

export const leadTable = tenantTable(
  'leads',
  {
    name: text('name').notNull(),
    email: text('email').notNull(),
    phone: text('phone'),
    company: text('company'),
    source: text('source', { enum: LEAD_SOURCES }).notNull().default('other'),
    status: text('status', { enum: LEAD_STATUSES }).notNull().default('new'),
    owner: text('owner'),
    score: integer('score'),
    /** Bumped by every write; CRM pushes carry it, so the CRM (and we) can tell newer from older. */
    version: integer('version').notNull().default(1),
    /** occurredAt of the newest CRM webhook event applied: an older event never overwrites a newer one. */
    crmUpdatedAt: instant('crm_updated_at'),
    /** What the trigram search reads (GIN index in a custom migration). */
    searchText: text('search_text')
      .notNull()
      .generatedAlwaysAs(sql`lower(name || ' ' || email || ' ' || coalesce(company, ''))`),
    ...timestamps(),
  },
  (t) => [
    tenantKey(t),
    uniqueIndex('leads_organization_email_key').on(t.organizationId, sql`lower(${t.email})`),
    index('leads_organization_created_idx').on(t.organizationId, t.createdAt, t.id),
    index('leads_status_created_idx').on(t.organizationId, t.status, t.createdAt, t.id),
    index('leads_source_created_idx').on(t.organizationId, t.source, t.createdAt, t.id),
    index('leads_owner_created_idx').on(t.organizationId, t.owner, t.createdAt, t.id),
    index('leads_organization_name_idx').on(t.organizationId, t.name, t.id),
    oneOf(t.status, LEAD_STATUSES),
    oneOf(t.source, LEAD_SOURCES),
    notBlank(t.name),
  ],
);
export type Lead = typeof leadTable.$inferSelect;

export const LEAD_EVENT_KINDS = ['created', 'updated', 'status_changed', 'crm_changed', 'workflow'] as const;
export type LeadEventKind = (typeof LEAD_EVENT_KINDS)[number];

export const leadEventTable = tenantTable(
  'lead_events',
  {
    leadId: integer('lead_id').notNull(),
    kind: text('kind', { enum: LEAD_EVENT_KINDS }).notNull(),
    fromStatus: text('from_status', { enum: LEAD_STATUSES }),
    toStatus: text('to_status', { enum: LEAD_STATUSES }),
    changes: jsonb('changes').$type<Record<string, { from: string | null; to: string | null }>>().notNull().default({}),
    note: text('note'),
    actorKind: text('actor_kind', { enum: ACTOR_KINDS }).notNull(),
    actorId: integer('actor_id'),
    recordedAt: instant('recorded_at').notNull().defaultNow(),
  },
  (t) => [
    tenantRef('lead_events_lead_fkey', t, t.leadId, leadTable).onDelete('cascade'),
    index('lead_events_lead_recorded_idx').on(t.leadId, t.organizationId, t.recordedAt, t.id),
    oneOf(t.kind, LEAD_EVENT_KINDS),
  ],
);
export type LeadEvent = typeof leadEventTable.$inferSelect;

export const CRM_SYNC_STATES = ['pending', 'synced', 'failed', 'skipped'] as const;
export type CrmSyncState = (typeof CRM_SYNC_STATES)[number];
export const CRM_CONNECTORS = ['builtin', 'http'] as const;
export type CrmConnectorKind = (typeof CRM_CONNECTORS)[number];

export const leadCrmSyncTable = pgTable(
  'lead_crm_sync',
  {
    leadId: integer('lead_id').primaryKey(),
    organizationId: organizationId(),
    connector: text('connector', { enum: CRM_CONNECTORS }).notNull(),
    state: text('state', { enum: CRM_SYNC_STATES }).notNull().default('pending'),
    /** The lead version the CRM should end up with. */
    wantedVersion: integer('wanted_version').notNull(),
    syncedVersion: integer('synced_version'),
    /** Attempts since the last success (reset by a success or by retryCrmSync). */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: instant('next_attempt_at').notNull().defaultNow(),
    /** A worker holds the row until then; a crashed worker's claim lapses and another takes it. */
    leaseUntil: instant('lease_until'),
    lastError: text('last_error'),
    syncedAt: instant('synced_at'),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantRef('lead_crm_sync_lead_fkey', t, t.leadId, leadTable).onDelete('cascade'),
    index('lead_crm_sync_due_idx').on(t.nextAttemptAt).where(sql`state = 'pending'`),
    index('lead_crm_sync_state_idx').on(t.organizationId, t.state, t.leadId),
    oneOf(t.state, CRM_SYNC_STATES),
  ],
);
export type CrmSync = typeof leadCrmSyncTable.$inferSelect;

/** The built-in connector's CRM: every push it received, so the zero-setup start has a CRM to look at. */
export const crmPushTable = tenantTable(
  'crm_pushes',
  {
    leadId: integer('lead_id').notNull(),
    version: integer('version').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    pushedAt: instant('pushed_at').notNull().defaultNow(),
  },
  (t) => [index('crm_pushes_lead_idx').on(t.leadId, t.version)],
);

/** Per organization: the webhook secret CRM callbacks are signed with. */
export const crmSettingsTable = pgTable('crm_settings', {
  organizationId: integer('organization_id')
    .primaryKey()
    .references(() => organizationTable.id, { onDelete: 'cascade' }),
  webhookSecret: text('webhook_secret').notNull(),
  updatedAt: updatedAt(),
});

/** CRM webhook events already applied (or ignored as stale), by their event id: redeliveries do nothing. */
export const crmWebhookEventTable = pgTable(
  'crm_webhook_events',
  {
    organizationId: organizationId(),
    connector: text('connector').notNull(),
    eventId: text('event_id').notNull(),
    leadId: integer('lead_id'),
    occurredAt: instant('occurred_at').notNull(),
    outcome: text('outcome').notNull(),
    receivedAt: instant('received_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'crm_webhook_events_pkey', columns: [t.organizationId, t.connector, t.eventId] }),
    // The prune of expired event ids (src/modules/leads/retention.ts).
    index('crm_webhook_events_received_idx').on(t.receivedAt),
  ],
);

/** Idempotency-Key of createLead / startWorkflow: same key and body → the same result; other body → refused. */
export const idempotencyKeyTable = pgTable(
  'idempotency_keys',
  {
    organizationId: organizationId(),
    operation: text('operation').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    result: jsonb('result').$type<{ ids: number[] }>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_keys_pkey', columns: [t.organizationId, t.operation, t.key] }),
    // The prune of expired keys (src/modules/leads/retention.ts).
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);
