// Compiles a read operation into ONE SQL statement that builds its `data` as JSON in PostgreSQL.
// Field collection, variable coercion and argument values are graphql-js's own functions, so aliases,
// fragments, @skip/@include, defaults and key order are exactly those of the normal executor. Only
// what the schema declares (mapping.ts) compiles; anything else — an undeclared field, a scope the
// caller lacks, an argument the resolvers would refuse — throws NotCompilable, and the operation
// runs its resolvers unchanged, so every error message stays the normal path's own.
// Non-null: every non-null field the compiler emits is a NOT NULL column, an id, a list (`[]`
// when empty) or a page-info flag, so no null can reach a non-null position and nothing bubbles.
import {
  getNamedType,
  getNullableType,
  GraphQLEnumType,
  GraphQLObjectType,
  GraphQLScalarType,
  isNonNullType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields.js';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values.js';
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Principal } from '../context.ts';
import { decodeCursor } from '../lib/cursor.ts';
import { decodeGlobalId } from '../lib/global-id.ts';
import { pageWindow, cursorKinds } from '../db/keyset.ts';
import { fieldCost } from '../schema/cost.ts';
import { SQL_CONNECTION, SQL_RELATION, SQL_TABLE, type SqlConnection, type TenantTable } from './mapping.ts';

export class NotCompilable extends Error {}

/** How to count the operation's actual cost from its answer, as resolvers would have (src/schema/cost.ts). */
export type CostField = { key: string; cost: number; sub?: CostPlan; items?: CostPlan[] };
export type CostPlan = CostField[];

export type CompiledRead = { text: string; params: unknown[]; cost: CostPlan };

const MAX_INT4 = 2_147_483_647;
// json_build_object takes at most 100 arguments.
const MAX_KEYS = 50;

type Scope = { alias: string; used: Set<string> | null };

class Compiler {
  readonly params: unknown[] = [];
  #aliases = 0;
  readonly orgParam: string;
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
    this.orgParam = this.param(principal.organizationId, 'int4');
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

  /** `json_build_object(...)` of the fields selected on one row of `type`, and their cost plan. */
  object(
    type: GraphQLObjectType,
    fieldNodes: readonly FieldNode[] | null,
    selection: Map<string, readonly FieldNode[]>,
    row: Scope,
  ): [string, CostPlan] {
    this.checkScopes(type.extensions?.pothosOptions);
    void fieldNodes;
    if (selection.size > MAX_KEYS) throw new NotCompilable('too many keys');
    const parts: string[] = [];
    const plan: CostPlan = [];
    for (const [key, nodes] of selection) {
      const name = nodes[0].name.value;
      if (name === '__typename') {
        parts.push(`'${key}', '${type.name}'::text`);
        continue;
      }
      const field = type.getFields()[name];
      if (!field) throw new NotCompilable(`no field ${name}`);
      this.checkScopes(field.extensions?.pothosOptions);
      const args = getArgumentValues(field, nodes[0], this.variables);
      const [sql, sub] = this.field(type, field, nodes, args, row);
      parts.push(`'${key}', ${sql}`);
      // The response cache's own aliased id/__typename fields are not the client's (src/schema/cost.ts).
      if (!key.startsWith('__responseCache')) plan.push({ key, cost: fieldCost(field, args, this.ctx), ...sub });
    }
    return [`json_build_object(${parts.join(', ')})`, plan];
  }

  field(
    parent: GraphQLObjectType,
    field: GraphQLField<unknown, unknown>,
    nodes: readonly FieldNode[],
    args: Record<string, unknown>,
    row: Scope,
  ): [string, Partial<CostField>] {
    const ext = field.extensions ?? {};
    const table = parent.extensions?.[SQL_TABLE] as TenantTable | undefined;
    if (ext[SQL_CONNECTION]) {
      const conn = ext[SQL_CONNECTION] as SqlConnection;
      return this.connection(field, nodes, args, conn, row);
    }
    if (ext[SQL_RELATION]) {
      const fk = ext[SQL_RELATION] as PgColumn;
      const target = getNamedType(field.type);
      if (!(target instanceof GraphQLObjectType)) throw new NotCompilable('relation to a non-object');
      return this.relation(target, nodes, `${row.alias}.${this.col(row, fk.name)}`);
    }
    if (!table) throw new NotCompilable(`${parent.name} declares no table`);
    if (field.name === 'id' && parent.getInterfaces().some((i) => i.name === 'Node') && isNonNullType(field.type)) {
      return [globalId(parent.name, `${row.alias}.${this.col(row, 'id')}`), {}];
    }
    const exposed = ext.pothosExposedField as string | undefined;
    const column = exposed ? (getTableColumns(table) as Record<string, PgColumn>)[exposed] : undefined;
    if (!column) throw new NotCompilable(`${parent.name}.${field.name} maps to no column`);
    if (isNonNullType(field.type) && !column.notNull) throw new NotCompilable('non-null field on a nullable column');
    return [scalar(getNullableType(field.type), `${row.alias}.${this.col(row, column.name)}`), {}];
  }

  col(row: Scope, name: string): string {
    row.used?.add(name);
    return quote(name);
  }

  /** The row of `target` whose id is `idSql` in the caller's organization, or null. */
  relation(target: GraphQLObjectType, nodes: readonly FieldNode[], idSql: string): [string, Partial<CostField>] {
    const table = target.extensions?.[SQL_TABLE] as TenantTable | undefined;
    if (!table) throw new NotCompilable(`${target.name} declares no table`);
    const alias = this.alias();
    const [obj, plan] = this.object(
      target,
      nodes,
      collectSubfields(this.schema, this.fragments, this.variables, target, nodes),
      { alias, used: null },
    );
    const sql = `(select ${obj} from ${tableName(table)} ${alias} where ${alias}."id" = ${idSql} and ${alias}."organization_id" = ${this.orgParam})`;
    return [sql, { sub: plan }];
  }

  connection(
    field: GraphQLField<unknown, unknown>,
    nodes: readonly FieldNode[],
    args: Record<string, unknown>,
    conn: SqlConnection,
    parentRow: Scope,
  ): [string, Partial<CostField>] {
    const connType = getNamedType(field.type);
    if (!(connType instanceof GraphQLObjectType)) throw new NotCompilable('connection is not an object');
    const window = pageWindow(args, conn.page);
    const ordering = conn.ordering(args);
    const conditions = conn.conditions?.(args) ?? [];
    const rows: Scope = { alias: this.alias(), used: new Set(['id']) };
    const selection = collectSubfields(this.schema, this.fragments, this.variables, connType, nodes);
    const edgeType = getNamedType(connType.getFields().edges?.type) as GraphQLObjectType;
    const nodeType = getNamedType(edgeType.getFields().node?.type) as GraphQLObjectType;
    const empty = window.limit === 0;
    const cursorSql = cursorExpr(
      rows,
      ordering.list,
      ordering.columns.map((c) => c.name),
    );
    const L = window.limit;
    // Output order: forwards by row number; backwards the rows were read in reverse, so flip them.
    const dir = window.backward ? 'desc' : 'asc';
    const parts: string[] = [];
    const plan: CostPlan = [];
    for (const [key, fnodes] of selection) {
      const name = fnodes[0].name.value;
      if (name === '__typename') {
        parts.push(`'${key}', '${connType.name}'::text`);
        continue;
      }
      const f = connType.getFields()[name];
      if (!f) throw new NotCompilable(`no field ${name}`);
      this.checkScopes(f.extensions?.pothosOptions);
      const cost = key.startsWith('__responseCache')
        ? null
        : fieldCost(f, getArgumentValues(f, fnodes[0], this.variables), this.ctx);
      if (name === 'edges') {
        const edgeSel = collectSubfields(this.schema, this.fragments, this.variables, edgeType, fnodes);
        const edgeParts: string[] = [];
        const edgePlan: CostPlan = [];
        for (const [ekey, enodes] of edgeSel) {
          const ename = enodes[0].name.value;
          if (ename === '__typename') {
            edgeParts.push(`'${ekey}', '${edgeType.name}'::text`);
            continue;
          }
          const ef = edgeType.getFields()[ename];
          if (!ef) throw new NotCompilable(`no field ${ename}`);
          const ecost = fieldCost(ef, getArgumentValues(ef, enodes[0], this.variables), this.ctx);
          if (ename === 'cursor') {
            edgeParts.push(`'${ekey}', ${cursorSql}`);
            if (!ekey.startsWith('__responseCache')) edgePlan.push({ key: ekey, cost: ecost });
          } else if (ename === 'node') {
            const [obj, nplan] = this.object(
              nodeType,
              enodes,
              collectSubfields(this.schema, this.fragments, this.variables, nodeType, enodes),
              rows,
            );
            edgeParts.push(`'${ekey}', ${obj}`);
            if (!ekey.startsWith('__responseCache')) edgePlan.push({ key: ekey, cost: ecost, sub: nplan });
          } else throw new NotCompilable(`edge field ${ename}`);
        }
        if (edgeSel.size > MAX_KEYS) throw new NotCompilable('too many keys');
        const edge = `json_build_object(${edgeParts.join(', ')})`;
        parts.push(
          empty
            ? `'${key}', '[]'::json`
            : `'${key}', coalesce(json_agg(${edge} order by ${rows.alias}."__rn" ${dir}) filter (where ${rows.alias}."__rn" <= ${L}), '[]'::json)`,
        );
        if (cost !== null) plan.push({ key, cost, sub: edgePlan });
      } else if (name === 'pageInfo') {
        const piType = getNamedType(f.type) as GraphQLObjectType;
        const piSel = collectSubfields(this.schema, this.fragments, this.variables, piType, fnodes);
        const piParts: string[] = [];
        const piPlan: CostPlan = [];
        const cursorGiven = window.cursor !== undefined;
        const hasMore = empty ? 'false' : `count(*) > ${L}`;
        const first = `(array_agg(${cursorSql} order by ${rows.alias}."__rn" ${dir}) filter (where ${rows.alias}."__rn" <= ${L}))[1]`;
        const last = `(array_agg(${cursorSql} order by ${rows.alias}."__rn" ${dir === 'asc' ? 'desc' : 'asc'}) filter (where ${rows.alias}."__rn" <= ${L}))[1]`;
        for (const [pkey, pnodes] of piSel) {
          const pname = pnodes[0].name.value;
          let expr: string;
          if (pname === '__typename') {
            piParts.push(`'${pkey}', '${piType.name}'::text`);
            continue;
          } else if (pname === 'hasNextPage') expr = window.backward ? String(cursorGiven) : hasMore;
          else if (pname === 'hasPreviousPage') expr = window.backward ? hasMore : String(cursorGiven);
          else if (pname === 'startCursor') expr = empty ? 'null::text' : first;
          else if (pname === 'endCursor') expr = empty ? 'null::text' : last;
          else throw new NotCompilable(`pageInfo field ${pname}`);
          piParts.push(`'${pkey}', ${expr}`);
          const pf = piType.getFields()[pname];
          if (!pkey.startsWith('__responseCache')) piPlan.push({ key: pkey, cost: fieldCost(pf, {}, this.ctx) });
        }
        parts.push(`'${key}', json_build_object(${piParts.join(', ')})`);
        if (cost !== null) plan.push({ key, cost, sub: piPlan });
      } else throw new NotCompilable(`connection field ${name}`);
    }
    if (selection.size > MAX_KEYS) throw new NotCompilable('too many keys');
    const built = `json_build_object(${parts.join(', ')})`;
    if (empty) return [built, { sub: plan }];

    const x = this.alias();
    const where = [`${x}."organization_id" = ${this.orgParam}`];
    if (conn.parentColumn)
      where.push(`${x}.${quote(conn.parentColumn.name)} = ${parentRow.alias}.${this.col(parentRow, 'id')}`);
    for (const c of conditions)
      where.push(`${x}.${quote(c.column.name)} ${c.op} ${this.param(c.value, sqlType(c.column))}`);
    const forward = ordering.direction === 'asc' ? !window.backward : window.backward;
    const cols = ordering.columns.map((c) => `${x}.${quote(c.name)}`);
    if (window.cursor) {
      const values = decodeCursor(window.cursor, ordering.list, cursorKinds(ordering.columns));
      const vals = ordering.columns.map((c, i) => this.param(values[i], sqlType(c)));
      where.push(`(${cols.join(', ')}) ${forward ? '>' : '<'} (${vals.join(', ')})`);
    }
    for (const c of ordering.columns) rows.used!.add(c.name);
    const order = cols.map((c) => `${c} ${forward ? 'asc' : 'desc'}`).join(', ');
    const select = [...rows.used!].map((c) => `${x}.${quote(c)}`).join(', ');
    const inner = `select ${select}, row_number() over (order by ${order}) as "__rn" from ${tableName(conn.table)} ${x} where ${where.join(' and ')} order by ${order} limit ${L + 1}`;
    return [`(select ${built} from (${inner}) ${rows.alias})`, { sub: plan }];
  }

  /** `node(id:)`: the row the global id names, in the caller's organization, or null. */
  node(fieldNodes: readonly FieldNode[], globalIdValue: string): [string, CostPlan | undefined] {
    const { typename, id } = decodeGlobalId(globalIdValue);
    const type = this.schema.getType(typename);
    if (!(type instanceof GraphQLObjectType) || !type.extensions?.[SQL_TABLE])
      throw new NotCompilable(`node of type ${typename}`);
    const n = Number(id);
    if (!(n > 0 && n <= MAX_INT4)) return ['null::json', undefined];
    const [sql, sub] = this.relation(type, fieldNodes, this.param(n, 'int4'));
    return [sql, sub.sub];
  }
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function tableName(table: TenantTable): string {
  const name = (table as unknown as Record<symbol, string>)[Symbol.for('drizzle:Name')];
  return quote(name);
}

function sqlType(column: PgColumn): string {
  return column.getSQLType().replace(/\(.*\)$/, '');
}

const BASE64URL = `E'+/=\\n', '-_'`;

/** Relay global id: base64url("Type:id") without padding, as src/lib/global-id.ts encodes it. */
function globalId(typename: string, idSql: string): string {
  return `translate(encode(convert_to('${typename}:' || ${idSql}, 'UTF8'), 'base64'), ${BASE64URL})`;
}

/** The cursor src/lib/cursor.ts encodes: base64url of JSON.stringify([list, ...values]). */
function cursorExpr(row: Scope, list: string, columns: string[]): string {
  for (const c of columns) row.used?.add(c);
  const head = JSON.stringify(list).replaceAll("'", "''");
  const values = columns.map((c) => `to_json(${row.alias}.${quote(c)})::text`).join(` || ',' || `);
  return `translate(encode(convert_to('[${head},' || ${values} || ']', 'UTF8'), 'base64'), ${BASE64URL})`;
}

/** A column's value in the scalar's output format (src/schema/builder.ts serializers). */
function scalar(type: GraphQLOutputType, sql: string): string {
  if (type instanceof GraphQLEnumType) {
    const cases = type.getValues().map((v) => `when '${String(v.value).replaceAll("'", "''")}' then '${v.name}'`);
    return `(case ${sql}::text ${cases.join(' ')} end)`;
  }
  if (!(type instanceof GraphQLScalarType)) throw new NotCompilable('not a scalar');
  switch (type.name) {
    case 'String':
    case 'Int':
    case 'Boolean':
      return sql;
    case 'Date':
      return `to_char(${sql}, 'YYYY-MM-DD')`;
    case 'DateTime':
      return `to_char(${sql} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    case 'Decimal':
      return `${sql}::text`;
    default:
      throw new NotCompilable(`scalar ${type.name}`);
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
  if (!operation || operation.operation !== 'query') throw new NotCompilable('not a query');
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], input.variableValues ?? {}, {
    maxErrors: 1,
  });
  if (coerced.errors) throw new NotCompilable('invalid variables');
  const variables = coerced.coerced;
  const query = schema.getQueryType()!;
  const c = new Compiler(schema, fragments, variables, principal, input.ctx);
  c.checkScopes(query.extensions?.pothosOptions);
  const selection = collectFields(schema, fragments, variables, query, operation.selectionSet);
  if (selection.size > MAX_KEYS) throw new NotCompilable('too many keys');
  const parts: string[] = [];
  const plan: CostPlan = [];
  for (const [key, nodes] of selection) {
    const name = nodes[0].name.value;
    if (name === '__typename') {
      parts.push(`'${key}', 'Query'::text`);
      continue;
    }
    const field = query.getFields()[name];
    if (!field) throw new NotCompilable(`no field ${name}`);
    c.checkScopes(field.extensions?.pothosOptions);
    const args = getArgumentValues(field, nodes[0], variables);
    const cost = fieldCost(field, args, input.ctx);
    const counted = !key.startsWith('__responseCache');
    if (name === 'node') {
      const [sql, sub] = c.node(nodes, String(args.id));
      parts.push(`'${key}', ${sql}`);
      if (counted) plan.push({ key, cost, ...(sub ? { sub } : {}) });
    } else if (name === 'nodes') {
      const ids = args.ids as string[];
      const items: string[] = [];
      const itemPlans: CostPlan[] = [];
      for (const id of ids) {
        const [sql, sub] = c.node(nodes, String(id));
        items.push(sql);
        itemPlans.push(sub ?? []);
      }
      if (items.length > 100) throw new NotCompilable('too many ids');
      parts.push(`'${key}', json_build_array(${items.join(', ')})`);
      if (counted) plan.push({ key, cost, items: itemPlans });
    } else if (field.extensions?.[SQL_CONNECTION]) {
      const [sql, sub] = c.connection(field, nodes, args, field.extensions[SQL_CONNECTION] as SqlConnection, {
        alias: '',
        used: null,
      });
      parts.push(`'${key}', ${sql}`);
      if (counted) plan.push({ key, cost, ...sub });
    } else throw new NotCompilable(`root field ${name}`);
  }
  return { text: `select json_build_object(${parts.join(', ')})::text as data`, params: c.params, cost: plan };
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
