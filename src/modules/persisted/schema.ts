// Admin API for partner manifests: register persisted operations for one of your partners, list them.
import { z } from 'zod';
import { organizationOf, type Context } from '../../context.ts';
import { persistedOperationTable } from '../../db/tables/index.ts';
import { LIST_PAGE } from '../../db/keyset.ts';
import { loadTenantNodes } from '../../db/tenant.ts';
import { builder, mutationErrors } from '../../schema/builder.ts';
import { connectionComplexity } from '../../schema/common.ts';
import { MANIFEST_NAME } from './documents.ts';
import * as service from './service.ts';

const PersistedOperationRef = builder.loadableNode('PersistedOperation', {
  description:
    'An operation that keys of its manifest may run by hash, sending `extensions.persistedQuery.sha256Hash`.',
  id: { resolve: (o) => o.id },
  load: (ids: string[], ctx: Context) => loadTenantNodes(ctx, persistedOperationTable, ids),
  authScopes: { admin: true },
  fields: (t) => ({
    manifest: t.exposeString('manifest'),
    hash: t.exposeString('hash', { description: 'Hex SHA-256 of the document text.' }),
    operationName: t.exposeString('operationName', { nullable: true }),
    document: t.exposeString('document'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
const PersistedOperationConnection = builder.connectionObject({
  type: PersistedOperationRef,
  name: 'PersistedOperationConnection',
});

const manifestName = z.string().regex(MANIFEST_NAME, 'must be 2-63 lower-case letters, digits and dashes');

const RegisterPersistedOperationsInput = builder.inputType('RegisterPersistedOperationsInput', {
  fields: (t) => ({
    manifest: t.string({
      required: true,
      description: 'The partner, e.g. "freshtrack"; keys created with this manifest may run the operations.',
      validate: manifestName,
    }),
    documents: t.stringList({
      required: true,
      description: 'Each a single named operation with its fragments. Its id is the hex SHA-256 of the exact text.',
      validate: z
        .array(z.string())
        .min(1, 'give at least one document')
        .max(100, 'register at most 100 documents at once'),
    }),
  }),
});

builder.queryFields((t) => ({
  persistedOperations: t.field({
    type: PersistedOperationConnection,
    authScopes: { admin: true },
    description:
      "Operations your organization registered for one partner manifest, oldest first (the repository's manifests are not listed).",
    args: { ...t.arg.connectionArgs(), manifest: t.arg.string({ required: true, validate: manifestName }) },
    complexity: connectionComplexity(LIST_PAGE),
    resolve: (_root, args, ctx) => service.listOperations(ctx.db, organizationOf(ctx), args.manifest, args),
  }),
}));

builder.mutationFields((t) => ({
  registerPersistedOperations: t.field({
    type: [PersistedOperationRef],
    authScopes: { admin: true },
    errors: mutationErrors,
    description:
      'Adds operations to a partner manifest of your organization. Documents must be valid against the schema; registering one twice is harmless.',
    args: { input: t.arg({ type: RegisterPersistedOperationsInput, required: true }) },
    resolve: (_root, { input }, ctx, info) =>
      service.registerOperations(ctx.db, info.schema, {
        organizationId: organizationOf(ctx),
        manifest: input.manifest,
        documents: input.documents,
        createdByUserId: ctx.principal.kind === 'user' ? ctx.principal.userId : null,
      }),
  }),
}));
