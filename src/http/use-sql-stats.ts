// Runs each execution inside its request's SQL statement counter (src/db/sql-stats.ts).
import type { Plugin } from 'graphql-yoga';
import { withSqlStats } from '../db/sql-stats.ts';
import type { Context } from '../context.ts';

export function useSqlStats(): Plugin<Context> {
  return {
    onExecute({ executeFn, setExecuteFn, args }) {
      const stats = (args.contextValue as Context).sqlStats;
      setExecuteFn((execArgs) => withSqlStats(stats, () => executeFn(execArgs)));
    },
  };
}
