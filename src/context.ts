// What every resolver receives. Built once per request from the verified principal (src/http/use-auth.ts).
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { ResponseCache } from './cache/response-cache.ts';
import type { Db } from './resources.ts';
import type { SqlStats } from './db/sql-stats.ts';
import type { JobQueue } from './db/queue.ts';
import type { CredentialCache } from './modules/identity/credential-cache.ts';
import type { FailureLimit } from './limits/failure-limit.ts';
import { unauthenticated } from './lib/errors.ts';

export type Scope = 'read' | 'write' | 'admin';
export type ClientTier = 'anonymous' | 'user' | 'partner' | 'internal';

export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: number;
      organizationId: number;
      role: 'admin' | 'member';
      scopes: Scope[];
      tokenId: string;
      expiresAt: number;
    }
  | {
      kind: 'apiKey';
      apiKeyId: number;
      organizationId: number;
      keyKind: 'partner' | 'internal' | 'user';
      scopes: Scope[];
      persistedOnly: boolean;
      /** The partner manifest whose persisted operations this key may run by hash. */
      manifest: string | null;
      rateLimitPerMinute: number | null;
    };

export type Context = {
  requestId: string;
  principal: Principal;
  config: Config;
  db: Db;
  /** For resolvers whose writes the response cache cannot see (src/cache/response-cache.ts invalidate*). */
  responseCache: ResponseCache;
  /** Enqueues background jobs in a transaction (src/db/queue.ts). */
  jobs: JobQueue;
  /** Resolvers that end or narrow a credential forget the verified ones at once (other processes hear it from PostgreSQL). */
  credentials: CredentialCache;
  /** Wrong passwords per e-mail: signIn refuses an e-mail that has had too many (src/limits/failure-limit.ts). */
  signInFailures: FailureLimit;
  log: Logger;
  sqlStats: SqlStats;
  /** Set only when tracing is on: resolvers that are not plain columns get a span each (src/schema/tracing.ts). */
  tracer?: Tracer;
  /** The request's Idempotency-Key header (createLead, startWorkflow), if any. */
  idempotencyKey?: string | null;
};

export function clientTier(principal: Principal): ClientTier {
  if (principal.kind === 'anonymous') return 'anonymous';
  if (principal.kind === 'user') return 'user';
  return principal.keyKind;
}

/** A stable string naming who is calling: used as the rate-limit key and the response-cache session. */
export function principalKey(principal: Principal): string | null {
  if (principal.kind === 'user') return `user:${principal.userId}`;
  if (principal.kind === 'apiKey') return `key:${principal.apiKeyId}`;
  return null;
}

/** The caller's tenant. Every tenant-owned read and write is scoped by it. */
export function organizationOf(ctx: Pick<Context, 'principal'>): number {
  const { principal } = ctx;
  if (principal.kind === 'anonymous') throw unauthenticated('Sign in or send an API key to use this field.');
  return principal.organizationId;
}
