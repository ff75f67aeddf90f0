// Persisted operations registered by an organization's admins for one of its partner manifests.
// Manifests shipped in the repository (seeds/persisted/*.json) are not stored here.
import { sql } from 'drizzle-orm';
import { check, integer, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tenantTable } from './columns.ts';
import { userTable } from './identity.ts';

export const persistedOperationTable = tenantTable(
  'persisted_operations',
  {
    manifest: text('manifest').notNull(),
    /** Hex SHA-256 of `document`, the id clients send (`extensions.persistedQuery.sha256Hash`). */
    hash: text('hash').notNull(),
    document: text('document').notNull(),
    operationName: text('operation_name'),
    createdByUserId: integer('created_by_user_id').references(() => userTable.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('persisted_operations_lookup_key').on(t.organizationId, t.manifest, t.hash),
    check('persisted_operations_hash_format', sql`${t.hash} ~ '^[0-9a-f]{64}$'`),
    check('persisted_operations_manifest_format', sql`${t.manifest} ~ '^[a-z0-9][a-z0-9-]{1,62}$'`),
  ],
);
