// Node types whose rows are a tenant table's, and the fields that point from a row to its parent node.
import type { Context } from '../context.ts';
import { sqlRelation, sqlTable, type TenantTable } from '../compiled/mapping.ts';
import type { InferSelectModel } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { loadTenantNodes } from '../db/tenant.ts';

/**
 * The `id`, `load` and (unless `compiled: false`) compiled-read mapping of a `builder.loadableNode`
 * whose rows are `table`'s: a node id loads the caller's row with that id, or null.
 */
export function tenantRows<T extends TenantTable>(table: T, { compiled = true }: { compiled?: boolean } = {}) {
  return {
    ...(compiled ? { extensions: sqlTable(table) } : {}),
    id: { resolve: (row: InferSelectModel<T>) => (row as { id: number }).id },
    load: (ids: string[], ctx: Context) => loadTenantNodes(ctx, table, ids),
  };
}

/** Options of a field naming the parent node whose id the row holds in `table[key]` (compiled reads join it). */
export function parentNode<Ref, K extends string>(type: Ref, table: Record<K, PgColumn>, key: K) {
  return {
    type,
    extensions: sqlRelation(table[key]),
    resolve: (row: Record<K, number>) => String(row[key]),
  };
}
