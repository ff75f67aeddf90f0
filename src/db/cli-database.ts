// The database a command-line tool works on (seed, job files, migrations, worker, operator commands):
// DATABASE_URL when set; otherwise the embedded PostgreSQL of a running `npm start`, found by
// connecting to its port; otherwise the embedded PostgreSQL started for this command and stopped
// after it. Starting a second embedded server on the data of a running one is what crashed
// `npm run seed` beside `npm start`.
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import postgres from 'postgres';
import type { Config } from '../config.ts';
import { describeRejection, embeddedDatabaseUrl, startEmbeddedPostgres } from './embedded.ts';
import { runMigrations } from './migrate.ts';

export type CliDatabase = {
  url: string;
  /** Which database this is, in words, for the command's first line. */
  label: string;
  source: 'DATABASE_URL' | 'running' | 'started';
  /** Migrations this command applied. */
  applied: number;
  /** Stops the embedded PostgreSQL when this command started it; leaves any other alone. */
  close(): Promise<void>;
};

/** The data directory of the PostgreSQL answering on the embedded port, or null when nothing listens. */
async function runningEmbedded(config: Config): Promise<string | null> {
  const sql = postgres(embeddedDatabaseUrl(config), {
    max: 1,
    connect_timeout: 5,
    idle_timeout: 1,
    onnotice: () => {},
  });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const [row] = await sql<{ dir: string }[]>`select current_setting('data_directory') as dir`;
        return row.dir;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ECONNREFUSED') return null;
        // 57P03: the server is still starting (a `npm start` seconds old, or recovering after a crash).
        if (code === '57P03' && attempt < 40) {
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        throw new Error(
          `Something answers on the embedded PostgreSQL port ${config.embeddedPostgres.port} but refused the connection (${describeRejection(err) || code}). ` +
            'Set EMBEDDED_PG_PORT to the port your `npm start` uses, or DATABASE_URL to your own PostgreSQL.',
        );
      }
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function samePath(a: string, b: string): Promise<boolean> {
  const real = (p: string) => realpath(p).catch(() => resolve(p));
  return (await real(a)) === (await real(b));
}

export async function openCliDatabase(
  config: Config,
  log: Logger,
  options: { migrate?: boolean } = {},
): Promise<CliDatabase> {
  const migrate = async (url: string) => (options.migrate === false ? 0 : (await runMigrations(url, config)).applied);
  if (config.database.url) {
    const url = config.database.url;
    const applied = await migrate(url).catch((err: unknown) => {
      throw new Error(
        `Cannot use the database at ${new URL(url).host} (${describeRejection(err)}): check DATABASE_URL.`,
      );
    });
    return {
      url,
      label: `PostgreSQL at ${new URL(url).host} (DATABASE_URL)`,
      source: 'DATABASE_URL',
      applied,
      close: async () => {},
    };
  }
  const { dir, port } = config.embeddedPostgres;
  const running = await runningEmbedded(config);
  if (running !== null) {
    if (!(await samePath(running, dir))) {
      throw new Error(
        `The PostgreSQL on port ${port} keeps its data in ${running}, not in ${resolve(dir)}: it belongs to another checkout or server. ` +
          'Set EMBEDDED_PG_DIR and EMBEDDED_PG_PORT to those of your `npm start`, or DATABASE_URL to your own PostgreSQL.',
      );
    }
    const url = embeddedDatabaseUrl(config);
    return {
      url,
      label: `the embedded PostgreSQL of the running server (port ${port})`,
      source: 'running',
      applied: await migrate(url),
      close: async () => {},
    };
  }
  const embedded = await startEmbeddedPostgres(config, log);
  try {
    const applied = await migrate(embedded.url);
    return {
      url: embedded.url,
      label: `the embedded PostgreSQL (data in ${dir}, port ${port}; started for this command, no server was running)`,
      source: 'started',
      applied,
      close: () => embedded.stop(),
    };
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}
