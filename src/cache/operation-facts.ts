// What an operation may touch, read from the document and the schema before it runs: which entity
// types its answer may contain, which of them it lists, which it writes, and whether it selects a
// private field. The cache derives invalidation tags from these facts, so a list whose rows are all
// filtered out (an empty page) still depends on its type, and a new batch shows up in cached lists.
import { createRequire } from 'node:module';
import type { DocumentNode, GraphQLObjectType, GraphQLOutputType, GraphQLSchema } from 'graphql';

// The schema's types come from graphql's CommonJS build (what Node loads for the libraries, which
// have no ESM entry point for graphql); under vitest our own imports get its ESM build, and graphql
// refuses to mix the two in TypeInfo. Loading it like the libraries do keeps one copy everywhere.
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const {
  getNamedType,
  getNullableType,
  getOperationAST,
  isAbstractType,
  isListType,
  isObjectType,
  Kind,
  parse,
  TypeInfo,
  valueFromAST,
  visit,
  visitWithTypeInfo,
} = graphql;

export type OperationFacts = {
  operation: 'query' | 'mutation' | 'subscription' | null;
  /** Selects a field or type listed in cachePolicy.private. */
  touchesPrivate: boolean;
  /** Entity (Node) types that the answer may contain anywhere. */
  entityTypes: string[];
  /** Types that appear as the rows of a list or connection. */
  listTypes: string[];
  /**
   * Other object types (not entities, not connections, edges or PageInfo): values computed from rows
   * the cache cannot see, such as totals, reconciliations and roll-ups.
   */
  derivedTypes: string[];
  /** Mutations: the entity types their root fields return (directly or as `data` of a result union). */
  writtenTypes: string[];
};

function objectTypesOf(schema: GraphQLSchema, type: GraphQLOutputType): readonly GraphQLObjectType[] {
  const named = getNamedType(type);
  if (isAbstractType(named)) return schema.getPossibleTypes(named);
  return isObjectType(named) ? [named] : [];
}

/** Entities are the types with a global id: the Relay `Node` interface (NotFoundError has an `id` too). */
const hasId = (type: GraphQLObjectType) => type.getInterfaces().some((i) => i.name === 'Node');

/** Connections, edges, PageInfo and root types only carry other types' data. */
function isStructural(schema: GraphQLSchema, type: GraphQLObjectType): boolean {
  const fields = type.getFields();
  return (
    type === schema.getQueryType() ||
    type === schema.getMutationType() ||
    type.name === 'PageInfo' ||
    ('edges' in fields && 'pageInfo' in fields) ||
    ('node' in fields && 'cursor' in fields)
  );
}

/** A list's row types: the node type for connection edges, else the item type itself. */
function rowTypesOf(schema: GraphQLSchema, listType: GraphQLOutputType): GraphQLObjectType[] {
  return objectTypesOf(schema, listType).flatMap((item) => {
    const node = item.getFields().node;
    return node ? [...objectTypesOf(schema, node.type)] : [item];
  });
}

function writtenTypesOf(schema: GraphQLSchema, type: GraphQLOutputType): string[] {
  return objectTypesOf(schema, type).flatMap((t) => {
    if (hasId(t)) return [t.name];
    const data = t.getFields().data;
    return data
      ? objectTypesOf(schema, data.type)
          .filter(hasId)
          .map((d) => d.name)
      : [];
  });
}

export function analyzeDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  privateCoordinates: ReadonlySet<string>,
): OperationFacts {
  const operation = getOperationAST(document, operationName);
  const entityTypes = new Set<string>();
  const listTypes = new Set<string>();
  const derivedTypes = new Set<string>();
  const writtenTypes = new Set<string>();
  let touchesPrivate = false;
  const typeInfo = new TypeInfo(schema);
  // Every operation and fragment of the document is visited: more facts than the chosen operation
  // needs only means more tags or a private key, never a missed invalidation.
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        if (privateCoordinates.has(`${parent.name}.${node.name.value}`)) touchesPrivate = true;
        for (const t of objectTypesOf(schema, field.type)) {
          if (privateCoordinates.has(t.name)) touchesPrivate = true;
          if (hasId(t)) entityTypes.add(t.name);
          else if (!isStructural(schema, t)) derivedTypes.add(t.name);
        }
        if (isListType(getNullableType(field.type))) {
          for (const row of rowTypesOf(schema, field.type)) if (hasId(row)) listTypes.add(row.name);
        }
        if (parent === schema.getMutationType()) {
          for (const name of writtenTypesOf(schema, field.type)) writtenTypes.add(name);
        }
      },
    }),
  );
  return {
    operation: operation?.operation ?? null,
    touchesPrivate,
    entityTypes: [...entityTypes],
    listTypes: [...listTypes],
    derivedTypes: [...derivedTypes],
    writtenTypes: [...writtenTypes],
  };
}

/**
 * The ids a mutation's root fields are given as `ID` arguments (`updateGrower(id: …)`): the entities
 * it changes, whether or not the client selects them in its answer.
 */
export function mutationTargetIds(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): string[] {
  const operation = getOperationAST(document, operationName);
  const mutationType = schema.getMutationType();
  if (operation?.operation !== 'mutation' || !mutationType) return [];
  const fields = mutationType.getFields();
  const ids: string[] = [];
  const collect = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'string') ids.push(value);
  };
  const visitSelections = (selections: readonly (typeof operation.selectionSet.selections)[number][]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) visitSelections(selection.selectionSet.selections);
      if (selection.kind !== Kind.FIELD) continue;
      for (const argument of selection.arguments ?? []) {
        const definition = fields[selection.name.value]?.args.find((a) => a.name === argument.name.value);
        if (!definition || getNamedType(definition.type).name !== 'ID') continue;
        collect(valueFromAST(argument.value, definition.type, variables ?? undefined));
      }
    }
  };
  visitSelections(operation.selectionSet.selections);
  return ids;
}

/** Facts about documents already parsed by yoga, computed once per document object. */
export function createFactsCache(schema: GraphQLSchema, privateCoordinates: ReadonlySet<string>, maxTexts = 2_000) {
  const byDocument = new WeakMap<DocumentNode, Map<string, OperationFacts>>();
  const byText = new Map<string, OperationFacts | null>();
  return {
    ofDocument(document: DocumentNode, operationName: string | null | undefined): OperationFacts {
      let perOperation = byDocument.get(document);
      if (!perOperation) byDocument.set(document, (perOperation = new Map()));
      const name = operationName ?? '';
      let facts = perOperation.get(name);
      if (!facts)
        perOperation.set(name, (facts = analyzeDocument(schema, document, operationName, privateCoordinates)));
      return facts;
    },
    /**
     * Facts from the query text, before yoga parses it (the cache key is made first). null when the
     * text does not parse: such a request ends in an error and is never cached.
     */
    ofText(text: string, operationName: string | null | undefined): OperationFacts | null {
      const memo = `${operationName ?? ''}\u0000${text}`;
      if (byText.has(memo)) return byText.get(memo) ?? null;
      let facts: OperationFacts | null;
      try {
        const document = parse(text, { noLocation: true });
        facts = document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION)
          ? analyzeDocument(schema, document, operationName, privateCoordinates)
          : null;
      } catch {
        facts = null;
      }
      if (byText.size >= maxTexts) byText.delete(byText.keys().next().value as string);
      byText.set(memo, facts);
      return facts;
    },
  };
}

export type FactsCache = ReturnType<typeof createFactsCache>;
