// GraphQL types, queries and mutations for growers, packhouses and batches. Thin: the work is in service.ts.
import { z } from 'zod';
import { BATCH_STATUSES, FRUIT_TYPES, batchTable, growerTable, packhouseTable } from '../../db/tables/index.ts';
import { LIST_PAGE, NESTED_PAGE, type Ordering, tenantPage } from '../../db/keyset.ts';
import { builder } from '../../schema/builder.ts';
import { parentNode, tenantRows } from '../../schema/nodes.ts';
import { defined, enumValues, inputId, queryId } from '../../schema/common.ts';
import { mutation, updateMutation } from '../../schema/mutations.ts';
import { listQuery, nestedConnection } from '../../schema/queries.ts';
import { compareDecimals } from '../../lib/money.ts';
import { actorOf } from './history.ts';
import * as service from './service.ts';

export const BatchStatusEnum = builder.enumType('BatchStatus', {
  description: 'Where a batch is: RECEIVED → GRADED → PACKED → DISPATCHED, or REJECTED before packing.',
  values: enumValues(BATCH_STATUSES),
});
export const FruitTypeEnum = builder.enumType('FruitType', { values: enumValues(FRUIT_TYPES) });
const NameOrderEnum = builder.enumType('NameOrder', { values: enumValues(service.GROWER_ORDERS) });
const BatchOrderEnum = builder.enumType('BatchOrder', { values: enumValues(service.BATCH_ORDERS) });

export const GrowerRef = builder.loadableNode('Grower', {
  ...tenantRows(growerTable),
  description: 'A grower who delivers fruit to your packhouses.',
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    region: t.exposeString('region', { nullable: true }),
    contactEmail: t.exposeString('contactEmail', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const PackhouseRef = builder.loadableNode('Packhouse', {
  ...tenantRows(packhouseTable),
  description: 'A packhouse where batches are received, graded and packed.',
  fields: (t) => ({
    name: t.exposeString('name'),
    location: t.exposeString('location', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const BatchRef = builder.loadableNode('Batch', {
  ...tenantRows(batchTable),
  description: 'A batch of one fruit type from one grower, received at one packhouse.',
  fields: (t) => ({
    code: t.exposeString('code'),
    fruitType: t.expose('fruitType', { type: FruitTypeEnum }),
    status: t.expose('status', { type: BatchStatusEnum }),
    harvestDate: t.expose('harvestDate', { type: 'Date' }),
    intakeDate: t.expose('intakeDate', { type: 'Date' }),
    grossWeightKg: t.expose('grossWeightKg', { type: 'Decimal' }),
    netWeightKg: t.expose('netWeightKg', { type: 'Decimal', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    grower: t.field(parentNode(GrowerRef, batchTable, 'growerId')),
    packhouse: t.field(parentNode(PackhouseRef, batchTable, 'packhouseId')),
  }),
});

export const GrowerConnection = builder.connectionObject({ type: GrowerRef, name: 'GrowerConnection' });
export const PackhouseConnection = builder.connectionObject({ type: PackhouseRef, name: 'PackhouseConnection' });
export const BatchConnection = builder.connectionObject({ type: BatchRef, name: 'BatchConnection' });

const BatchFilter = builder.inputType('BatchFilter', {
  description: 'All given conditions must hold. Intake dates are inclusive.',
  fields: (t) => ({
    status: t.field({ type: BatchStatusEnum }),
    fruitType: t.field({ type: FruitTypeEnum }),
    grower: t.id({ description: 'Only batches of this grower.' }),
    packhouse: t.id({ description: 'Only batches received at this packhouse.' }),
    intakeFrom: t.field({ type: 'Date' }),
    intakeTo: t.field({ type: 'Date' }),
  }),
});

type BatchFilterArg = typeof BatchFilter.$inferInput | null | undefined;

function batchFilter(filter: BatchFilterArg): service.BatchFilter {
  return {
    status: filter?.status,
    fruitType: filter?.fruitType,
    growerId: filter?.grower ? queryId(String(filter.grower), 'Grower') : null,
    packhouseId: filter?.packhouse ? queryId(String(filter.packhouse), 'Packhouse') : null,
    intakeFrom: filter?.intakeFrom,
    intakeTo: filter?.intakeTo,
  };
}

/** growers and packhouses: the caller's rows by name, NAME_ASC unless `orderBy` says otherwise. */
function listByName<Row>(
  name: string,
  type: typeof GrowerConnection | typeof PackhouseConnection,
  table: typeof growerTable | typeof packhouseTable,
  ordering: (order: service.GrowerOrder) => Ordering<Row>,
  description?: string,
) {
  listQuery(name, {
    type,
    description,
    args: (arg) => ({ orderBy: arg({ type: NameOrderEnum, defaultValue: 'NAME_ASC' }) }),
    compiled: {
      table,
      ordering: (args) => ordering((args.orderBy as service.GrowerOrder) ?? 'NAME_ASC') as Ordering<never>,
    },
    // Serves two row types: the casts stand where the row is a grower or a packhouse.
    resolve: (args, ctx, org) =>
      tenantPage(ctx.db, table, org, ordering(args.orderBy ?? 'NAME_ASC') as never, args) as never,
  });
}
listByName(
  'growers',
  GrowerConnection,
  growerTable,
  service.growerOrdering,
  `Growers of your organization, ${LIST_PAGE.defaultSize} a page by default, at most ${LIST_PAGE.maxSize}.`,
);
listByName('packhouses', PackhouseConnection, packhouseTable, service.packhouseOrdering);
listQuery('batches', {
  type: BatchConnection,
  description: `Batches of your organization, newest intake first by default; ${LIST_PAGE.defaultSize} a page, at most ${LIST_PAGE.maxSize}.`,
  args: (arg) => ({
    filter: arg({ type: BatchFilter }),
    orderBy: arg({ type: BatchOrderEnum, defaultValue: 'INTAKE_DATE_DESC' }),
  }),
  compiled: {
    table: batchTable,
    ordering: (args) => service.batchOrdering((args.orderBy as service.BatchOrder) ?? 'INTAKE_DATE_DESC'),
    conditions: (args) => service.batchFilterConditions(batchFilter(args.filter as BatchFilterArg)),
  },
  resolve: (args, ctx, org) =>
    service.listBatches(ctx.db, org, batchFilter(args.filter), args.orderBy ?? 'INTAKE_DATE_DESC', args),
});

function nestedBatches(parent: 'grower' | 'packhouse') {
  return builder.objectField(parent === 'grower' ? GrowerRef : PackhouseRef, 'batches', (t) =>
    t.loadable({
      type: BatchConnection,
      description: `This ${parent}'s batches, ${NESTED_PAGE.defaultSize} a page by default, at most ${NESTED_PAGE.maxSize}. Loaded for all ${parent}s of a list in one statement.`,
      // One LATERAL statement serves every parent at the same place in the query.
      ...nestedConnection(t.arg, NESTED_PAGE, {
        args: {
          filter: t.arg({ type: BatchFilter }),
          orderBy: t.arg({ type: BatchOrderEnum, defaultValue: 'INTAKE_DATE_DESC' }),
        },
        compiled: {
          table: batchTable,
          parentColumn: parent === 'grower' ? batchTable.growerId : batchTable.packhouseId,
          ordering: (args) =>
            service.batchOrdering((args.orderBy as service.BatchOrder) ?? 'INTAKE_DATE_DESC', `${parent}.batches`),
          conditions: (args) => service.batchFilterConditions(batchFilter(args.filter as BatchFilterArg)),
        },
        load: (db, org, ids, args) =>
          service.batchesByParent(
            db,
            org,
            parent,
            ids,
            batchFilter(args.filter),
            args.orderBy ?? 'INTAKE_DATE_DESC',
            args,
          ),
      }),
    }),
  );
}
nestedBatches('grower');
nestedBatches('packhouse');

// ---- mutations -------------------------------------------------------------------------------

const text = (max: number) =>
  z.string().trim().min(1, 'must not be blank').max(max, `must be at most ${max} characters`);
const weight = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,3})?$/, 'must be a weight in kg with at most 3 decimals, e.g. "1250.500"')
  .refine((v) => compareDecimals(v, '0') > 0, 'must be more than zero');

const GrowerInput = builder.inputType('GrowerInput', {
  fields: (t) => ({
    code: t.string({ required: true, validate: text(64) }),
    name: t.string({ required: true, validate: text(200) }),
    region: t.string({ validate: text(200) }),
    contactEmail: t.string({ validate: z.email('must be an e-mail address') }),
  }),
});
const GrowerPatch = builder.inputType('GrowerPatch', {
  description: 'Only the fields given are changed.',
  fields: (t) => ({
    code: t.string({ validate: text(64) }),
    name: t.string({ validate: text(200) }),
    region: t.string({ validate: text(200) }),
    contactEmail: t.string({ validate: z.email('must be an e-mail address') }),
  }),
});
const PackhouseInput = builder.inputType('PackhouseInput', {
  fields: (t) => ({
    name: t.string({ required: true, validate: text(200) }),
    location: t.string({ validate: text(200) }),
  }),
});
const PackhousePatch = builder.inputType('PackhousePatch', {
  fields: (t) => ({ name: t.string({ validate: text(200) }), location: t.string({ validate: text(200) }) }),
});
const BatchInput = builder.inputType('BatchInput', {
  fields: (t) => ({
    code: t.string({ required: true, validate: text(64) }),
    grower: t.id({ required: true }),
    packhouse: t.id({ required: true }),
    fruitType: t.field({ type: FruitTypeEnum, required: true }),
    harvestDate: t.field({ type: 'Date', required: true }),
    intakeDate: t.field({ type: 'Date', required: true }),
    grossWeightKg: t.field({ type: 'Decimal', required: true, validate: weight }),
    netWeightKg: t.field({ type: 'Decimal', validate: weight }),
  }),
});
const BatchPatch = builder.inputType('BatchPatch', {
  fields: (t) => ({
    code: t.string({ validate: text(64) }),
    grower: t.id(),
    packhouse: t.id(),
    fruitType: t.field({ type: FruitTypeEnum }),
    harvestDate: t.field({ type: 'Date' }),
    intakeDate: t.field({ type: 'Date' }),
    grossWeightKg: t.field({ type: 'Decimal', validate: weight }),
    netWeightKg: t.field({ type: 'Decimal', validate: weight }),
  }),
});

mutation('createGrower', {
  type: GrowerRef,
  input: GrowerInput,
  resolve: ({ input }, ctx, org) => service.createGrower(ctx.db, org, input),
});
updateMutation('updateGrower', GrowerRef, GrowerPatch, service.updateGrower);
mutation('createPackhouse', {
  type: PackhouseRef,
  input: PackhouseInput,
  resolve: ({ input }, ctx, org) => service.createPackhouse(ctx.db, org, input),
});
updateMutation('updatePackhouse', PackhouseRef, PackhousePatch, service.updatePackhouse);
mutation('createBatch', {
  type: BatchRef,
  input: BatchInput,
  resolve: ({ input }, ctx, org) => {
    const { grower, packhouse, ...rest } = input;
    const batch = {
      ...rest,
      growerId: inputId(String(grower), 'Grower', 'input.grower'),
      packhouseId: inputId(String(packhouse), 'Packhouse', 'input.packhouse'),
    };
    return service.createBatch(ctx.db, org, batch, actorOf(ctx.principal));
  },
});
mutation('updateBatch', {
  type: BatchRef,
  ids: { id: 'Batch' },
  input: BatchPatch,
  resolve: ({ id, input }, ctx, org) => {
    const { grower, packhouse, ...rest } = defined(input);
    const patch = {
      ...rest,
      growerId: grower ? inputId(String(grower), 'Grower', 'input.grower') : undefined,
      packhouseId: packhouse ? inputId(String(packhouse), 'Packhouse', 'input.packhouse') : undefined,
    };
    return service.updateBatch(ctx.db, org, id, patch, actorOf(ctx.principal));
  },
});
mutation('changeBatchStatus', {
  type: BatchRef,
  description: 'Moves a batch to its next status; a move the workflow does not allow is a ValidationError on `status`.',
  ids: { id: 'Batch' },
  args: (arg) => ({ status: arg({ type: BatchStatusEnum, required: true }) }),
  resolve: ({ id, status }, ctx, org) => service.changeBatchStatus(ctx.db, org, id, status, actorOf(ctx.principal)),
});
