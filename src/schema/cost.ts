// Requested and actual cost of an operation.
// Requested: Pothos complexity of the selected operation with its variables, before execution.
// Actual: the cost of what really resolved, counted as resolvers run: every field instance adds its
// own cost once, so a connection that returns 3 rows of the 50 asked for costs 3 rows, and a
// page-info block is counted once rather than once per row. Actual is below requested unless a
// plain list (costed ×10 by default) returns more than 10 items.
import { complexityFromQuery } from '@pothos/plugin-complexity';
import {
  defaultFieldResolver,
  getOperationAST,
  isObjectType,
  Kind,
  type DocumentNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';

export type RequestedCost = { complexity: number; depth: number; breadth: number };

// Requested costs by parsed document (yoga keeps parsed documents, so a repeated query is the same
// object), operation name and variables: complexity depends on nothing else (no field's complexity
// reads the context), and working it out again was 3% of a small read's CPU. At most 64 variable sets
// a document, the oldest out first.
const requestedCosts = new WeakMap<DocumentNode, Map<string, RequestedCost | undefined>>();
const COSTS_PER_DOCUMENT = 64;

/** Pothos complexity of the operation that will run; undefined when its variables are invalid (execution reports that). */
export function requestedCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  ctx: object,
): RequestedCost | undefined {
  let costs = requestedCosts.get(document);
  if (!costs) requestedCosts.set(document, (costs = new Map()));
  const key = `${operationName ?? ''}|${JSON.stringify(variables ?? {})}`;
  if (costs.has(key)) return costs.get(key);
  const cost = complexityOf(selectedOperation(document, operationName), { schema, variables: variables ?? {}, ctx });
  if (costs.size >= COSTS_PER_DOCUMENT) costs.delete(costs.keys().next().value!);
  costs.set(key, cost);
  return cost;
}

/** The operation that will run with the document's fragments: complexityFromQuery measures the first operation of a document. */
function selectedOperation(document: DocumentNode, operationName: string | null | undefined): DocumentNode | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  return { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] };
}

/** Undefined when there is no such operation or its variables are invalid (complexityFromQuery throws). */
function complexityOf(
  operation: DocumentNode | undefined,
  options: Parameters<typeof complexityFromQuery>[1],
): RequestedCost | undefined {
  if (!operation) return undefined;
  try {
    return complexityFromQuery(operation, options);
  } catch {
    return undefined;
  }
}

type Counter = { actual: number };
const counters = new WeakMap<object, Counter>();

/** Starts counting the actual cost of the execution that uses this context. */
export function countActualCost(ctx: object): Counter {
  const counter = { actual: 0 };
  counters.set(ctx, counter);
  return counter;
}

type Complexity =
  | number
  | { field?: number; multiplier?: number }
  | ((args: object, ctx: object, field: unknown) => Complexity);

function ownCost(field: GraphQLField<unknown, unknown>): (args: object, ctx: object) => number {
  const option = field.extensions?.complexity as Complexity | undefined;
  const costOf = (c: Complexity | undefined): number =>
    typeof c === 'number' ? c : typeof c === 'object' && c ? (c.field ?? 1) : 1;
  if (typeof option !== 'function') {
    const cost = costOf(option);
    return () => cost;
  }
  return (args, ctx) => {
    try {
      return costOf(option(args, ctx, field));
    } catch {
      return 1;
    }
  };
}

/** One instance's own cost of `field` with these arguments (the compiled read path counts with it too). */
export function fieldCost(field: GraphQLField<unknown, unknown>, args: object, ctx: object): number {
  return ownCost(field)(args, ctx);
}

/** Adds cost counted outside resolvers (src/compiled/) to the execution's counter, if it has one. */
export function addActualCost(ctx: object, cost: number): void {
  const counter = counters.get(ctx);
  if (counter) counter.actual += cost;
}

/** Wraps every resolver so each field instance adds its own cost to the execution's counter. */
export function withActualCost(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve ?? defaultFieldResolver;
      const cost = ownCost(field);
      field.resolve = (parent, args, ctx, info) => {
        const counter = counters.get(ctx as object);
        // The response cache adds aliased id/__typename fields of its own; the client did not ask for them.
        if (counter && !String(info.path.key).startsWith('__responseCache'))
          counter.actual += cost(args, ctx as object);
        return resolve(parent, args, ctx, info);
      };
    }
  }
  return schema;
}
