// How GraphQL types and fields map to SQL, declared once in each module's schema.ts through Pothos
// `extensions`. The compiled read path (compile.ts) reads only these declarations:
// - a type names its table (`sqlTable`); its exposed fields (`t.exposeString('code')`) map to that
//   table's column of the same property name, and the Relay `id` to the table's `id`;
// - a field that is a column under another name, or a loaded field that is only a column of the
//   row itself, names that column (`sqlColumn`);
// - a field that loads another row through a foreign key names it (`sqlRelation`); one that loads
//   the single row of another table keyed by this row's id names that table's column (`sqlChildRow`);
// - an object built from columns of the parent's own row says which columns must be set for it to
//   exist (`sqlEmbedded`), and a scalar the resolver computes from the row's columns gives the same
//   computation in SQL (`sqlComputed`);
// - a root field `(id: ID!)` that returns the row its global id names says so (`sqlLookup`);
// - a connection names its table, the column pointing at the parent (nested lists), its page sizes and
//   the orderings and filter conditions of its arguments, built by the same service functions the
//   resolvers use (`sqlConnection`).
// A type or field without a declaration is simply not compilable: operations using it run the
// normal resolvers.
import { eq, gt, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Ordering, PageSize } from '../db/keyset.ts';

/** A table of one tenant's rows. */
export type RowTable = PgTable & { organizationId: PgColumn };
/** A tenant table whose rows have an int id (nodes, list rows). */
export type TenantTable = RowTable & { id: PgColumn };

/**
 * One condition of a list's filter: `column op value`, the value cast to the column's SQL type.
 * `like` is PostgreSQL's LIKE with its default escape (backslash): the caller escapes wildcards.
 */
export type SqlCondition = { column: PgColumn; op: '=' | '>=' | '<=' | '<' | '>' | 'like'; value: string | number };

const compare = { '=': eq, '>=': gte, '<=': lte, '<': lt, '>': gt } as const;

/** The condition as drizzle SQL, for the resolvers' own statements (the same meaning on both paths). */
export function conditionSql(c: SqlCondition): SQL {
  return c.op === 'like' ? sql`${c.column} like ${c.value}` : compare[c.op](c.column, c.value);
}

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

export type SqlComputed = {
  /** The row's columns the computation reads, in the order `build` receives them. */
  columns: PgColumn[];
  /** The SQL expression over the columns' qualified references; its value must format like the resolver's. */
  build: (columns: string[]) => string;
};

export const SQL_TABLE = 'hgSqlTable';
export const SQL_RELATION = 'hgSqlRelation';
export const SQL_CONNECTION = 'hgSqlConnection';
export const SQL_COLUMN = 'hgSqlColumn';
export const SQL_CHILD_ROW = 'hgSqlChildRow';
export const SQL_EMBEDDED = 'hgSqlEmbedded';
export const SQL_COMPUTED = 'hgSqlComputed';
export const SQL_LOOKUP = 'hgSqlLookup';

/** Type extensions: rows of this type are rows of `table`. */
export function sqlTable(table: RowTable): Record<string, unknown> {
  return { [SQL_TABLE]: table };
}

/** Field extensions: the field is the row of its type whose id is in `foreignKey` of the parent row (tenant-scoped). */
export function sqlRelation(foreignKey: PgColumn): Record<string, unknown> {
  return { [SQL_RELATION]: foreignKey };
}

/** Field extensions: the field is the row of its type (at most one) whose `column` holds the parent row's id (tenant-scoped), or null. */
export function sqlChildRow(column: PgColumn): Record<string, unknown> {
  return { [SQL_CHILD_ROW]: column };
}

/** Field extensions: the field is `column` of the parent's row. */
export function sqlColumn(column: PgColumn): Record<string, unknown> {
  return { [SQL_COLUMN]: column };
}

/**
 * Field extensions: the field's object is made of columns of the parent's own row (its fields declare
 * them with `sqlColumn`); it is null unless every one of `present` is set, and within it they are not null.
 */
export function sqlEmbedded(present: PgColumn[]): Record<string, unknown> {
  return { [SQL_EMBEDDED]: present };
}

/** Field extensions: a scalar the resolver computes from the row's columns, computed the same way in SQL. */
export function sqlComputed(computed: SqlComputed): Record<string, unknown> {
  return { [SQL_COMPUTED]: computed };
}

/** Field extensions (root fields): the row of the field's type whose global id is the `id` argument, or null. */
export function sqlLookup(): Record<string, unknown> {
  return { [SQL_LOOKUP]: true };
}

/** Field extensions: a keyset connection over `mapping.table`. */
export function sqlConnection(mapping: SqlConnection): Record<string, unknown> {
  return { [SQL_CONNECTION]: mapping };
}
