// Read fields over the caller's organization, declared one way: a node by id, a page of a list, and
// the progress of one node as a subscription. Each states its scope, its arguments and its cost here,
// so a module's schema file says only what it reads.
import type { InputFieldMap, InputShapeFromFields, MaybePromise, TypeParam } from '@pothos/core';
import { organizationOf, type Context, type Scope } from '../context.ts';
import { type SqlConnection, sqlConnection, sqlLookup } from '../compiled/mapping.ts';
import { LIST_PAGE, type PageSize } from '../db/keyset.ts';
import { type ArgsBuilder, builder, needs, type OutputShape, type Types } from './builder.ts';
import { connectionComplexity, queryId } from './common.ts';
import type { Db } from '../resources.ts';

type ConnectionArgs = ReturnType<ArgsBuilder['connectionArgs']>;

/** A node type's ref: its name is the type an `id` argument must name. */
type NodeRef = TypeParam<Types> & { name: string };

/**
 * One node of the caller's organization by its `id` (the id of a `type`; another is a BAD_USER_INPUT
 * error): null when there is none.
 */
export function nodeQuery<Type extends NodeRef>(
  name: string,
  type: Type,
  resolve: (id: number, ctx: Context, organizationId: number) => MaybePromise<OutputShape<Type, true>>,
  options: {
    description?: string;
    complexity?: number;
    /** Compiled reads may answer it from SQL (the node's table is mapped). */
    compiled?: boolean;
  } = {},
): void {
  const { description, complexity, compiled } = options;
  builder.queryField(name, (t) =>
    t.field({
      type,
      nullable: true,
      authScopes: needs('read'),
      description,
      args: { id: t.arg.id({ required: true }) },
      complexity,
      extensions: compiled ? sqlLookup() : undefined,
      resolve: (_root: unknown, args: { id: string | number }, ctx: Context) =>
        resolve(queryId(String(args.id), type.name), ctx, organizationOf(ctx)),
    } as never),
  );
}

/** A page of a list of the caller's organization: connection arguments (then `args`), costed by the page size. */
export function listQuery<Type extends TypeParam<Types>, Args extends InputFieldMap = Record<never, never>>(
  name: string,
  options: {
    type: Type;
    description?: string;
    /** `read` unless said. */
    scope?: Scope;
    page?: PageSize;
    args?: (arg: ArgsBuilder) => Args;
    /** How compiled reads answer it from SQL, with the same page size. */
    compiled?: Omit<SqlConnection, 'page' | 'parentColumn'>;
    resolve: (
      args: InputShapeFromFields<ConnectionArgs & Args>,
      ctx: Context,
      organizationId: number,
    ) => MaybePromise<OutputShape<Type>>;
  },
): void {
  const { type, description, scope = 'read', page = LIST_PAGE, compiled, resolve } = options;
  builder.queryField(name, (t) =>
    t.field({
      type,
      authScopes: needs(scope),
      description,
      args: { ...t.arg.connectionArgs(), ...options.args?.(t.arg) },
      complexity: connectionComplexity(page),
      extensions: compiled ? sqlConnection({ ...compiled, page }) : undefined,
      resolve: (_root: unknown, args: InputShapeFromFields<ConnectionArgs & Args>, ctx: Context) =>
        resolve(args, ctx, organizationOf(ctx)),
    } as never),
  );
}

/**
 * The options every connection field nested under a list's rows (`t.loadable`) shares: one statement
 * for all parents at the same place in the query (byPath: they all have the same arguments), the
 * connection arguments (then `args`), a cost by the page size, with `compiled` how compiled reads
 * answer it from SQL with the same page size, and `load`, which gets the parents' ids and the
 * caller's organization and returns one page a parent, in the order of the ids.
 */
export function nestedConnection<Page, Args extends InputFieldMap = Record<never, never>>(
  arg: ArgsBuilder,
  page: PageSize,
  options: {
    args?: Args;
    compiled?: Omit<SqlConnection, 'page'>;
    load: (
      db: Db,
      organizationId: number,
      parentIds: number[],
      args: InputShapeFromFields<ConnectionArgs & Args>,
    ) => Promise<readonly Page[]>;
  },
) {
  return {
    byPath: true as const,
    args: { ...arg.connectionArgs(), ...(options.args as Args) },
    complexity: connectionComplexity(page),
    ...(options.compiled ? { extensions: sqlConnection({ ...options.compiled, page }) } : {}),
    load: (ids: number[], ctx: Context, args: InputShapeFromFields<ConnectionArgs & Args>) =>
      options.load(ctx.db, organizationOf(ctx), ids, args),
    resolve: (parent: { id: number }) => parent.id,
  };
}

/** The node `id` names each time it changes, over SSE, from an async iterable of its states. */
export function progressSubscription<Type extends NodeRef>(
  name: string,
  options: {
    type: Type;
    description: string;
    watch: (id: number, ctx: Context, organizationId: number) => AsyncIterable<OutputShape<Type>>;
  },
): void {
  const { type, description, watch } = options;
  builder.subscriptionField(name, (t) =>
    t.field({
      type,
      authScopes: needs('read'),
      description,
      args: { id: t.arg.id({ required: true }) },
      subscribe: (_root: unknown, args: { id: string | number }, ctx: Context) =>
        watch(queryId(String(args.id), type.name), ctx, organizationOf(ctx)),
      resolve: (state: unknown) => state,
    } as never),
  );
}
