// Counts the SQL statements each GraphQL operation sends, so tests can assert exact numbers
// (an N+1 shows up as a failing count) and /metrics can report statements per request.
// The count follows the async context: drizzle's logger runs synchronously in the caller's
// context, and DataLoader batches dispatch from the resolver that scheduled them.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'drizzle-orm/logger';

export type SqlStats = { statements: number };

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
