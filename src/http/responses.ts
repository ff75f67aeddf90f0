// Every answer the HTTP plugins write themselves (before or outside GraphQL execution) has the GraphQL
// error shape clients already parse: { errors: [{ message, extensions: { code, … } }] }.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isConnectionLoss } from '../db/connection-loss.ts';
import { isPoolWaitTimeout } from '../db/pool-gate.ts';

export const POOL_BUSY_MESSAGE =
  'Every database connection is busy; send the request again in a moment (the server is under more load than it can answer now).';

export function errorResponse(
  status: number,
  message: string,
  extensions: { code: string } & Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ errors: [{ message, extensions }] }, { status, headers });
}

/** An errorResponse named by its code (and any further extensions): the refusals of the non-GraphQL routes. */
export function problem(
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return errorResponse(status, message, { code, ...extensions }, headers);
}

export function unauthorizedResponse(message: string): Response {
  return errorResponse(401, message, { code: 'UNAUTHENTICATED' }, { 'WWW-Authenticate': 'Bearer' });
}

export function forbiddenResponse(message: string): Response {
  return errorResponse(403, message, { code: 'FORBIDDEN' });
}

export function requestTimeoutMessage(timeoutMs: number): string {
  return `The request did not finish within ${timeoutMs} ms and was stopped: the server is busy. Retry in a moment; if it keeps happening, ask for fewer rows.`;
}

/** The request deadline passed before the answer was ready: retryable. */
export function requestTimeoutResponse(timeoutMs: number): Response {
  return errorResponse(503, requestTimeoutMessage(timeoutMs), { code: 'REQUEST_TIMEOUT' }, { 'Retry-After': '1' });
}

/**
 * An unexpected failure before execution (yoga would answer it with the raw error, SQL included):
 * logged with an id, answered with only the id.
 */
export function internalErrorResponse(log: Logger, err: unknown): Response {
  const errorId = randomUUID();
  if (isPoolWaitTimeout(err)) {
    log.warn({ errorId }, 'no database connection became free before execution');
    return errorResponse(
      503,
      POOL_BUSY_MESSAGE,
      { code: 'SERVICE_UNAVAILABLE', retryable: true, errorId },
      { 'Retry-After': '1' },
    );
  }
  if (isConnectionLoss(err)) {
    log.warn({ err, errorId }, 'database connection lost before execution');
    return errorResponse(
      503,
      'The database connection was lost while checking your credentials; send the request again in a moment.',
      { code: 'SERVICE_UNAVAILABLE', retryable: true, errorId },
      { 'Retry-After': '1' },
    );
  }
  log.error({ err, errorId }, 'unexpected error before execution');
  return errorResponse(
    503,
    `Unexpected error. It has been logged with id ${errorId}; quote it when you report this.`,
    { code: 'INTERNAL_SERVER_ERROR', errorId },
    { 'Retry-After': '1' },
  );
}
