// The operations compared, written for each server's schema, and how each answer is reduced to the
// same plain data (enum case, wrappers, id formats differ; the rows and values must not).
// Orderings are spelled out on PostGraphile's side to match ours, ties broken by id as ours are.
export type Pair = {
  name: string;
  /** One of the nested-list shapes the 1.5× throughput aim is about. */
  nested: boolean;
  ours: Operation;
  postgraphile: Operation;
  normalise: { ours: (data: any) => unknown; postgraphile: (data: any) => unknown };
};

/** One server's spelling of the operation; `variables` of the i-th request (none if absent). */
export type Operation = { query: string; variables?: (i: number, keys: Keys) => Record<string, unknown> };

/** Batches picked for the by-key lookup: our global id and PostGraphile's row id of the same rows. */
export type Keys = { ours: string[]; postgraphile: number[]; run: string };

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
const nodes = (connection: any) => connection.edges.map((e: any) => e.node);
const batchFields = (b: any) => ({ ...b, fruitType: lower(b.fruitType), status: lower(b.status) });

/** Normalisers of a list both servers answer alike under their own root field, each row reduced by `row`. */
const listOf = (ours: string, postgraphile: string, row: (node: any) => unknown): Pair['normalise'] => ({
  ours: (d) => nodes(d[ours]).map(row),
  postgraphile: (d) => nodes(d[postgraphile]).map(row),
});

const BATCH_DETAIL =
  'code fruitType status harvestDate intakeDate grossWeightKg netWeightKg grower { code name region } packhouse { name location }';
const BATCH_ORDER = 'orderBy: [INTAKE_DATE_DESC, ROW_ID_DESC]';
const NAME_ORDER = 'orderBy: [NAME_ASC, ROW_ID_ASC]';

export const BIG_PAGE = 300;

export const PAIRS: Pair[] = [
  {
    name: 'by key (batch + grower + packhouse)',
    nested: false,
    ours: {
      query: `query ByKey($id: ID!) { node(id: $id) { ... on Batch { ${BATCH_DETAIL} } } }`,
      variables: (i, k) => ({ id: k.ours[i % k.ours.length] }),
    },
    postgraphile: {
      query: `query ByKey($id: Int!) { batchByRowId(rowId: $id) { ${BATCH_DETAIL} } }`,
      variables: (i, k) => ({ id: k.postgraphile[i % k.postgraphile.length] }),
    },
    normalise: { ours: (d) => batchFields(d.node), postgraphile: (d) => batchFields(d.batchByRowId) },
  },
  {
    name: 'flat list of 20 batches',
    nested: false,
    ours: {
      query: `query Flat { batches(first: 20) { edges { node { code fruitType status intakeDate grossWeightKg } } } }`,
    },
    postgraphile: {
      query: `query Flat { allBatches(first: 20, ${BATCH_ORDER}) { edges { node { code fruitType status intakeDate grossWeightKg } } } }`,
    },
    normalise: listOf('batches', 'allBatches', batchFields),
  },
  {
    name: '50 growers × first 10 batches',
    nested: true,
    ours: {
      query: `query Nested { growers(first: 50) { edges { node { code name batches(first: 10) { edges { node { code status intakeDate grossWeightKg } } } } } } }`,
    },
    postgraphile: {
      query: `query Nested { allGrowers(first: 50, ${NAME_ORDER}) { edges { node { code name batches(first: 10, ${BATCH_ORDER}) { edges { node { code status intakeDate grossWeightKg } } } } } } }`,
    },
    normalise: listOf('growers', 'allGrowers', (g) => ({ ...g, batches: nodes(g.batches).map(batchFields) })),
  },
  {
    name: 'three levels (packhouses → batches → grower → batches)',
    nested: true,
    ours: {
      query: `query Three { packhouses(first: 10) { edges { node { name batches(first: 10) { edges { node { code grower { name region batches(first: 3) { edges { node { code intakeDate } } } } } } } } } } }`,
    },
    postgraphile: {
      query: `query Three { allPackhouses(first: 10, ${NAME_ORDER}) { edges { node { name batches(first: 10, ${BATCH_ORDER}) { edges { node { code grower { name region batches(first: 3, ${BATCH_ORDER}) { edges { node { code intakeDate } } } } } } } } } } }`,
    },
    normalise: listOf('packhouses', 'allPackhouses', (p) => ({
      ...p,
      batches: nodes(p.batches).map((b: any) => ({ ...b, grower: { ...b.grower, batches: nodes(b.grower.batches) } })),
    })),
  },
  {
    name: `~100 KB response (${BIG_PAGE} batches with grower and packhouse)`,
    nested: false,
    ours: {
      query: `query Big { batches(first: ${BIG_PAGE}) { edges { node { ${BATCH_DETAIL} } } } }`,
    },
    postgraphile: {
      query: `query Big { allBatches(first: ${BIG_PAGE}, ${BATCH_ORDER}) { edges { node { ${BATCH_DETAIL} } } } }`,
    },
    normalise: listOf('batches', 'allBatches', batchFields),
  },
  {
    name: 'mutation (create a grower)',
    nested: false,
    ours: {
      query: `mutation Create($input: GrowerInput!) { createGrower(input: $input) { ... on MutationCreateGrowerSuccess { data { code name region } } ... on Error { message } } }`,
      variables: (i, k) => ({ input: { code: `BENCH-${k.run}-${i}`, name: `Bench Grower ${i}`, region: 'Nelson' } }),
    },
    postgraphile: {
      query: `mutation Create($input: CreateGrowerInput!) { createGrower(input: $input) { grower { code name region } } }`,
      variables: (i, k) => ({
        input: { grower: { code: `BENCH-${k.run}-${i}`, name: `Bench Grower ${i}`, region: 'Nelson' } },
      }),
    },
    normalise: { ours: (d) => d.createGrower.data, postgraphile: (d) => d.createGrower.grower },
  },
];
