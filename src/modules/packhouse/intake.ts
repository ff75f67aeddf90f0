// Daily grower intake: a materialized view (batches, gross and net kg per grower per day), read
// tenant-scoped and refreshed CONCURRENTLY so readers never wait on a refresh. No GraphQL here.
import { and, eq, gte, lte, sql } from 'drizzle-orm';
import { dailyGrowerIntakeView, viewRefreshTable } from '../../db/tables/index.ts';
import { keysetPage, type Ordering, type PageArgs } from '../../db/keyset.ts';
import type { Db } from '../../resources.ts';
import { checkPeriod } from './payments.ts';

export type DailyIntake = typeof dailyGrowerIntakeView.$inferSelect;
export type IntakeFilter = { from?: string | null; to?: string | null; growerId?: number | null };

export const DAILY_INTAKE_VIEW = 'daily_grower_intake';
// One refresh at a time across every API and worker process; the others skip or wait their turn.
const REFRESH_LOCK = 7_204_001;

const ORDERING: Ordering<DailyIntake> = {
  list: 'dailyIntake',
  columns: [dailyGrowerIntakeView.intakeDate, dailyGrowerIntakeView.growerId],
  direction: 'desc',
  key: (d) => [d.intakeDate, d.growerId],
};

/** Newest day first; `growerId` narrows to one grower (daily_grower_intake_key serves it). */
export function listDailyIntake(db: Db, organizationId: number, filter: IntakeFilter, page: PageArgs) {
  checkPeriod(filter.from, filter.to);
  const v = dailyGrowerIntakeView;
  const where = and(
    eq(v.organizationId, organizationId),
    filter.growerId != null ? eq(v.growerId, filter.growerId) : undefined,
    filter.from ? gte(v.intakeDate, filter.from) : undefined,
    filter.to ? lte(v.intakeDate, filter.to) : undefined,
  );
  return keysetPage(db, v, where, ORDERING, page);
}

export type RefreshResult = { refreshed: boolean; refreshedAt: string | null; durationMs: number | null };

/**
 * Refreshes the view for every organization. `wait: false` (the schedule) skips when another
 * process is refreshing; `wait: true` (the admin mutation) queues behind it, so the data it reports
 * was read after the call.
 */
export async function refreshDailyIntake(db: Db, options: { wait: boolean }): Promise<RefreshResult> {
  return db.transaction(async (tx) => {
    // A refresh reads every batch: allow it more than an API statement's few seconds.
    await tx.execute(sql`set local statement_timeout = '10min'`);
    const lock = options.wait
      ? sql`select pg_advisory_xact_lock(${REFRESH_LOCK}) is null as locked`
      : sql`select pg_try_advisory_xact_lock(${REFRESH_LOCK}) as locked`;
    const [{ locked }] = await tx.execute<{ locked: boolean }>(lock);
    if (!options.wait && !locked) return { refreshed: false, refreshedAt: null, durationMs: null };
    const started = performance.now();
    await tx.execute(sql`refresh materialized view concurrently ${sql.identifier(DAILY_INTAKE_VIEW)}`);
    const durationMs = Math.round(performance.now() - started);
    const [row] = await tx
      .insert(viewRefreshTable)
      .values({ viewName: DAILY_INTAKE_VIEW, refreshedAt: sql`clock_timestamp()`, durationMs })
      .onConflictDoUpdate({
        target: viewRefreshTable.viewName,
        set: { refreshedAt: sql`excluded.refreshed_at`, durationMs },
      })
      .returning();
    return { refreshed: true, refreshedAt: row.refreshedAt, durationMs };
  });
}

/** When the view was last refreshed, or null if never since it was created. */
export async function dailyIntakeRefreshedAt(db: Db): Promise<string | null> {
  const [row] = await db.select().from(viewRefreshTable).where(eq(viewRefreshTable.viewName, DAILY_INTAKE_VIEW));
  return row?.refreshedAt ?? null;
}
