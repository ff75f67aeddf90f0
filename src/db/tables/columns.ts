// Column helpers shared by every table file, so a tenant-owned table states only what is its own.
import { sql } from 'drizzle-orm';
import { foreignKey, integer, timestamp, type PgColumn } from 'drizzle-orm/pg-core';
import { organizationTable } from './identity.ts';

/** timestamptz(3) read as a string: a JS Date would drop the microseconds keyset cursors compare. */
export const instant = (name: string) => timestamp(name, { precision: 3, withTimezone: true, mode: 'string' });

export const createdAt = () => instant('created_at').notNull().defaultNow();

export const timestamps = () => ({ createdAt: createdAt(), updatedAt: instant('updated_at').notNull().defaultNow() });

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

/** A SQL list of string literals, for check constraints over an enum's values. */
export const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

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
