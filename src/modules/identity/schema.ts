// Sign-in, the caller's identity and API key management.
import { z } from 'zod';
import { clientTier, organizationOf, type Context, type Scope } from '../../context.ts';
import { API_KEY_KINDS, apiKeyTable, userTable } from '../../db/tables/index.ts';
import { forbidden, ValidationError } from '../../lib/errors.ts';
import { builder, ErrorInterface } from '../../schema/builder.ts';
import { tenantRows } from '../../schema/nodes.ts';
import { enumValues } from '../../schema/common.ts';
import { mutation } from '../../schema/mutations.ts';
import { listQuery } from '../../schema/queries.ts';
import * as service from './service.ts';

const ScopeEnum = builder.enumType('Scope', {
  description: 'READ: queries. WRITE: mutations on your data. ADMIN: manage keys and run maintenance.',
  values: enumValues(service.SCOPES),
});
const ApiKeyKindEnum = builder.enumType('ApiKeyKind', {
  description:
    'PARTNER keys are for integrations; INTERNAL keys are for our own services and have larger budgets; USER keys are for services acting as a front end, with the budgets of signed-in users.',
  values: enumValues(API_KEY_KINDS),
});
const ClientTierEnum = builder.enumType('ClientTier', {
  values: enumValues(['anonymous', 'user', 'partner', 'internal'] as const),
});

export const OrganizationRef = builder.loadableNode('Organization', {
  id: { resolve: (o) => o.id },
  // Callers only ever see their own organization.
  load: async (ids: string[], ctx: Context) => {
    const own = organizationOf(ctx);
    const org = await service.getOrganization(ctx.db, own);
    return ids.map((id) => (Number(id) === own ? org : null)) as NonNullable<typeof org>[];
  },
  fields: (t) => ({
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const UserRef = builder.loadableNode('User', {
  ...tenantRows(userTable, { compiled: false }),
  fields: (t) => ({
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    role: t.exposeString('role'),
    disabledAt: t.expose('disabledAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When an admin disabled the user (setUserDisabled); null while enabled.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const ApiKeyRef = builder.loadableNode('ApiKey', {
  ...tenantRows(apiKeyTable, { compiled: false }),
  description: 'An API key. Its secret is shown once, when it is created; only a hash is stored.',
  authScopes: { admin: true },
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.string({
      description: 'The public start of the key, to recognise it.',
      resolve: (k) => `hgk_${k.keyId}`,
    }),
    kind: t.expose('kind', { type: ApiKeyKindEnum }),
    scopes: t.field({ type: [ScopeEnum], resolve: (k) => k.scopes as Scope[] }),
    persistedOnly: t.exposeBoolean('persistedOnly'),
    manifest: t.exposeString('manifest', {
      nullable: true,
      description: 'The partner manifest of persisted operations this key may run by hash.',
    }),
    rateLimitPerMinute: t.exposeInt('rateLimitPerMinute', { nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
const ApiKeyConnection = builder.connectionObject({ type: ApiKeyRef, name: 'ApiKeyConnection' });

type Viewer = { ctx: Context };
const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who is calling: the verified user or API key, its organization and what it may do.',
  fields: (t) => ({
    tier: t.field({ type: ClientTierEnum, resolve: ({ ctx }) => clientTier(ctx.principal) }),
    scopes: t.field({
      type: [ScopeEnum],
      resolve: ({ ctx }) => (ctx.principal.kind === 'anonymous' ? [] : ctx.principal.scopes),
    }),
    organization: t.field({
      type: OrganizationRef,
      nullable: true,
      resolve: ({ ctx }) => (ctx.principal.kind === 'anonymous' ? null : String(ctx.principal.organizationId)),
    }),
    user: t.field({
      type: UserRef,
      nullable: true,
      resolve: ({ ctx }) => (ctx.principal.kind === 'user' ? String(ctx.principal.userId) : null),
    }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({ type: ViewerRef, resolve: (_root, _args, ctx) => ({ ctx }) }),
}));
listQuery('apiKeys', {
  type: ApiKeyConnection,
  scope: 'admin',
  description: "Your organization's API keys, newest first.",
  resolve: (args, ctx, org) => service.listApiKeys(ctx.db, org, args),
});

// ---- sign-in ---------------------------------------------------------------------------------

class InvalidCredentialsError extends Error {
  constructor() {
    super('The e-mail or password is wrong, or the account is disabled.');
  }
}
builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(service.TooManySignInFailuresError, {
  name: 'TooManySignInFailuresError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { description: 'When signIn accepts this e-mail again.' }),
  }),
});

const SignInPayload = builder
  .objectRef<{ token: string; expiresAt: number; user: typeof userTable.$inferSelect }>('SignInPayload')
  .implement({
    fields: (t) => ({
      token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`.' }),
      expiresAt: t.field({ type: 'DateTime', resolve: (p) => new Date(p.expiresAt * 1000).toISOString() }),
      user: t.field({ type: UserRef, resolve: (p) => p.user }),
    }),
  });

builder.mutationFields((t) => ({
  signIn: t.field({
    type: SignInPayload,
    description: 'Exchanges an e-mail and password for a short-lived bearer token. Needs no credentials.',
    errors: { types: [InvalidCredentialsError, service.TooManySignInFailuresError, ValidationError] },
    args: {
      email: t.arg.string({ required: true, validate: z.string().max(320) }),
      password: t.arg.string({ required: true, validate: z.string().max(1024) }),
    },
    resolve: async (_root, { email, password }, ctx) => {
      const result = await service.signIn(ctx.db, ctx.config, ctx.signInFailures, email, password);
      if (!result) throw new InvalidCredentialsError();
      return result;
    },
  }),
  signOut: t.boolean({
    description: 'Ends the sign-in token used for this request.',
    authScopes: { authenticated: true },
    resolve: async (_root, _args, ctx) => {
      if (ctx.principal.kind !== 'user')
        throw forbidden('signOut ends sign-in tokens; API keys are revoked with revokeApiKey.');
      await service.signOut(ctx.db, ctx.principal);
      ctx.credentials.forget();
      return true;
    },
  }),
}));

// ---- API keys --------------------------------------------------------------------------------

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true, validate: z.string().trim().min(1).max(100) }),
    kind: t.field({ type: ApiKeyKindEnum, defaultValue: 'partner' }),
    scopes: t.field({
      type: [ScopeEnum],
      required: true,
      validate: z.array(z.string()).min(1, 'give at least one scope'),
    }),
    persistedOnly: t.boolean({
      defaultValue: false,
      description: 'When true the key may only run the persisted operations of its manifest.',
    }),
    manifest: t.string({
      description: 'The partner manifest whose persisted operations the key may run by hash, e.g. "freshtrack".',
      validate: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits and dashes'),
    }),
    expiresAt: t.field({ type: 'DateTime' }),
    rateLimitPerMinute: t.int({ validate: z.number().int().min(1).max(100_000) }),
  }),
});

const CreatedApiKey = builder
  .objectRef<{ key: string; record: typeof apiKeyTable.$inferSelect }>('CreatedApiKey')
  .implement({
    fields: (t) => ({
      key: t.exposeString('key', { description: 'The secret key. Shown only now: store it safely.' }),
      apiKey: t.field({ type: ApiKeyRef, resolve: (c) => c.record }),
    }),
  });

mutation('createApiKey', {
  type: CreatedApiKey,
  scope: 'admin',
  input: CreateApiKeyInput,
  resolve: ({ input }, ctx) => {
    const { principal } = ctx;
    if (principal.kind === 'anonymous') throw forbidden('Sign in first.');
    // A key never gets more than its creator has: only internal callers make internal keys.
    const kind = input.kind ?? 'partner';
    if (kind === 'internal' && clientTier(principal) !== 'internal') {
      throw ValidationError.of('input.kind', 'Only internal keys can create internal keys.');
    }
    const extra = input.scopes.filter((s) => !principal.scopes.includes(s));
    if (extra.length)
      throw ValidationError.of('input.scopes', `You cannot grant scopes you do not have: ${extra.join(', ')}.`);
    // Nor a larger rate limit (and so cost budget, which scales with it) than the creator's own.
    const rate = ctx.config.limits.rate;
    const platform = Math.round((rate.points * 60) / rate.windowSeconds);
    const own = principal.kind === 'apiKey' && principal.rateLimitPerMinute ? principal.rateLimitPerMinute : platform;
    if (input.rateLimitPerMinute && input.rateLimitPerMinute > own) {
      throw ValidationError.of(
        'input.rateLimitPerMinute',
        `You cannot give a key a higher rate limit than your own (${own} requests a minute).`,
      );
    }
    return service.createApiKey(ctx.db, principal.organizationId, {
      ...input,
      rateLimitPerMinute: input.rateLimitPerMinute ?? (own < platform ? own : null),
      kind,
      persistedOnly: input.persistedOnly ?? false,
      createdByUserId: principal.kind === 'user' ? principal.userId : null,
    });
  },
});
mutation('setUserDisabled', {
  type: UserRef,
  scope: 'admin',
  description:
    'Disables a user of your organization (it can no longer sign in, and its tokens and the API keys it created stop working at once), or enables it again.',
  ids: { id: 'User' },
  args: (arg) => ({ disabled: arg.boolean({ required: true }) }),
  resolve: async ({ id, disabled }, ctx, org) => {
    if (disabled && ctx.principal.kind === 'user' && ctx.principal.userId === id) {
      throw ValidationError.of('id', 'You cannot disable yourself; ask another admin.');
    }
    const user = await service.setUserDisabled(ctx.db, org, id, disabled);
    ctx.credentials.forget();
    return user;
  },
});
mutation('revokeApiKey', {
  type: ApiKeyRef,
  scope: 'admin',
  description: 'Revokes a key at once, on every server. Revoking a revoked key returns it unchanged.',
  ids: { id: 'ApiKey' },
  resolve: async ({ id }, ctx, org) => {
    const key = await service.revokeApiKey(ctx.db, org, id);
    ctx.credentials.forget();
    return key;
  },
});
