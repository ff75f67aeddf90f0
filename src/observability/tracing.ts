// OpenTelemetry tracing: one span per request, its GraphQL phases (src/http/use-tracing.ts), each
// resolver that is not a plain column (src/schema/builder.ts), each SQL statement
// (src/db/traced-sql.ts) and each Redis command (below). On only when OTEL_EXPORTER_OTLP_ENDPOINT is
// set (or a test passes an exporter): otherwise no plugin is added, no client is wrapped and no
// span is made.
//
// The tracer provider is ours, not the global one, so test files with and without tracing can run
// in one process; only the context manager (AsyncLocalStorage) is global, as the API requires.
import diagnosticsChannel from 'node:diagnostics_channel';
import {
  context,
  createContextKey,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { Config } from '../config.ts';

export type Tracing = {
  tracer: Tracer;
  /** Exports the spans still buffered and stops. */
  shutdown(): Promise<void>;
};

/** What every span of one request is labelled with, filled as the request goes (request id first, operation later). */
export type RequestLabels = { requestId?: string; operationName?: string };
const REQUEST_LABELS = createContextKey('harvest-graph.request-labels');

export function withRequestLabels<T>(labels: RequestLabels, fn: () => T): T {
  return context.with(context.active().setValue(REQUEST_LABELS, labels), fn);
}

export function currentRequestLabels(): RequestLabels | undefined {
  return context.active().getValue(REQUEST_LABELS) as RequestLabels | undefined;
}

/** The request id and operation name attributes of the current request, if any. */
export function requestAttributes(): Attributes {
  const labels = currentRequestLabels();
  if (!labels) return {};
  const attributes: Attributes = {};
  if (labels.requestId) attributes['harvest.request_id'] = labels.requestId;
  if (labels.operationName) attributes['graphql.operation.name'] = labels.operationName;
  return attributes;
}

export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs `fn` (sync or async) inside a new active span, ended when `fn` settles. */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  fn: () => T,
  kind = SpanKind.INTERNAL,
): T {
  const parent = context.active();
  const span = tracer.startSpan(name, { kind, attributes: { ...requestAttributes(), ...attributes } }, parent);
  return context.with(trace.setSpan(parent, span), () => {
    let result: T;
    try {
      result = fn();
    } catch (err) {
      failSpan(span, err);
      span.end();
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (err: unknown) => {
          failSpan(span, err);
          span.end();
          throw err;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

let contextManagerInstalled = false;

export function createTracing(config: Config, options: { exporter?: SpanExporter } = {}): Tracing | undefined {
  const { endpoint, headers, serviceName } = config.tracing;
  if (!options.exporter && !endpoint) return undefined;
  if (!contextManagerInstalled) {
    // Returns false when another one is installed already (an embedding application's): use that one.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerInstalled = true;
  }
  const processor = options.exporter
    ? new SimpleSpanProcessor({ exporter: options.exporter })
    : new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, headers }) });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.instance.id': config.serverId }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('harvest-graph');
  const stopRedis = traceRedisCommands(tracer);
  return {
    tracer,
    async shutdown() {
      stopRedis();
      await provider.shutdown();
    },
  };
}

type RedisCommandEvent = {
  command?: string;
  args?: string[];
  database?: number;
  serverAddress?: string;
  serverPort?: number;
  span?: Span;
  error?: unknown;
};

/**
 * node-redis 5 publishes each command on the `node-redis:command` tracing channel (and skips the
 * work when nobody listens). A span is made only inside a traced request, not for the client's
 * keep-alive PINGs.
 */
function traceRedisCommands(tracer: Tracer): () => void {
  const channel = diagnosticsChannel.tracingChannel<string, RedisCommandEvent>('node-redis:command');
  const handlers = {
    start(event: RedisCommandEvent) {
      const parent = context.active();
      if (!trace.getSpan(parent)) return;
      event.span = tracer.startSpan(
        `redis ${event.command ?? 'command'}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            ...requestAttributes(),
            'db.system.name': 'redis',
            'db.operation.name': event.command ?? '',
            // node-redis keeps only the arguments that are safe to show (keys, not values).
            'db.query.text': (event.args ?? []).join(' ').slice(0, 500),
            'server.address': event.serverAddress ?? '',
            ...(event.serverPort ? { 'server.port': event.serverPort } : {}),
          },
        },
        parent,
      );
    },
    end() {},
    asyncStart() {},
    asyncEnd(event: RedisCommandEvent) {
      event.span?.end();
    },
    error(event: RedisCommandEvent) {
      if (event.span) failSpan(event.span, event.error);
    },
  };
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
