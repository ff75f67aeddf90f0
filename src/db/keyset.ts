// Keyset (cursor) pagination for lists and for per-parent nested lists.
// Lists order by (sort column, id) in one direction, so the row comparison `(a, id) > (x, y)` is
// served by an index on (organization_id, [filter,] a, id) in either direction. Nested lists load
// the first N children of every parent in one statement with `unnest(parents) cross join lateral`
// (docs/decisions/0011-dataloader-per-level.md).
import { and, asc, desc, eq, getTableColumns, getTableName, is, sql, type SQL } from 'drizzle-orm';
import { PgTable, type PgColumn, type PgMaterializedView } from 'drizzle-orm/pg-core';
import { decodeCursor, encodeCursor, type CursorValue, type CursorValueKind } from '../lib/cursor.ts';
import { badUserInput } from '../lib/errors.ts';
import type { Db } from '../resources.ts';
import { recordLoaderBatch } from './sql-stats.ts';

export type PageArgs = {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
};

export type Ordering<Row> = {
  /** Names the list and ordering; a cursor only works where it was issued. */
  list: string;
  columns: PgColumn[];
  direction: 'asc' | 'desc';
  key: (row: Row) => CursorValue[];
};

export type Edge<Row> = { cursor: string; node: Row };
export type Page<Row> = {
  edges: Edge<Row>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};

export type PageSize = { defaultSize: number; maxSize: number };
export const LIST_PAGE: PageSize = { defaultSize: 50, maxSize: 500 };
export const NESTED_PAGE: PageSize = { defaultSize: 10, maxSize: 100 };

export type Window = { limit: number; backward: boolean; cursor: string | undefined };

/** Checks first/last/after/before; out-of-range sizes are refused, never silently clamped. */
export function pageWindow(args: PageArgs, size: PageSize): Window {
  const { first, last, after, before } = args;
  if (first != null && last != null) throw badUserInput('Pass either `first` or `last`, not both.');
  if (after != null && before != null) throw badUserInput('Pass either `after` or `before`, not both.');
  if (last != null && after != null) throw badUserInput('`after` pages forwards: use it with `first`.');
  if (first != null && before != null) throw badUserInput('`before` pages backwards: use it with `last`.');
  const backward = last != null || before != null;
  const requested = (backward ? last : first) ?? size.defaultSize;
  const name = backward ? 'last' : 'first';
  if (!Number.isInteger(requested) || requested < 0 || requested > size.maxSize) {
    throw badUserInput(
      `\`${name}\` must be between 0 and ${size.maxSize} (got ${requested}). Fetch more rows by paging with the returned cursors.`,
      { argument: name, maximum: size.maxSize },
    );
  }
  return { limit: requested, backward, cursor: (backward ? before : after) ?? undefined };
}

/** How each ordering column's value is checked when a cursor is decoded. */
export function cursorKinds(columns: PgColumn[]): CursorValueKind[] {
  return columns.map((c) => {
    switch (c.columnType) {
      case 'PgInteger':
      case 'PgSerial':
      case 'PgSmallInt':
        return 'int';
      case 'PgDateString':
      case 'PgDate':
        return 'date';
      case 'PgTimestampString':
      case 'PgTimestamp':
        return 'timestamp';
      case 'PgNumeric':
        return 'decimal';
      default:
        return 'text';
    }
  });
}

function keysetCondition(ordering: Ordering<unknown>, window: Window): { after: SQL | undefined; order: SQL[] } {
  const forward = ordering.direction === 'asc' ? !window.backward : window.backward;
  const order = ordering.columns.map((c) => (forward ? asc(c) : desc(c)));
  if (!window.cursor) return { after: undefined, order };
  const values = decodeCursor(window.cursor, ordering.list, cursorKinds(ordering.columns));
  const cols = sql.join(ordering.columns, sql`, `);
  const vals = sql.join(
    ordering.columns.map((c, i) => sql`cast(${values[i]} as ${sql.raw(c.getSQLType())})`),
    sql`, `,
  );
  return { after: forward ? sql`(${cols}) > (${vals})` : sql`(${cols}) < (${vals})`, order };
}

/** An edge whose cursor is encoded only if the query asks for it (most list queries do not). */
class LazyEdge<Row> {
  readonly node: Row;
  readonly #ordering: Ordering<Row>;
  #cursor: string | undefined;
  constructor(node: Row, ordering: Ordering<Row>) {
    this.node = node;
    this.#ordering = ordering;
  }
  get cursor(): string {
    return (this.#cursor ??= encodeCursor(this.#ordering.list, this.#ordering.key(this.node)));
  }
}

export function toPage<Row>(rows: Row[], ordering: Ordering<Row>, window: Window): Page<Row> {
  const hasMore = rows.length > window.limit;
  const slice = rows.slice(0, window.limit);
  if (window.backward) slice.reverse();
  const edges: Edge<Row>[] = slice.map((node) => new LazyEdge(node, ordering));
  return {
    edges,
    pageInfo: {
      hasNextPage: window.backward ? window.cursor !== undefined : hasMore,
      hasPreviousPage: window.backward ? hasMore : window.cursor !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** One page of `table` (or materialized view) rows matching `where`, in `ordering`, as a Relay connection. */
export async function keysetPage<T extends PgTable | PgMaterializedView>(
  db: Db,
  table: T,
  where: SQL | undefined,
  ordering: Ordering<T['$inferSelect']>,
  args: PageArgs,
  size: PageSize = LIST_PAGE,
): Promise<Page<T['$inferSelect']>> {
  const window = pageWindow(args, size);
  if (window.limit === 0) return toPage([], ordering, window);
  const { after, order } = keysetCondition(ordering as Ordering<unknown>, window);
  if (!is(table, PgTable)) {
    const rows = await db
      .select()
      .from(table as unknown as PgTable)
      .where(and(where, after))
      .orderBy(...order)
      .limit(window.limit + 1);
    return toPage(rows as T['$inferSelect'][], ordering, window);
  }
  // Tables take the short path of nested lists: drizzle's select builder costs more CPU per request
  // than PostgreSQL spends on the page.
  const condition = and(where, after);
  const result = await db.execute(sql`
    select ${selectList(table)} from ${table}
    ${condition ? sql`where ${condition}` : sql``}
    order by ${sql.join(order, sql`, `)}
    limit ${window.limit + 1}`);
  const rows = (result as unknown as Record<string, unknown>[]).map((raw) => mapRow(table, raw));
  return toPage(rows as T['$inferSelect'][], ordering, window);
}

// Per table, computed once: mapRow runs for every row of every list.
const columnsOf = new WeakMap<PgTable, [string, PgColumn][]>();
const selectListOf = new WeakMap<PgTable, SQL>();

function columnEntries(table: PgTable): [string, PgColumn][] {
  let columns = columnsOf.get(table);
  if (!columns) columnsOf.set(table, (columns = Object.entries(getTableColumns(table))));
  return columns;
}

/**
 * The table's columns by name, for raw selects (never `select *`: a column the code expects but the
 * database lacks must fail the statement, not read as null).
 */
function selectList(table: PgTable): SQL {
  let list = selectListOf.get(table);
  if (!list) {
    const quoted = columnEntries(table).map(([, column]) => `"${column.name.replaceAll('"', '""')}"`);
    selectListOf.set(table, (list = sql.raw(quoted.join(', '))));
  }
  return list;
}

/** Maps a raw row (column names) to the table's typed shape (property names). */
export function mapRow<T extends PgTable>(table: T, raw: Record<string, unknown>): T['$inferSelect'] {
  const columns = columnEntries(table);
  const out: Record<string, unknown> = {};
  for (const [key, column] of columns) {
    const value = raw[column.name];
    out[key] = value == null ? value : column.mapFromDriverValue(value);
  }
  return out as T['$inferSelect'];
}

/** A select list of some columns only (rows then lack the others: see lateralPages' `omit`). */
function selectListWithout(table: PgTable, omit: readonly PgColumn[]): SQL {
  const quoted = columnEntries(table)
    .filter(([, column]) => !omit.includes(column))
    .map(([, column]) => `"${column.name.replaceAll('"', '""')}"`);
  return sql.raw(quoted.join(', '));
}

/**
 * The same page for many parents in ONE statement: for each parent id, the first N children where
 * `parentColumn = parent`, filtered by `where`, in `ordering`. Returns a page for every parent id.
 * `omit` leaves large columns out of the rows (they come back undefined): a list of lessons should not
 * carry every lesson's body when the query asks for titles.
 */
export async function lateralPages<T extends PgTable>(
  db: Db,
  table: T,
  parentColumn: PgColumn,
  parentIds: readonly number[],
  where: SQL | undefined,
  ordering: Ordering<T['$inferSelect']>,
  args: PageArgs,
  size: PageSize = NESTED_PAGE,
  omit: readonly PgColumn[] = [],
): Promise<Page<T['$inferSelect']>[]> {
  const window = pageWindow(args, size);
  const byParent = new Map<number, T['$inferSelect'][]>(parentIds.map((id) => [id, []]));
  if (window.limit > 0 && parentIds.length > 0) {
    const { after, order } = keysetCondition(ordering as Ordering<unknown>, window);
    const unique = [...new Set(parentIds)];
    recordLoaderBatch(`${getTableName(table)}.${parentColumn.name}`, unique.length);
    const ids = `{${unique.map((id) => Math.trunc(id)).join(',')}}`;
    const result = await db.execute(sql`
      select p.parent_id as "__parent", c.*
      from unnest(${ids}::int[]) as p(parent_id)
      cross join lateral (
        select ${omit.length ? selectListWithout(table, omit) : selectList(table)} from ${table}
        where ${and(sql`${parentColumn} = p.parent_id`, where, after)}
        order by ${sql.join(order, sql`, `)}
        limit ${window.limit + 1}
      ) c`);
    for (const raw of result as unknown as Record<string, unknown>[]) {
      byParent.get(Number(raw.__parent))?.push(mapRow(table, raw));
    }
  }
  return parentIds.map((id) => toPage(byParent.get(id) ?? [], ordering, window));
}

/**
 * Each parent's children of one organization newest first (`time` descending, then id), as
 * `lateralPages`: a batch's or a lead's history, a lead's workflow runs. `ordering` is the list's
 * cursor ordering; `pages` loads a page for every parent id in one statement.
 */
export function newestFirstByParent<
  T extends PgTable & { id: PgColumn; organizationId: PgColumn },
  K extends keyof T & keyof T['$inferSelect'],
>(table: T, { parent, time, list }: { parent: K; time: K; list: string }) {
  const ordering: Ordering<T['$inferSelect']> = {
    list,
    columns: [table[time] as PgColumn, table.id],
    direction: 'desc',
    key: (row) => [row[time] as CursorValue, row.id as CursorValue],
  };
  const pages = (db: Db, organizationId: number, parentIds: readonly number[], page: PageArgs) =>
    lateralPages(
      db,
      table,
      table[parent] as PgColumn,
      parentIds,
      eq(table.organizationId, organizationId),
      ordering,
      page,
    );
  return { ordering, pages };
}

/**
 * The ordering `list` names: by `column` of `table`, then by id (ties), both `direction`. `column` is
 * the row field and the table column alike.
 */
export function orderBy<T extends PgTable & { id: PgColumn }, K extends keyof T & keyof T['$inferSelect'] & string>(
  table: T,
  list: string,
  column: K,
  direction: 'asc' | 'desc',
): Ordering<T['$inferSelect']> {
  return {
    list,
    columns: [table[column] as PgColumn, table.id],
    direction,
    key: (row) => [row[column] as CursorValue, row.id as CursorValue],
  };
}

/** Newest rows first by id (ids grow with time): the ordering of job lists. */
export function newestFirst<T extends PgTable & { id: PgColumn }>(table: T, list: string): Ordering<T['$inferSelect']> {
  return { list, columns: [table.id], direction: 'desc', key: (row) => [row.id as CursorValue] };
}

/** A page of one organization's rows of a tenant-owned table: the top-level lists (keys, growers, runs, jobs…). */
export function tenantPage<T extends PgTable & { organizationId: PgColumn }>(
  db: Db,
  table: T,
  organizationId: number,
  ordering: Ordering<T['$inferSelect']>,
  args: PageArgs,
  size?: PageSize,
) {
  return keysetPage(db, table, eq(table.organizationId, organizationId), ordering, args, size);
}
