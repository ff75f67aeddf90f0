// The CRM outbox drain, run by src/worker.ts. lead_crm_sync holds one row per lead (see
// src/db/tables/leads.ts): the worker claims due rows with SKIP LOCKED and a lease, reads the lead as
// it is now, pushes it, and records the outcome. Per lead there is never more than one push in flight
// (the lease) and each push carries the newest version, so a later update never lands before an
// earlier one; rows back off independently, so one failing lead never holds the others back.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../../config.ts';
import type { CrmConnectorKind } from '../../../db/tables/index.ts';
import { encodeGlobalId } from '../../../lib/global-id.ts';
import { isoFromPg } from '../../../lib/time.ts';
import type { Db, Resources } from '../../../resources.ts';
import { createConnectors, type CrmConnector, type CrmLead } from './connector.ts';

/** A claimed outbox row with its lead's current state: the CRM's fields under their own names, and the row's. */
type Claimed = Omit<CrmLead, 'id' | 'updatedAt'> & {
  lead_id: number;
  organization_id: number;
  connector: CrmConnectorKind;
  attempts: number;
  updated_at: string;
};

/** Claims up to `limit` due rows, oldest due first, with their lead's current state. */
export async function claimDue(db: Db, limit: number, leaseMs: number): Promise<Claimed[]> {
  const rows = await db.execute(sql`
    with due as (
      select lead_id from lead_crm_sync
      where state = 'pending' and next_attempt_at <= now() and (lease_until is null or lease_until < now())
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    ), claimed as (
      update lead_crm_sync s set lease_until = now() + make_interval(secs => ${leaseMs / 1000})
      from due where s.lead_id = due.lead_id
      returning s.lead_id, s.organization_id, s.connector, s.attempts
    )
    select c.*, l.version, l.name, l.email, l.phone, l.company, l.source, l.status, l.owner, l.score, l.updated_at
    from claimed c join leads l on l.id = c.lead_id`);
  return rows as unknown as Claimed[];
}

/** Delay before attempt n+1 (n ≥ 1): exponential, capped, with full jitter in its upper half. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function toCrmLead(row: Claimed): CrmLead {
  return {
    id: encodeGlobalId('Lead', row.lead_id),
    version: row.version,
    name: row.name,
    email: row.email,
    phone: row.phone,
    company: row.company,
    source: row.source,
    status: row.status,
    owner: row.owner,
    score: row.score,
    updatedAt: isoFromPg(String(row.updated_at)),
  };
}

export async function recordSuccess(db: Db, leadId: number, version: number): Promise<void> {
  // A newer version written meanwhile keeps the row pending (due now): it is pushed next.
  await db.execute(sql`
    update lead_crm_sync set
      synced_version = greatest(coalesce(synced_version, 0), ${version}),
      state = case when state = 'pending' and wanted_version > ${version} then 'pending' when state = 'pending' then 'synced' else state end,
      attempts = 0, last_error = null, synced_at = now(), lease_until = null, next_attempt_at = now(), updated_at = now()
    where lead_id = ${leadId}`);
}

export async function recordFailure(
  db: Db,
  config: Config['crm'],
  leadId: number,
  attemptsBefore: number,
  error: string,
  retryAfterMs?: number,
): Promise<void> {
  const attempts = attemptsBefore + 1;
  const dead = attempts >= config.maxAttempts;
  const delay = Math.max(retryAfterMs ?? 0, backoffMs(attempts, config.retryBaseMs, config.retryMaxMs));
  await db.execute(sql`
    update lead_crm_sync set
      attempts = ${attempts}, last_error = ${error.slice(0, 500)}, lease_until = null, updated_at = now(),
      state = case when state = 'pending' and ${dead} then 'failed' else state end,
      next_attempt_at = now() + make_interval(secs => ${delay / 1000})
    where lead_id = ${leadId}`);
}

export type CrmSyncWorker = { stop(): Promise<void>; pushed(): number };

export async function pushOne(
  db: Db,
  config: Config['crm'],
  connector: CrmConnector | undefined,
  row: Claimed,
  signal: AbortSignal,
): Promise<boolean> {
  if (!connector) {
    await recordFailure(
      db,
      config,
      row.lead_id,
      row.attempts,
      `the ${row.connector} CRM connector is not configured on this worker (set CRM_URL)`,
    );
    return false;
  }
  const outcome = await connector.push(row.organization_id, row.lead_id, toCrmLead(row), signal);
  if (outcome.ok) await recordSuccess(db, row.lead_id, row.version);
  else await recordFailure(db, config, row.lead_id, row.attempts, outcome.error, outcome.retryAfterMs);
  return outcome.ok;
}

/** Drains the outbox until stopped: keeps up to CRM_CONCURRENCY pushes in flight. */
export function startCrmSync(resources: Pick<Resources, 'db' | 'config'>, log: Logger): CrmSyncWorker {
  const { db } = resources;
  const config = resources.config.crm;
  const connectors = createConnectors(db, config);
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let pushed = 0;
  let wake: (() => void) | undefined;
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const room = config.concurrency - inFlight.size;
      let claimed: Claimed[] = [];
      if (room > 0) {
        try {
          claimed = await claimDue(db, room, config.leaseMs);
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'crm sync: claim failed');
        }
      }
      for (const row of claimed) {
        const work = pushOne(db, config, connectors[row.connector], row, stopping.signal)
          .then((ok) => {
            if (ok) pushed += 1;
          })
          .catch((err) => log.warn({ err: (err as Error).message, leadId: row.lead_id }, 'crm sync: push failed'))
          .finally(() => {
            inFlight.delete(work);
            wake?.();
          });
        inFlight.add(work);
      }
      // Full batch: go again at once; otherwise wait for a slot or the next poll.
      if (claimed.length === 0 || claimed.length < room) await nap(config.pollMs);
      else if (inFlight.size >= config.concurrency) await nap(config.pollMs);
    }
  })();

  return {
    pushed: () => pushed,
    async stop() {
      stopping.abort(new Error('worker stopping'));
      wake?.();
      await loop;
      // In-flight pushes were aborted; a lease left behind lapses and another worker pushes again.
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 300))]);
      for (const c of Object.values(connectors)) c?.close();
    },
  };
}

/** Admin actions on a lead whose sync is FAILED (dead) or stuck: push again from attempt 1, or give up. */
export async function retrySync(db: Db, organizationId: number, leadId: number): Promise<boolean> {
  const rows = await db.execute(sql`
    update lead_crm_sync set state = 'pending', attempts = 0, next_attempt_at = now(), lease_until = null, updated_at = now()
    where lead_id = ${leadId} and organization_id = ${organizationId} and state in ('failed', 'skipped', 'pending')
    returning lead_id`);
  return (rows as unknown as unknown[]).length > 0;
}

export async function skipSync(db: Db, organizationId: number, leadId: number): Promise<boolean> {
  const rows = await db.execute(sql`
    update lead_crm_sync set state = 'skipped', lease_until = null, updated_at = now()
    where lead_id = ${leadId} and organization_id = ${organizationId} and state in ('failed', 'pending')
    returning lead_id`);
  return (rows as unknown as unknown[]).length > 0;
}
