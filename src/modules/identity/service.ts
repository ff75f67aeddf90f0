// Organizations, users, sign-in and API keys. No GraphQL here: seeds, tests and the auth plugin reuse it.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Config } from '../../config.ts';
import type { Principal, Scope } from '../../context.ts';
import {
  apiKeyTable,
  organizationTable,
  revokedTokenTable,
  userTable,
  type ApiKeyKind,
  type UserRole,
} from '../../db/tables/index.ts';
import { tenantPage, type PageArgs, orderBy } from '../../db/keyset.ts';
import { ValidationError } from '../../lib/errors.ts';
import type { FailureLimit } from '../../limits/failure-limit.ts';
import type { Db } from '../../resources.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, newApiKey, signToken, verifyPassword } from './secrets.ts';

export const SCOPES = ['read', 'write', 'admin'] as const satisfies readonly Scope[];

export function scopesOfRole(role: UserRole): Scope[] {
  return role === 'admin' ? ['read', 'write', 'admin'] : ['read', 'write'];
}

/** The caller's own organization (callers never see another). */
export async function getOrganization(db: Db, organizationId: number) {
  const [org] = await db.select().from(organizationTable).where(eq(organizationTable.id, organizationId));
  return org ?? null;
}

/** The organization's API keys, newest first. */
export function listApiKeys(db: Db, organizationId: number, page: PageArgs) {
  return tenantPage(db, apiKeyTable, organizationId, orderBy(apiKeyTable, 'apiKeys', 'createdAt', 'desc'), page);
}

export async function createOrganization(db: Db, input: { slug: string; name: string }) {
  const [org] = await db.insert(organizationTable).values(input).returning();
  return org;
}

export async function findOrganizationBySlug(db: Db, slug: string) {
  const [org] = await db.select().from(organizationTable).where(eq(organizationTable.slug, slug));
  return org ?? null;
}

export const MIN_PASSWORD_LENGTH = 12;

function checkPassword(password: string) {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw ValidationError.of('password', `Passwords need at least ${MIN_PASSWORD_LENGTH} characters.`);
}

/** E-mails are compared ignoring case and surrounding spaces (users_email_key is on lower(email)). */
function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

export async function createUser(
  db: Db,
  input: { organizationId: number; email: string; name: string; password: string; role?: UserRole },
) {
  checkPassword(input.password);
  const [user] = await db
    .insert(userTable)
    .values({
      organizationId: input.organizationId,
      email: emailKey(input.email),
      name: input.name,
      role: input.role ?? 'member',
      passwordHash: await hashPassword(input.password),
    })
    .returning();
  return user;
}

/**
 * Sets the password of the user with this e-mail (any organization; e-mails are unique); null when
 * there is none. Tokens already issued stay valid until they expire.
 */
export async function setPassword(db: Db, email: string, password: string) {
  checkPassword(password);
  const [user] = await db
    .update(userTable)
    .set({ passwordHash: await hashPassword(password) })
    .where(sql`lower(${userTable.email}) = ${emailKey(email)}`)
    .returning();
  return user ?? null;
}

export type SignInResult = { token: string; expiresAt: number; user: typeof userTable.$inferSelect };

/** The e-mail has had SIGN_IN_FAILURES_PER_EMAIL failed sign-ins in 15 minutes: refused, right password or not. */
export class TooManySignInFailuresError extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(`Too many failed sign-ins for this e-mail: try again in ${seconds} s.`);
    this.name = 'TooManySignInFailuresError';
    this.retryAfterSeconds = seconds;
  }
}

/**
 * Returns null for an unknown e-mail, a wrong password or a disabled user, taking the same time for
 * each, and counts it against the e-mail; throws TooManySignInFailuresError while the e-mail is refused.
 */
export async function signIn(
  db: Db,
  config: Config,
  failures: FailureLimit,
  email: string,
  password: string,
): Promise<SignInResult | null> {
  const key = emailKey(email);
  const refusedMs = failures.blockedMs(key);
  if (refusedMs > 0) throw new TooManySignInFailuresError(refusedMs);
  const [user] = await db.select().from(userTable).where(sql`lower(${userTable.email}) = ${key}`);
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !ok || user.disabledAt) {
    await failures.fail(key);
    return null;
  }
  const { token, expiresAt } = await signToken(
    { userId: user.id, organizationId: user.organizationId, role: user.role },
    config.auth.jwtSecret,
    config.auth.jwtTtlSeconds,
  );
  return { token, expiresAt, user };
}

/** Ends the caller's token now rather than at its expiry. */
export async function signOut(db: Db, principal: Extract<Principal, { kind: 'user' }>): Promise<void> {
  await db
    .insert(revokedTokenTable)
    .values({
      tokenId: principal.tokenId,
      userId: principal.userId,
      expiresAt: new Date(principal.expiresAt * 1000).toISOString(),
    })
    .onConflictDoNothing();
}

export type CreateApiKeyInput = {
  name: string;
  kind?: ApiKeyKind;
  scopes: Scope[];
  persistedOnly?: boolean;
  manifest?: string | null;
  expiresAt?: string | null;
  rateLimitPerMinute?: number | null;
  createdByUserId?: number | null;
};

/** Creates a key and returns its secret form once; only a hash of the secret is stored. */
export async function createApiKey(db: Db, organizationId: number, input: CreateApiKeyInput) {
  if (!input.name.trim()) throw ValidationError.of('name', 'Give the key a name that says who uses it.');
  if (input.expiresAt && Date.parse(input.expiresAt) <= Date.now()) {
    throw ValidationError.of('expiresAt', 'The expiry must be in the future.');
  }
  const { key, keyId, secretHash } = newApiKey();
  const [record] = await db
    .insert(apiKeyTable)
    .values({
      organizationId,
      name: input.name.trim(),
      keyId,
      secretHash,
      kind: input.kind ?? 'partner',
      scopes: [...new Set(input.scopes)],
      persistedOnly: input.persistedOnly ?? false,
      manifest: input.manifest ?? null,
      expiresAt: input.expiresAt ?? null,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      createdByUserId: input.createdByUserId ?? null,
    })
    .returning();
  return { key, record };
}

/** Disables or enables a user of the organization: a disabled user cannot sign in, and neither its
 * tokens nor the API keys it created are accepted (src/modules/identity/authenticate.ts). */
export async function setUserDisabled(db: Db, organizationId: number, userId: number, disabled: boolean) {
  const [user] = await db
    .update(userTable)
    .set({ disabledAt: disabled ? sql`coalesce(${userTable.disabledAt}, now())` : null })
    .where(and(eq(userTable.id, userId), eq(userTable.organizationId, organizationId)))
    .returning();
  return user ?? null;
}

export async function revokeApiKey(db: Db, organizationId: number, id: number) {
  const [record] = await db
    .update(apiKeyTable)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeyTable.id, id), eq(apiKeyTable.organizationId, organizationId), isNull(apiKeyTable.revokedAt)))
    .returning();
  if (record) return record;
  const [already] = await db
    .select()
    .from(apiKeyTable)
    .where(and(eq(apiKeyTable.id, id), eq(apiKeyTable.organizationId, organizationId)));
  return already ?? null;
}

/** A key by its id in any organization: for operators (`npm run key:revoke`), never for API callers. */
export async function findApiKeyById(db: Db, id: number) {
  const [record] = await db.select().from(apiKeyTable).where(eq(apiKeyTable.id, id));
  return record ?? null;
}
