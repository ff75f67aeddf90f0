// Feeds /metrics and the rolling window of /metrics/performance from every GraphQL request:
// duration per operation (yoga's Prometheus plugin), SQL statements per operation, DataLoader batch
// sizes, response cache hits and misses, success and concurrency. Operation names are bounded before they become label values.
import { usePrometheus, createHistogram, createCounter } from '@graphql-yoga/plugin-prometheus';
import type { Metrics } from '../observability/metrics.ts';
import { forAnyContext, isGraphqlPath, type AppPlugin } from './edge.ts';
import { stateOf } from './request-state.ts';

type Tracked = { operation: string; failed: boolean };

export function useMetrics(metrics: Metrics): AppPlugin {
  const { registry } = metrics;
  const tracked = new WeakMap<Request, Tracked>();
  const prometheus = usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      // Only what we read: each phase histogram costs time on every request.
      graphql_envelop_deprecated_field: false,
      graphql_envelop_request: false,
      graphql_envelop_request_duration: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'GraphQL results with errors, by operation and phase.',
          labelNames: ['operationName', 'phase'],
        },
        fillLabelsFn: (params) => ({
          operationName: metrics.operationLabel(params.operationName),
          phase: params.errorPhase,
        }),
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_yoga_http_duration',
          help: 'Time to answer a GraphQL HTTP request, in seconds, by operation.',
          labelNames: ['operationName', 'operationType', 'statusCode'],
          buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5],
        },
        fillLabelsFn: (params, { response }) => ({
          operationName: metrics.operationLabel(params.operationName),
          operationType: params.operationType ?? 'unknown',
          statusCode: String(response.status),
        }),
      }),
    },
  });
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(forAnyContext(prometheus));
    },
    onRequest({ request, url }) {
      if (!isGraphqlPath(url)) return;
      tracked.set(request, { operation: 'Anonymous', failed: false });
      metrics.window.started();
      metrics.minutes.started(metrics.window.inFlight);
    },
    onExecute({ args }) {
      const request = args.contextValue.request;
      const entry = request && tracked.get(request);
      if (!entry) return;
      entry.operation = metrics.operationLabel(args.operationName ?? operationNameOf(args.document));
      return {
        onExecuteDone({ result }) {
          const errors = 'errors' in result ? result.errors : undefined;
          // Masked unexpected errors carry INTERNAL_SERVER_ERROR; expected ones (bad input, not
          // found, forbidden) are the client's, not a failure of the service.
          if (errors?.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR')) entry.failed = true;
        },
      };
    },
    onResponse({ request, response }) {
      const entry = tracked.get(request);
      if (!entry) return;
      tracked.delete(request);
      const state = stateOf(request);
      const latencyMs = performance.now() - state.startedAt;
      const success = response.status < 500 && !entry.failed;
      metrics.window.finished(latencyMs, success);
      metrics.minutes.finished(latencyMs, success);
      metrics.sqlStatements.observe({ operation: entry.operation }, state.sqlStats.statements);
      for (const batch of state.sqlStats.loaderBatches ?? [])
        metrics.loaderBatchSize.observe({ loader: batch.loader }, batch.size);
      const cache = state.responseCache?.status;
      if (cache === 'HIT' || cache === 'MISS') metrics.cacheRequests.inc({ result: cache === 'HIT' ? 'hit' : 'miss' });
    },
  };
}

function operationNameOf(document: {
  definitions: readonly { kind: string; name?: { value: string } }[];
}): string | undefined {
  return document.definitions.find((d) => d.kind === 'OperationDefinition')?.name?.value;
}
