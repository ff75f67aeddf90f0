// Runs each execution inside its request's SQL statement counter (src/db/sql-stats.ts).
import { withSqlStats } from '../db/sql-stats.ts';
import type { AppPlugin } from './edge.ts';

export function useSqlStats(): AppPlugin {
  return {
    onExecute({ executeFn, setExecuteFn, args }) {
      const stats = args.contextValue.sqlStats;
      setExecuteFn((execArgs) => withSqlStats(stats, () => executeFn(execArgs)));
    },
  };
}
