// A deadline for each request (REQUEST_TIMEOUT_MS), counted from its arrival. postgres.js has no
// pool-wait timeout (docs/decisions/0005-request-deadline.md): when every connection is busy a query
// waits in its queue, and statement_timeout only starts once it runs. The deadline answers in bounded
// time with a clear error instead; authentication (authenticateRequest, src/http/edge.ts) and execution
// both race it.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { withDeadline } from '../lib/timeout.ts';
import { remainingMs, type AppPlugin } from './edge.ts';
import { stateOf } from './request-state.ts';
import { requestTimeoutMessage } from './responses.ts';

export function deadlineError(timeoutMs: number): GraphQLError {
  return new GraphQLError(requestTimeoutMessage(timeoutMs), {
    extensions: { code: 'REQUEST_TIMEOUT', http: { status: 503, headers: { 'Retry-After': '1' } } },
  });
}

export function useRequestDeadline(timeoutMs: number): AppPlugin {
  return {
    onExecute({ executeFn, setExecuteFn, args }) {
      const state = stateOf(args.contextValue.request);
      setExecuteFn(async (execArgs) => {
        const outcome = await withDeadline(
          Promise.resolve(executeFn(execArgs) as ExecutionResult | Promise<ExecutionResult>),
          remainingMs(state, timeoutMs),
        );
        if (outcome.ok) return outcome.value;
        if (outcome.reason === 'timeout') return { errors: [deadlineError(timeoutMs)] };
        throw outcome.error;
      });
    },
  };
}
