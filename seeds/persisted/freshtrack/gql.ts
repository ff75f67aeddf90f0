/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment BatchSummary on Batch {\n  id\n  code\n  fruitType\n  status\n  intakeDate\n  netWeightKg\n  packhouse {\n    id\n    name\n  }\n}\n\nquery FreshtrackBatches($first: Int = 50, $after: String, $status: BatchStatus) {\n  batches(first: $first, after: $after, filter: {status: $status}) {\n    edges {\n      node {\n        ...BatchSummary\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery FreshtrackBatch($id: ID!) {\n  node(id: $id) {\n    ... on Batch {\n      ...BatchSummary\n      grossWeightKg\n      harvestDate\n      grower {\n        id\n        name\n      }\n    }\n  }\n}\n\nquery FreshtrackPackhouses {\n  packhouses(first: 100) {\n    edges {\n      node {\n        id\n        name\n        location\n      }\n    }\n  }\n}\n\nmutation FreshtrackDispatch($id: ID!) {\n  changeBatchStatus(id: $id, status: DISPATCHED) {\n    __typename\n    ... on MutationChangeBatchStatusSuccess {\n      data {\n        ...BatchSummary\n      }\n    }\n    ... on Error {\n      message\n    }\n  }\n}": typeof types.BatchSummaryFragmentDoc,
};
const documents: Documents = {
    "fragment BatchSummary on Batch {\n  id\n  code\n  fruitType\n  status\n  intakeDate\n  netWeightKg\n  packhouse {\n    id\n    name\n  }\n}\n\nquery FreshtrackBatches($first: Int = 50, $after: String, $status: BatchStatus) {\n  batches(first: $first, after: $after, filter: {status: $status}) {\n    edges {\n      node {\n        ...BatchSummary\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery FreshtrackBatch($id: ID!) {\n  node(id: $id) {\n    ... on Batch {\n      ...BatchSummary\n      grossWeightKg\n      harvestDate\n      grower {\n        id\n        name\n      }\n    }\n  }\n}\n\nquery FreshtrackPackhouses {\n  packhouses(first: 100) {\n    edges {\n      node {\n        id\n        name\n        location\n      }\n    }\n  }\n}\n\nmutation FreshtrackDispatch($id: ID!) {\n  changeBatchStatus(id: $id, status: DISPATCHED) {\n    __typename\n    ... on MutationChangeBatchStatusSuccess {\n      data {\n        ...BatchSummary\n      }\n    }\n    ... on Error {\n      message\n    }\n  }\n}": types.BatchSummaryFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment BatchSummary on Batch {\n  id\n  code\n  fruitType\n  status\n  intakeDate\n  netWeightKg\n  packhouse {\n    id\n    name\n  }\n}\n\nquery FreshtrackBatches($first: Int = 50, $after: String, $status: BatchStatus) {\n  batches(first: $first, after: $after, filter: {status: $status}) {\n    edges {\n      node {\n        ...BatchSummary\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery FreshtrackBatch($id: ID!) {\n  node(id: $id) {\n    ... on Batch {\n      ...BatchSummary\n      grossWeightKg\n      harvestDate\n      grower {\n        id\n        name\n      }\n    }\n  }\n}\n\nquery FreshtrackPackhouses {\n  packhouses(first: 100) {\n    edges {\n      node {\n        id\n        name\n        location\n      }\n    }\n  }\n}\n\nmutation FreshtrackDispatch($id: ID!) {\n  changeBatchStatus(id: $id, status: DISPATCHED) {\n    __typename\n    ... on MutationChangeBatchStatusSuccess {\n      data {\n        ...BatchSummary\n      }\n    }\n    ... on Error {\n      message\n    }\n  }\n}"): (typeof documents)["fragment BatchSummary on Batch {\n  id\n  code\n  fruitType\n  status\n  intakeDate\n  netWeightKg\n  packhouse {\n    id\n    name\n  }\n}\n\nquery FreshtrackBatches($first: Int = 50, $after: String, $status: BatchStatus) {\n  batches(first: $first, after: $after, filter: {status: $status}) {\n    edges {\n      node {\n        ...BatchSummary\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery FreshtrackBatch($id: ID!) {\n  node(id: $id) {\n    ... on Batch {\n      ...BatchSummary\n      grossWeightKg\n      harvestDate\n      grower {\n        id\n        name\n      }\n    }\n  }\n}\n\nquery FreshtrackPackhouses {\n  packhouses(first: 100) {\n    edges {\n      node {\n        id\n        name\n        location\n      }\n    }\n  }\n}\n\nmutation FreshtrackDispatch($id: ID!) {\n  changeBatchStatus(id: $id, status: DISPATCHED) {\n    __typename\n    ... on MutationChangeBatchStatusSuccess {\n      data {\n        ...BatchSummary\n      }\n    }\n    ... on Error {\n      message\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;