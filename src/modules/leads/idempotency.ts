// Idempotency-Key for createLead and startWorkflow: our own unique (organization, operation, key) row
// with a hash of the request, written in the transaction of the write it guards. A second request
// with the key blocks on the unique index until the first commits, then replays its result; if the
// first rolled back (a refused input), the second runs afresh. pg-boss's singletonKey cannot do this
// (it does not dedupe on a standard queue).
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { idempotencyKeyTable } from '../../db/tables/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import type { Db } from '../../resources.ts';
import { IdempotencyKeyReusedError } from './errors.ts';

export type Idempotency = { key: string; operation: string; body: unknown };

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(stable(body)).digest('hex');
}

export function checkKey(key: string): void {
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw ValidationError.of('Idempotency-Key', 'must be 1 to 200 visible ASCII characters (a UUID is a good choice)');
  }
}

/** The organization's row of this operation's key. */
function keyRow(organizationId: number, idem: Idempotency) {
  return and(
    eq(idempotencyKeyTable.organizationId, organizationId),
    eq(idempotencyKeyTable.operation, idem.operation),
    eq(idempotencyKeyTable.key, idem.key),
  );
}

/**
 * Claims the key inside `tx`. Returns null when this request is the first with the key (then call
 * `recordResult` before committing), or the ids the first request produced.
 */
export async function claimKey(tx: Db, organizationId: number, idem: Idempotency): Promise<number[] | null> {
  checkKey(idem.key);
  const hash = requestHash(idem.body);
  const inserted = await tx
    .insert(idempotencyKeyTable)
    .values({ organizationId, operation: idem.operation, key: idem.key, requestHash: hash, result: { ids: [] } })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeyTable.key });
  if (inserted.length) return null;
  const [existing] = await tx.select().from(idempotencyKeyTable).where(keyRow(organizationId, idem));
  if (existing.requestHash !== hash) throw new IdempotencyKeyReusedError(idem.key);
  return existing.result.ids;
}

export async function recordResult(tx: Db, organizationId: number, idem: Idempotency, ids: number[]): Promise<void> {
  await tx
    .update(idempotencyKeyTable)
    .set({ result: sql`${JSON.stringify({ ids })}::jsonb` })
    .where(keyRow(organizationId, idem));
}
