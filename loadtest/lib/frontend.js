// Front-end traffic: a signed-in user running ad-hoc queries across the domains, weighted like a
// dashboard session (lists and detail views far more often than deep trees).
import { checkResponse, pick, query, required, weighted } from './graphql.js';

export const VIEWER = `query Viewer { viewer { tier scopes organization { name slug } user { name email } } }`;

export const RECENT_BATCHES = `query RecentBatches($first: Int!) {
  batches(first: $first, orderBy: INTAKE_DATE_DESC) {
    edges { node { id code fruitType status intakeDate grossWeightKg netWeightKg grower { name } packhouse { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const FILTERED_BATCHES = `query FilteredBatches($status: BatchStatus!, $fruitType: FruitType!) {
  batches(first: 20, filter: { status: $status, fruitType: $fruitType }) {
    edges { node { id code intakeDate grossWeightKg grower { name region } } }
  }
}`;

export const GROWERS_WITH_BATCHES = `query GrowersWithBatches($after: String) {
  growers(first: 20, after: $after) {
    edges { node { id name region batches(first: 5) { edges { node { code status intakeDate packhouse { name } } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const PACKHOUSE_BOARD = `query PackhouseBoard {
  packhouses(first: 12) {
    edges { node { id name location batches(first: 10) { edges { node { code status fruitType grossWeightKg grower { name } } } } } }
  }
}`;

export const BATCH_DETAIL = `query BatchDetail($id: ID!) {
  node(id: $id) {
    id
    ... on Batch { code fruitType status harvestDate intakeDate grossWeightKg netWeightKg grower { id code name region contactEmail } packhouse { id name location } }
  }
}`;

export const FRONTEND_OPERATIONS = [
  'Viewer',
  'RecentBatches',
  'FilteredBatches',
  'GrowersWithBatches',
  'PackhouseBoard',
  'BatchDetail',
];

const STATUSES = ['RECEIVED', 'GRADED', 'PACKED', 'DISPATCHED'];
const FRUITS = ['APPLE', 'PEAR', 'CITRUS', 'STONE_FRUIT', 'KIWIFRUIT', 'AVOCADO', 'GRAPE', 'BERRY'];

/** setup(): ids and cursors the iterations use, read once through the API itself. */
export async function frontendSetup() {
  const token = required('USER_TOKEN');
  const res = await query(RECENT_BATCHES, { first: 200 }, token);
  const page = res.json().data.batches;
  const growers = (await query(GROWERS_WITH_BATCHES, {}, token)).json().data.growers;
  return { token, batchIds: page.edges.map((e) => e.node.id), growerCursor: growers.pageInfo.endCursor };
}

/** Each operation's request, with what setup() read (`data`). */
const REQUESTS = {
  Viewer: (data) => query(VIEWER, {}, data.token),
  RecentBatches: (data) => query(RECENT_BATCHES, { first: 20 }, data.token),
  FilteredBatches: (data) => query(FILTERED_BATCHES, { status: pick(STATUSES), fruitType: pick(FRUITS) }, data.token),
  GrowersWithBatches: (data) =>
    query(GROWERS_WITH_BATCHES, { after: Math.random() < 0.5 ? data.growerCursor : null }, data.token),
  PackhouseBoard: (data) => query(PACKHOUSE_BOARD, {}, data.token),
  BatchDetail: (data) => query(BATCH_DETAIL, { id: pick(data.batchIds) }, data.token),
};

export async function frontendIteration(data) {
  const operation = weighted([
    [10, 'Viewer'],
    [25, 'RecentBatches'],
    [20, 'FilteredBatches'],
    [15, 'GrowersWithBatches'],
    [10, 'PackhouseBoard'],
    [20, 'BatchDetail'],
  ]);
  checkResponse(await REQUESTS[operation](data), operation);
}
