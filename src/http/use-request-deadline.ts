// A deadline for each request (REQUEST_TIMEOUT_MS), counted from its arrival. postgres.js has no
// pool-wait timeout (STACK.md): when every connection is busy a query waits in its queue, and
// statement_timeout only starts once it runs. The deadline answers in bounded time with a clear
// error instead; authentication (src/http/use-auth.ts) and execution both race it.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { stateOf, type RequestState } from './request-state.ts';

export const DEADLINE_EXCEEDED = Symbol('deadline exceeded');

export function deadlineError(timeoutMs: number): GraphQLError {
  return new GraphQLError(
    `The request did not finish within ${timeoutMs} ms and was stopped: the server is busy. Retry in a moment; if it keeps happening, ask for fewer rows.`,
    { extensions: { code: 'REQUEST_TIMEOUT', http: { status: 503, headers: { 'Retry-After': '1' } } } },
  );
}

/** Resolves with the promise's value, or DEADLINE_EXCEEDED when the request's deadline passes first. */
export async function beforeDeadline<T>(
  promise: Promise<T>,
  state: RequestState,
  timeoutMs: number,
): Promise<T | typeof DEADLINE_EXCEEDED> {
  const remaining = state.startedAt + timeoutMs - performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof DEADLINE_EXCEEDED>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE_EXCEEDED), Math.max(0, remaining));
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function useRequestDeadline(timeoutMs: number): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn, args }) {
      const request = (args.contextValue as { request?: Request }).request;
      setExecuteFn(async (execArgs) => {
        const execution = executeFn(execArgs) as Promise<ExecutionResult>;
        if (!request) return execution;
        const result = await beforeDeadline(execution, stateOf(request), timeoutMs);
        return result === DEADLINE_EXCEEDED ? { errors: [deadlineError(timeoutMs)] } : result;
      });
    },
  };
}
