// The request edge shared by every plugin: the GraphQL path, the plugin type that knows our context,
// and authenticateRequest, the one way a route turns credentials into a principal. It runs under the
// request deadline (REQUEST_TIMEOUT_MS, counted from arrival), so a stalled database during the key
// lookup answers with a retryable 503 instead of holding the request.
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Context, Principal } from '../context.ts';
import { withDeadline } from '../lib/timeout.ts';
import { authenticate, cachedPrincipal } from '../modules/identity/authenticate.ts';
import type { CredentialCache } from '../modules/identity/credential-cache.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db } from '../resources.ts';
import { stateOf, type RequestState } from './request-state.ts';
import { internalErrorResponse, requestTimeoutResponse, unauthorizedResponse } from './responses.ts';

export const GRAPHQL_PATH = '/graphql';

/** GraphQL itself and what yoga serves below it (GraphiQL). */
export const isGraphqlPath = (url: URL): boolean => url.pathname.startsWith(GRAPHQL_PATH);

/** Our yoga plugins: args.contextValue is the request's Context (src/app.ts), request included. */
export type AppPlugin = Plugin<Context>;

/** Milliseconds left before the request's deadline (never negative). */
export function remainingMs(state: RequestState, timeoutMs: number): number {
  return Math.max(0, state.startedAt + timeoutMs - performance.now());
}

export type Authenticated = { ok: true; principal: Principal } | { ok: false; response: Response };
export type AuthenticateRequest = (request: Request) => Promise<Authenticated>;

const ANONYMOUS: Authenticated = { ok: true, principal: { kind: 'anonymous' } };

/** Verifies the request's API key or sign-in token and records the principal in the request state. */
export function requestAuthenticator(deps: {
  db: Db;
  config: Config;
  log: Logger;
  credentials?: CredentialCache;
  metrics?: Metrics;
}): AuthenticateRequest {
  const timeoutMs = deps.config.http.requestTimeoutMs;
  return async (request) => {
    const { headers } = request;
    // No credentials, no lookup: the common anonymous case costs no timer.
    if (!headers.has('authorization') && !headers.has('x-api-key')) return ANONYMOUS;
    const state = stateOf(request);
    // Verified a moment ago and unchanged since (credential-cache.ts): no database, no timer.
    const cached = cachedPrincipal(deps.credentials, headers);
    if (cached) {
      deps.metrics?.credentialChecks.inc({ source: 'kept' });
      state.principal = cached;
      return { ok: true, principal: cached };
    }
    deps.metrics?.credentialChecks.inc({ source: 'database' });
    const outcome = await withDeadline(
      authenticate(deps.db, deps.config, headers, deps.credentials),
      remainingMs(state, timeoutMs),
    );
    if (!outcome.ok) {
      return {
        ok: false,
        response:
          outcome.reason === 'timeout'
            ? requestTimeoutResponse(timeoutMs)
            : internalErrorResponse(deps.log, outcome.error),
      };
    }
    if (!outcome.value.ok) return { ok: false, response: unauthorizedResponse(outcome.value.message) };
    state.principal = outcome.value.principal;
    return { ok: true, principal: outcome.value.principal };
  };
}

/**
 * A plugin written for any context (yoga's own, and the ones we wrap) added from one of ours: it reads
 * only what every yoga context has. TypeScript cannot see that through the hooks' parameter types.
 */
export function forAnyContext(plugin: Plugin): AppPlugin {
  return plugin as AppPlugin;
}
