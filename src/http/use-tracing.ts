// OpenTelemetry spans of a request: `POST /graphql` (server span) → graphql.parse, graphql.validate,
// graphql.execute (→ resolvers, src/schema/builder.ts → SQL statements and Redis commands). Built on
// yoga's instrumentation API, which wraps each phase, so each span is the active context of the work
// inside it. Added by createApp only when tracing is on (src/observability/tracing.ts).
//
// Not @envelop/opentelemetry (9.2): it makes no request, parse or validate spans, its resolver
// spans are siblings under one execute span and are never ended when a resolver throws.
import { SpanKind, trace, type Span } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import type { AppPlugin } from './edge.ts';
import type { Context } from '../context.ts';
import { currentRequestLabels, inSpan, withRequestLabels, type Tracing } from '../observability/tracing.ts';
import { stateOf } from './request-state.ts';

export function useTracing(tracing: Tracing): AppPlugin {
  const { tracer } = tracing;
  const requestSpans = new WeakMap<Request, Span>();
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const url = new URL(request.url);
        // The request id is assigned by use-request-headers.ts, inside this span: read it when needed.
        const labels = {
          get requestId() {
            return stateOf(request).requestId || undefined;
          },
          operationName: undefined as string | undefined,
        };
        return withRequestLabels(labels, () =>
          inSpan(
            tracer,
            `${request.method} ${url.pathname}`,
            { 'http.request.method': request.method, 'url.path': url.pathname },
            () => {
              requestSpans.set(request, trace.getActiveSpan()!);
              return wrapped();
            },
            SpanKind.SERVER,
          ),
        );
      },
      parse: (_payload, wrapped) => inSpan(tracer, 'graphql.parse', {}, wrapped),
      validate: (_payload, wrapped) => inSpan(tracer, 'graphql.validate', {}, wrapped),
      execute: (_payload, wrapped) => inSpan(tracer, 'graphql.execute', {}, wrapped),
      subscribe: (_payload, wrapped) => inSpan(tracer, 'graphql.subscribe', {}, wrapped),
    },
    onParams({ params }) {
      const labels = currentRequestLabels();
      if (labels && params.operationName) labels.operationName = params.operationName;
    },
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      const name = operation?.name?.value ?? 'anonymous';
      const labels = currentRequestLabels();
      if (labels) labels.operationName = name;
      const attributes = {
        'graphql.operation.name': name,
        'graphql.operation.type': operation?.operation ?? 'unknown',
      };
      trace.getActiveSpan()?.setAttributes(attributes);
      requestSpans.get(args.contextValue.request)?.setAttributes(attributes);
    },
    onResponse({ request, response }) {
      const span = requestSpans.get(request);
      if (!span) return;
      span.setAttribute('http.response.status_code', response.status);
      const { requestId } = stateOf(request);
      if (requestId) span.setAttribute('harvest.request_id', requestId);
    },
  };
}
