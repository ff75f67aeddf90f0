// The credentials this API process verified in the last few seconds, so that a busy client's
// requests do not each read its key (or its user) from the database again.
//
// Correctness comes from PostgreSQL, not from the time limit: every change that can end or narrow a
// credential fires a NOTIFY on `credentials_changed` at commit (drizzle/0013), and every process
// forgets all it holds when one arrives, when its listening connection comes back, and when a write of
// its own changes a credential (`forget`). The time limit (CREDENTIAL_CACHE_SECONDS) only bounds what
// a process could miss while its listening connection is down. An expiry is checked on every use, as
// before. Only verified credentials are kept: a wrong key is looked up every time, so guessing gains
// nothing (docs/decisions/0028-credential-cache-with-database-notifications.md).
import type { Logger } from 'pino';
import type { Principal } from '../../context.ts';
import type { Sql } from '../../resources.ts';

export const CREDENTIALS_CHANNEL = 'credentials_changed';

type Entry = { principal: Principal; until: number; expiresAt: number };

export type CredentialCache = {
  /** The principal verified for this credential, while it is fresh and not expired. */
  get(credential: string): Principal | undefined;
  /** Keeps a verified principal; `expiresAt` (epoch ms) is when the credential itself stops working. */
  set(credential: string, principal: Principal, expiresAt?: number): void;
  /** Forgets everything: a credential changed. */
  forget(): void;
  readonly size: number;
};

export type CredentialCacheOptions = {
  ttlMs: number;
  maxEntries?: number;
  /** The pool whose database sends the notifications; listening starts with the first entry kept. */
  sql?: Sql;
  log?: Logger;
  now?: () => number;
};

export function createCredentialCache({
  ttlMs,
  maxEntries = 10_000,
  sql,
  log,
  now = Date.now,
}: CredentialCacheOptions): CredentialCache {
  const entries = new Map<string, Entry>();
  // Nothing is kept until PostgreSQL has confirmed that this process hears about changes.
  let listening = !sql;
  let startedListening = false;
  const forget = () => entries.clear();

  const listen = () => {
    if (startedListening || !sql) return;
    startedListening = true;
    sql
      .listen(CREDENTIALS_CHANNEL, forget, () => {
        // Called again after every reconnect: what changed meanwhile was not heard.
        forget();
        listening = true;
      })
      .catch((err: Error) => {
        startedListening = false;
        log?.warn({ err: err.message }, 'credential changes cannot be heard; every request reads its credential');
      });
  };

  return {
    get(credential) {
      const entry = entries.get(credential);
      if (!entry) return undefined;
      const t = now();
      if (t >= entry.until || t >= entry.expiresAt) {
        entries.delete(credential);
        return undefined;
      }
      return entry.principal;
    },
    set(credential, principal, expiresAt = Number.POSITIVE_INFINITY) {
      if (ttlMs <= 0) return;
      listen();
      if (!listening) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(credential, { principal, until: now() + ttlMs, expiresAt });
    },
    forget,
    get size() {
      return entries.size;
    },
  };
}
