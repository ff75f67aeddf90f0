// Lead and workflow traffic: leads created, read, searched, updated and moved along their statuses,
// workflows started on them and followed. Each virtual user works on leads it created itself, so
// every status change it asks for is a valid one and every request must succeed.
import { checkResponse, pick, query, required, weighted } from './graphql.js';
import { SCORE_AND_ROUTE } from './workflow-steps.js';

const CREATE = `mutation CreateLead($input: LeadInput!) {
  createLead(input: $input) { __typename ... on MutationCreateLeadSuccess { data { id status crmSync { state } } } ... on Error { message } }
}`;
const GET = `query GetLead($id: ID!) {
  lead(id: $id) { id name email status owner score crmSync { state attempts syncedAt }
    workflowRuns(first: 1) { edges { node { id status progress currentStep { key kind } } } } }
}`;
const SEARCH = `query SearchLeads($filter: LeadFilter) {
  leads(first: 20, filter: $filter) { edges { node { id name company status crmSync { state } } } pageInfo { hasNextPage endCursor } }
}`;
const UPDATE = `mutation UpdateLead($id: ID!, $input: LeadPatch!) {
  updateLead(id: $id, input: $input) { __typename ... on MutationUpdateLeadSuccess { data { id version } } ... on Error { message } }
}`;
const STATUS = `mutation ChangeLeadStatus($id: ID!, $status: LeadStatus!) {
  changeLeadStatus(id: $id, status: $status) { __typename ... on MutationChangeLeadStatusSuccess { data { id status } } ... on Error { message } }
}`;
const START = `mutation StartWorkflow($definition: ID!, $leads: [ID!]!) {
  startWorkflow(definition: $definition, leads: $leads) { __typename ... on MutationStartWorkflowSuccess { data { runs { id status } } } ... on Error { message } }
}`;
const RUN = `query WorkflowRunStatus($id: ID!) {
  workflowRun(id: $id) { id status progress completedSteps stepCount currentStep { key kind } steps { key status } }
}`;
const DEFINE = `mutation DefineWorkflow($input: WorkflowDefinitionInput!) {
  saveWorkflowDefinition(input: $input) { __typename ... on MutationSaveWorkflowDefinitionSuccess { data { id } } ... on Error { message } }
}`;

export const LEAD_OPERATIONS = [
  'CreateLead',
  'GetLead',
  'SearchLeads',
  'UpdateLead',
  'ChangeLeadStatus',
  'StartWorkflow',
  'WorkflowRunStatus',
];

const NEXT = { NEW: 'CONTACTED', CONTACTED: 'QUALIFIED', QUALIFIED: 'WON' };
const COMPANIES = [
  'Kowhai Orchards',
  'Rata Fresh',
  'Totara Fruit',
  'Manuka Growers',
  'Pohutukawa Packers',
  'Harakeke Exports',
];
const WORDS = ['kowhai', 'rata', 'totara', 'manuka', 'pohutukawa', 'harakeke', 'loadtest'];
const SOURCES = ['WEB', 'REFERRAL', 'EVENT', 'PARTNER'];

const succeeded = (field) => ({ name: `${field} succeeded`, test: (data) => /Success$/.test(data[field].__typename) });

export async function leadsSetup() {
  const token = required('USER_TOKEN');
  const res = await query(
    DEFINE,
    {
      input: {
        name: 'load test onboarding',
        steps: [
          ...SCORE_AND_ROUTE,
          { key: 'nurture', kind: 'notify', message: 'nurture sequence' },
          { key: 'assign', kind: 'assign', owners: ['ana', 'ben', 'cy'] },
          { key: 'pause', kind: 'wait', seconds: 5 },
          { key: 'welcome', kind: 'notify', message: 'welcome call' },
        ],
      },
    },
    token,
  );
  const definition = res.json().data.saveWorkflowDefinition.data.id;
  return { token, definition, run: `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}` };
}

// Per virtual user, its leads and runs. Keyed by __VU: k6 gives each VU its own module state, the
// Node runner shares one module between VUs.
const byVu = {};
const state = () => (byVu[__VU] = byVu[__VU] || { leads: [], runs: [], n: 0 });

async function create(data) {
  const mine = state();
  mine.n += 1;
  const input = {
    name: `Load ${pick(COMPANIES)} ${__VU}-${mine.n}`,
    email: `lt.${data.run}.${__VU}.${mine.n}@${pick(COMPANIES).toLowerCase().replace(/\s+/g, '')}.example.org`,
    company: Math.random() < 0.5 ? pick(COMPANIES) : null,
    phone: Math.random() < 0.5 ? `+64 21 ${String(100000 + __VU * 1000 + mine.n).slice(-6)}` : null,
    source: pick(SOURCES),
  };
  const res = await query(CREATE, { input }, data.token);
  if (checkResponse(res, 'CreateLead', succeeded('createLead'))) {
    mine.leads.push({ id: res.json().data.createLead.data.id, status: 'NEW' });
  }
}

export async function leadsIteration(data) {
  const token = data.token;
  const mine = state();
  if (mine.leads.length < 3) return create(data);
  const kind = weighted([
    [20, 'create'],
    [20, 'get'],
    [20, 'search'],
    [14, 'update'],
    [10, 'status'],
    [6, 'start'],
    [10, 'run'],
  ]);
  if (kind === 'create') return create(data);
  if (kind === 'get') {
    const res = await query(GET, { id: pick(mine.leads).id }, token);
    return checkResponse(res, 'GetLead', { name: 'lead found', test: (d) => Boolean(d.lead) });
  }
  if (kind === 'search') {
    const filter =
      Math.random() < 0.7
        ? { search: pick(WORDS) }
        : { status: pick(['NEW', 'CONTACTED', 'QUALIFIED']), source: pick(SOURCES) };
    return checkResponse(await query(SEARCH, { filter }, token), 'SearchLeads');
  }
  if (kind === 'update') {
    const input = Math.random() < 0.5 ? { owner: pick(['ana', 'ben', 'cy', 'dee']) } : { company: pick(COMPANIES) };
    return checkResponse(
      await query(UPDATE, { id: pick(mine.leads).id, input }, token),
      'UpdateLead',
      succeeded('updateLead'),
    );
  }
  if (kind === 'status') {
    const open = mine.leads.filter((l) => NEXT[l.status]);
    if (!open.length) return create(data);
    const lead = pick(open);
    const res = await query(STATUS, { id: lead.id, status: NEXT[lead.status] }, token);
    if (checkResponse(res, 'ChangeLeadStatus', succeeded('changeLeadStatus'))) lead.status = NEXT[lead.status];
    return;
  }
  if (kind === 'start') {
    const leads = [pick(mine.leads).id];
    const res = await query(START, { definition: data.definition, leads }, token);
    if (checkResponse(res, 'StartWorkflow', succeeded('startWorkflow')))
      mine.runs.push(...res.json().data.startWorkflow.data.runs.map((r) => r.id));
    return;
  }
  if (!mine.runs.length) return create(data);
  const res = await query(RUN, { id: pick(mine.runs) }, token);
  return checkResponse(res, 'WorkflowRunStatus', { name: 'run found', test: (d) => Boolean(d.workflowRun) });
}
