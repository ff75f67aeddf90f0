// The schema builder: plugins, scalars, auth scopes and the shared error types. No domain types here.
import SchemaBuilder, {
  type ArgBuilder,
  type SchemaTypes,
  type ShapeFromTypeParam,
  type TypeParam,
} from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import TracingPlugin from '@pothos/plugin-tracing';
import ValidationPlugin from '@pothos/plugin-validation';
import type { Context } from '../context.ts';
import { clientTier } from '../context.ts';
import { badUserInput, forbidden, NotFoundError, ValidationError } from '../lib/errors.ts';
import { isoFromPg } from '../lib/time.ts';
import { decodeGlobalId, encodeGlobalId } from '../lib/global-id.ts';
import { parseDate, parseDateTime, parseDecimal } from './scalars.ts';
import { traceResolver, tracesField } from './tracing.ts';

export type AuthScopes = {
  authenticated: boolean;
  read: boolean;
  write: boolean;
  admin: boolean;
  internal: boolean;
};

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    ID: { Input: string; Output: string | number };
    Date: { Input: string; Output: string };
    DateTime: { Input: string; Output: string };
    Decimal: { Input: string; Output: string };
    File: { Input: File; Output: never };
  };
}>({
  // Order matters (docs/decisions/0002-pothos-plugin-order.md): auth wraps resolvers before complexity, errors and validation see them.
  // Tracing first, so a resolver's span also covers the auth, error and validation work around it.
  plugins: [
    TracingPlugin,
    RelayPlugin,
    ScopeAuthPlugin,
    ComplexityPlugin,
    ErrorsPlugin,
    ValidationPlugin,
    DataloaderPlugin,
  ],
  tracing: {
    default: (config) => tracesField(config),
    wrap: (resolver) => traceResolver(resolver as Parameters<typeof traceResolver>[0]),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // The page size (first/last) already multiplies a connection's cost; edges must not add ×10.
    edgesFieldOptions: { nullable: false, complexity: { field: 0, multiplier: 1 } },
    nodeFieldOptions: { nullable: false },
    // nodes(ids) loads one node per id: it costs like a page of that many rows.
    nodesQueryOptions: {
      complexity: (args: { ids: readonly unknown[] }) => ({ field: 1, multiplier: Math.max(1, args.ids.length) }),
    },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id as string | number),
    // An id naming a type the schema does not have ("Nope:1") is the client's mistake, not a crash of
    // the relay plugin's type lookup (found by the fuzzer).
    decodeGlobalID: (globalId) => {
      const decoded = decodeGlobalId(globalId);
      if (!knownObjectType(decoded.typename))
        throw badUserInput(
          `"${globalId.slice(0, 64)}" is not the id of anything in this API. Use an id returned by this API.`,
        );
      return decoded;
    },
  },
  scopeAuth: {
    authScopes: (ctx) => {
      const p = ctx.principal;
      const scopes = p.kind === 'anonymous' ? [] : p.scopes;
      return {
        authenticated: p.kind !== 'anonymous',
        read: scopes.includes('read'),
        write: scopes.includes('write'),
        admin: scopes.includes('admin'),
        internal: clientTier(p) === 'internal',
      };
    },
    unauthorizedError: (_parent, _ctx, info) =>
      forbidden(
        `You are not allowed to use ${info.parentType.name}.${info.fieldName}: your key or role lacks the scope it needs.`,
      ),
  },
  // Field costs only: the per-client limits and the per-minute budget are enforced before execution
  // by src/http/use-query-cost.ts, so an over-budget query runs no resolver at all.
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
  },
  errors: {
    // Invalid input becomes the ValidationError member of the field's result union.
    unsafelyHandleInputErrors: true,
  },
  validation: {
    validationError: (result) =>
      new ValidationError(
        result.issues.map((issue) => ({
          field: (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.'),
          message: issue.message,
        })),
      ),
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.scalarType('Date', {
  description: 'A calendar date, YYYY-MM-DD.',
  serialize: (value) => String(value),
  parseValue: (value) => parseDate(value),
});
builder.scalarType('DateTime', {
  description: 'An instant, ISO 8601 with milliseconds and time zone, e.g. 2026-05-01T08:30:00.000Z.',
  serialize: (value) => isoFromPg(String(value)),
  parseValue: (value) => parseDateTime(value),
});
builder.scalarType('Decimal', {
  description:
    'An exact decimal number sent and received as a string, e.g. "1234.50". Never a float: amounts and weights keep every digit.',
  serialize: (value) => String(value),
  parseValue: (value) => parseDecimal(value),
});

builder.scalarType('File', {
  description: 'A file sent with a multipart request (GraphQL multipart request spec).',
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
  // Only the multipart parser makes File values; a string or an object in its place is the client's mistake.
  parseValue: (value) => {
    // By shape: the server adapter's File is not always the global one.
    const file = value as File | null;
    if (typeof file === 'object' && file !== null && typeof file.name === 'string' && typeof file.stream === 'function')
      return file;
    throw badUserInput(
      'A File argument must be a file part of a multipart request (GraphQL multipart request spec), mapped to its variable.',
    );
  },
  parseLiteral: () => {
    throw badUserInput(
      'A File argument cannot be written in the query: send it as a multipart file part mapped to a variable.',
    );
  },
});

function knownObjectType(typename: string): boolean {
  try {
    return builder.configStore.getTypeConfig(typename).kind === 'Object';
  } catch {
    return false;
  }
}

/** Shared shape of every expected error returned in a result union. */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  fields: (t) => ({ message: t.exposeString('message') }),
});

const FieldIssue = builder.objectRef<{ field: string; message: string }>('FieldIssue').implement({
  description: 'One problem with one input field.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'Path of the input field, e.g. "input.grossWeightKg".' }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input was refused; `field` names the first bad input field and `issues` lists all of them.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field'),
    issues: t.field({ type: [FieldIssue], resolve: (e) => e.issues }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The id names nothing in your organization.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.exposeString('id') }),
});

/** Error members every mutation result may carry. */
export const mutationErrors = { types: [ValidationError, NotFoundError] };

/** The builder's type parameters, for helpers generic over its types and shapes. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T extends SchemaTypes> ? T : never;

/** What the field builder's `t.arg` is, for helpers that let a caller declare arguments. */
export type ArgsBuilder = ArgBuilder<Types>;

/** The value a resolver returns for a field of output type `T`. */
export type OutputShape<T extends TypeParam<Types>, Nullable extends boolean = false> = ShapeFromTypeParam<
  Types,
  T,
  Nullable
>;

/** A field's `authScopes` for one scope. */
export const needs = (scope: keyof AuthScopes): Partial<AuthScopes> => ({ [scope]: true });

/** The `t` an input type's `fields` callback gets: for field lists shared by an Input and its Patch. */
export type InputFieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

export { badUserInput };
