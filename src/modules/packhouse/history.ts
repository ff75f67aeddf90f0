// Batch history: one append-only event per change, written in the transaction of the change itself.
// No GraphQL here.
import { batchEventTable, type batchTable, type ActorKind, type BatchEventKind } from '../../db/tables/index.ts';
import { newestFirstByParent } from '../../db/keyset.ts';
import type { Principal } from '../../context.ts';
import type { Db } from '../../resources.ts';

export type BatchEvent = typeof batchEventTable.$inferSelect;
type Batch = typeof batchTable.$inferSelect;

/** Who made a change: a signed-in user, an API key, or the system itself (seeds, jobs). */
export type Actor = { kind: ActorKind; id: number | null };
export const SYSTEM_ACTOR: Actor = { kind: 'system', id: null };

export function actorOf(principal: Principal): Actor {
  if (principal.kind === 'user') return { kind: 'user', id: principal.userId };
  if (principal.kind === 'apiKey') return { kind: 'api_key', id: principal.apiKeyId };
  return SYSTEM_ACTOR;
}

/** Fields a correction may change besides the weights (which have their own columns). */
const DETAIL_FIELDS = ['code', 'growerId', 'packhouseId', 'fruitType', 'harvestDate', 'intakeDate'] as const;

type EventValues = Omit<
  typeof batchEventTable.$inferInsert,
  'id' | 'organizationId' | 'batchId' | 'actorKind' | 'actorId' | 'recordedAt'
>;

/** The event describing `before` → `after`, or null when nothing a reader cares about changed. */
export function correctionEvent(before: Batch, after: Batch): EventValues | null {
  const changes: Record<string, { from: string | null; to: string | null }> = {};
  for (const field of DETAIL_FIELDS) {
    if (before[field] !== after[field]) changes[field] = { from: String(before[field]), to: String(after[field]) };
  }
  // Both sides come back from numeric(12,3) columns, so equal weights are equal strings.
  const weights = before.grossWeightKg !== after.grossWeightKg || before.netWeightKg !== after.netWeightKg;
  if (!weights && Object.keys(changes).length === 0) return null;
  const kind: BatchEventKind = weights ? 'weights_corrected' : 'details_changed';
  return {
    kind,
    changes,
    ...(weights && {
      fromGrossWeightKg: before.grossWeightKg,
      toGrossWeightKg: after.grossWeightKg,
      fromNetWeightKg: before.netWeightKg,
      toNetWeightKg: after.netWeightKg,
    }),
  };
}

export function createdEvent(batch: Batch): EventValues {
  return {
    kind: 'created',
    toStatus: batch.status,
    toGrossWeightKg: batch.grossWeightKg,
    toNetWeightKg: batch.netWeightKg,
  };
}

export function statusEvent(before: Batch, after: Batch): EventValues {
  return { kind: 'status_changed', fromStatus: before.status, toStatus: after.status };
}

/** Call inside the transaction that changed the batch, so the change and its event commit together. */
export async function recordBatchEvent(tx: Db, batch: Batch, values: EventValues, actor: Actor): Promise<BatchEvent> {
  const [event] = await tx
    .insert(batchEventTable)
    .values({
      ...values,
      organizationId: batch.organizationId,
      batchId: batch.id,
      actorKind: actor.kind,
      actorId: actor.id,
    })
    .returning();
  return event;
}

/** History reads newest first: `history(first: 5)` is a batch's last five events; a page for every batch id in one statement. */
export const { ordering: HISTORY_ORDERING, pages: historyByBatch } = newestFirstByParent(batchEventTable, {
  parent: 'batchId',
  time: 'recordedAt',
  list: 'batch.history',
});
