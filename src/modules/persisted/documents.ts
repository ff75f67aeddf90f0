// Persisted documents: one operation and the fragments it uses, identified by the hex SHA-256 of
// its exact text (the id Apollo's APQ and GraphQL Codegen's persisted documents send).
import { createHash } from 'node:crypto';
import {
  Kind,
  parse,
  print,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export const MANIFEST_NAME = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Fragments reachable from a selection set, in first-use order. */
function usedFragments(
  selectionSet: SelectionSetNode,
  all: Map<string, FragmentDefinitionNode>,
  found = new Map<string, FragmentDefinitionNode>(),
) {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = all.get(selection.name.value);
      if (fragment && !found.has(fragment.name.value)) {
        found.set(fragment.name.value, fragment);
        usedFragments(fragment.selectionSet, all, found);
      }
    } else if (selection.selectionSet) {
      usedFragments(selection.selectionSet, all, found);
    }
  }
  return found;
}

/** Splits a .graphql source into one printed document per operation, each with its own fragments. */
export function splitOperations(source: string): { name: string; document: string; hash: string }[] {
  const parsed = parse(source);
  const fragments = new Map(
    parsed.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  return parsed.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => {
      if (!operation.name) throw new Error('Every persisted operation needs a name.');
      const definitions: DefinitionNode[] = [operation, ...usedFragments(operation.selectionSet, fragments).values()];
      const document = print({ kind: Kind.DOCUMENT, definitions } satisfies DocumentNode);
      return { name: operation.name.value, document, hash: sha256Hex(document) };
    });
}

/** The operation of a persisted document; a persisted document holds exactly one. */
export function singleOperation(document: DocumentNode): OperationDefinitionNode | string {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (operations.length !== 1)
    return `A persisted document holds exactly one operation; this one has ${operations.length}.`;
  return operations[0];
}
