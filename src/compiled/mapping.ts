// How GraphQL types and fields map to SQL, declared once in each module's schema.ts through Pothos
// `extensions`. The compiled read path (compile.ts) reads only these declarations:
// - a type names its table (`sqlTable`); its exposed fields (`t.exposeString('code')`) map to that
//   table's column of the same property name, and the Relay `id` to the table's `id`;
// - a field that loads another row through a foreign key names it (`sqlRelation`);
// - a connection names its table, the column pointing at the parent (nested lists), its page sizes and
//   the orderings and filter conditions of its arguments, built by the same service functions the
//   resolvers use (`sqlConnection`).
// A type or field without a declaration is simply not compilable: operations using it run the
// normal resolvers.
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Ordering, PageSize } from '../db/keyset.ts';

export type TenantTable = PgTable & { id: PgColumn; organizationId: PgColumn };

/** One condition of a list's filter: `column op value`, the value cast to the column's SQL type. */
export type SqlCondition = { column: PgColumn; op: '=' | '>=' | '<='; value: string | number };

export type SqlConnection = {
  table: TenantTable;
  /** The child column holding the parent's id, for a list nested under a parent row. */
  parentColumn?: PgColumn;
  page: PageSize;
  /** The ordering the arguments ask for (may throw: the operation then runs its resolvers). */
  ordering: (args: Record<string, unknown>) => Ordering<never>;
  /** The filter conditions the arguments ask for, besides the tenant (may throw likewise). */
  conditions?: (args: Record<string, unknown>) => SqlCondition[];
};

export const SQL_TABLE = 'hgSqlTable';
export const SQL_RELATION = 'hgSqlRelation';
export const SQL_CONNECTION = 'hgSqlConnection';

/** Type extensions: rows of this type are rows of `table`. */
export function sqlTable(table: TenantTable): Record<string, unknown> {
  return { [SQL_TABLE]: table };
}

/** Field extensions: the field is the row of its type whose id is in `foreignKey` of the parent row (tenant-scoped). */
export function sqlRelation(foreignKey: PgColumn): Record<string, unknown> {
  return { [SQL_RELATION]: foreignKey };
}

/** Field extensions: the field is a keyset connection over `mapping.table`. */
export function sqlConnection(mapping: SqlConnection): Record<string, unknown> {
  return { [SQL_CONNECTION]: mapping };
}
