// Compiles a read operation into ONE SQL statement that builds its `data` as JSON text in PostgreSQL.
// Field collection, variable coercion and argument values are graphql-js's own functions, so aliases,
// fragments, @skip/@include, defaults and key order are exactly those of the normal executor. Only
// what the schema declares (mapping.ts) compiles; anything else — an undeclared field, a scope the
// caller lacks, an argument the resolvers would refuse — throws NotCompilable, and the operation
// runs its resolvers unchanged, so every error message stays the normal path's own.
// Non-null: every non-null field the compiler emits is a NOT NULL column, an id, a list (`[]`
// when empty) or a page-info flag, so no null can reach a non-null position and nothing bubbles.
import {
  getNamedType,
  GraphQLObjectType,
  isNonNullType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields.js';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values.js';
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Principal } from '../context.ts';
import { decodeGlobalId, localId } from '../lib/global-id.ts';
import { fieldCost } from '../schema/cost.ts';
import { compileConnection } from './connections.ts';
import {
  SQL_CHILD_ROW,
  SQL_COLUMN,
  SQL_COMPUTED,
  SQL_CONNECTION,
  SQL_EMBEDDED,
  SQL_LOOKUP,
  SQL_RELATION,
  SQL_TABLE,
  type RowTable,
  type SqlComputed,
  type SqlConnection,
} from './mapping.ts';
import {
  columnValue,
  globalId,
  JSON_NULL,
  jsonConstant,
  jsonList,
  jsonObject,
  jsonQuoted,
  MAX_INT4,
  MAX_KEYS,
  NotCompilable,
  orNull,
  quote,
  scalar,
  tableName,
  type Scope,
} from './sql.ts';

export { NotCompilable } from './sql.ts';

/** How to count the operation's actual cost from its answer, as resolvers would have (src/schema/cost.ts). */
export type CostField = { key: string; cost: number; sub?: CostPlan; items?: CostPlan[] };
export type CostPlan = CostField[];

export type CompiledRead = { text: string; params: unknown[]; cost: CostPlan };

const isNode = (type: GraphQLObjectType) => type.getInterfaces().some((i) => i.name === 'Node');

export class Compiler {
  readonly params: unknown[] = [];
  #aliases = 0;
  #orgParam: string | undefined;
  readonly schema: GraphQLSchema;
  readonly fragments: Record<string, FragmentDefinitionNode>;
  readonly variables: Record<string, unknown>;
  readonly principal: Extract<Principal, { organizationId: number }>;
  readonly ctx: object;
  constructor(
    schema: GraphQLSchema,
    fragments: Record<string, FragmentDefinitionNode>,
    variables: Record<string, unknown>,
    principal: Extract<Principal, { organizationId: number }>,
    ctx: object,
  ) {
    this.schema = schema;
    this.fragments = fragments;
    this.variables = variables;
    this.principal = principal;
    this.ctx = ctx;
  }

  /**
   * The tenant parameter, allocated where first used: PostgreSQL refuses to prepare a statement with
   * a parameter it never sees (an operation whose lists are all skipped or empty).
   */
  get orgParam(): string {
    this.#orgParam ??= this.param(this.principal.organizationId, 'int4');
    return this.#orgParam;
  }

  /** Where the parameters stand, to drop those of SQL that is compiled (to check it) but not sent. */
  mark(): { params: number; org: string | undefined } {
    return { params: this.params.length, org: this.#orgParam };
  }

  rollback(mark: { params: number; org: string | undefined }): void {
    this.params.length = mark.params;
    this.#orgParam = mark.org;
  }

  param(value: unknown, type: string): string {
    this.params.push(value);
    return `$${this.params.length}::${type}`;
  }

  alias(): string {
    return `t${++this.#aliases}`;
  }

  checkScopes(options: unknown): void {
    const scopes = (options as { authScopes?: unknown } | undefined)?.authScopes;
    if (scopes === undefined) return;
    if (!scopes || typeof scopes !== 'object') throw new NotCompilable('auth scopes that are not a plain object');
    const granted = this.principal.scopes as readonly string[];
    // Pothos scope maps grant access when any listed scope holds.
    const ok = Object.entries(scopes).some(
      ([scope, wanted]) => wanted === true && ['read', 'write', 'admin'].includes(scope) && granted.includes(scope),
    );
    if (!ok) throw new NotCompilable('scope not granted');
  }

  /** JSON text of the fields selected on one row of `type`, and their cost plan. */
  object(type: GraphQLObjectType, selection: Map<string, readonly FieldNode[]>, row: Scope): [string, CostPlan] {
    this.checkScopes(type.extensions?.pothosOptions);
    const [entries, plan] = this.pairs(type, selection, (field, nodes, args) =>
      this.field(type, field, nodes, args, row),
    );
    return [jsonObject(entries), plan];
  }

  /**
   * The `[key, value]` entries of a selection on `type` for jsonObject, and its cost plan:
   * `__typename` is the type's name; every other field must exist and be allowed to the caller, and
   * `value` compiles it (its JSON text, and the parts of its cost entry below its own cost).
   */
  pairs(
    type: GraphQLObjectType,
    selection: Map<string, readonly FieldNode[]>,
    value: (
      field: GraphQLField<unknown, unknown>,
      nodes: readonly FieldNode[],
      args: Record<string, unknown>,
    ) => [string, Partial<CostField>],
  ): [[string, string][], CostPlan] {
    if (selection.size > MAX_KEYS) throw new NotCompilable('too many keys');
    const parts: [string, string][] = [];
    const plan: CostPlan = [];
    for (const [key, nodes] of selection) {
      const name = nodes[0].name.value;
      if (name === '__typename') {
        parts.push([key, jsonConstant(type.name)]);
        continue;
      }
      const field = type.getFields()[name];
      if (!field) throw new NotCompilable(`no field ${name}`);
      this.checkScopes(field.extensions?.pothosOptions);
      const args = getArgumentValues(field, nodes[0], this.variables);
      const [sql, sub] = value(field, nodes, args);
      parts.push([key, sql]);
      // The response cache's own aliased id/__typename fields are not the client's (src/schema/cost.ts).
      if (!key.startsWith('__responseCache')) plan.push({ key, cost: fieldCost(field, args, this.ctx), ...sub });
    }
    return [parts, plan];
  }

  field(
    parent: GraphQLObjectType,
    field: GraphQLField<unknown, unknown>,
    nodes: readonly FieldNode[],
    args: Record<string, unknown>,
    row: Scope,
  ): [string, Partial<CostField>] {
    const ext = field.extensions ?? {};
    if (ext[SQL_CONNECTION]) {
      const conn = ext[SQL_CONNECTION] as SqlConnection;
      return compileConnection(this, field, nodes, args, conn, row);
    }
    if (ext[SQL_RELATION]) {
      const fk = ext[SQL_RELATION] as PgColumn;
      return this.relation(this.target(field), nodes, 'id', this.ref(row, fk));
    }
    if (ext[SQL_CHILD_ROW]) {
      const column = ext[SQL_CHILD_ROW] as PgColumn;
      if (isNonNullType(field.type)) throw new NotCompilable('a child row may be missing');
      return this.relation(this.target(field), nodes, column.name, `${row.alias}.${this.col(row, 'id')}`, column);
    }
    if (ext[SQL_EMBEDDED]) {
      const present = ext[SQL_EMBEDDED] as PgColumn[];
      const target = this.target(field);
      if (isNonNullType(field.type) && !present.every((c) => this.notNull(row, c)))
        throw new NotCompilable('non-null embedded object over nullable columns');
      const refs = present.map((c) => this.ref(row, c));
      const inner: Scope = { ...row, nonNull: new Set([...(row.nonNull ?? []), ...present.map((c) => c.name)]) };
      const [obj, plan] = this.object(
        target,
        collectSubfields(this.schema, this.fragments, this.variables, target, nodes),
        inner,
      );
      if (!refs.length) return [obj, { sub: plan }];
      const set = refs.map((r) => `${r} is not null`).join(' and ');
      return [`(case when ${set} then ${obj} else ${JSON_NULL} end)`, { sub: plan }];
    }
    if (ext[SQL_COMPUTED]) {
      const { columns, build } = ext[SQL_COMPUTED] as SqlComputed;
      return [scalar(getNamedType(field.type), `(${build(columns.map((c) => this.ref(row, c)))})`, true), {}];
    }
    if (ext[SQL_COLUMN]) {
      const column = ext[SQL_COLUMN] as PgColumn;
      return [this.column(field, row, column), {}];
    }
    const table = parent.extensions?.[SQL_TABLE] as RowTable | undefined;
    if (!table) throw new NotCompilable(`${parent.name} declares no table`);
    if (field.name === 'id' && isNode(parent) && isNonNullType(field.type)) {
      return [jsonQuoted(globalId(parent.name, `${row.alias}.${this.col(row, 'id')}`), false), {}];
    }
    const exposed = ext.pothosExposedField as string | undefined;
    const column = exposed ? (getTableColumns(table) as Record<string, PgColumn>)[exposed] : undefined;
    if (!column) throw new NotCompilable(`${parent.name}.${field.name} maps to no column`);
    return [this.column(field, row, column), {}];
  }

  /** A column of the row in the field's output format; a non-null field only over a column that cannot be null here. */
  column(field: GraphQLField<unknown, unknown>, row: Scope, column: PgColumn): string {
    if (isNonNullType(field.type) && !this.notNull(row, column))
      throw new NotCompilable('non-null field on a nullable column');
    return columnValue(field.type, column, this.ref(row, column), !this.notNull(row, column));
  }

  notNull(row: Scope, column: PgColumn): boolean {
    return column.notNull || (row.nonNull?.has(column.name) ?? false);
  }

  /** `alias."column"` of a column of the row's own table. */
  ref(row: Scope, column: PgColumn): string {
    if (row.table && column.table !== row.table) throw new NotCompilable(`column ${column.name} of another table`);
    return `${row.alias}.${this.col(row, column.name)}`;
  }

  target(field: GraphQLField<unknown, unknown>): GraphQLObjectType {
    const target = getNamedType(field.type);
    if (!(target instanceof GraphQLObjectType)) throw new NotCompilable('relation to a non-object');
    return target;
  }

  col(row: Scope, name: string): string {
    row.used?.add(name);
    return quote(name);
  }

  /**
   * The row of `target` whose `match` column is `valueSql` in the caller's organization, or null
   * (`match` is its id for a foreign key or a node, the column pointing back at the parent for a child row).
   */
  relation(
    target: GraphQLObjectType,
    nodes: readonly FieldNode[],
    match: string,
    valueSql: string,
    matchColumn?: PgColumn,
  ): [string, Partial<CostField>] {
    const table = target.extensions?.[SQL_TABLE] as RowTable | undefined;
    if (!table) throw new NotCompilable(`${target.name} declares no table`);
    if (matchColumn && matchColumn.table !== table) throw new NotCompilable('child column of another table');
    const alias = this.alias();
    const [obj, plan] = this.object(
      target,
      collectSubfields(this.schema, this.fragments, this.variables, target, nodes),
      { alias, used: null, table },
    );
    const sql = `(select ${obj} from ${tableName(table)} ${alias} where ${alias}.${quote(match)} = ${valueSql} and ${alias}."organization_id" = ${this.orgParam})`;
    return [orNull(sql), { sub: plan }];
  }

  /** `lead(id:)` and the like: the row of the field's type its global id names (the resolvers' own check), or null. */
  lookup(
    field: GraphQLField<unknown, unknown>,
    nodes: readonly FieldNode[],
    id: string,
  ): [string, CostPlan | undefined] {
    const target = this.target(field);
    if (isNonNullType(field.type) || !isNode(target)) throw new NotCompilable('lookup of a non-node');
    // A malformed id or another type's id: the resolvers' own error.
    const n = localId(id, target.name);
    if (!(n > 0 && n <= MAX_INT4)) return [JSON_NULL, undefined];
    const [sql, sub] = this.relation(target, nodes, 'id', this.param(n, 'int4'));
    return [sql, sub.sub];
  }

  /** `node(id:)`: the row the global id names, in the caller's organization, or null. */
  node(fieldNodes: readonly FieldNode[], globalIdValue: string): [string, CostPlan | undefined] {
    const { typename, id } = decodeGlobalId(globalIdValue);
    const type = this.schema.getType(typename);
    if (!(type instanceof GraphQLObjectType) || !type.extensions?.[SQL_TABLE] || !isNode(type))
      throw new NotCompilable(`node of type ${typename}`);
    const n = Number(id);
    if (!(n > 0 && n <= MAX_INT4)) return [JSON_NULL, undefined];
    const [sql, sub] = this.relation(type, fieldNodes, 'id', this.param(n, 'int4'));
    return [sql, sub.sub];
  }
}

export type CompileInput = {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  principal: Principal;
  ctx: object;
};

/** The operation as one statement, or NotCompilable (thrown) when any part of it does not map. */
export function compileRead(input: CompileInput): CompiledRead {
  const { schema, document, principal } = input;
  if (principal.kind === 'anonymous') throw new NotCompilable('anonymous');
  let operation: OperationDefinitionNode | undefined;
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    else if (d.kind === Kind.OPERATION_DEFINITION) {
      if (input.operationName == null ? operation !== undefined : d.name?.value !== input.operationName) {
        if (input.operationName == null) throw new NotCompilable('several operations');
        continue;
      }
      operation = d;
    } else throw new NotCompilable('type system definition');
  }
  if (operation?.operation !== 'query') throw new NotCompilable('not a query');
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], input.variableValues ?? {}, {
    maxErrors: 1,
  });
  if (coerced.errors) throw new NotCompilable('invalid variables');
  const variables = coerced.coerced;
  const query = schema.getQueryType()!;
  const c = new Compiler(schema, fragments, variables, principal, input.ctx);
  c.checkScopes(query.extensions?.pothosOptions);
  const selection = collectFields(schema, fragments, variables, query, operation.selectionSet);
  const [parts, plan] = c.pairs(query, selection, (field, nodes, args): [string, Partial<CostField>] => {
    const name = field.name;
    if (name === 'node') {
      const [sql, sub] = c.node(nodes, String(args.id));
      return [sql, sub ? { sub } : {}];
    }
    if (name === 'nodes') {
      const ids = args.ids as string[];
      const items: string[] = [];
      const itemPlans: CostPlan[] = [];
      for (const id of ids) {
        const [sql, sub] = c.node(nodes, String(id));
        items.push(sql);
        itemPlans.push(sub ?? []);
      }
      if (items.length > 100) throw new NotCompilable('too many ids');
      return [jsonList(items), { items: itemPlans }];
    }
    if (field.extensions?.[SQL_LOOKUP]) {
      const [sql, sub] = c.lookup(field, nodes, String(args.id));
      return [sql, sub ? { sub } : {}];
    }
    if (field.extensions?.[SQL_CONNECTION]) {
      const conn = field.extensions[SQL_CONNECTION] as SqlConnection;
      return compileConnection(c, field, nodes, args, conn, { alias: '', used: null });
    }
    throw new NotCompilable(`root field ${name}`);
  });
  return { text: `select ${jsonObject(parts)} as data`, params: c.params, cost: plan };
}

/** The actual cost resolvers would have counted for this answer (src/schema/cost.ts). */
export function actualCost(plan: CostPlan, data: Record<string, unknown> | null): number {
  if (!data) return 0;
  let total = 0;
  for (const f of plan) {
    total += f.cost;
    const value = data[f.key];
    if (value == null) continue;
    if (f.items && Array.isArray(value))
      value.forEach((v, i) => {
        total += actualCost(f.items![i], v as Record<string, unknown> | null);
      });
    else if (f.sub) {
      if (Array.isArray(value)) for (const v of value) total += actualCost(f.sub, v as Record<string, unknown> | null);
      else total += actualCost(f.sub, value as Record<string, unknown>);
    }
  }
  return total;
}
