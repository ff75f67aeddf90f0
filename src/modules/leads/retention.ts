// How long the leads domain keeps its bookkeeping rows, and the prune that enforces it (run by every
// worker, src/worker.ts, every PRUNE_EVERY_MINUTES; runs that overlap just find less to delete).
// - idempotency_keys: a used Idempotency-Key of createLead or startWorkflow answers a repeat with the
//   first result for at least IDEMPOTENCY_KEY_HOURS (24 by default, as payment APIs keep theirs); a
//   key sent again after that runs the request afresh.
// - crm_webhook_events: a redelivered CRM event is a no-op for at least CRM_EVENT_RETENTION_DAYS (30);
//   one redelivered later than that is still refused as stale when a newer change was applied.
// crm_pushes is kept: it is the built-in connector's CRM itself, not bookkeeping.
import { sql, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import { crmWebhookEventTable, idempotencyKeyTable } from '../../db/tables/index.ts';
import { repeatEvery } from '../../lib/repeat.ts';
import type { Db } from '../../resources.ts';

// Rows deleted per statement: short statements, so a prune never holds many row locks for long.
const BATCH = 5_000;

/** Deletes, a batch at a time, the rows of `table` that `expired` selects; returns how many. */
async function deleteExpired(db: Db, table: SQL, expired: SQL): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await db.execute(sql`
      delete from ${table} where ctid in (select ctid from ${table} where ${expired} limit ${BATCH})
      returning 1`);
    deleted += rows.length;
    if (rows.length < BATCH) return deleted;
  }
}

export type PruneResult = { idempotencyKeys: number; crmEvents: number };

export async function pruneLeadBookkeeping(db: Db, retention: Config['retention']): Promise<PruneResult> {
  const idempotencyKeys = await deleteExpired(
    db,
    sql`${idempotencyKeyTable}`,
    sql`${idempotencyKeyTable.createdAt} < now() - make_interval(hours => ${retention.idempotencyKeyHours})`,
  );
  const crmEvents = await deleteExpired(
    db,
    sql`${crmWebhookEventTable}`,
    sql`${crmWebhookEventTable.receivedAt} < now() - make_interval(days => ${retention.crmEventDays})`,
  );
  return { idempotencyKeys, crmEvents };
}

/** Prunes every `pruneEveryMinutes` (0: never) until the returned function is called. */
export function schedulePrune(deps: { db: Db; config: Config; log: Logger }): () => void {
  const { retention } = deps.config;
  return repeatEvery(retention.pruneEveryMinutes * 60_000, async () => {
    try {
      const pruned = await pruneLeadBookkeeping(deps.db, retention);
      if (pruned.idempotencyKeys || pruned.crmEvents) deps.log.info(pruned, 'expired bookkeeping rows deleted');
    } catch (err) {
      deps.log.warn(
        { err: (err as Error).message },
        'prune of expired bookkeeping rows failed; the next turn tries again',
      );
    }
  });
}
