// COPY … FROM STDIN through postgres.js: the text format's escaping, and the failure hook every
// COPY of ours needs (see copyFailure). Imports stream customers in this way, and workers store
// scored customers (jobs/tasks.ts): a COPY costs PostgreSQL a fraction of the same rows sent as
// one JSON parameter and unpacked by jsonb_to_recordset.
import { finished } from 'node:stream/promises';
import type postgres from 'postgres';

/** A value in COPY's text format: `\N` for null, backslash, tab, newline and carriage return escaped. */
export function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  // Most values (references, amounts, card JSON without escapes) need nothing: one test, not four replaces.
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : value;
}

/**
 * Rejects when PostgreSQL refuses the COPY data. postgres.js resolves a COPY query with its stream as
 * soon as the copy starts, so a refusal that arrives after the last chunk was written reaches neither
 * the stream nor the query's promise, and `finished(copy)` never settles: the import held its slot
 * and an aborted transaction until restart. The query's own reject still runs; hook it.
 */
export function copyFailure(query: postgres.PendingQuery<postgres.Row[]>): Promise<never> {
  const pending = query as unknown as { reject: (err: unknown) => void };
  const reject = pending.reject;
  const failed = new Promise<never>((_, fail) => {
    pending.reject = (err) => {
      fail(err);
      reject(err);
    };
  });
  failed.catch(() => {});
  return failed;
}

/**
 * The postgres.js connection of a drizzle transaction, for COPY (drizzle has no COPY of its own): its
 * statements run inside the transaction.
 */
export function transactionClient(tx: object): postgres.TransactionSql {
  return (tx as { session: { client: postgres.TransactionSql } }).session.client;
}

/** Runs a COPY … FROM STDIN with `text` (whole lines in the text format) as its data. */
export async function copyIn(query: postgres.PendingQuery<postgres.Row[]>, text: string): Promise<void> {
  const failed = copyFailure(query);
  const copy = await query.writable();
  copy.end(text);
  await Promise.race([finished(copy), failed]);
}
