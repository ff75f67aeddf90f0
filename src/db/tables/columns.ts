// Column helpers shared by every table file, so a tenant-owned table states only what is its own.
import { type BuildExtraConfigColumns, getTableName, sql } from 'drizzle-orm';
import {
  check,
  foreignKey,
  integer,
  type PgColumn,
  type PgColumnBuilderBase,
  pgTable,
  type PgTableExtraConfigValue,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { organizationTable } from './identity.ts';

/** timestamptz(3) read as a string: a JS Date would drop the microseconds keyset cursors compare. */
export const instant = (name: string) => timestamp(name, { precision: 3, withTimezone: true, mode: 'string' });

export const createdAt = () => instant('created_at').notNull().defaultNow();

export const updatedAt = () => instant('updated_at').notNull().defaultNow();

export const timestamps = () => ({ createdAt: createdAt(), updatedAt: updatedAt() });

/** organization_id, deleted with its organization. */
export const organizationId = () =>
  integer('organization_id')
    .notNull()
    .references(() => organizationTable.id, { onDelete: 'cascade' });

/** The first columns of every tenant-owned table with its own id. */
export const tenantColumns = () => ({
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  organizationId: organizationId(),
});

type TenantColumns = ReturnType<typeof tenantColumns>;

/** A tenant-owned table with its own id: tenantColumns, then `columns`. */
export function tenantTable<Name extends string, Columns extends Record<string, PgColumnBuilderBase>>(
  name: Name,
  columns: Columns,
  extraConfig?: (self: BuildExtraConfigColumns<Name, TenantColumns & Columns, 'pg'>) => PgTableExtraConfigValue[],
) {
  return pgTable<Name, TenantColumns & Columns>(name, { ...tenantColumns(), ...columns }, extraConfig);
}

/**
 * The first columns of a table whose rows belong to a parent row (and so to its organization): its
 * own id, and organization_id, which the reference to the parent (tenantRef) keeps the parent's.
 */
export const childColumns = () => ({
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  organizationId: integer('organization_id').notNull(),
});

/** A SQL list of string literals, for check constraints over an enum's values. */
export const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

// The constraints every table repeats, named by one rule from their table and column, so a name in a
// migration or an error (db/constraint.ts maps unique violations by name) says where it comes from.
const tableOf = (column: PgColumn) => getTableName(column.table);

/** `<table>_organization_id_id_key`: the (organization_id, id) key the tenantRefs of child rows point at. */
export const tenantKey = (t: { organizationId: PgColumn; id: PgColumn }) =>
  unique(`${tableOf(t.id)}_organization_id_id_key`).on(t.organizationId, t.id);

/** `<table>_<column>_not_blank`: text with more in it than white space. */
export const notBlank = (column: PgColumn) =>
  check(`${tableOf(column)}_${column.name}_not_blank`, sql`length(trim(${column})) > 0`);

/** `<table>_<column>_valid`: one of an enum's values (`nullable`: or null, said in so many words). */
export const oneOf = (column: PgColumn, values: readonly string[], options: { nullable?: boolean } = {}) =>
  check(
    `${tableOf(column)}_${column.name}_valid`,
    options.nullable
      ? sql`${column} is null or ${column} in (${inList(values)})`
      : sql`${column} in (${inList(values)})`,
  );

/**
 * A child row's reference to its parent through (organization_id, id), so no row can point into
 * another tenant's: `column` of the child names `parent`'s id in the same organization.
 */
export const tenantRef = (
  name: string,
  child: { organizationId: PgColumn },
  column: PgColumn,
  parent: { organizationId: PgColumn; id: PgColumn },
) => foreignKey({ name, columns: [child.organizationId, column], foreignColumns: [parent.organizationId, parent.id] });
