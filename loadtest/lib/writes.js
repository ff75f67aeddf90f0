// Write traffic: growers created and renamed, batches received and moved along their workflow.
import { checkResponse, pick, query, required, weighted } from './graphql.js';

const CREATE_GROWER = `mutation CreateGrower($input: GrowerInput!) {
  createGrower(input: $input) { __typename ... on MutationCreateGrowerSuccess { data { id code name } } ... on Error { message } }
}`;

const UPDATE_GROWER = `mutation UpdateGrower($id: ID!, $input: GrowerPatch!) {
  updateGrower(id: $id, input: $input) { __typename ... on MutationUpdateGrowerSuccess { data { id name region } } ... on Error { message } }
}`;

const CREATE_BATCH = `mutation CreateBatch($input: BatchInput!) {
  createBatch(input: $input) { __typename ... on MutationCreateBatchSuccess { data { id code status } } ... on Error { message } }
}`;

const CHANGE_BATCH_STATUS = `mutation ChangeBatchStatus($id: ID!, $status: BatchStatus!) {
  changeBatchStatus(id: $id, status: $status) { __typename ... on MutationChangeBatchStatusSuccess { data { id status } } ... on Error { message } }
}`;

const IDS = `query WriteTargets {
  growers(first: 100) { edges { node { id } } }
  packhouses(first: 20) { edges { node { id } } }
}`;

export const WRITE_OPERATIONS = ['CreateGrower', 'UpdateGrower', 'CreateBatch', 'ChangeBatchStatus'];

const succeeded = (field) => ({ name: `${field} succeeded`, test: (data) => /Success$/.test(data[field].__typename) });
const REGIONS = ["Hawke's Bay", 'Nelson', 'Bay of Plenty', 'Central Otago'];
const FRUITS = ['APPLE', 'PEAR', 'KIWIFRUIT', 'AVOCADO'];

export async function writesSetup() {
  const token = required('USER_TOKEN');
  const data = (await query(IDS, {}, token)).json().data;
  return {
    token,
    run: `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`,
    growerIds: data.growers.edges.map((e) => e.node.id),
    packhouseIds: data.packhouses.edges.map((e) => e.node.id),
  };
}

function unique(data, prefix) {
  return `${prefix}-${data.run}-${__VU}-${__ITER}`;
}

export async function writesIteration(data) {
  const token = data.token;
  const kind = weighted([
    [30, 'grower'],
    [30, 'rename'],
    [40, 'batch'],
  ]);
  if (kind === 'grower') {
    const res = await query(
      CREATE_GROWER,
      { input: { code: unique(data, 'LT-G'), name: 'Load Test Grower', region: pick(REGIONS) } },
      token,
    );
    checkResponse(res, 'CreateGrower', succeeded('createGrower'));
  } else if (kind === 'rename') {
    const res = await query(UPDATE_GROWER, { id: pick(data.growerIds), input: { region: pick(REGIONS) } }, token);
    checkResponse(res, 'UpdateGrower', succeeded('updateGrower'));
  } else {
    const input = {
      code: unique(data, 'LT-B'),
      grower: pick(data.growerIds),
      packhouse: pick(data.packhouseIds),
      fruitType: pick(FRUITS),
      harvestDate: '2025-03-01',
      intakeDate: '2025-03-02',
      grossWeightKg: '1250.500',
    };
    const res = await query(CREATE_BATCH, { input }, token);
    if (checkResponse(res, 'CreateBatch', succeeded('createBatch'))) {
      const id = res.json().data.createBatch.data.id;
      const next = await query(CHANGE_BATCH_STATUS, { id, status: 'GRADED' }, token);
      checkResponse(next, 'ChangeBatchStatus', succeeded('changeBatchStatus'));
    }
  }
}
