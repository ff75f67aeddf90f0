// Admin API for partner manifests: register persisted operations for one of your partners, list them.
import { z } from 'zod';
import { persistedOperationTable } from '../../db/tables/index.ts';
import { builder } from '../../schema/builder.ts';
import { tenantRows } from '../../schema/nodes.ts';
import { mutation } from '../../schema/mutations.ts';
import { listQuery } from '../../schema/queries.ts';
import { MANIFEST_NAME } from './documents.ts';
import * as service from './service.ts';

const PersistedOperationRef = builder.loadableNode('PersistedOperation', {
  ...tenantRows(persistedOperationTable, { compiled: false }),
  description:
    'An operation that keys of its manifest may run by hash, sending `extensions.persistedQuery.sha256Hash`.',
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

listQuery('persistedOperations', {
  type: PersistedOperationConnection,
  scope: 'admin',
  description:
    "Operations your organization registered for one partner manifest, oldest first (the repository's manifests are not listed).",
  args: (arg) => ({ manifest: arg.string({ required: true, validate: manifestName }) }),
  resolve: (args, ctx, org) => service.listOperations(ctx.db, org, args.manifest, args),
});

mutation('registerPersistedOperations', {
  type: [PersistedOperationRef],
  scope: 'admin',
  description:
    'Adds operations to a partner manifest of your organization. Documents must be valid against the schema; registering one twice is harmless.',
  input: RegisterPersistedOperationsInput,
  resolve: ({ input }, ctx, organizationId, info) =>
    service.registerOperations(ctx.db, info.schema, {
      organizationId,
      manifest: input.manifest,
      documents: input.documents,
      createdByUserId: ctx.principal.kind === 'user' ? ctx.principal.userId : null,
    }),
});
