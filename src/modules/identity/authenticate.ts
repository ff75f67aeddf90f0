// Turns the request's credentials into a verified principal, or a 401 reason that names the fix.
// Runs before anything else in the request (src/http/use-auth.ts).
import { and, eq, sql } from 'drizzle-orm';
import type { Config } from '../../config.ts';
import type { Principal, Scope } from '../../context.ts';
import { apiKeyTable, revokedTokenTable, userTable } from '../../db/tables/index.ts';
import { isoFromPg } from '../../lib/time.ts';
import type { Db } from '../../resources.ts';
import { preparedQuery } from '../../db/prepared.ts';
import { looksLikeApiKey, parseApiKey, sameHash, sha256, verifyToken } from './secrets.ts';
import type { CredentialCache } from './credential-cache.ts';
import { scopesOfRole } from './service.ts';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; message: string };

type Verified = { ok: true; principal: Principal; expiresAt?: number } | { ok: false; message: string };

const deny = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** Reads `Authorization: Bearer …` (API key or sign-in token) or `X-API-Key`. */
export function credentialsOf(
  headers: Headers,
): { kind: 'none' } | { kind: 'bad'; message: string } | { kind: 'key' | 'token'; value: string } {
  const apiKey = headers.get('x-api-key');
  const authorization = headers.get('authorization');
  if (apiKey && authorization)
    return { kind: 'bad', message: 'Send either an Authorization header or an X-API-Key header, not both.' };
  if (apiKey) return { kind: 'key', value: apiKey.trim() };
  if (!authorization) return { kind: 'none' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) {
    return { kind: 'bad', message: 'The Authorization header must be "Bearer <API key or sign-in token>".' };
  }
  return looksLikeApiKey(match[1]) ? { kind: 'key', value: match[1] } : { kind: 'token', value: match[1] };
}

/** The credential's cache key: its hash, so the cache holds no secret. */
export const cacheKeyOf = (credentials: { kind: 'key' | 'token'; value: string }): string =>
  sha256(`${credentials.kind}:${credentials.value}`);

/**
 * A principal from `cache` when this credential was verified a moment ago (no database, no await);
 * undefined when it must be looked up.
 */
export function cachedPrincipal(cache: CredentialCache | undefined, headers: Headers): Principal | undefined {
  if (!cache?.size) return undefined;
  const credentials = credentialsOf(headers);
  return credentials.kind === 'key' || credentials.kind === 'token' ? cache.get(cacheKeyOf(credentials)) : undefined;
}

export async function authenticate(
  db: Db,
  config: Config,
  headers: Headers,
  cache?: CredentialCache,
): Promise<AuthResult> {
  const credentials = credentialsOf(headers);
  switch (credentials.kind) {
    case 'none':
      return { ok: true, principal: { kind: 'anonymous' } };
    case 'bad':
      return deny(credentials.message);
    case 'key':
    case 'token': {
      const result =
        credentials.kind === 'key'
          ? await authenticateKey(db, credentials.value)
          : await authenticateToken(db, config, credentials.value);
      if (result.ok && cache) cache.set(cacheKeyOf(credentials), result.principal, result.expiresAt);
      return result.ok ? { ok: true, principal: result.principal } : result;
    }
  }
}

async function authenticateKey(db: Db, presented: string): Promise<Verified> {
  const parsed = parseApiKey(presented);
  if (!parsed)
    return deny('The API key is malformed: keys look like hgk_<12 characters>_<43 characters>. Copy the whole key.');
  // With the key, the user who created it: a disabled creator stops the key, and a demoted one takes
  // its key's extra scopes along (a key never has more than its creator has now).
  const lookup = preparedQuery(db, 'api key with creator by key id', (d) =>
    d
      .select({ key: apiKeyTable, creatorRole: userTable.role, creatorDisabledAt: userTable.disabledAt })
      .from(apiKeyTable)
      .leftJoin(userTable, eq(userTable.id, apiKeyTable.createdByUserId))
      .where(eq(apiKeyTable.keyId, sql.placeholder('keyId')))
      .prepare('api_key_with_creator_by_key_id'),
  );
  const [row] = await lookup.execute({ keyId: parsed.keyId });
  const key = row?.key;
  if (!key || !sameHash(key.secretHash, parsed.secretHash)) {
    return deny(
      'The API key is not valid. Check that you copied it whole, or ask an admin of your organization for a new one.',
    );
  }
  if (key.revokedAt) {
    return deny(
      `The API key "${key.name}" was revoked at ${isoFromPg(key.revokedAt)}. Ask an admin of your organization for a new key.`,
    );
  }
  if (key.expiresAt && Date.parse(isoFromPg(key.expiresAt)) <= Date.now()) {
    return deny(
      `The API key "${key.name}" expired at ${isoFromPg(key.expiresAt)}. Ask an admin of your organization for a new key.`,
    );
  }
  if (row.creatorDisabledAt) {
    return deny(
      `The API key "${key.name}" was created by a user who is now disabled. Ask an admin of your organization for a new key.`,
    );
  }
  const scopes = (key.scopes as Scope[]).filter((s) => !row.creatorRole || scopesOfRole(row.creatorRole).includes(s));
  return {
    ok: true,
    principal: {
      kind: 'apiKey',
      apiKeyId: key.id,
      organizationId: key.organizationId,
      keyKind: key.kind,
      scopes,
      persistedOnly: key.persistedOnly,
      manifest: key.manifest,
      rateLimitPerMinute: key.rateLimitPerMinute,
    },
    expiresAt: key.expiresAt ? Date.parse(isoFromPg(key.expiresAt)) : undefined,
  };
}

async function authenticateToken(db: Db, config: Config, token: string): Promise<Verified> {
  const check = await verifyToken(token, config.auth.jwtSecret);
  if (!check.ok) {
    return deny(
      check.reason === 'expired'
        ? 'Your sign-in token has expired. Call the signIn mutation again for a new one.'
        : 'The bearer token is neither an API key nor a valid sign-in token. Call signIn for a token, or send an API key.',
    );
  }
  const { claims } = check;
  const lookup = preparedQuery(db, 'token user', (d) =>
    d
      .select({
        role: userTable.role,
        disabledAt: userTable.disabledAt,
        revoked: sql<boolean>`exists (select 1 from ${revokedTokenTable} where ${revokedTokenTable.tokenId} = ${sql.placeholder('tokenId')})`,
      })
      .from(userTable)
      .where(
        and(
          eq(userTable.id, sql.placeholder('userId')),
          eq(userTable.organizationId, sql.placeholder('organizationId')),
        ),
      )
      .prepare('token_user'),
  );
  const [row] = await lookup.execute({
    tokenId: claims.tokenId,
    userId: claims.userId,
    organizationId: claims.organizationId,
  });
  if (!row || row.disabledAt) return deny('This user account is disabled or no longer exists.');
  if (row.revoked) return deny('This sign-in token was ended by signOut. Call signIn again for a new one.');
  return {
    ok: true,
    principal: {
      kind: 'user',
      userId: claims.userId,
      organizationId: claims.organizationId,
      // The role is read from the database, so a demotion takes effect at once.
      role: row.role,
      scopes: scopesOfRole(row.role),
      tokenId: claims.tokenId,
      expiresAt: claims.expiresAt,
    },
    // The token's own expiry (seconds); the signature is not checked again while it is cached.
    expiresAt: claims.expiresAt * 1000,
  };
}
