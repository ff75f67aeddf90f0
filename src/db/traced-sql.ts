// A span per SQL statement, when tracing is on (src/observability/tracing.ts). postgres.js has no
// hooks, so the client is wrapped where it is made (src/resources.ts): drizzle sends every
// statement through `sql.unsafe()`, our own SQL uses the tagged template, and transactions get a
// wrapped `tx`. A postgres.js query runs when it is awaited (`then`), so the span runs from there
// to its result, in the caller's context: inside a traced request only. Streams and cursors
// (COPY, exports) are not traced.
import { context, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import type { Sql } from '../resources.ts';
import { failSpan, requestAttributes } from '../observability/tracing.ts';

type Then = (onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) => Promise<unknown>;

function operationOf(text: string): string {
  return /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
}

function traceQuery<Q>(query: Q, text: string, tracer: Tracer, database: string): Q {
  if (!(query instanceof Promise)) return query; // sql('name') and other helpers build fragments, not queries
  const original = query.then as Then;
  const traced: Then = function (this: Promise<unknown>, onFulfilled, onRejected) {
    // One span per statement, however many times it is awaited.
    (query as { then: Then }).then = original;
    const parent = context.active();
    if (!trace.getSpan(parent)) return original.call(this, onFulfilled, onRejected);
    const statement = text.trim();
    const operation = operationOf(statement);
    const span = tracer.startSpan(
      operation,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          ...requestAttributes(),
          'db.system.name': 'postgresql',
          'db.namespace': database,
          'db.operation.name': operation,
          // Statement text with $n placeholders; values are never recorded.
          'db.query.text': statement.length > 2_000 ? `${statement.slice(0, 2_000)}…` : statement,
        },
      },
      parent,
    );
    return original.call(
      this,
      (value) => {
        span.end();
        return onFulfilled ? onFulfilled(value) : value;
      },
      (err) => {
        failSpan(span, err);
        span.end();
        if (onRejected) return onRejected(err);
        throw err;
      },
    );
  };
  (query as { then: Then }).then = traced;
  return query;
}

export function traceSql(sql: Sql, tracer: Tracer, database: string): Sql {
  return new Proxy(sql, {
    apply(target, thisArg, args: unknown[]) {
      const result = Reflect.apply(target, thisArg, args);
      const strings = args[0] as TemplateStringsArray | undefined;
      if (!Array.isArray(strings) || !('raw' in strings)) return result;
      return traceQuery(
        result,
        strings.reduce((text, part, i) => `${text}$${i}${part}`),
        tracer,
        database,
      );
    },
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'unsafe') {
        return (text: string, ...rest: unknown[]) =>
          traceQuery((value as (...a: unknown[]) => unknown)(text, ...rest), text, tracer, database);
      }
      if (property === 'begin') {
        // begin(fn) or begin(options, fn): the transaction's own `sql` is wrapped too.
        return (...args: unknown[]) => {
          const fn = args.at(-1) as (tx: Sql) => unknown;
          return (value as (...a: unknown[]) => unknown)(...args.slice(0, -1), (tx: Sql) =>
            fn(traceSql(tx, tracer, database)),
          );
        };
      }
      return value;
    },
  });
}
