// SQL text shared by the compiled read path's parts: quoting, parameter types, Relay ids, cursors,
// the output format of each scalar, byte for byte what the resolvers (src/schema/builder.ts,
// src/lib/cursor.ts, src/lib/global-id.ts) produce for the same row, and the JSON text of objects,
// lists and scalars.
//
// The answer is built as JSON *text* by concatenation, not as json values (json_build_object,
// json_agg), which costs PostgreSQL less CPU per row (docs/decisions/0027). No JSON text expression
// made here is ever SQL NULL (NULL || text is NULL and would swallow its whole object): a value that
// may be missing is rendered `null` explicitly. Scalars go through to_json, which writes them as
// json_build_object did.
import { getNullableType, GraphQLEnumType, GraphQLList, GraphQLScalarType, type GraphQLOutputType } from 'graphql';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { RowTable } from './mapping.ts';

/** Thrown for anything that does not compile: the operation then runs its resolvers. */
export class NotCompilable extends Error {}

export const MAX_INT4 = 2_147_483_647;
// A wider selection runs the resolvers.
export const MAX_KEYS = 50;

/**
 * One row in scope: its alias, the columns read from it (for a list's inner select; null when the
 * row is read whole), its table, and columns known not to be null here (inside an embedded object).
 */
export type Scope = { alias: string; used: Set<string> | null; table?: RowTable; nonNull?: ReadonlySet<string> };

export function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function tableName(table: RowTable): string {
  const name = (table as unknown as Record<symbol, string>)[Symbol.for('drizzle:Name')];
  return quote(name);
}

/**
 * A filter value's parameter type: the column's type without its modifier, as PostgreSQL infers it
 * for the resolvers' `column op $1` (a timestamp(3) parameter would round a value the resolvers keep).
 */
export function sqlType(column: PgColumn): string {
  return column.getSQLType().replace(/\s*\(\d+(,\s*\d+)?\)/g, '');
}

const BASE64URL = `E'+/=\\n', '-_'`;

/** Relay global id: base64url("Type:id") without padding, as src/lib/global-id.ts encodes it. */
export function globalId(typename: string, idSql: string): string {
  return `translate(encode(convert_to('${typename}:' || ${idSql}, 'UTF8'), 'base64'), ${BASE64URL})`;
}

/**
 * One sort value as JSON, as the resolvers' row holds it: timestamps and decimals are the driver's
 * text (postgres.js hands drizzle PostgreSQL's text output), ints numbers, dates and text strings.
 */
function cursorValue(ref: string, column: PgColumn): string {
  switch (column.columnType) {
    case 'PgTimestampString':
    case 'PgNumeric':
      return `to_json(${ref}::text)::text`;
    case 'PgInteger':
    case 'PgSerial':
    case 'PgSmallInt':
    case 'PgText':
    case 'PgVarchar':
    case 'PgDateString':
      return `to_json(${ref})::text`;
    default:
      throw new NotCompilable(`cursor over ${column.columnType}`);
  }
}

/** The cursor src/lib/cursor.ts encodes: base64url of JSON.stringify([list, ...values]). */
export function cursorExpr(row: Scope, list: string, columns: PgColumn[]): string {
  for (const c of columns) row.used?.add(c.name);
  const head = JSON.stringify(list).replaceAll("'", "''");
  const values = columns.map((c) => cursorValue(`${row.alias}.${quote(c.name)}`, c)).join(` || ',' || `);
  return `translate(encode(convert_to('[${head},' || ${values} || ']', 'UTF8'), 'base64'), ${BASE64URL})`;
}

/** An SQL string literal. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** JSON text of a constant. */
export function jsonConstant(value: unknown): string {
  return literal(JSON.stringify(value));
}

export const JSON_NULL = jsonConstant(null);

/** The constant's JSON text if `sql` is a plain string literal. */
function constantOf(sql: string): string | undefined {
  const m = /^'((?:[^']|'')*)'$/.exec(sql);
  return m ? m[1].replaceAll("''", "'") : undefined;
}

/** JSON text of an SQL value (`null` where it may be NULL and is). */
export function jsonValue(sql: string, nullable: boolean): string {
  return orNull(`to_json(${sql})::text`, nullable);
}

/** JSON text of an SQL value whose text output is already JSON (integers, booleans). */
export function jsonPlain(sql: string, nullable: boolean): string {
  return orNull(`(${sql})::text`, nullable);
}

/**
 * JSON text of an SQL text value that needs no escaping (digits, signs, dots, dashes, colons, base64url
 * letters: dates, timestamps, decimals, global ids): quoted, without to_json's escaping pass.
 */
export function jsonQuoted(sql: string, nullable: boolean): string {
  return orNull(`('"' || ${sql} || '"')`, nullable);
}

/** JSON text that is NULL where it should be `null` (a row that is not there), made never NULL. */
export function orNull(text: string, nullable = true): string {
  return nullable ? `coalesce(${text}, ${JSON_NULL})` : text;
}

/** `{"key":value,…}` from JSON text values, in order; constant values join the text around them. */
export function jsonObject(entries: readonly (readonly [key: string, value: string])[]): string {
  const pieces: string[] = [];
  let text = '{';
  entries.forEach(([key, value], i) => {
    text += `${i ? ',' : ''}${JSON.stringify(key)}:`;
    const constant = constantOf(value);
    if (constant !== undefined) text += constant;
    else {
      pieces.push(literal(text), value);
      text = '';
    }
  });
  pieces.push(literal(`${text}}`));
  return pieces.length === 1 ? `${pieces[0]}::text` : `(${pieces.join(' || ')})`;
}

/** `[item,…]` of a fixed list of JSON text values. */
export function jsonList(items: readonly string[]): string {
  return items.length ? `('[' || ${items.join(` || ',' || `)} || ']')` : `'[]'::text`;
}

/**
 * `[item,…]` of an aggregate's rows (`[]` when there are none), `filter` as in SQL. The rows come from
 * a subquery in reading order (`order by … limit n`, nothing joined after it, row numbers in that
 * order), and the aggregate keeps it: an `order by` in the aggregate would sort each list again
 * (docs/decisions/0030-ordered-input-and-iso-dates.md). `order` is given where the list is not in
 * reading order (a backward page, read from its far end).
 */
export function jsonAgg(item: string, filter?: string, order?: string): string {
  const agg = `string_agg(${item}, ','${order ? ` order by ${order}` : ''})${filter ? ` filter (where ${filter})` : ''}`;
  return `coalesce('[' || ${agg} || ']', '[]')`;
}

/** `true` or `false` of an SQL boolean that is never NULL. */
export function jsonBoolean(sql: string): string {
  return `(${sql})::text`;
}

/** JSON text of a column's value in the field type's output format (src/schema/builder.ts serializers). */
export function columnValue(type: GraphQLOutputType, column: PgColumn, sql: string, nullable: boolean): string {
  const base = getNullableType(type);
  if (base instanceof GraphQLList) {
    // [String!]! over text[]: to_json writes the array as graphql-js would (`[]` when empty).
    const item = getNullableType(base.ofType);
    if (column.columnType !== 'PgArray' || column.getSQLType() !== 'text[]')
      throw new NotCompilable('list over a non-array column');
    if (!(item instanceof GraphQLScalarType && item.name === 'String')) throw new NotCompilable('list of non-strings');
    return jsonValue(sql, nullable);
  }
  if (column.columnType === 'PgArray') throw new NotCompilable('array column as a scalar');
  return scalar(base, sql, nullable);
}

/** JSON text of a value in the scalar's output format (src/schema/builder.ts serializers). */
export function scalar(type: GraphQLOutputType, sql: string, nullable: boolean): string {
  if (type instanceof GraphQLEnumType) {
    const cases = type.getValues().map((v) => `when ${literal(String(v.value))} then ${jsonConstant(v.name)}`);
    return `(case ${sql}::text ${cases.join(' ')} else ${JSON_NULL} end)`;
  }
  if (!(type instanceof GraphQLScalarType)) throw new NotCompilable('not a scalar');
  switch (type.name) {
    case 'String':
    // float8 prints its shortest exact form, which JSON.parse reads back as the same double (to_json
    // also quotes NaN and Infinity, which are not JSON numbers).
    case 'Float':
      return jsonValue(sql, nullable);
    // Their text output is their JSON: no to_json pass (decision 0027).
    case 'Int':
    case 'Boolean':
      return jsonPlain(sql, nullable);
    case 'Date':
      // ISO dates on every connection (src/resources.ts): the text is YYYY-MM-DD, as the resolvers send it.
      return jsonQuoted(`${sql}::text`, nullable);
    case 'DateTime':
      return jsonQuoted(`to_char(${sql} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`, nullable);
    case 'Decimal':
      return jsonQuoted(`${sql}::text`, nullable);
    default:
      throw new NotCompilable(`scalar ${type.name}`);
  }
}
