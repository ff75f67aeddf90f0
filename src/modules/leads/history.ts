// Lead history: one append-only event per change, written in the transaction of the change.
import { leadEventTable, type Lead, type LeadEventKind } from '../../db/tables/index.ts';
import { newestFirstByParent } from '../../db/keyset.ts';
import type { Db } from '../../resources.ts';
import type { Actor } from '../packhouse/history.ts';

const TRACKED = ['name', 'email', 'phone', 'company', 'source', 'owner', 'score'] as const;

export function leadChanges(before: Lead, after: Lead): Record<string, { from: string | null; to: string | null }> {
  const changes: Record<string, { from: string | null; to: string | null }> = {};
  for (const f of TRACKED) {
    if (before[f] !== after[f])
      changes[f] = {
        from: before[f] == null ? null : String(before[f]),
        to: after[f] == null ? null : String(after[f]),
      };
  }
  return changes;
}

export type LeadEventValues = {
  kind: LeadEventKind;
  fromStatus?: Lead['status'] | null;
  toStatus?: Lead['status'] | null;
  changes?: Record<string, { from: string | null; to: string | null }>;
  note?: string | null;
};

export async function recordLeadEvent(
  tx: Db,
  lead: Pick<Lead, 'id' | 'organizationId'>,
  values: LeadEventValues,
  actor: Actor,
): Promise<void> {
  await tx.insert(leadEventTable).values({
    ...values,
    changes: values.changes ?? {},
    organizationId: lead.organizationId,
    leadId: lead.id,
    actorKind: actor.kind,
    actorId: actor.id,
  });
}

/** A lead's history reads newest first; one statement for every lead. */
export const { ordering: LEAD_HISTORY_ORDERING, pages: historyByLead } = newestFirstByParent(leadEventTable, {
  parent: 'leadId',
  time: 'recordedAt',
  list: 'lead.history',
});
