// Applies pending drizzle-kit migrations, then installs the job queue schema (pg-boss). Several instances may start at once (a deploy, a test run),
// so they take turns under a PostgreSQL advisory lock on a dedicated single connection.
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import type { Config } from '../config.ts';
import { createSql, type Sql } from '../resources.ts';
import { installQueues } from './queue.ts';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
const MIGRATION_LOCK = 7_201_001;

export async function runMigrations(databaseUrl: string, config: Config): Promise<{ applied: number }> {
  const sql = createSql(databaseUrl, { ...config, database: { ...config.database, statementTimeoutMs: 600_000 } }, 1);
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    const before = await appliedCount(sql);
    await migrate(drizzle(sql), { migrationsFolder });
    const after = await appliedCount(sql);
    // pg-boss keeps its own schema version; it installs or upgrades it under its own lock.
    await installQueues(databaseUrl, config);
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    return { applied: after - before };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function appliedCount(sql: Sql): Promise<number> {
  const [table] = await sql<
    { exists: boolean }[]
  >`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`;
  if (!table.exists) return 0;
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
  return row.n;
}

/** True when every migration in the repository has been applied (used by /ready). */
export async function migrationsAreCurrent(sql: Sql): Promise<boolean> {
  const journal = JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as {
    entries: unknown[];
  };
  return (await appliedCount(sql)) >= journal.entries.length;
}
