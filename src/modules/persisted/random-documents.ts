// Random valid GraphQL documents for a schema, for tests that must refuse "anything else": random
// root fields of queries and mutations, required arguments filled in, random sub-selections (some
// aliased, some through fragments), a few levels deep. Every document is checked with graphql's
// own validation; invalid ones (rare field conflicts) are drawn again.
import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  validate,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

type Random = () => number;

const pickSome = <T>(random: Random, items: T[], max: number): T[] => {
  const count = 1 + Math.floor(random() * Math.min(max, items.length));
  return [...items].sort(() => random() - 0.5).slice(0, count);
};

function literal(type: GraphQLInputType, random: Random, depth = 0): string {
  if (isNonNullType(type)) return literal(type.ofType, random, depth);
  if (isListType(type)) return `[${literal(type.ofType, random, depth)}]`;
  if (isEnumType(type)) return type.getValues()[Math.floor(random() * type.getValues().length)].name;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter(
      (f) => isNonNullType(f.type) && f.defaultValue === undefined,
    );
    return `{ ${required.map((f) => `${f.name}: ${literal(f.type, random, depth + 1)}`).join(', ')} }`;
  }
  switch (type.name) {
    case 'Int':
      return String(1 + Math.floor(random() * 5));
    case 'Float':
      return '1.5';
    case 'Boolean':
      return random() < 0.5 ? 'true' : 'false';
    case 'Date':
      return '"2025-01-02"';
    case 'DateTime':
      return '"2025-01-02T03:04:05Z"';
    case 'Decimal':
      return '"12.5"';
    default:
      return `"r${Math.floor(random() * 1e6)}"`;
  }
}

function argumentsOf(field: GraphQLField<unknown, unknown>, random: Random): string {
  const args = field.args.filter(
    (a: GraphQLArgument) =>
      (isNonNullType(a.type) && a.defaultValue === undefined) || (a.name === 'first' && random() < 0.5),
  );
  return args.length ? `(${args.map((a) => `${a.name}: ${literal(a.type, random)}`).join(', ')})` : '';
}

function selection(
  type: GraphQLNamedType,
  schema: GraphQLSchema,
  random: Random,
  depth: number,
  fragments: string[],
): string {
  if (isAbstractType(type)) {
    const possible = schema.getPossibleTypes(type);
    const target = possible[Math.floor(random() * possible.length)];
    return `{ __typename ... on ${target.name} ${selection(target, schema, random, depth, fragments)} }`;
  }
  if (!isObjectType(type)) return '';
  const fields = Object.values(type.getFields());
  const chosen = pickSome(random, depth >= 3 ? fields.filter((f) => isLeafType(getNamedType(f.type))) : fields, 4);
  const parts = (chosen.length ? chosen : fields.slice(0, 1)).map((field, i) => {
    const inner = getNamedType(field.type);
    const alias = random() < 0.2 ? `x${i}: ` : '';
    const sub = isLeafType(getNullableType(inner)) ? '' : ` ${selection(inner, schema, random, depth + 1, fragments)}`;
    return `${alias}${field.name}${argumentsOf(field, random)}${sub}`;
  });
  if (random() < 0.15) {
    const name = `F${fragments.length}`;
    fragments.push(`fragment ${name} on ${type.name} { ${parts.join(' ')} }`);
    return `{ ...${name} }`;
  }
  return `{ ${parts.join(' ')} }`;
}

export function randomDocument(
  schema: GraphQLSchema,
  random: Random,
): { query: string; operation: 'query' | 'mutation' } {
  for (;;) {
    const operation = random() < 0.7 ? 'query' : 'mutation';
    const root = operation === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
    const fragments: string[] = [];
    const body = selection(root, schema, random, 0, fragments);
    const query = [`${operation} R ${body}`, ...fragments].join('\n');
    if (validate(schema, parse(query)).length === 0) return { query, operation };
  }
}
