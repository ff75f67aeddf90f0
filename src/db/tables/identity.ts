// Tenants (organizations), their users and their API keys.
import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, instant, tenantTable } from './columns.ts';
import { oneOf } from './constraints.ts';

/** An organization's slug, as the table's check constraint and every reader of a slug accept it. */
export const ORGANIZATION_SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

export const organizationTable = pgTable(
  'organizations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('organizations_slug_key').on(t.slug),
    check('organizations_slug_format', sql`${t.slug} ~ ${sql.raw(`'${ORGANIZATION_SLUG.source}'`)}`),
  ],
);

export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const userTable = tenantTable(
  'users',
  {
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: USER_ROLES }).notNull().default('member'),
    disabledAt: instant('disabled_at'),
    createdAt: createdAt(),
  },
  (t) => [
    // Sign-in looks users up by e-mail across tenants, so e-mails are unique platform-wide.
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    index('users_organization_idx').on(t.organizationId),
    oneOf(t.role, USER_ROLES),
  ],
);

/**
 * partner: integrations (persisted operations, partner budgets); internal: our own services (larger
 * budgets, observability endpoints); user: a service acting as a front end (the budgets of signed-in users).
 */
export const API_KEY_KINDS = ['partner', 'internal', 'user'] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

export const apiKeyTable = tenantTable(
  'api_keys',
  {
    name: text('name').notNull(),
    /** Public half of the key (`hgk_<keyId>_…`), used to find the row; the secret is only stored hashed. */
    keyId: text('key_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    kind: text('kind', { enum: API_KEY_KINDS }).notNull().default('partner'),
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    persistedOnly: boolean('persisted_only').notNull().default(false),
    /** The partner manifest of persisted operations this key may run by hash (src/modules/persisted). */
    manifest: text('manifest'),
    /** Requests per minute for this key; null means the platform default. */
    rateLimitPerMinute: integer('rate_limit_per_minute'),
    expiresAt: instant('expires_at'),
    revokedAt: instant('revoked_at'),
    createdByUserId: integer('created_by_user_id').references(() => userTable.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('api_keys_key_id_key').on(t.keyId),
    index('api_keys_organization_idx').on(t.organizationId, t.createdAt),
    oneOf(t.kind, API_KEY_KINDS),
    check('api_keys_manifest_format', sql`${t.manifest} is null or ${t.manifest} ~ '^[a-z0-9][a-z0-9-]{1,62}$'`),
    check('api_keys_rate_limit_positive', sql`${t.rateLimitPerMinute} is null or ${t.rateLimitPerMinute} > 0`),
  ],
);

/** Sign-in tokens ended early by signOut; kept until they would have expired anyway. */
export const revokedTokenTable = pgTable(
  'revoked_tokens',
  {
    tokenId: text('token_id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => userTable.id, { onDelete: 'cascade' }),
    expiresAt: instant('expires_at').notNull(),
  },
  (t) => [index('revoked_tokens_expires_idx').on(t.expiresAt)],
);
