// createApp(resources): the yoga instance. No env reads, no listen: tests call app.fetch() directly.
import { randomUUID } from 'node:crypto';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import type { Context } from './context.ts';
import { EXAMPLE_OPERATIONS } from './http/graphiql.ts';
import { stateOf } from './http/request-state.ts';
import { useAuth } from './http/use-auth.ts';
import { useHealth } from './http/use-health.ts';
import { useMetrics } from './http/use-metrics.ts';
import { useObservability } from './http/use-observability.ts';
import { useRecommendationFiles } from './http/use-recommendation-files.ts';
import { useRequestHeaders } from './http/use-request-headers.ts';
import { useRequestDeadline } from './http/use-request-deadline.ts';
import { useResponseCache, watchedPrincipal } from './http/use-response-cache.ts';
import { useSqlStats } from './http/use-sql-stats.ts';
import type { Resources } from './resources.ts';
import { schema } from './schema/index.ts';

// By name, not instanceof: graphql ships CJS and ESM builds, and a library may load the other one.
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

export type App = YogaServerInstance<Record<string, unknown>, Context>;

export function createApp(resources: Resources): App {
  const { config, log, db, kv, redis, metrics, sql, jobs } = resources;
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Our /health and /ready (src/http/use-health.ts) replace yoga's built-in one.
    healthCheckEndpoint: '/__yoga/health',
    logging: {
      debug: (...args) => log.debug(args),
      info: (...args) => log.info(args),
      warn: (...args) => log.warn(args),
      error: (...args) => log.error(args),
    },
    graphiql: { title: 'Harvest Graph', defaultQuery: EXAMPLE_OPERATIONS },
    // The order is part of correctness (STACK.md): headers, health, auth, then the rest.
    plugins: [
      useRequestHeaders({ serverId: config.serverId, diagnosticHeaders: config.http.diagnosticHeaders }),
      useMetrics(metrics),
      useHealth(resources),
      useObservability({ db, config, metrics }),
      useAuth({ db, config, log }),
      // Job file routes (/jobs/import, /jobs/:id/results.*) authenticate on their own and end there.
      useRecommendationFiles({ db, sql, config, jobs }),
      // persisted operations, then rate limits, go here: before the cache (STACK.md)
      useResponseCache({ cache: resources.responseCache, schema, ttlMs: config.responseCache.ttlMs, log }),
      useSqlStats(),
      useRequestDeadline(config.http.requestTimeoutMs),
    ],
    context: ({ request }) => {
      const state = stateOf(request);
      return {
        requestId: state.requestId,
        // Resolvers reading who exactly is calling keep their answer out of the shared cache.
        principal: watchedPrincipal(state),
        sqlStats: state.sqlStats,
        config,
        db,
        kv,
        redis,
        responseCache: resources.responseCache,
        jobs,
        log: log.child({ requestId: state.requestId }),
      } satisfies Context;
    },
    maskedErrors: {
      // Expected errors (GraphQLErrors we throw, validation, parse) pass through; anything else is
      // replaced by an id that is logged with the real error.
      maskError(error) {
        const original = isGraphQLError(error) ? error.originalError : error;
        if (isGraphQLError(error) && (!original || isGraphQLError(original))) return error;
        const errorId = randomUUID();
        log.error({ err: original, errorId, path: isGraphQLError(error) ? error.path : undefined }, 'unexpected error');
        return new GraphQLError(`Unexpected error. It has been logged with id ${errorId}; quote it when you report this.`, {
          path: isGraphQLError(error) ? error.path : undefined,
          extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
        });
      },
    },
  });
}
