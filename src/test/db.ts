// Test isolation by database: every test file gets a fresh copy of a migrated template database
// (CREATE DATABASE … TEMPLATE takes ~100 ms), on the machine's real PostgreSQL.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import postgres from 'postgres';
import { loadConfig } from '../config.ts';
import { migrationsFolder, runMigrations } from '../db/migrate.ts';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PREFIX = 'hg_t_';

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

function admin() {
  return postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
}

async function migrationsHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of (await readdir(migrationsFolder, { recursive: true })).sort()) {
    if (file.endsWith('.sql') || file.endsWith('.json'))
      hash.update(file).update(await readFile(`${migrationsFolder}/${file}`));
  }
  return hash.digest('hex').slice(0, 12);
}

export async function ensureTemplateDatabase(): Promise<string> {
  const name = `hg_tpl_${await migrationsHash()}`;
  const sql = admin();
  try {
    await sql`select pg_advisory_lock(7201002)`;
    const [exists] = await sql`select 1 from pg_database where datname = ${name}`;
    if (!exists) {
      await sql.unsafe(`create database "${name}"`);
      try {
        await runMigrations(urlFor(name), loadConfig({ NODE_ENV: 'test' }));
      } catch (err) {
        await sql.unsafe(`drop database if exists "${name}"`);
        throw err;
      }
    }
    await sql`select pg_advisory_unlock(7201002)`;
    return name;
  } finally {
    await sql.end();
  }
}

/** Databases of runs that crashed before cleaning up; the name carries the creation time. */
export async function dropStaleTestDatabases(maxAgeSeconds = 3 * 3600): Promise<void> {
  const sql = admin();
  try {
    const rows = await sql<{ datname: string }[]>`select datname from pg_database where datname like ${`${PREFIX}%`}`;
    const now = Math.floor(Date.now() / 1000);
    for (const { datname } of rows) {
      const created = Number(datname.split('_')[2]);
      if (Number.isFinite(created) && now - created > maxAgeSeconds) {
        await sql.unsafe(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
      }
    }
  } finally {
    await sql.end();
  }
}

export type TestDatabase = { name: string; url: string; drop(): Promise<void> };

export async function createTestDatabase(template: string): Promise<TestDatabase> {
  const name = `${PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const sql = admin();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await sql.unsafe(`create database "${name}" template "${template}"`);
        break;
      } catch (err) {
        // Another run may be connected to the template for a moment (it is being migrated).
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await sql.end();
  }
  return {
    name,
    url: urlFor(name),
    async drop() {
      const s = admin();
      try {
        await s.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await s.end();
      }
    },
  };
}
