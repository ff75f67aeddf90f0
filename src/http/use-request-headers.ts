// X-Request-ID (echoed when the client sends a sane one), X-Response-Time and X-Server-ID on every
// response, including early ones such as 401s and health checks. First in the plugin list.
import { randomUUID } from 'node:crypto';
import type { AppPlugin } from './edge.ts';
import { stateOf } from './request-state.ts';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function useRequestHeaders(options: { serverId: string; diagnosticHeaders: boolean }): AppPlugin {
  return {
    onRequest({ request }) {
      const state = stateOf(request);
      state.startedAt = performance.now();
      const sent = request.headers.get('x-request-id');
      state.requestId = sent && CLIENT_REQUEST_ID.test(sent) ? sent : randomUUID();
    },
    onResponse({ request, response }) {
      const state = stateOf(request);
      // Yoga's own early responses (GraphiQL page, CORS preflight) run before our onRequest.
      if (!state.requestId) state.requestId = randomUUID();
      response.headers.set('X-Request-ID', state.requestId);
      response.headers.set('X-Server-ID', options.serverId);
      response.headers.set('X-Response-Time', `${(performance.now() - state.startedAt).toFixed(2)}ms`);
      if (options.diagnosticHeaders) {
        response.headers.set('X-SQL-Statements', String(state.sqlStats.statements));
        response.headers.set('X-Read-Path', state.sqlStats.compiled ? 'compiled' : 'resolvers');
      }
    },
  };
}
