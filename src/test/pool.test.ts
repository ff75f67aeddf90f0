// The pool opened before the server listens (src/main.ts): the first burst of requests finds its
// connections open instead of waiting for new PostgreSQL backends.
import postgres from 'postgres';
import { afterAll, expect, it } from 'vitest';
import { warmPool } from '../resources.ts';
import { ADMIN_URL } from './db.ts';

const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
afterAll(() => admin.end());

it('warmPool opens the connections at once and leaves them open for queries', async () => {
  const name = `hg-pool-test-${process.pid}-${Date.now()}`;
  const sql = postgres(ADMIN_URL, { max: 6, connection: { application_name: name }, onnotice: () => {} });
  try {
    const count = async () =>
      (
        await admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where application_name = ${name}`
      )[0].n;
    expect(await count()).toBe(0);
    expect(await warmPool(sql, 6)).toBe(6);
    expect(await count()).toBe(6);
    // Released, not closed: six queries at once run on them without opening more.
    const rows = await Promise.all(
      Array.from({ length: 6 }, () => sql`select pg_backend_pid() as pid, pg_sleep(0.05)`),
    );
    expect(new Set(rows.map(([r]) => r.pid)).size).toBe(6);
    expect(await count()).toBe(6);
  } finally {
    await sql.end();
  }
});

it('connections that cannot be opened are left to open on demand: warmPool reports 0 and does not throw', async () => {
  const sql = postgres('postgres://postgres@127.0.0.1:1/none', { max: 3, connect_timeout: 2, onnotice: () => {} });
  try {
    expect(await warmPool(sql, 3)).toBe(0);
  } finally {
    await sql.end({ timeout: 1 });
  }
});
