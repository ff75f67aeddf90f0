// Holding a table lock from another connection, so that every statement that reads the table waits:
// how the tests stall the database under one query without stopping it.
import postgres from 'postgres';

/** Runs `body` while another connection holds an exclusive lock on `table`. */
export async function withTableLocked<T>(url: string, table: string, body: () => Promise<T>): Promise<T> {
  const other = postgres(url, { max: 1, onnotice: () => {} });
  let release!: () => void;
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const held = other.begin(async (tx) => {
    await tx.unsafe(`lock table "${table.replace(/"/g, '""')}" in access exclusive mode`);
    locked();
    await new Promise<void>((resolve) => (release = resolve));
  });
  try {
    await isLocked;
    return await body();
  } finally {
    release();
    await held;
    await other.end();
  }
}
