// Per-request facts shared by the HTTP plugins and the context factory, keyed by the Request object.
import type { Principal } from '../context.ts';
import type { SqlStats } from '../db/sql-stats.ts';
import type { ResponseCacheState } from './use-response-cache.ts';

export type RequestState = {
  requestId: string;
  startedAt: number;
  principal: Principal;
  sqlStats: SqlStats;
  /** Set when the response cache considered this request (src/http/use-response-cache.ts). */
  responseCache?: ResponseCacheState;
  /** The first identifying principal field a resolver read (user or key id…): such answers are not shared. */
  identityRead?: string;
};

const states = new WeakMap<Request, RequestState>();

export function stateOf(request: Request): RequestState {
  let state = states.get(request);
  if (!state) {
    state = {
      requestId: '',
      startedAt: performance.now(),
      principal: { kind: 'anonymous' },
      sqlStats: { statements: 0 },
    };
    states.set(request, state);
  }
  return state;
}
