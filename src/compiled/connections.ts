// Relay connections of the compiled read path: one correlated top-N subquery per list (per parent row
// when nested) in the list's keyset order with the tenant predicate, the filter conditions and the
// cursor's row comparison — `limit n + 1` with row numbers when page info or a backward page needs
// them, `limit n` otherwise; edges, cursors and page info are built from its rows.
import { getNamedType, GraphQLObjectType, type FieldNode, type GraphQLField } from 'graphql';
import { collectSubfields } from 'graphql/execution/collectFields.js';
import { cursorKinds, pageWindow } from '../db/keyset.ts';
import { decodeCursor } from '../lib/cursor.ts';
import type { Compiler, CostField } from './compile.ts';
import type { SqlConnection } from './mapping.ts';
import {
  cursorExpr,
  JSON_NULL,
  jsonAgg,
  jsonBoolean,
  jsonConstant,
  jsonObject,
  jsonValue,
  NotCompilable,
  quote,
  sqlType,
  tableName,
  type Scope,
} from './sql.ts';

export function compileConnection(
  c: Compiler,
  field: GraphQLField<unknown, unknown>,
  nodes: readonly FieldNode[],
  args: Record<string, unknown>,
  conn: SqlConnection,
  parentRow: Scope,
): [string, Partial<CostField>] {
  const connType = getNamedType(field.type);
  if (!(connType instanceof GraphQLObjectType)) throw new NotCompilable('connection is not an object');
  const mark = c.mark();
  const window = pageWindow(args, conn.page);
  const ordering = conn.ordering(args);
  const conditions = conn.conditions?.(args) ?? [];
  const rows: Scope = { alias: c.alias(), used: new Set(['id']), table: conn.table };
  const selection = collectSubfields(c.schema, c.fragments, c.variables, connType, nodes);
  const edgeType = getNamedType(connType.getFields().edges?.type) as GraphQLObjectType;
  const nodeType = getNamedType(edgeType.getFields().node?.type) as GraphQLObjectType;
  const empty = window.limit === 0;
  const cursorSql = cursorExpr(rows, ordering.list, ordering.columns);
  // A cursor over a column that may be NULL is NULL for such a row.
  const cursorNullable = ordering.columns.some((col) => !col.notNull);
  const L = window.limit;
  const forward = ordering.direction === 'asc' ? !window.backward : window.backward;
  // Row numbers (and the n + 1-th row) serve page info and backward pages only; a forward page
  // without page info reads n rows, a fifth less PostgreSQL CPU on nested lists (docs/decisions/0023).
  // Either way the edges are listed in the order the subquery reads them (decision 0030).
  const ranked = window.backward || [...selection.values()].some((n) => n[0].name.value === 'pageInfo');
  const [parts, plan] = c.pairs(connType, selection, (f, fnodes): [string, Partial<CostField>] => {
    if (f.name === 'edges') {
      const edgeSel = collectSubfields(c.schema, c.fragments, c.variables, edgeType, fnodes);
      const [edgeParts, edgePlan] = c.pairs(edgeType, edgeSel, (ef, enodes): [string, Partial<CostField>] => {
        if (ef.name === 'cursor') return [jsonValue(cursorSql, cursorNullable), {}];
        if (ef.name !== 'node') throw new NotCompilable(`edge field ${ef.name}`);
        const nodeSel = collectSubfields(c.schema, c.fragments, c.variables, nodeType, enodes);
        const [obj, nplan] = c.object(nodeType, nodeSel, rows);
        return [obj, { sub: nplan }];
      });
      const edge = jsonObject(edgeParts);
      const list = empty
        ? jsonConstant([])
        : jsonAgg(
            edge,
            ranked ? `${rows.alias}."__rn" <= ${L}` : undefined,
            window.backward ? `${rows.alias}."__rn" desc` : undefined,
          );
      return [list, { sub: edgePlan }];
    }
    if (f.name !== 'pageInfo') throw new NotCompilable(`connection field ${f.name}`);
    const piType = getNamedType(f.type) as GraphQLObjectType;
    const piSel = collectSubfields(c.schema, c.fragments, c.variables, piType, fnodes);
    const cursorGiven = window.cursor !== undefined;
    const hasMore = empty ? jsonConstant(false) : jsonBoolean(`count(*) > ${L}`);
    // The kept rows' cursors in reading order (row number 1 first); a backward page reads its rows
    // from the far end, so its first edge is the last row read.
    const cursors = `(array_agg(${cursorSql}) filter (where ${rows.alias}."__rn" <= ${L}))`;
    const readFirst = `${cursors}[1]`;
    const readLast = `${cursors}[least(count(*), ${L})]`;
    const [first, last] = window.backward ? [readLast, readFirst] : [readFirst, readLast];
    const [piParts, piPlan] = c.pairs(piType, piSel, (pf): [string, Partial<CostField>] => {
      if (pf.name === 'hasNextPage') return [window.backward ? jsonConstant(cursorGiven) : hasMore, {}];
      if (pf.name === 'hasPreviousPage') return [window.backward ? hasMore : jsonConstant(cursorGiven), {}];
      if (pf.name === 'startCursor') return [empty ? JSON_NULL : jsonValue(first, true), {}];
      if (pf.name === 'endCursor') return [empty ? JSON_NULL : jsonValue(last, true), {}];
      throw new NotCompilable(`pageInfo field ${pf.name}`);
    });
    return [jsonObject(piParts), { sub: piPlan }];
  });
  const built = jsonObject(parts);
  if (empty) {
    // An empty page sends no rows: the parameters of its edges' SQL (nested cursors…) go unused.
    c.rollback(mark);
    return [built, { sub: plan }];
  }

  const x = c.alias();
  const where = [`${x}."organization_id" = ${c.orgParam}`];
  if (conn.parentColumn)
    where.push(`${x}.${quote(conn.parentColumn.name)} = ${parentRow.alias}.${c.col(parentRow, 'id')}`);
  for (const cond of conditions) {
    if (cond.column.table !== conn.table) throw new NotCompilable('condition on another table');
    where.push(`${x}.${quote(cond.column.name)} ${cond.op} ${c.param(cond.value, sqlType(cond.column))}`);
  }
  const cols = ordering.columns.map((col) => `${x}.${quote(col.name)}`);
  if (window.cursor) {
    const values = decodeCursor(window.cursor, ordering.list, cursorKinds(ordering.columns));
    // Cast as the resolvers cast cursor values (src/db/keyset.ts): the column's full type.
    const vals = ordering.columns.map((col, i) => c.param(values[i], col.getSQLType()));
    where.push(`(${cols.join(', ')}) ${forward ? '>' : '<'} (${vals.join(', ')})`);
  }
  for (const col of ordering.columns) rows.used!.add(col.name);
  const order = cols.map((col) => `${col} ${forward ? 'asc' : 'desc'}`).join(', ');
  const select = [...rows.used!].map((col) => `${x}.${quote(col)}`).join(', ');
  const from = `from ${tableName(conn.table)} ${x} where ${where.join(' and ')} order by ${order}`;
  const inner = ranked
    ? `select ${select}, row_number() over (order by ${order}) as "__rn" ${from} limit ${L + 1}`
    : `select ${select} ${from} limit ${L}`;
  return [`(select ${built} from (${inner}) ${rows.alias})`, { sub: plan }];
}
