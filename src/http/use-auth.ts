// Verifies the API key or sign-in token before anything else runs, and puts the principal in the
// request state. A bad credential ends the request with 401 and a message naming the fix; no
// resolver runs. Requests without credentials may only sign in (and introspect the schema).
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Config } from '../config.ts';
import { authenticate } from '../modules/identity/authenticate.ts';
import { isConnectionLoss } from '../db/connection-loss.ts';
import type { Db } from '../resources.ts';
import { unauthenticated } from '../lib/errors.ts';
import { stateOf } from './request-state.ts';
import { beforeDeadline, DEADLINE_EXCEEDED, deadlineError } from './use-request-deadline.ts';

const ANONYMOUS_ROOT_FIELDS = new Set(['signIn', '__typename', '__schema', '__type']);

export function unauthorizedResponse(message: string): Response {
  return Response.json(
    { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] },
    { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
  );
}

/**
 * An unexpected failure before execution (yoga would answer it with the raw error, SQL included):
 * logged with an id, answered with only the id.
 */
export function internalErrorResponse(log: Logger, err: unknown): Response {
  const errorId = randomUUID();
  if (isConnectionLoss(err)) {
    log.warn({ err, errorId }, 'database connection lost while authenticating');
    return Response.json(
      { errors: [{ message: 'The database connection was lost while checking your credentials; send the request again in a moment.', extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, errorId } }] },
      { status: 503, headers: { 'Retry-After': '1' } },
    );
  }
  log.error({ err, errorId }, 'unexpected error before execution');
  return Response.json(
    { errors: [{ message: `Unexpected error. It has been logged with id ${errorId}; quote it when you report this.`, extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } }] },
    { status: 503, headers: { 'Retry-After': '1' } },
  );
}

export function useAuth(deps: { db: Db; config: Config; log: Logger }): Plugin {
  const timeoutMs = deps.config.http.requestTimeoutMs;
  return {
    async onRequest({ request, url, endResponse }) {
      if (!url.pathname.startsWith('/graphql')) return;
      const state = stateOf(request);
      let result: Awaited<ReturnType<typeof authenticate>> | typeof DEADLINE_EXCEEDED;
      try {
        result = await beforeDeadline(authenticate(deps.db, deps.config, request.headers), state, timeoutMs);
      } catch (err) {
        endResponse(internalErrorResponse(deps.log, err));
        return;
      }
      if (result === DEADLINE_EXCEEDED) {
        const error = deadlineError(timeoutMs);
        endResponse(Response.json({ errors: [{ message: error.message, extensions: { code: 'REQUEST_TIMEOUT' } }] }, { status: 503, headers: { 'Retry-After': '1' } }));
        return;
      }
      if (!result.ok) {
        endResponse(unauthorizedResponse(result.message));
        return;
      }
      state.principal = result.principal;
    },
    onExecute({ args }) {
      refuseAnonymous(args);
    },
    // Subscriptions never reach onExecute: without this their subscribe resolver ran for anonymous callers.
    onSubscribe({ args }) {
      refuseAnonymous(args);
    },
  };
}

function refuseAnonymous(args: { contextValue: unknown; document: DocumentNode; operationName?: string | null }): void {
  const ctx = args.contextValue as { principal?: { kind: string } };
  if (ctx.principal?.kind !== 'anonymous') return;
  const denied = rootFields(args.document, args.operationName).find((f) => !ANONYMOUS_ROOT_FIELDS.has(f));
  if (denied) {
    throw unauthenticated(`"${denied}" needs credentials. Send "Authorization: Bearer <API key or token>"; get a token with the signIn mutation.`);
  }
}

function rootFields(document: DocumentNode, operationName: string | null | undefined): string[] {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  const fragments = new Map(
    document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const names: string[] = [];
  const visit = (selections: OperationDefinitionNode['selectionSet']['selections'], seen: Set<string>) => {
    for (const s of selections) {
      if (s.kind === Kind.FIELD) names.push(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet.selections, seen);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) visit(fragment.selectionSet.selections, seen);
      }
    }
  };
  if (operation) visit(operation.selectionSet.selections, new Set());
  return names;
}
