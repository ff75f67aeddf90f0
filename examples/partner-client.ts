// A partner integration with a persisted-only key: it runs the freshtrack operations by hash alone,
// typed end to end by the documents `npm run codegen` generates (seeds/persisted/freshtrack/). No
// GraphQL client library: a query is a GET (cacheable by any HTTP cache), a mutation a POST.
//
//   HG_URL=http://localhost:4000 HG_KEY=hgk_… npx node examples/partner-client.ts [--dispatch]
//
// Make a key for it with createApiKey(input: { name: "Freshtrack", scopes: [READ, WRITE],
// persistedOnly: true, manifest: "freshtrack" }).
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, type OperationDefinitionNode } from 'graphql';
import {
  FreshtrackBatchDocument,
  FreshtrackBatchesDocument,
  FreshtrackDispatchDocument,
  FreshtrackPackhousesDocument,
  type BatchStatus,
} from '../seeds/persisted/freshtrack/graphql.ts';

/** A codegen'd document: its types, and the hash of the manifest entry it was printed to. */
type PersistedDocument<Result, Variables> = TypedDocumentNode<Result, Variables> & { __meta__?: { hash?: string } };

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class GraphQLRequestError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(code ? `${code}: ${message}` : message);
    this.code = code;
  }
}

export function createPartnerClient(options: { url: string; key: string; fetch?: FetchLike }) {
  const fetchFn = options.fetch ?? fetch;
  const endpoint = `${options.url.replace(/\/$/, '')}/graphql`;

  return async function run<Result, Variables extends Record<string, unknown>>(
    document: PersistedDocument<Result, Variables>,
    variables: Variables,
  ): Promise<Result> {
    const hash = document.__meta__?.hash;
    if (!hash) throw new Error('This document has no persisted hash: run `npm run codegen`.');
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    const headers = { authorization: `Bearer ${options.key}`, accept: 'application/json' };
    const response =
      operation?.operation === 'mutation'
        ? await fetchFn(endpoint, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ operationName: operation.name?.value, variables, extensions }),
          })
        : await fetchFn(
            `${endpoint}?${new URLSearchParams({ operationName: operation?.name?.value ?? '', variables: JSON.stringify(variables), extensions: JSON.stringify(extensions) })}`,
            {
              headers,
            },
          );
    const body = (await response.json()) as {
      data?: Result;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    if (body.errors?.length) throw new GraphQLRequestError(body.errors[0].message, body.errors[0].extensions?.code);
    if (!response.ok || !body.data) throw new GraphQLRequestError(`HTTP ${response.status}`, undefined);
    return body.data;
  };
}

/** Lists batches, opens the first, lists packhouses and (when asked) dispatches the batch. */
export async function runFreshtrack(options: {
  url: string;
  key: string;
  fetch?: FetchLike;
  dispatch?: boolean;
  status?: BatchStatus;
}) {
  const run = createPartnerClient(options);
  const batches = await run(FreshtrackBatchesDocument, { first: 5, status: options.status });
  const first = batches.batches?.edges[0]?.node;
  const batch = first ? await run(FreshtrackBatchDocument, { id: first.id }) : null;
  const detail = batch?.node?.__typename === 'Batch' ? batch.node : null;
  const packhouses = await run(FreshtrackPackhousesDocument, {});
  const dispatched =
    options.dispatch && first ? (await run(FreshtrackDispatchDocument, { id: first.id })).changeBatchStatus : null;
  return {
    batches:
      batches.batches?.edges.map(
        (e) => `${e.node.code} ${e.node.status} ${e.node.netWeightKg ?? '?'} kg at ${e.node.packhouse?.name ?? '?'}`,
      ) ?? [],
    firstBatch: detail
      ? { code: detail.code, grower: detail.grower?.name ?? null, harvested: detail.harvestDate }
      : null,
    packhouses: packhouses.packhouses?.edges.map((e) => e.node.name) ?? [],
    dispatched: dispatched
      ? dispatched.__typename === 'MutationChangeBatchStatusSuccess'
        ? dispatched.data.status
        : `refused: ${dispatched.message}`
      : null,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const key = process.env.HG_KEY;
  if (!key) {
    process.stderr.write(
      'Set HG_KEY to a persisted-only freshtrack API key (and HG_URL, default http://localhost:4000).\n',
    );
    process.exit(2);
  }
  const result = await runFreshtrack({
    url: process.env.HG_URL ?? 'http://localhost:4000',
    key,
    dispatch: process.argv.includes('--dispatch'),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
