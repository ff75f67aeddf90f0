// Which resolvers get a span, and the span they get. Plain columns (t.expose*, default resolvers),
// scalars and enums, and the connection plumbing (edges, node, pageInfo, cursor) cost microseconds
// each and would bury the resolvers that do work (lists, loaders, computed objects) in noise.
// Wrapped at schema build time, traced at run time only when the request carries a tracer
// (tracing on): otherwise one property check per wrapped field.
import { context, trace } from '@opentelemetry/api';
import type { SchemaTypes } from '@pothos/core';
import type { PothosOutputFieldConfig } from '@pothos/core';
import {
  createSpanWithParent,
  isEnumField,
  isExposedField,
  isRootField,
  isScalarField,
  runFunction,
} from '@pothos/plugin-tracing';
import type { GraphQLFieldResolver } from 'graphql';
import type { Context } from '../context.ts';
import { failSpan, requestAttributes } from '../observability/tracing.ts';

export function tracesField<Types extends SchemaTypes>(config: PothosOutputFieldConfig<Types>): boolean {
  if (isRootField(config)) return true;
  if (isExposedField(config) || isScalarField(config) || isEnumField(config)) return false;
  return !/(Connection|Edge)$/.test(config.parentType) && config.parentType !== 'PageInfo';
}

export function traceResolver(
  resolver: GraphQLFieldResolver<unknown, Context, object>,
): GraphQLFieldResolver<unknown, Context, object> {
  return (parent, args, ctx, info) => {
    const { tracer } = ctx;
    if (!tracer) return resolver(parent, args, ctx, info);
    // Nested under the span of the nearest traced field above it (plugin-tracing keeps them by path).
    const span = createSpanWithParent(ctx, info, (path, parentSpan: ReturnType<typeof tracer.startSpan> | null) =>
      tracer.startSpan(
        `${info.parentType.name}.${info.fieldName}`,
        {
          attributes: {
            ...requestAttributes(),
            'graphql.field.name': info.fieldName,
            'graphql.field.path': path,
            'graphql.field.type': info.returnType.toString(),
          },
        },
        parentSpan ? trace.setSpan(context.active(), parentSpan) : context.active(),
      ),
    );
    return context.with(trace.setSpan(context.active(), span), () =>
      runFunction(
        () => resolver(parent, args, ctx, info),
        (error) => {
          if (error) failSpan(span, error);
          span.end();
        },
      ),
    );
  };
}
