// Growers, packhouses and batches: reads and every write. No GraphQL here.
// Every function takes the caller's organization id and never reads or writes outside it.
import { eq, sql, type SQL } from 'drizzle-orm';
import { batchTable, growerTable, packhouseTable, type BatchStatus, type FruitType } from '../../db/tables/index.ts';
import { uniqueIn } from '../../db/constraint.ts';
import { preparedInsert } from '../../db/prepared.ts';
import { lockOwnedRow, ownRowsMatching, updateOwnedRow } from '../../db/tenant.ts';
import { keysetPage, lateralPages, type Ordering, type PageArgs, orderBy } from '../../db/keyset.ts';
import { badUserInput, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { compareDecimals } from '../../lib/money.ts';
import { checkTransition, type Transitions } from '../../lib/status-machine.ts';
import type { Db } from '../../resources.ts';
import type { SqlCondition } from '../../compiled/mapping.ts';
import { correctionEvent, createdEvent, recordBatchEvent, statusEvent, SYSTEM_ACTOR, type Actor } from './history.ts';

export type Grower = typeof growerTable.$inferSelect;
export type Packhouse = typeof packhouseTable.$inferSelect;
export type Batch = typeof batchTable.$inferSelect;

// ---- orderings -------------------------------------------------------------------------------

export const GROWER_ORDERS = ['NAME_ASC', 'NAME_DESC'] as const;
export type GrowerOrder = (typeof GROWER_ORDERS)[number];
export const PACKHOUSE_ORDERS = GROWER_ORDERS;
export const BATCH_ORDERS = ['INTAKE_DATE_DESC', 'INTAKE_DATE_ASC', 'CODE_ASC', 'CODE_DESC'] as const;
export type BatchOrder = (typeof BATCH_ORDERS)[number];

export function growerOrdering(order: GrowerOrder): Ordering<Grower> {
  return orderBy(growerTable, `growers:${order}`, 'name', order === 'NAME_ASC' ? 'asc' : 'desc');
}

export function packhouseOrdering(order: GrowerOrder): Ordering<Packhouse> {
  return orderBy(packhouseTable, `packhouses:${order}`, 'name', order === 'NAME_ASC' ? 'asc' : 'desc');
}

/** `scope` distinguishes the top-level list from nested ones, so their cursors are not interchangeable. */
export function batchOrdering(order: BatchOrder, scope = 'batches'): Ordering<Batch> {
  const column = order.startsWith('CODE') ? 'code' : 'intakeDate';
  return orderBy(batchTable, `${scope}:${order}`, column, order.endsWith('ASC') ? 'asc' : 'desc');
}

// ---- reads -----------------------------------------------------------------------------------

export type BatchFilter = {
  status?: BatchStatus | null;
  fruitType?: FruitType | null;
  growerId?: number | null;
  packhouseId?: number | null;
  intakeFrom?: string | null;
  intakeTo?: string | null;
};

/** The filter's conditions besides the tenant, as column comparisons (the compiled read path uses them too). */
export function batchFilterConditions(filter: BatchFilter): SqlCondition[] {
  if (filter.intakeFrom && filter.intakeTo && filter.intakeFrom > filter.intakeTo) {
    throw badUserInput(
      `The intake date range is reversed: intakeFrom (${filter.intakeFrom}) is after intakeTo (${filter.intakeTo}).`,
      { argument: 'filter.intakeFrom' },
    );
  }
  const conditions: SqlCondition[] = [];
  if (filter.status) conditions.push({ column: batchTable.status, op: '=', value: filter.status });
  if (filter.fruitType) conditions.push({ column: batchTable.fruitType, op: '=', value: filter.fruitType });
  if (filter.growerId != null) conditions.push({ column: batchTable.growerId, op: '=', value: filter.growerId });
  if (filter.packhouseId != null)
    conditions.push({ column: batchTable.packhouseId, op: '=', value: filter.packhouseId });
  if (filter.intakeFrom) conditions.push({ column: batchTable.intakeDate, op: '>=', value: filter.intakeFrom });
  if (filter.intakeTo) conditions.push({ column: batchTable.intakeDate, op: '<=', value: filter.intakeTo });
  return conditions;
}

export function batchFilterSql(organizationId: number, filter: BatchFilter): SQL | undefined {
  return ownRowsMatching(batchTable, organizationId, batchFilterConditions(filter));
}

export function listBatches(db: Db, organizationId: number, filter: BatchFilter, order: BatchOrder, page: PageArgs) {
  return keysetPage(db, batchTable, batchFilterSql(organizationId, filter), batchOrdering(order), page);
}

/** First page of batches for each grower (or packhouse), all parents in one statement. */
export function batchesByParent(
  db: Db,
  organizationId: number,
  parent: 'grower' | 'packhouse',
  parentIds: readonly number[],
  filter: BatchFilter,
  order: BatchOrder,
  page: PageArgs,
) {
  const column = parent === 'grower' ? batchTable.growerId : batchTable.packhouseId;
  return lateralPages(
    db,
    batchTable,
    column,
    parentIds,
    batchFilterSql(organizationId, filter),
    batchOrdering(order, `${parent}.batches`),
    page,
  );
}

// ---- writes ----------------------------------------------------------------------------------

export type GrowerInput = { code: string; name: string; region?: string | null; contactEmail?: string | null };
export type PackhouseInput = { name: string; location?: string | null };
export type BatchInput = {
  code: string;
  growerId: number;
  packhouseId: number;
  fruitType: FruitType;
  harvestDate: string;
  intakeDate: string;
  grossWeightKg: string;
  netWeightKg?: string | null;
};

// A grower's code, a packhouse's name and a batch's code are unique in their organization; a write
// that would repeat one is a ValidationError on that input field.
const uniqueGrowerCode = uniqueIn('growers_organization_code_key', 'input.code', 'grower with code');
const uniquePackhouseName = uniqueIn('packhouses_organization_name_key', 'input.name', 'packhouse named');
const uniqueBatchCode = uniqueIn('batches_organization_code_key', 'input.code', 'batch with code');

// Inserts are prepared once per database handle (src/db/prepared.ts): building them through drizzle
// took more CPU than PostgreSQL spends on them. A field left out is stored as null.
const insertGrower = (db: Db) =>
  preparedInsert(db, 'grower', growerTable, ['organizationId', 'code', 'name', 'region', 'contactEmail']);
const insertPackhouse = (db: Db) =>
  preparedInsert(db, 'packhouse', packhouseTable, ['organizationId', 'name', 'location']);

export async function createGrower(db: Db, organizationId: number, input: GrowerInput): Promise<Grower> {
  const [row] = await uniqueGrowerCode(
    insertGrower(db).execute({
      organizationId,
      code: input.code,
      name: input.name,
      region: input.region ?? null,
      contactEmail: input.contactEmail ?? null,
    }),
    input.code,
  );
  return row;
}

export function updateGrower(db: Db, organizationId: number, id: number, patch: Partial<GrowerInput>): Promise<Grower> {
  return uniqueGrowerCode(updateOwnedRow(db, growerTable, organizationId, id, 'Grower', patch), patch.code);
}

export async function createPackhouse(db: Db, organizationId: number, input: PackhouseInput): Promise<Packhouse> {
  const insert = insertPackhouse(db).execute({ organizationId, name: input.name, location: input.location ?? null });
  const [row] = await uniquePackhouseName(insert, input.name);
  return row;
}

export function updatePackhouse(
  db: Db,
  organizationId: number,
  id: number,
  patch: Partial<PackhouseInput>,
): Promise<Packhouse> {
  return uniquePackhouseName(updateOwnedRow(db, packhouseTable, organizationId, id, 'Packhouse', patch), patch.name);
}

async function requireOwned(
  db: Db,
  organizationId: number,
  growerId: number | undefined,
  packhouseId: number | undefined,
) {
  const [found] = await db.execute<{ grower: boolean; packhouse: boolean }>(sql`
    select
      exists (select 1 from ${growerTable} where ${growerTable.organizationId} = ${organizationId} and ${growerTable.id} = ${growerId ?? -1}) as grower,
      exists (select 1 from ${packhouseTable} where ${packhouseTable.organizationId} = ${organizationId} and ${packhouseTable.id} = ${packhouseId ?? -1}) as packhouse`);
  if (growerId !== undefined && !found.grower) throw new NotFoundError('Grower', String(growerId));
  if (packhouseId !== undefined && !found.packhouse) throw new NotFoundError('Packhouse', String(packhouseId));
}

function checkBatchValues(
  values: Pick<BatchInput, 'harvestDate' | 'intakeDate' | 'grossWeightKg'> & { netWeightKg?: string | null },
) {
  const issues: { field: string; message: string }[] = [];
  if (values.intakeDate < values.harvestDate) {
    issues.push({
      field: 'input.intakeDate',
      message: `Intake (${values.intakeDate}) cannot be before harvest (${values.harvestDate}).`,
    });
  }
  if (values.netWeightKg != null && compareDecimals(values.netWeightKg, values.grossWeightKg) > 0) {
    issues.push({ field: 'input.netWeightKg', message: 'Net weight cannot exceed gross weight.' });
  }
  if (issues.length) throw new ValidationError(issues);
}

export async function createBatch(
  db: Db,
  organizationId: number,
  input: BatchInput,
  actor: Actor = SYSTEM_ACTOR,
): Promise<Batch> {
  checkBatchValues(input);
  return db.transaction(async (tx) => {
    await requireOwned(tx, organizationId, input.growerId, input.packhouseId);
    const insert = tx
      .insert(batchTable)
      .values({ ...input, organizationId, status: 'received' })
      .returning();
    const [row] = await uniqueBatchCode(insert, input.code);
    await recordBatchEvent(tx, row, createdEvent(row), actor);
    return row;
  });
}

export type BatchPatch = Partial<Omit<BatchInput, 'growerId' | 'packhouseId'>> & {
  growerId?: number;
  packhouseId?: number;
};

/** Corrects a batch; a change of weights or details writes its history event in the same transaction. */
export async function updateBatch(
  db: Db,
  organizationId: number,
  id: number,
  patch: BatchPatch,
  actor: Actor = SYSTEM_ACTOR,
): Promise<Batch> {
  return db.transaction(async (tx) => {
    const current = await lockOwnedRow(tx, batchTable, organizationId, id, 'Batch');
    checkBatchValues({ ...current, ...patch });
    if (patch.growerId !== undefined || patch.packhouseId !== undefined) {
      await requireOwned(tx, organizationId, patch.growerId, patch.packhouseId);
    }
    const row = await uniqueBatchCode(updateOwnedRow(tx, batchTable, organizationId, id, 'Batch', patch), patch.code);
    const event = correctionEvent(current, row);
    if (event) await recordBatchEvent(tx, row, event, actor);
    return row;
  });
}

/** Where a batch may go next. Dispatched and rejected batches are final. */
export const BATCH_TRANSITIONS: Transitions<BatchStatus> = {
  received: ['graded', 'rejected'],
  graded: ['packed', 'rejected'],
  packed: ['dispatched'],
  dispatched: [],
  rejected: [],
};

export async function changeBatchStatus(
  db: Db,
  organizationId: number,
  id: number,
  to: BatchStatus,
  actor: Actor = SYSTEM_ACTOR,
): Promise<Batch> {
  return db.transaction(async (tx) => {
    const current = await lockOwnedRow(tx, batchTable, organizationId, id, 'Batch');
    checkTransition(BATCH_TRANSITIONS, `Batch ${current.code}`, current.status, to);
    const [row] = await tx
      .update(batchTable)
      .set({ status: to, updatedAt: sql`now()` })
      .where(eq(batchTable.id, id))
      .returning();
    await recordBatchEvent(tx, row, statusEvent(current, row), actor);
    return row;
  });
}
