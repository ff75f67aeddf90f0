// Helpers for the lead and workflow tests: GraphQL documents and small wrappers.
import { expect } from 'vitest';
import { SCORE_AND_ROUTE } from '../../loadtest/lib/workflow-steps.js';
import type { Harness } from './harness.ts';

export const CREATE_LEAD = `mutation($input: LeadInput!) {
  createLead(input: $input) {
    __typename
    ... on MutationCreateLeadSuccess { data { id email status version crmSync { state attempts } } }
    ... on ValidationError { field message }
    ... on DuplicateLeadError { field message existingLead { id email } }
    ... on IdempotencyKeyReusedError { key message }
  }
}`;

export const SAVE_DEFINITION = `mutation($input: WorkflowDefinitionInput!) {
  saveWorkflowDefinition(input: $input) {
    __typename
    ... on MutationSaveWorkflowDefinitionSuccess { data { id name version } }
    ... on ValidationError { field message issues { field message } }
  }
}`;

export const START = `mutation($definition: ID!, $leads: [ID!]!) {
  startWorkflow(definition: $definition, leads: $leads) {
    __typename
    ... on MutationStartWorkflowSuccess { data { runs { id status lead { id } } } }
    ... on ValidationError { field message }
    ... on NotFoundError { id message }
    ... on IdempotencyKeyReusedError { key }
  }
}`;

export const RUN = `query($id: ID!) { workflowRun(id: $id) { id status completedSteps stepCount progress error currentStep { key kind }
  steps { key kind status output attempts } } }`;

let counter = 0;
export function leadInput(extra: Record<string, unknown> = {}) {
  counter += 1;
  const n = `${Date.now().toString(36)}${counter}`;
  return {
    name: `Lead ${n}`,
    email: `lead.${n}@acme-${counter % 7}.example.org`,
    company: null,
    source: 'WEB',
    ...extra,
  };
}

export async function createLead(
  h: Harness,
  auth: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const r = await h.gql(CREATE_LEAD, { auth, variables: { input: leadInput(extra) }, headers });
  expect(r.body.errors).toBeUndefined();
  const out = r.body.data.createLead;
  expect(out.__typename, JSON.stringify(out)).toBe('MutationCreateLeadSuccess');
  return out.data as { id: string; email: string; status: string; version: number };
}

export const DEFAULT_STEPS = [
  ...SCORE_AND_ROUTE,
  { key: 'nurture', kind: 'notify', message: 'Send the nurture sequence' },
  { key: 'assign', kind: 'assign', owners: ['ana', 'ben'] },
  { key: 'welcome', kind: 'notify', message: 'Say hello' },
];

export async function saveDefinition(h: Harness, auth: string, steps: unknown[] = DEFAULT_STEPS, name = 'onboarding') {
  const r = await h.gql(SAVE_DEFINITION, { auth, variables: { input: { name, steps } } });
  expect(r.body.errors).toBeUndefined();
  expect(r.body.data.saveWorkflowDefinition.__typename, JSON.stringify(r.body.data)).toBe(
    'MutationSaveWorkflowDefinitionSuccess',
  );
  return r.body.data.saveWorkflowDefinition.data as { id: string; version: number };
}

export async function startRuns(
  h: Harness,
  auth: string,
  definition: string,
  leads: string[],
  headers: Record<string, string> = {},
) {
  const r = await h.gql(START, { auth, variables: { definition, leads }, headers });
  expect(r.body.errors).toBeUndefined();
  expect(r.body.data.startWorkflow.__typename, JSON.stringify(r.body.data)).toBe('MutationStartWorkflowSuccess');
  return r.body.data.startWorkflow.data.runs as { id: string; status: string }[];
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
