// GraphQL for leads: types, queries and mutations. Thin: the work is in service.ts, history.ts and crm/.
import { organizationOf, type Context } from '../../context.ts';
import {
  CRM_SYNC_STATES,
  LEAD_EVENT_KINDS,
  LEAD_SOURCES,
  LEAD_STATUSES,
  leadCrmSyncTable,
  leadEventTable,
  leadTable,
} from '../../db/tables/index.ts';
import type { CrmSync } from '../../db/tables/index.ts';
import { sqlChildRow, sqlTable } from '../../compiled/mapping.ts';
import { LIST_PAGE, NESTED_PAGE, keysetPage } from '../../db/keyset.ts';
import { builder, ErrorInterface } from '../../schema/builder.ts';
import { parentNode, tenantRows } from '../../schema/nodes.ts';
import { defined, enumValues } from '../../schema/common.ts';
import { mutation } from '../../schema/mutations.ts';
import { listQuery, nestedConnection, nodeQuery } from '../../schema/queries.ts';
import { actorOf } from '../packhouse/history.ts';
import { ActorRef } from '../packhouse/history-schema.ts';
import { retrySync, skipSync } from './crm/sync.ts';
import { rotateWebhookSecret } from './crm/webhooks.ts';
import { DuplicateLeadError, IdempotencyKeyReusedError } from './errors.ts';
import { historyByLead, LEAD_HISTORY_ORDERING } from './history.ts';
import * as service from './service.ts';
import { and, eq } from 'drizzle-orm';

export const LeadStatusEnum = builder.enumType('LeadStatus', {
  description: 'NEW → CONTACTED → QUALIFIED → WON; any open lead may be LOST. WON and LOST are final.',
  values: enumValues(LEAD_STATUSES),
});
const LeadSourceEnum = builder.enumType('LeadSource', { values: enumValues(LEAD_SOURCES) });
const LeadOrderEnum = builder.enumType('LeadOrder', { values: enumValues(service.LEAD_ORDERS) });
const CrmSyncStateEnum = builder.enumType('CrmSyncState', {
  description:
    'PENDING (a push is due or in flight), SYNCED (the CRM has the last state), FAILED (gave up after CRM_MAX_ATTEMPTS: retryCrmSync), SKIPPED (an admin chose not to sync).',
  values: enumValues(CRM_SYNC_STATES),
});
const LeadEventKindEnum = builder.enumType('LeadEventKind', { values: enumValues(LEAD_EVENT_KINDS) });

builder.objectType(IdempotencyKeyReusedError, {
  name: 'IdempotencyKeyReusedError',
  description: 'The Idempotency-Key header was already used with another request body.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ key: t.exposeString('key') }),
});

const CrmSyncRef = builder.objectRef<CrmSync>('CrmSync').implement({
  description:
    'Where the CRM copy of a lead stands. Pushes happen in the background; the lead write never waits for them.',
  extensions: sqlTable(leadCrmSyncTable),
  fields: (t) => ({
    state: t.expose('state', { type: CrmSyncStateEnum }),
    attempts: t.exposeInt('attempts', { description: 'Failed pushes since the last success.' }),
    lastError: t.exposeString('lastError', { nullable: true }),
    syncedAt: t.expose('syncedAt', { type: 'DateTime', nullable: true }),
    syncedVersion: t.exposeInt('syncedVersion', { nullable: true, description: 'Lead version the CRM last accepted.' }),
    wantedVersion: t.exposeInt('wantedVersion'),
    // Computed (shown only while pending): not declared, so reading it runs the resolvers.
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (s) => (s.state === 'pending' ? s.nextAttemptAt : null),
    }),
  }),
});

export const LeadRef = builder.loadableNode('Lead', {
  ...tenantRows(leadTable),
  description: 'A sales lead. Its CRM copy is kept in sync in the background (crmSync).',
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email'),
    phone: t.exposeString('phone', { nullable: true }),
    company: t.exposeString('company', { nullable: true }),
    source: t.expose('source', { type: LeadSourceEnum }),
    status: t.expose('status', { type: LeadStatusEnum }),
    owner: t.exposeString('owner', { nullable: true }),
    score: t.exposeInt('score', { nullable: true }),
    version: t.exposeInt('version', { description: 'Bumped by every change; CRM pushes carry it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    crmSync: t.loadable({
      type: CrmSyncRef,
      nullable: true,
      description: 'Loaded for all leads of a list in one statement.',
      extensions: sqlChildRow(leadCrmSyncTable.leadId),
      load: (ids: number[], ctx: Context) => service.crmSyncByLead(ctx.db, organizationOf(ctx), ids),
      resolve: (l) => l.id,
    }),
  }),
});
builder.objectType(DuplicateLeadError, {
  name: 'DuplicateLeadError',
  description: 'Another lead of your organization has this e-mail (compared ignoring case).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field'),
    existingLead: t.field({
      type: LeadRef,
      nullable: true,
      resolve: (e) => (e.existingLeadId ? String(e.existingLeadId) : null),
    }),
  }),
});

export const LeadEventRef = builder.loadableNode('LeadEvent', {
  ...tenantRows(leadEventTable),
  description:
    'One change in the life of a lead: created, updated, a status change, a change from the CRM, a workflow note.',
  fields: (t) => ({
    kind: t.expose('kind', { type: LeadEventKindEnum }),
    lead: t.field(parentNode(LeadRef, leadEventTable, 'leadId')),
    // changedFields and actor are computed from the row: not declared, reading them runs the resolvers.
    fromStatus: t.expose('fromStatus', { type: LeadStatusEnum, nullable: true }),
    toStatus: t.expose('toStatus', { type: LeadStatusEnum, nullable: true }),
    changedFields: t.stringList({ resolve: (e) => Object.keys(e.changes) }),
    note: t.exposeString('note', { nullable: true }),
    actor: t.field({ type: ActorRef, resolve: (e) => ({ kind: e.actorKind, id: e.actorId }) }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime' }),
  }),
});

const LeadEventConnection = builder.connectionObject({ type: LeadEventRef, name: 'LeadEventConnection' });
export const LeadConnection = builder.connectionObject({ type: LeadRef, name: 'LeadConnection' });

builder.objectField(LeadRef, 'history', (t) =>
  t.loadable({
    type: LeadEventConnection,
    description: `What happened to this lead, newest first; ${NESTED_PAGE.defaultSize} a page by default, at most ${NESTED_PAGE.maxSize}. One statement for all leads of a list.`,
    ...nestedConnection(t.arg, NESTED_PAGE, {
      compiled: { table: leadEventTable, parentColumn: leadEventTable.leadId, ordering: () => LEAD_HISTORY_ORDERING },
      load: historyByLead,
    }),
  }),
);

const LeadFilter = builder.inputType('LeadFilter', {
  description:
    'All given conditions must hold. `search` finds each of its words (3+ characters) in name, e-mail or company.',
  fields: (t) => ({
    status: t.field({ type: LeadStatusEnum }),
    source: t.field({ type: LeadSourceEnum }),
    owner: t.string(),
    createdFrom: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    createdBefore: t.field({ type: 'DateTime', description: 'Exclusive.' }),
    search: t.string(),
  }),
});

nodeQuery('lead', LeadRef, (id, ctx, org) => service.getLead(ctx.db, org, id), { compiled: true });
listQuery('leads', {
  type: LeadConnection,
  description: `Leads of your organization, newest first by default; ${LIST_PAGE.defaultSize} a page, at most ${LIST_PAGE.maxSize}.`,
  args: (arg) => ({
    filter: arg({ type: LeadFilter }),
    orderBy: arg({ type: LeadOrderEnum, defaultValue: 'CREATED_DESC' }),
  }),
  compiled: {
    table: leadTable,
    ordering: (args) => service.leadOrdering((args.orderBy as service.LeadOrder) ?? 'CREATED_DESC'),
    conditions: (args) => service.leadFilterConditions((args.filter as service.LeadFilter | null) ?? {}),
  },
  resolve: (args, ctx, org) => service.listLeads(ctx.db, org, args.filter ?? {}, args.orderBy ?? 'CREATED_DESC', args),
});
listQuery('crmSyncFailures', {
  type: LeadConnection,
  description: 'Dead letters: leads whose CRM sync gave up (FAILED), newest first. retryCrmSync or skipCrmSync each.',
  resolve: (args, ctx, org) =>
    keysetPage(
      ctx.db,
      leadTable,
      and(eq(leadTable.organizationId, org), service.failedSyncCondition()),
      service.leadOrdering('CREATED_DESC'),
      args,
    ),
});

const LeadInput = builder.inputType('LeadInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    phone: t.string(),
    company: t.string(),
    source: t.field({ type: LeadSourceEnum }),
    owner: t.string(),
  }),
});
const LeadPatch = builder.inputType('LeadPatch', {
  description: 'Only the fields given are changed.',
  fields: (t) => ({
    name: t.string(),
    email: t.string(),
    phone: t.string(),
    company: t.string(),
    source: t.field({ type: LeadSourceEnum }),
    owner: t.string(),
  }),
});

const writeOptions = (ctx: Context) => ({ actor: actorOf(ctx.principal), connector: ctx.config.crm.connector });

const RotatedSecret = builder.objectRef<{ secret: string }>('CrmWebhookSecret').implement({
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'Shown once. Sign webhook bodies with it (HMAC-SHA256).' }),
  }),
});

const leadWriteErrors = [DuplicateLeadError, IdempotencyKeyReusedError];

mutation('createLead', {
  type: LeadRef,
  errors: leadWriteErrors,
  description:
    'Creates a lead and queues its CRM push (never waits on the CRM). Send an Idempotency-Key header to make retries safe.',
  input: LeadInput,
  resolve: ({ input }, ctx, org) => {
    const idempotency = ctx.idempotencyKey
      ? { key: ctx.idempotencyKey, operation: 'createLead', body: input }
      : undefined;
    return service.createLead(ctx.db, org, input, { ...writeOptions(ctx), idempotency });
  },
});
mutation('updateLead', {
  type: LeadRef,
  errors: leadWriteErrors,
  ids: { id: 'Lead' },
  input: LeadPatch,
  resolve: ({ id, input }, ctx, org) => service.updateLead(ctx.db, org, id, defined(input), writeOptions(ctx)),
});
mutation('changeLeadStatus', {
  type: LeadRef,
  description: 'Moves a lead on; a move the status flow does not allow is a ValidationError on `status`.',
  ids: { id: 'Lead' },
  args: (arg) => ({ status: arg({ type: LeadStatusEnum, required: true }) }),
  resolve: ({ id, status }, ctx, org) => service.changeLeadStatus(ctx.db, org, id, status, writeOptions(ctx)),
});
mutation('retryCrmSync', {
  type: LeadRef,
  description: 'Pushes the lead to the CRM again from attempt 1 (after FAILED, or to skip a backoff wait).',
  ids: { id: 'Lead' },
  resolve: async ({ id }, ctx, org) => ((await retrySync(ctx.db, org, id)) ? service.getLead(ctx.db, org, id) : null),
});
mutation('skipCrmSync', {
  type: LeadRef,
  scope: 'admin',
  description: 'Admin: stops trying to push this lead (state SKIPPED) until it changes again or retryCrmSync.',
  ids: { id: 'Lead' },
  resolve: async ({ id }, ctx, org) => ((await skipSync(ctx.db, org, id)) ? service.getLead(ctx.db, org, id) : null),
});

builder.mutationFields((t) => ({
  rotateCrmWebhookSecret: t.field({
    type: RotatedSecret,
    authScopes: { admin: true },
    description: 'A new secret for POST /webhooks/crm/:connector; the previous one stops working at once.',
    resolve: async (_root, _args, ctx) => ({ secret: await rotateWebhookSecret(ctx.db, organizationOf(ctx)) }),
  }),
}));
