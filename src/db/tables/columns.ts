// Column helpers shared by every table file, so a tenant-owned table states only what is its own.
import type { BuildExtraConfigColumns } from 'drizzle-orm';
import {
  integer,
  type PgColumnBuilderBase,
  pgTable,
  type PgTableExtraConfigValue,
  timestamp,
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
