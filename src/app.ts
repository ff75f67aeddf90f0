// createApp(resources): the yoga instance. No env reads, no listen: tests call app.fetch() directly.
import { randomUUID } from 'node:crypto';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import type { Context } from './context.ts';
import { GRAPHQL_PATH, requestAuthenticator } from './http/edge.ts';
import { isConnectionLoss } from './db/connection-loss.ts';
import { isPoolWaitTimeout } from './db/pool-gate.ts';
import { POOL_BUSY_MESSAGE } from './http/responses.ts';
import { NotFoundError, ValidationError } from './lib/errors.ts';
import { EXAMPLE_OPERATIONS } from './http/graphiql.ts';
import { stateOf } from './http/request-state.ts';
import { UPLOAD_MUTATIONS } from './http/uploads.ts';
import { useArmor } from './http/use-armor.ts';
import { useAuth } from './http/use-auth.ts';
import { useBodyLimit } from './http/use-body-limit.ts';
import { useCourseExports } from './http/use-course-exports.ts';
import { useCompiledReads } from './http/use-compiled-reads.ts';
import { useCsrfPrevention } from './http/use-csrf-prevention.ts';
import { renderOfflineGraphiQL, useGraphiQLAssets } from './http/use-graphiql-assets.ts';
import { useHealth } from './http/use-health.ts';
import { useJobsPage } from './http/use-jobs-page.ts';
import { useInputGuard } from './http/use-input-guard.ts';
import { useMetrics } from './http/use-metrics.ts';
import { useObservability } from './http/use-observability.ts';
import { useRecommendationFiles } from './http/use-recommendation-files.ts';
import { usePersistedOperations } from './http/use-persisted-operations.ts';
import { useQueryCost } from './http/use-query-cost.ts';
import { useRateLimit } from './http/use-rate-limit.ts';
import { useRequestHeaders } from './http/use-request-headers.ts';
import { useRequestDeadline } from './http/use-request-deadline.ts';
import { useCrmWebhooks } from './http/use-crm-webhooks.ts';
import { useResponseCache, watchedPrincipal } from './http/use-response-cache.ts';
import { useSqlStats } from './http/use-sql-stats.ts';
import { useTracing } from './http/use-tracing.ts';
import { CostBuckets } from './limits/cost-bucket.ts';
import { FailureLimit } from './limits/failure-limit.ts';
import { clientAddressOf } from './http/client-address.ts';
import { SlidingWindowLimiter } from './limits/sliding-window.ts';
import { cachedGenerationCounts } from './modules/courses/generation/service.ts';
import { loadManifestFiles } from './modules/persisted/manifests.ts';
import { AutomaticPersistedQueries } from './modules/persisted/automatic.ts';
import { PersistedOperationStore } from './modules/persisted/service.ts';
import type { Resources } from './resources.ts';
import { schema } from './schema/index.ts';

// By name, not instanceof: graphql ships CJS and ESM builds, and a library may load the other one.
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

export type App = YogaServerInstance<Record<string, unknown>, Context>;

export type AppOptions = {
  manifestDir?: string;
  /** Mutations that may be sent as multipart/form-data; src/http/uploads.ts by default. */
  uploadMutations?: ReadonlySet<string>;
};

export function createApp(resources: Resources, options: AppOptions = {}): App {
  const { config, log, db, metrics, sql, jobs } = resources;
  const guard = resources.redisGuard;
  const limiter = new SlidingWindowLimiter(guard, `${config.redis.prefix}rl:`);
  const clientAddress = clientAddressOf(config.limits.clientIpHeader, log);
  const { failures } = config.limits;
  const webhookFailures = new FailureLimit(
    limiter,
    'webhook-failures',
    failures.webhookSignatures,
    failures.webhookWindowSeconds * 1000,
  );
  const signInFailures = new FailureLimit(
    limiter,
    'sign-in-failures',
    failures.signInPerEmail,
    failures.signInWindowSeconds * 1000,
  );
  const buckets = new CostBuckets(guard, `${config.redis.prefix}cost:`);
  const persisted = new PersistedOperationStore(db, loadManifestFiles(options.manifestDir));
  const uploadMutations = options.uploadMutations ?? UPLOAD_MUTATIONS;
  const uploadsEnabled = uploadMutations.size > 0;
  // /health/performance and /metrics read the generation counts of every worker from the database.
  const generations = cachedGenerationCounts(db, config.jobs.heartbeatSeconds);
  metrics.setSource('runningGenerations', async () => (await generations()).running);
  metrics.setSource('generationQueueDepth', async () => (await generations()).queued);
  const authenticateRequest = requestAuthenticator({
    db,
    config,
    log,
    credentials: resources.credentials,
    metrics,
  });
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // CORS only for the origins CORS_ORIGINS lists (credentials allowed); none by default.
    cors: config.http.corsOrigins.length
      ? {
          origin: config.http.corsOrigins,
          credentials: true,
          methods: ['GET', 'POST'],
          allowedHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id', 'x-graphql-yoga-csrf'],
        }
      : false,
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
    // Every GraphiQL asset from this server, under a CSP of our own origin (src/http/use-graphiql-assets.ts).
    renderGraphiQL: renderOfflineGraphiQL,
    // JSON batching stays off (yoga's default): one operation per request, one rate-limit point.
    batching: false,
    multipart: uploadsEnabled,
    // use-body-limit.ts replaces yoga's single limit with one per content type.
    maxRequestBodySize: false,
    // The order is part of correctness (docs/decisions/0001-yoga-plugin-order.md): headers, health, auth, persisted operations, rate
    // limit, response cache, armor, cost. Body size and CSRF come before auth: they refuse without a
    // database lookup.
    plugins: [
      // First, so its spans wrap every other plugin's work; only when tracing is on.
      ...(resources.tracing ? [useTracing(resources.tracing)] : []),
      // Then: every later reader of the GraphQL parameters (metrics, persisted operations, cache, cost) sees sane ones.
      useInputGuard(),
      useRequestHeaders({ serverId: config.serverId, diagnosticHeaders: config.http.diagnosticHeaders }),
      useMetrics(metrics),
      useHealth(resources),
      useGraphiQLAssets({ graphqlEndpoint: GRAPHQL_PATH }),
      useJobsPage(),
      useObservability({ db, metrics, authenticateRequest }),
      useBodyLimit({
        maxBodyBytes: config.http.maxBodyBytes,
        maxUploadBytes: config.http.maxUploadBytes,
        uploadsEnabled,
      }),
      useCsrfPrevention({ uploadMutations }),
      // Signed by the organization's webhook secret, not by credentials: answers before auth.
      useCrmWebhooks({
        db,
        responseCache: resources.responseCache,
        failures: webhookFailures,
        clientAddress,
      }),
      useAuth(authenticateRequest),
      // Job file routes (/jobs/import, /jobs/:id/results.*) authenticate and rate-limit on their own and end there.
      useRecommendationFiles({ db, sql, config, jobs, limiter, authenticateRequest, log }),
      // Course downloads (/courses/:id/export.*) likewise.
      useCourseExports({ db, config, limiter, authenticateRequest }),
      usePersistedOperations(
        persisted,
        new AutomaticPersistedQueries({
          redis: resources.redis,
          prefix: config.redis.prefix,
          timeoutMs: config.redis.timeoutMs,
        }),
      ),
      useRateLimit({ limiter, config, clientAddress }),
      // Its execute is the innermost one: the response cache, cost and SQL statistics wrap it (see the file).
      useCompiledReads({ sql, enabled: config.compiledReads, log }),
      useResponseCache({ cache: resources.responseCache, schema, ttlMs: config.responseCache.ttlMs, log }),
      useArmor(config),
      useQueryCost({ buckets, config }),
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
        responseCache: resources.responseCache,
        credentials: resources.credentials,
        signInFailures,
        jobs,
        log: log.child({ requestId: state.requestId }),
        tracer: resources.tracing?.tracer,
        idempotencyKey: request.headers.get('idempotency-key'),
      } satisfies Context;
    },
    maskedErrors: {
      // Expected errors (GraphQLErrors we throw, validation, parse) pass through; anything else is
      // replaced by an id that is logged with the real error.
      maskError(error) {
        const original = isGraphQLError(error) ? error.originalError : error;
        if (isGraphQLError(error) && (!original || isGraphQLError(original))) return error;
        // A typed failure thrown where the field declares no error union (a query field, say) is still
        // the client's mistake: it keeps its message and field instead of being masked.
        if (original instanceof ValidationError) {
          return new GraphQLError(original.message, {
            path: isGraphQLError(error) ? error.path : undefined,
            extensions: { code: 'BAD_USER_INPUT', field: original.field, issues: original.issues },
          });
        }
        // Every pool connection busy for DATABASE_POOL_WAIT_MS (src/db/pool-gate.ts): retryable, like a
        // lost connection, and answered before the request deadline.
        if (isPoolWaitTimeout(original)) {
          log.warn({ path: isGraphQLError(error) ? error.path : undefined }, 'no database connection became free');
          return new GraphQLError(POOL_BUSY_MESSAGE, {
            path: isGraphQLError(error) ? error.path : undefined,
            extensions: {
              code: 'SERVICE_UNAVAILABLE',
              retryable: true,
              http: { status: 503, headers: { 'Retry-After': '1' } },
            },
          });
        }
        // The database going away (restart, failover, network) fails the requests in flight: they
        // may be sent again, and say so, as 503 with Retry-After rather than a masked 200.
        if (isConnectionLoss(original)) {
          log.warn(
            { err: original, path: isGraphQLError(error) ? error.path : undefined },
            'database connection lost during a request',
          );
          return new GraphQLError(
            'The database connection was lost while answering; send the request again in a moment.',
            {
              path: isGraphQLError(error) ? error.path : undefined,
              extensions: {
                code: 'SERVICE_UNAVAILABLE',
                retryable: true,
                http: { status: 503, headers: { 'Retry-After': '1' } },
              },
            },
          );
        }
        if (original instanceof NotFoundError) {
          return new GraphQLError(original.message, {
            path: isGraphQLError(error) ? error.path : undefined,
            extensions: { code: 'NOT_FOUND' },
          });
        }
        const errorId = randomUUID();
        log.error({ err: original, errorId, path: isGraphQLError(error) ? error.path : undefined }, 'unexpected error');
        return new GraphQLError(
          `Unexpected error. It has been logged with id ${errorId}; quote it when you report this.`,
          {
            path: isGraphQLError(error) ? error.path : undefined,
            extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
          },
        );
      },
    },
  });
}
