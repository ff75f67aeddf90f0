// Leads: reads and every write. No GraphQL here. Each write, its history event and its CRM outbox
// row commit in one transaction; nothing here waits on the CRM (the worker pushes, see crm/sync.ts).
import { and, eq, sql, type SQL } from 'drizzle-orm';
import {
  leadCrmSyncTable,
  leadTable,
  type CrmConnectorKind,
  type LeadSource,
  type LeadStatus,
} from '../../db/tables/index.ts';
import type { CrmSync, Lead } from '../../db/tables/index.ts';
import type { SqlCondition } from '../../compiled/mapping.ts';
import { violatedConstraint } from '../../db/constraint.ts';
import { keysetPage, type Ordering, type PageArgs, orderBy } from '../../db/keyset.ts';
import { loadTenantRows, lockOwnedRow, ownRowsIn, ownRowsMatching } from '../../db/tenant.ts';
import { badUserInput, ValidationError } from '../../lib/errors.ts';
import { checkTransition, type Transitions } from '../../lib/status-machine.ts';
import type { Db } from '../../resources.ts';
import { SYSTEM_ACTOR, type Actor } from '../packhouse/history.ts';
import { DuplicateLeadError } from './errors.ts';
import { leadChanges, recordLeadEvent } from './history.ts';
import { claimKey, recordResult, type Idempotency } from './idempotency.ts';
import { checkContact } from './validation.ts';

// ---- reads -----------------------------------------------------------------------------------

export const LEAD_ORDERS = ['CREATED_DESC', 'CREATED_ASC', 'NAME_ASC', 'NAME_DESC'] as const;
export type LeadOrder = (typeof LEAD_ORDERS)[number];

export function leadOrdering(order: LeadOrder): Ordering<Lead> {
  const column = order.startsWith('NAME') ? 'name' : 'createdAt';
  return orderBy(leadTable, `leads:${order}`, column, order.endsWith('ASC') ? 'asc' : 'desc');
}

export type LeadFilter = {
  status?: LeadStatus | null;
  source?: LeadSource | null;
  owner?: string | null;
  createdFrom?: string | null;
  createdBefore?: string | null;
  /** Words found anywhere in name, e-mail or company (trigram index). */
  search?: string | null;
};

export const MIN_SEARCH = 3;

/** The filter's conditions besides the tenant, as column comparisons (the compiled read path uses them too). */
export function leadFilterConditions(filter: LeadFilter): SqlCondition[] {
  if (filter.createdFrom && filter.createdBefore && filter.createdFrom >= filter.createdBefore) {
    throw badUserInput('The created range is empty: createdFrom must be before createdBefore.', {
      argument: 'filter.createdFrom',
    });
  }
  const terms = (filter.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.some((t) => t.length < MIN_SEARCH)) {
    throw badUserInput(`Each search word needs at least ${MIN_SEARCH} characters.`, { argument: 'filter.search' });
  }
  const conditions: SqlCondition[] = [];
  if (filter.status) conditions.push({ column: leadTable.status, op: '=', value: filter.status });
  if (filter.source) conditions.push({ column: leadTable.source, op: '=', value: filter.source });
  if (filter.owner) conditions.push({ column: leadTable.owner, op: '=', value: filter.owner });
  if (filter.createdFrom) conditions.push({ column: leadTable.createdAt, op: '>=', value: filter.createdFrom });
  if (filter.createdBefore) conditions.push({ column: leadTable.createdAt, op: '<', value: filter.createdBefore });
  // like with escaped wildcards: served by the GIN trigram index on search_text.
  for (const term of terms)
    conditions.push({
      column: leadTable.searchText,
      op: 'like',
      value: `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    });
  return conditions;
}

export function leadFilterSql(organizationId: number, filter: LeadFilter): SQL | undefined {
  return ownRowsMatching(leadTable, organizationId, leadFilterConditions(filter));
}

export function listLeads(db: Db, organizationId: number, filter: LeadFilter, order: LeadOrder, page: PageArgs) {
  return keysetPage(db, leadTable, leadFilterSql(organizationId, filter), leadOrdering(order), page);
}

export async function getLead(db: Db, organizationId: number, id: number): Promise<Lead | null> {
  const [row] = await loadTenantRows(db, leadTable, organizationId, [id]);
  return row;
}

/** CRM sync rows of many leads in one statement, in key order (null where a lead has none). */
export async function crmSyncByLead(
  db: Db,
  organizationId: number,
  leadIds: readonly number[],
): Promise<(CrmSync | null)[]> {
  const rows = await db
    .select()
    .from(leadCrmSyncTable)
    .where(ownRowsIn(leadCrmSyncTable, organizationId, leadCrmSyncTable.leadId, leadIds));
  const byId = new Map(rows.map((r) => [r.leadId, r]));
  return leadIds.map((id) => byId.get(Number(id)) ?? null);
}

// ---- writes ----------------------------------------------------------------------------------

export type LeadInput = {
  name: string;
  email: string;
  phone?: string | null;
  company?: string | null;
  source?: LeadSource | null;
  owner?: string | null;
};
export type LeadPatch = {
  name?: string;
  email?: string;
  phone?: string | null;
  company?: string | null;
  source?: LeadSource;
  owner?: string | null;
};

export type WriteOptions = { actor?: Actor; connector: CrmConnectorKind };

function normalized<T extends { [k: string]: unknown }>(input: T): T {
  const out = { ...input };
  for (const k of ['name', 'email', 'phone', 'company', 'owner'] as const) {
    if (typeof out[k] === 'string') (out as Record<string, unknown>)[k] = (out[k] as string).trim();
  }
  return out;
}

async function findByEmail(db: Db, organizationId: number, email: string): Promise<number | null> {
  const [row] = await db
    .select({ id: leadTable.id })
    .from(leadTable)
    .where(and(eq(leadTable.organizationId, organizationId), sql`lower(${leadTable.email}) = lower(${email})`));
  return row?.id ?? null;
}

/** Runs a write; a violated e-mail uniqueness becomes DuplicateLeadError naming the existing lead. */
async function uniqueEmail<T>(
  db: Db,
  organizationId: number,
  email: string | undefined,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (email && violatedConstraint(err) === 'leads_organization_email_key') {
      // The failed statement aborted the transaction: look the other lead up outside it.
      const existing = await findByEmail(db, organizationId, email);
      throw new DuplicateLeadError(email, existing ?? 0);
    }
    throw err;
  }
}

/**
 * Marks the lead's CRM row pending for its new version, in the caller's transaction. A row already
 * pending keeps its attempts and backoff (the CRM may be down: ten updates are still one push).
 */
export async function touchCrmSync(
  tx: Db,
  lead: Pick<Lead, 'id' | 'organizationId' | 'version'>,
  connector: CrmConnectorKind,
): Promise<void> {
  await tx.execute(sql`
    insert into lead_crm_sync (lead_id, organization_id, connector, state, wanted_version)
    values (${lead.id}, ${lead.organizationId}, ${connector}, 'pending', ${lead.version})
    on conflict (lead_id) do update set
      wanted_version = greatest(lead_crm_sync.wanted_version, excluded.wanted_version),
      attempts = case when lead_crm_sync.state = 'pending' then lead_crm_sync.attempts else 0 end,
      next_attempt_at = case when lead_crm_sync.state = 'pending' then lead_crm_sync.next_attempt_at else now() end,
      state = 'pending',
      updated_at = now()`);
}

export async function createLead(
  db: Db,
  organizationId: number,
  input: LeadInput,
  options: WriteOptions & { idempotency?: Idempotency },
): Promise<Lead> {
  const values = normalized(input);
  checkContact(values);
  const actor = options.actor ?? SYSTEM_ACTOR;
  return uniqueEmail(db, organizationId, values.email, () =>
    db.transaction(async (tx) => {
      if (options.idempotency) {
        const replay = await claimKey(tx, organizationId, options.idempotency);
        if (replay) {
          const lead = replay.length ? await getLead(tx, organizationId, replay[0]) : null;
          if (lead) return lead;
        }
      }
      const [lead] = await tx
        .insert(leadTable)
        .values({ ...values, source: values.source ?? 'other', organizationId })
        .returning();
      await recordLeadEvent(tx, lead, { kind: 'created', toStatus: lead.status }, actor);
      await touchCrmSync(tx, lead, options.connector);
      if (options.idempotency) await recordResult(tx, organizationId, options.idempotency, [lead.id]);
      return lead;
    }),
  );
}

/** The caller's lead, locked until the transaction ends, so concurrent writes (and workflow steps) queue behind it. */
export function lockLead(tx: Db, organizationId: number, id: number): Promise<Lead> {
  return lockOwnedRow(tx, leadTable, organizationId, id, 'Lead');
}

/** Applies `patch` to a locked lead: bumps its version, records the event, queues the CRM push. */
export async function writeLead(
  tx: Db,
  current: Lead,
  patch: Partial<
    Pick<Lead, 'name' | 'email' | 'phone' | 'company' | 'source' | 'owner' | 'score' | 'status' | 'crmUpdatedAt'>
  >,
  event: { kind: 'updated' | 'status_changed' | 'crm_changed' | 'workflow'; note?: string },
  actor: Actor,
  connector: CrmConnectorKind,
  options: { push?: boolean } = {},
): Promise<Lead> {
  const [row] = await tx
    .update(leadTable)
    .set({ ...patch, version: sql`${leadTable.version} + 1`, updatedAt: sql`now()` })
    .where(eq(leadTable.id, current.id))
    .returning();
  const changes = leadChanges(current, row);
  const statusChanged = current.status !== row.status;
  await recordLeadEvent(
    tx,
    row,
    {
      kind: event.kind,
      changes,
      note: event.note,
      ...(statusChanged ? { fromStatus: current.status, toStatus: row.status } : {}),
    },
    actor,
  );
  if (options.push !== false) await touchCrmSync(tx, row, connector);
  return row;
}

export async function updateLead(
  db: Db,
  organizationId: number,
  id: number,
  patch: LeadPatch,
  options: WriteOptions,
): Promise<Lead> {
  const values = normalized(patch);
  checkContact(values);
  return uniqueEmail(db, organizationId, values.email, () =>
    db.transaction(async (tx) => {
      const current = await lockLead(tx, organizationId, id);
      return writeLead(tx, current, values, { kind: 'updated' }, options.actor ?? SYSTEM_ACTOR, options.connector);
    }),
  );
}

/** Where a lead may go next. WON and LOST are final; any open lead may be lost. */
export const LEAD_TRANSITIONS: Transitions<LeadStatus> = {
  new: ['contacted', 'lost'],
  contacted: ['qualified', 'lost'],
  qualified: ['won', 'lost'],
  won: [],
  lost: [],
};

export async function changeLeadStatus(
  db: Db,
  organizationId: number,
  id: number,
  to: LeadStatus,
  options: WriteOptions,
): Promise<Lead> {
  return db.transaction(async (tx) => {
    const current = await lockLead(tx, organizationId, id);
    checkTransition(LEAD_TRANSITIONS, 'The lead', current.status, to);
    return writeLead(
      tx,
      current,
      { status: to },
      { kind: 'status_changed' },
      options.actor ?? SYSTEM_ACTOR,
      options.connector,
    );
  });
}

/** Leads whose CRM sync is FAILED (the dead letters). */
export function failedSyncCondition(): SQL {
  return sql`exists (select 1 from lead_crm_sync s where s.lead_id = ${leadTable.id} and s.state = 'failed')`;
}
