// Loading tenant-owned rows by id. Every lookup is scoped to the caller's organization, so another
// tenant's id loads as null, exactly like an id that does not exist.
import { and, eq, getTableName, sql, type InferSelectModel } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { conditionSql, type SqlCondition } from '../compiled/mapping.ts';
import { preparedQuery } from './prepared.ts';
import { recordLoaderBatch } from './sql-stats.ts';
import type { Db } from '../resources.ts';
import { organizationOf, type Context } from '../context.ts';
import { NotFoundError } from '../lib/errors.ts';

const MAX_INT4 = 2_147_483_647;

type TenantTable = PgTable & { id: PgColumn; organizationId: PgColumn };

/**
 * DataLoader batch function body: one statement for all ids, results in key order (the DataLoader
 * contract), null where the row is missing or belongs to another organization.
 */
export async function loadTenantRows<T extends TenantTable>(
  db: Db,
  table: T,
  organizationId: number,
  ids: readonly (string | number)[],
): Promise<(T['$inferSelect'] | null)[]> {
  // Ids are int4: anything outside its range cannot exist (and PostgreSQL would refuse it).
  const wanted = [...new Set(ids.map(Number).filter((id) => Number.isInteger(id) && id > 0 && id <= MAX_INT4))];
  if (wanted.length === 0) return ids.map(() => null);
  const name = getTableName(table);
  recordLoaderBatch(name, wanted.length);
  const query = preparedQuery(db, `tenant rows of ${name}`, (d) =>
    d
      .select()
      .from(table as PgTable)
      .where(
        and(
          eq(table.organizationId, sql.placeholder('organizationId')),
          sql`${table.id} = any(${sql.placeholder('ids')}::int4[])`,
        ),
      )
      .prepare(`tenant_rows_${name}`),
  );
  const rows = (await query.execute({ organizationId, ids: wanted })) as (T['$inferSelect'] & { id: number })[];
  // Keys may arrive as strings (decoded global ids) or numbers (foreign keys): match on the number.
  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  return ids.map((id) => byId.get(Number(id)) ?? null);
}

/**
 * For a Pothos `loadableNode` load function. Missing rows are null (Pothos resolves them to a null
 * node, as if the id did not exist); the cast only hides that from the row type.
 */
export function loadTenantNodes<T extends TenantTable>(
  ctx: Context,
  table: T,
  ids: string[],
): Promise<InferSelectModel<T>[]> {
  return loadTenantRows(ctx.db, table, organizationOf(ctx), ids) as Promise<InferSelectModel<T>[]>;
}

/** The condition that picks the caller's rows of `table` whose `column` is one of `ids` (one array parameter). */
export function ownRowsIn(
  table: { organizationId: PgColumn },
  organizationId: number,
  column: PgColumn,
  ids: readonly number[],
) {
  return and(
    eq(table.organizationId, organizationId),
    sql`${column} = any(${`{${ids.map(Number).join(',')}}`}::int[])`,
  );
}

/** The condition that picks the caller's rows of `table` meeting every one of a filter's `conditions`. */
export function ownRowsMatching(
  table: { organizationId: PgColumn },
  organizationId: number,
  conditions: SqlCondition[],
) {
  return and(eq(table.organizationId, organizationId), ...conditions.map(conditionSql));
}

/** The condition that picks the caller's row `id` of a tenant table, and only the caller's. */
export function ownRow(table: TenantTable, organizationId: number, id: number) {
  return and(eq(table.id, id), eq(table.organizationId, organizationId));
}

/**
 * The caller's row `id`, or null when it is missing or another tenant's. With `lock`, the row stays
 * locked (select … for update) until the transaction ends, so concurrent changes queue behind it.
 */
export async function findOwnedRow<T extends TenantTable>(
  tx: Db,
  table: T,
  organizationId: number,
  id: number,
  { lock = false }: { lock?: boolean } = {},
): Promise<T['$inferSelect'] | null> {
  const query = tx
    .select()
    .from(table as PgTable)
    .where(ownRow(table, organizationId, id));
  const [row] = await (lock ? query.for('update') : query);
  return (row as T['$inferSelect'] | undefined) ?? null;
}

/** findOwnedRow, or NotFoundError (named `typename`) when there is no such row of the caller's. */
export async function ownedRow<T extends TenantTable>(
  tx: Db,
  table: T,
  organizationId: number,
  id: number,
  typename: string,
  options: { lock?: boolean } = {},
): Promise<T['$inferSelect']> {
  const row = await findOwnedRow(tx, table, organizationId, id, options);
  if (!row) throw new NotFoundError(typename, String(id));
  return row;
}

/** ownedRow, locked until the transaction ends. */
export const lockOwnedRow = <T extends TenantTable>(
  tx: Db,
  table: T,
  organizationId: number,
  id: number,
  name: string,
) => ownedRow(tx, table, organizationId, id, name, { lock: true });

/**
 * Sets `values` and updated_at on the caller's row and returns it; NotFoundError (named `typename`)
 * when it is missing or another tenant's.
 */
export async function updateOwnedRow<T extends TenantTable & { updatedAt: PgColumn }>(
  tx: Db,
  table: T,
  organizationId: number,
  id: number,
  typename: string,
  values: Partial<T['$inferInsert']>,
): Promise<T['$inferSelect']> {
  const [row] = await tx
    .update(table as PgTable)
    .set({ ...values, updatedAt: sql`now()` } as never)
    .where(ownRow(table, organizationId, id))
    .returning();
  if (!row) throw new NotFoundError(typename, String(id));
  return row as T['$inferSelect'];
}
