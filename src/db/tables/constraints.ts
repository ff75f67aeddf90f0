// Constraint helpers shared by every table file: the checks and keys each table repeats, named by one
// rule from their table and column, so a name in a migration or an error (db/constraint.ts maps unique
// violations by name) says where it comes from.
import { getTableName, sql } from 'drizzle-orm';
import { check, foreignKey, type PgColumn, unique } from 'drizzle-orm/pg-core';

/** A SQL list of string literals, for check constraints over an enum's values. */
export const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

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
