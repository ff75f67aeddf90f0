// Counts the SQL statements each GraphQL operation sends, so tests can assert exact numbers
// (an N+1 shows up as a failing count) and /metrics can report statements per request.
// The count follows the async context: drizzle's logger runs synchronously in the caller's
// context, and DataLoader batches dispatch from the resolver that scheduled them.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'drizzle-orm/logger';

export type SqlStats = {
  statements: number;
  /** Keys per DataLoader batch in this operation, for the batch-size histogram of /metrics. */
  loaderBatches?: { loader: string; size: number }[];
  /** Set when the operation ran as one compiled statement (src/http/use-compiled-reads.ts). */
  compiled?: boolean;
};

const scope = new AsyncLocalStorage<SqlStats>();

export function withSqlStats<T>(stats: SqlStats, fn: () => T): T {
  return scope.run(stats, fn);
}

export const sqlStatsLogger: Logger = {
  logQuery() {
    const stats = scope.getStore();
    if (stats) stats.statements += 1;
  },
};

/** Called by batch functions: how many keys one batch (one statement) served. */
export function recordLoaderBatch(loader: string, size: number): void {
  const stats = scope.getStore();
  if (stats) (stats.loaderBatches ??= []).push({ loader, size });
}

/** Counts a statement sent without drizzle (the compiled read path sends its own through postgres.js). */
export function countStatement(): void {
  const stats = scope.getStore();
  if (stats) stats.statements += 1;
}
