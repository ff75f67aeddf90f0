// Prepared drizzle queries for the statements every request runs (tenant loaders, API key lookup).
// Building a query through drizzle's builder costs more CPU than PostgreSQL spends running these
// one-index-probe statements; a prepared query is built once per database handle and then only
// filled with its placeholders. Transactions are separate handles: their queries are prepared for
// that transaction and go with it (WeakMap).
import { sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../resources.ts';

type Prepared = { execute(values?: Record<string, unknown>): Promise<unknown> };

const byDb = new WeakMap<Db, Map<string, Prepared>>();

/** The query `build` prepares on `db`, made once per (db, name). */
export function preparedQuery<P extends Prepared>(db: Db, name: string, build: (db: Db) => P): P {
  let queries = byDb.get(db);
  if (!queries) byDb.set(db, (queries = new Map()));
  let query = queries.get(name) as P | undefined;
  if (!query) queries.set(name, (query = build(db)));
  return query;
}

/**
 * `insert into table (columns) values (placeholders) returning *`, prepared once per database handle
 * under `name`: execute it with a value for every column (null for one left out).
 */
export function preparedInsert<T extends PgTable, C extends keyof T['$inferInsert'] & string>(
  db: Db,
  name: string,
  table: T,
  columns: readonly C[],
): { execute(values: { [K in C]: T['$inferInsert'][K] | null }): Promise<T['$inferSelect'][]> } {
  return preparedQuery(db, `insert ${name}`, (d) =>
    d
      .insert(table)
      .values(Object.fromEntries(columns.map((column) => [column, sql.placeholder(column)])) as T['$inferInsert'])
      .returning()
      .prepare(`insert_${name.replaceAll(' ', '_')}`),
  ) as never;
}
