// Query cost, checked before execution so an over-budget query runs no resolver at all:
// 1. the requested cost (Pothos complexity with the request's variables) against the caller's
//    per-query limit (src/schema/complexity.ts): QUERY_TOO_COMPLEX, HTTP 400;
// 2. then charged to the caller's per-minute budget, a leaky bucket shared through Redis: THROTTLED,
//    HTTP 429 with Retry-After when it holds too little. Unused points are refunded afterwards.
// Every executed (or cost-refused) operation answers with extensions.cost:
//   { requested, actual, limit, throttleStatus: { maximumAvailable, currentlyAvailable, restoreRate } }.
// An answer from the response cache ran nothing and is charged nothing: { requested: 0, actual: 0, cached: true }.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Config } from '../config.ts';
import { clientTier, principalKey, type Principal } from '../context.ts';
import type { CostBuckets } from '../limits/cost-bucket.ts';
import { complexityLimitFor, costBucketFor } from '../schema/complexity.ts';
import { countActualCost, requestedCost } from '../schema/cost.ts';
import type { AppPlugin } from './edge.ts';
import { stateOf } from './request-state.ts';

type ThrottleStatus = { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
export type CostExtension = {
  requested: number;
  actual: number;
  limit: number;
  breadth: number;
  throttleStatus?: ThrottleStatus;
};

/** A key's own requests per minute against the default: its cost budget scales the same way. */
function budgetScale(principal: Principal, rate: Config['limits']['rate']): number {
  const own = principal.kind === 'apiKey' ? principal.rateLimitPerMinute : null;
  return own ? own / ((rate.points * 60) / rate.windowSeconds) : 1;
}

function refused(cost: CostExtension, error: GraphQLError): ExecutionResult {
  return { errors: [error], extensions: { cost } };
}

export function useQueryCost(deps: { buckets: CostBuckets; config: Config }): AppPlugin {
  const refillSeconds = deps.config.limits.costRefillSeconds;
  const costed = new WeakSet<Request>();
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue;
      // The verified principal itself: ctx.principal notes which fields resolvers read, for the response cache.
      const principal = stateOf(ctx.request).principal;
      const tier = clientTier(principal);
      const limit = complexityLimitFor(tier);
      const requested = requestedCost(args.schema, args.document, args.operationName, args.variableValues, ctx);
      if (!requested) return;
      const cost: CostExtension = {
        requested: requested.complexity,
        actual: 0,
        limit: limit.complexity,
        breadth: requested.breadth,
      };
      costed.add(ctx.request);

      const over =
        requested.complexity > limit.complexity ? 'complexity' : requested.breadth > limit.breadth ? 'breadth' : null;
      if (over) {
        const [value, max] =
          over === 'complexity' ? [requested.complexity, limit.complexity] : [requested.breadth, limit.breadth];
        const message =
          over === 'complexity'
            ? `Query cost is ${value}, over your limit of ${max} per query. Ask for fewer rows (smaller first/last) or fewer nested lists.`
            : `Query selects ${value} fields, over your limit of ${max}. Select fewer fields.`;
        setResultAndStopExecution(
          refused(
            cost,
            new GraphQLError(message, {
              extensions: { code: 'QUERY_TOO_COMPLEX', kind: over, cost: value, limit: max, http: { status: 400 } },
            }),
          ),
        );
        return;
      }

      const bucket = costBucketFor(tier, refillSeconds, budgetScale(principal, deps.config.limits.rate));
      const key = principalKey(principal);
      let available: number | undefined;
      if (bucket && key) {
        const state = await deps.buckets.take(key, bucket, requested.complexity);
        available = state.available;
        cost.throttleStatus = {
          maximumAvailable: bucket.capacity,
          currentlyAvailable: Math.floor(available),
          restoreRate: bucket.refillPerSecond,
        };
        if (!state.ok) {
          const retryAfter = Math.max(1, Math.ceil(state.retryAfterMs / 1000));
          const message = `Query cost ${requested.complexity} is more than your cost budget holds now (${Math.floor(available)} of ${bucket.capacity}, refilling ${bucket.refillPerSecond} a second). Retry after ${retryAfter} s, or ask for fewer rows.`;
          const error = new GraphQLError(message, {
            extensions: {
              code: 'THROTTLED',
              retryAfterSeconds: retryAfter,
              http: { status: 429, headers: { 'Retry-After': String(retryAfter) } },
            },
          });
          setResultAndStopExecution(refused(cost, error));
          return;
        }
      }

      const counter = countActualCost(ctx);
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          cost.actual = counter.actual;
          const unused = Math.max(0, cost.requested - cost.actual);
          if (bucket && key && available !== undefined && cost.throttleStatus) {
            cost.throttleStatus.currentlyAvailable = Math.floor(Math.min(bucket.capacity, available + unused));
            // The answer does not wait for the refund.
            if (unused > 0) void deps.buckets.refund(key, bucket, unused);
          }
          setResult({ ...result, extensions: { ...result.extensions, cost } });
        },
      };
    },
    onResultProcess({ request, result, setResult }) {
      // Only a cached answer has data without an execution here; it is shared, so it is copied.
      if (
        costed.has(request) ||
        Array.isArray(result) ||
        Symbol.asyncIterator in result ||
        !('data' in result) ||
        !result.data
      )
        return;
      const limit = complexityLimitFor(clientTier(stateOf(request).principal)).complexity;
      setResult({
        ...result,
        extensions: { ...result.extensions, cost: { requested: 0, actual: 0, limit, cached: true } },
      });
    },
  };
}
