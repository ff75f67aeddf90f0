// Batch history in GraphQL: BatchEvent, who made it (Actor), and Batch.history. Thin: see history.ts.
import { ACTOR_KINDS, BATCH_EVENT_KINDS, batchEventTable } from '../../db/tables/index.ts';
import { NESTED_PAGE } from '../../db/keyset.ts';
import { encodeGlobalId } from '../../lib/global-id.ts';
import { builder } from '../../schema/builder.ts';
import { tenantRows } from '../../schema/nodes.ts';
import { enumValues } from '../../schema/common.ts';
import { nestedConnection } from '../../schema/queries.ts';
import { historyByBatch, type Actor } from './history.ts';
import { BatchRef, BatchStatusEnum } from './schema.ts';

const ActorKindEnum = builder.enumType('ActorKind', { values: enumValues(ACTOR_KINDS) });
const BatchEventKindEnum = builder.enumType('BatchEventKind', {
  description:
    'CREATED, STATUS_CHANGED, WEIGHTS_CORRECTED (weights and maybe other fields) or DETAILS_CHANGED (other fields only).',
  values: enumValues(BATCH_EVENT_KINDS),
});

export const ActorRef = builder.objectRef<Actor>('Actor').implement({
  description: 'Who made a change: a user, an API key, or the system (imports, seeds, jobs).',
  fields: (t) => ({
    kind: t.field({ type: ActorKindEnum, resolve: (a) => a.kind }),
    id: t.id({
      nullable: true,
      description: 'Id of the User or ApiKey; null for the system.',
      resolve: (a) => (a.id == null ? null : encodeGlobalId(a.kind === 'user' ? 'User' : 'ApiKey', a.id)),
    }),
  }),
});

type FieldChange = { field: string; from: string | null; to: string | null };
const BatchFieldChange = builder.objectRef<FieldChange>('BatchFieldChange').implement({
  description: 'One field a correction changed, its values as text (ids as global ids, fruit types as enum names).',
  fields: (t) => ({
    field: t.exposeString('field'),
    from: t.exposeString('from', { nullable: true }),
    to: t.exposeString('to', { nullable: true }),
  }),
});

/** Stored changes use column property names and local ids; GraphQL speaks in its own names and global ids. */
function fieldChange(key: string, change: { from: string | null; to: string | null }): FieldChange {
  const id = (typename: string) => (v: string | null) => (v == null ? null : encodeGlobalId(typename, v));
  const map: Record<string, [string, (v: string | null) => string | null]> = {
    growerId: ['grower', id('Grower')],
    packhouseId: ['packhouse', id('Packhouse')],
    fruitType: ['fruitType', (v) => v?.toUpperCase() ?? null],
  };
  const [field, convert] = map[key] ?? [key, (v: string | null) => v];
  return { field, from: convert(change.from), to: convert(change.to) };
}

export const BatchEventRef = builder.loadableNode('BatchEvent', {
  ...tenantRows(batchEventTable, { compiled: false }),
  description: 'One change in the life of a batch. History is append-only: events are never edited or removed.',
  fields: (t) => ({
    kind: t.expose('kind', { type: BatchEventKindEnum }),
    batch: t.field({ type: BatchRef, resolve: (e) => String(e.batchId) }),
    fromStatus: t.expose('fromStatus', { type: BatchStatusEnum, nullable: true }),
    toStatus: t.expose('toStatus', { type: BatchStatusEnum, nullable: true }),
    fromGrossWeightKg: t.expose('fromGrossWeightKg', { type: 'Decimal', nullable: true }),
    toGrossWeightKg: t.expose('toGrossWeightKg', { type: 'Decimal', nullable: true }),
    fromNetWeightKg: t.expose('fromNetWeightKg', { type: 'Decimal', nullable: true }),
    toNetWeightKg: t.expose('toNetWeightKg', { type: 'Decimal', nullable: true }),
    changes: t.field({
      type: [BatchFieldChange],
      description: 'Fields other than status and weights that this event changed.',
      resolve: (e) => Object.entries(e.changes).map(([key, change]) => fieldChange(key, change)),
    }),
    actor: t.field({ type: ActorRef, resolve: (e) => ({ kind: e.actorKind, id: e.actorId }) }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime' }),
  }),
});

const BatchEventConnection = builder.connectionObject({ type: BatchEventRef, name: 'BatchEventConnection' });

builder.objectField(BatchRef, 'history', (t) =>
  t.loadable({
    type: BatchEventConnection,
    description: `What happened to this batch, newest first: \`history(first: 5)\` is its last five events. ${NESTED_PAGE.defaultSize} a page by default, at most ${NESTED_PAGE.maxSize}; loaded for all batches of a list in one statement.`,
    ...nestedConnection(t.arg, NESTED_PAGE, { load: historyByBatch }),
  }),
);
