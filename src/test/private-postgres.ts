// A private PostgreSQL 15 for tests that restart or kill the database: never the machine's shared
// one. initdb into a temp folder, on a free port, as the `postgres` user when we run as root (initdb
// refuses root); fsync off, it is thrown away at the end.
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server-process.ts';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export type PrivatePostgres = {
  port: number;
  url: string;
  /** pg_ctl restart -m fast: every connection is closed, the server is back when this resolves. */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'hg-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const { uid, gid } = asRoot ? await idsOf('postgres') : { uid: -1, gid: -1 };
  if (asRoot) chownSync(dir, uid, gid);
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]) : run(join(BIN, tool), args);
  const port = await freePort();
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60`;
  const ctl = (...args: string[]) => pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', ...args]);
  await ctl('start');
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => {
      await ctl('restart', '-m', 'fast');
    },
    async stop() {
      await ctl('stop', '-m', 'immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function idsOf(user: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: u }, { stdout: g }] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(u.trim()), gid: Number(g.trim()) };
}
