// SQL text shared by the compiled read path's parts: quoting, parameter types, Relay ids, cursors and
// the output format of each scalar, byte for byte what the resolvers (src/schema/builder.ts,
// src/lib/cursor.ts, src/lib/global-id.ts) produce for the same row.
import { getNullableType, GraphQLEnumType, GraphQLList, GraphQLScalarType, type GraphQLOutputType } from 'graphql';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { RowTable } from './mapping.ts';

/** Thrown for anything that does not compile: the operation then runs its resolvers. */
export class NotCompilable extends Error {}

export const MAX_INT4 = 2_147_483_647;
// json_build_object takes at most 100 arguments.
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

/** A column's value in the field type's output format (src/schema/builder.ts serializers). */
export function columnValue(type: GraphQLOutputType, column: PgColumn, sql: string): string {
  const nullable = getNullableType(type);
  if (nullable instanceof GraphQLList) {
    // [String!]! over text[]: to_json writes the array as graphql-js would (`[]` when empty).
    const item = getNullableType(nullable.ofType);
    if (column.columnType !== 'PgArray' || column.getSQLType() !== 'text[]')
      throw new NotCompilable('list over a non-array column');
    if (!(item instanceof GraphQLScalarType && item.name === 'String')) throw new NotCompilable('list of non-strings');
    return `to_json(${sql})`;
  }
  if (column.columnType === 'PgArray') throw new NotCompilable('array column as a scalar');
  return scalar(nullable, sql);
}

/** A value in the scalar's output format (src/schema/builder.ts serializers). */
export function scalar(type: GraphQLOutputType, sql: string): string {
  if (type instanceof GraphQLEnumType) {
    const cases = type.getValues().map((v) => `when '${String(v.value).replaceAll("'", "''")}' then '${v.name}'`);
    return `(case ${sql}::text ${cases.join(' ')} end)`;
  }
  if (!(type instanceof GraphQLScalarType)) throw new NotCompilable('not a scalar');
  switch (type.name) {
    case 'String':
    case 'Int':
    case 'Boolean':
    // float8 prints its shortest exact form, which JSON.parse reads back as the same double.
    case 'Float':
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
