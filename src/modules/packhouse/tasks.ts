// Scheduled packhouse work. For now a small in-process interval; a job queue can call the same
// service functions later without change.
import type { Logger } from 'pino';
import { invalidateDerived, type ResponseCache } from '../../cache/response-cache.ts';
import { repeatEvery } from '../../lib/repeat.ts';
import type { Db } from '../../resources.ts';
import { refreshDailyIntake } from './intake.ts';

/**
 * Refreshes the daily intake view every `intervalSeconds` (0 turns it off). Several processes may
 * run it: a refresh already under way elsewhere makes this one skip its turn. Returns a stop function.
 */
export function scheduleDailyIntakeRefresh(
  deps: { db: Db; log: Logger; responseCache?: ResponseCache },
  intervalSeconds: number,
): () => void {
  return repeatEvery(intervalSeconds * 1000, async () => {
    try {
      const result = await refreshDailyIntake(deps.db, { wait: false });
      if (result.refreshed) {
        deps.log.info({ durationMs: result.durationMs }, 'daily intake view refreshed');
        // Cached daily intake answers of every organization now lag the view.
        if (deps.responseCache) await invalidateDerived({ responseCache: deps.responseCache }, ['DailyIntake']);
      } else deps.log.debug('daily intake view refresh skipped: another process is refreshing it');
    } catch (err) {
      deps.log.error({ err }, 'daily intake view refresh failed; the next turn will try again');
    }
  });
}
