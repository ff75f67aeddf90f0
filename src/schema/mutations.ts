// One way to declare a mutation on the caller's organization: the scope it needs, its typed error
// union (ValidationError and NotFoundError, plus the module's own), the usual `id` and `input`
// arguments, and a resolver handed the decoded arguments, the context and the organization id. A
// resolver that finds nothing returns null: the result is then a NotFoundError naming the first id.
import type { InputFieldMap, InputShape, InputShapeFromFields, InputType, MaybePromise, TypeParam } from '@pothos/core';
import type { GraphQLResolveInfo } from 'graphql';
import { organizationOf, type Context, type Scope } from '../context.ts';
import { type ArgsBuilder, builder, mutationErrors, needs, type OutputShape, type Types } from './builder.ts';
import { type Defined, defined, inputId } from './common.ts';
import type { Db } from '../resources.ts';
import { NotFoundError } from '../lib/errors.ts';

type ErrorClass = new (...args: never[]) => Error;

/** ID arguments by name, each decoded as the id of its type; `[type]` for a list of ids. */
type IdArgs = Record<string, string | readonly [string]>;

/** The arguments a resolver gets: `ids` decoded to local ids, `input` as sent, then the rest. */
type MutationArgs<Ids, Input, Args extends InputFieldMap> = {
  [K in keyof Ids]: Ids[K] extends readonly [string] ? number[] : number;
} & (Input extends InputType<Types> ? { input: InputShape<Types, Input> } : unknown) &
  InputShapeFromFields<Args>;

export type MutationOptions<Type extends TypeParam<Types>, Ids extends IdArgs, Input, Args extends InputFieldMap> = {
  type: Type;
  description?: string;
  /** The scope the caller needs; `write` unless said. */
  scope?: Scope;
  /** Error members of the result beyond ValidationError and NotFoundError. */
  errors?: ErrorClass[];
  complexity?: number | ((args: InputShapeFromFields<Args>) => { field: number; multiplier: number });
  /** Required ID arguments, first; a malformed id or one of another type is a ValidationError on its argument. */
  ids?: Ids;
  /** A required `input` argument of this input type, after the ids. */
  input?: Input;
  /** Further arguments, last. */
  args?: (arg: ArgsBuilder) => Args;
  resolve: (
    args: MutationArgs<Ids, Input, Args>,
    ctx: Context,
    organizationId: number,
    info: GraphQLResolveInfo,
  ) => MaybePromise<OutputShape<Type> | null | undefined>;
};

/** Adds the mutation `name` to the schema (in the order of the calls). */
export function mutation<
  Type extends TypeParam<Types>,
  const Ids extends IdArgs = Record<never, never>,
  Input extends InputType<Types> | undefined = undefined,
  Args extends InputFieldMap = Record<never, never>,
>(name: string, options: MutationOptions<Type, Ids, Input, Args>): void {
  const { type, description, scope = 'write', errors = [], complexity, input, resolve } = options;
  const ids: IdArgs = options.ids ?? {};
  builder.mutationField(name, (t) => {
    const args: InputFieldMap = {};
    for (const [arg, typename] of Object.entries(ids))
      args[arg] = typeof typename === 'string' ? t.arg.id({ required: true }) : t.arg.idList({ required: true });
    if (input) args.input = t.arg({ type: input as InputType<Types>, required: true });
    Object.assign(args, options.args?.(t.arg));
    return t.field({
      type,
      authScopes: needs(scope),
      errors: { types: [...mutationErrors.types, ...errors] },
      description,
      complexity,
      args,
      resolve: async (_root: unknown, sent: Record<string, unknown>, ctx: Context, info: GraphQLResolveInfo) => {
        const decoded = { ...sent };
        for (const [arg, typename] of Object.entries(ids)) {
          decoded[arg] =
            typeof typename === 'string'
              ? inputId(String(sent[arg]), typename, arg)
              : (sent[arg] as unknown[]).map((id, i) => inputId(String(id), typename[0], `${arg}.${i}`));
        }
        const result = await resolve(decoded as MutationArgs<Ids, Input, Args>, ctx, organizationOf(ctx), info);
        // Nothing back means the first id named nothing of the caller's: NotFoundError, with the id as sent.
        const [first] = Object.entries(ids);
        if (result == null && first) throw new NotFoundError(String(first[1]), String(sent[first[0]]));
        return result;
      },
    } as never);
  });
}

/**
 * `name(id: ID!, input: <patch>!)`: `update` changes the fields the patch gives (null and missing both
 * mean "leave it") of the caller's node `id`, of `type`, and returns it.
 */
export function updateMutation<Type extends TypeParam<Types> & { name: string }, Patch extends InputType<Types>>(
  name: string,
  type: Type,
  patch: Patch,
  update: (
    db: Db,
    organizationId: number,
    id: number,
    patch: Defined<InputShape<Types, Patch>>,
  ) => MaybePromise<OutputShape<Type> | null>,
): void {
  mutation(name, {
    type,
    ids: { id: type.name },
    input: patch,
    resolve: ({ id, input }, ctx, org) => update(ctx.db, org, id, defined(input as Record<string, unknown>) as never),
  });
}
