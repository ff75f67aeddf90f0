// GraphQL for workflows: definitions (versioned), runs and their steps, start / cancel / rerun, and
// live progress over SSE. Thin: the work is in service.ts (writes, reads) and tasks.ts (execution).
import { organizationOf, type Context } from '../../context.ts';
import {
  RUN_STATUSES,
  STEP_KINDS,
  STEP_STATUSES,
  workflowDefinitionTable,
  workflowRunTable,
  type StepDefinition,
} from '../../db/tables/index.ts';
import type { WorkflowRun, WorkflowStep } from '../../db/tables/index.ts';
import { NESTED_PAGE } from '../../db/keyset.ts';
import { sqlColumn, sqlComputed, sqlEmbedded } from '../../compiled/mapping.ts';
import { badUserInput, ValidationError } from '../../lib/errors.ts';
import { builder } from '../../schema/builder.ts';
import { parentNode, tenantRows } from '../../schema/nodes.ts';
import { mutation } from '../../schema/mutations.ts';
import { listQuery, nestedConnection, nodeQuery, progressSubscription } from '../../schema/queries.ts';
import { enumValues, inputId } from '../../schema/common.ts';
import { IdempotencyKeyReusedError } from '../leads/errors.ts';
import { LeadRef } from '../leads/schema.ts';
import { sleep } from '../recommendations/provider/token-bucket.ts';
import * as service from './service.ts';

const RunStatusEnum = builder.enumType('WorkflowRunStatus', { values: enumValues(RUN_STATUSES) });
const StepKindEnum = builder.enumType('WorkflowStepKind', { values: enumValues(STEP_KINDS) });
const StepStatusEnum = builder.enumType('WorkflowStepStatus', { values: enumValues(STEP_STATUSES) });

const StepDefinitionRef = builder.objectRef<StepDefinition>('WorkflowStepDefinition').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    kind: t.field({ type: StepKindEnum, resolve: (s) => s.kind }),
    seconds: t.int({ nullable: true, resolve: (s) => s.seconds ?? null }),
    owners: t.stringList({ nullable: true, resolve: (s) => s.owners ?? null }),
    message: t.string({ nullable: true, resolve: (s) => s.message ?? null }),
    condition: t.string({
      nullable: true,
      description: 'field op value, e.g. "score gte 50".',
      resolve: (s) => (s.condition ? `${s.condition.field} ${s.condition.op} ${s.condition.value}` : null),
    }),
    then: t.string({ nullable: true, resolve: (s) => s.then ?? null }),
    else: t.string({ nullable: true, resolve: (s) => s.else ?? null }),
  }),
});

export const WorkflowDefinitionRef = builder.loadableNode('WorkflowDefinition', {
  ...tenantRows(workflowDefinitionTable),
  description:
    'One version of a workflow: its ordered steps. Saving under the same name adds a version; runs keep theirs.',
  fields: (t) => ({
    name: t.exposeString('name'),
    version: t.exposeInt('version'),
    // Built from the JSON steps column: not declared, reading it runs the resolvers.
    steps: t.field({ type: [StepDefinitionRef], complexity: { field: 1, multiplier: 1 }, resolve: (d) => d.steps }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const StepResultRef = builder.objectRef<WorkflowStep>('WorkflowStepResult').implement({
  description: 'A step the run has been through, stored when it completed: a resumed run never repeats it.',
  fields: (t) => ({
    key: t.exposeString('stepKey'),
    position: t.exposeInt('position'),
    kind: t.expose('kind', { type: StepKindEnum }),
    status: t.expose('status', { type: StepStatusEnum }),
    output: t.string({
      nullable: true,
      description: 'The step result as JSON.',
      resolve: (s) => (s.output ? JSON.stringify(s.output) : null),
    }),
    error: t.exposeString('error', { nullable: true }),
    attempts: t.exposeInt('attempts'),
    completedAt: t.expose('completedAt', { type: 'DateTime' }),
  }),
});

type CurrentStep = { position: number; key: string; kind: StepDefinition['kind'] };
const CurrentStepRef = builder.objectRef<CurrentStep>('WorkflowCurrentStep').implement({
  description: 'The step a run is at (running, waiting or due next).',
  fields: (t) => ({
    position: t.exposeInt('position', { extensions: sqlColumn(workflowRunTable.currentStep) }),
    key: t.exposeString('key', { extensions: sqlColumn(workflowRunTable.currentStepKey) }),
    kind: t.field({
      type: StepKindEnum,
      extensions: sqlColumn(workflowRunTable.currentStepKind),
      resolve: (s) => s.kind,
    }),
  }),
});

export const WorkflowRunRef = builder.loadableNode('WorkflowRun', {
  ...tenantRows(workflowRunTable),
  description: 'One lead going through one workflow version.',
  fields: (t) => ({
    status: t.expose('status', { type: RunStatusEnum }),
    lead: t.field(parentNode(LeadRef, workflowRunTable, 'leadId')),
    definition: t.field(parentNode(WorkflowDefinitionRef, workflowRunTable, 'definitionId')),
    currentStep: t.field({
      type: CurrentStepRef,
      nullable: true,
      // The step's columns of the run row itself; no step while either is unset.
      extensions: sqlEmbedded([workflowRunTable.currentStepKey, workflowRunTable.currentStepKind]),
      resolve: (r) =>
        r.currentStepKey && r.currentStepKind
          ? { position: r.currentStep, key: r.currentStepKey, kind: r.currentStepKind }
          : null,
    }),
    stepCount: t.exposeInt('stepCount'),
    completedSteps: t.exposeInt('completedSteps'),
    progress: t.float({
      description: 'Completed share of the steps, 0 to 1.',
      // The same division in float8 (IEEE doubles, as in JavaScript), 1 for a run without steps.
      extensions: sqlComputed({
        columns: [workflowRunTable.stepCount, workflowRunTable.completedSteps],
        build: ([steps, completed]) => `case when ${steps} = 0 then 1::float8 else ${completed}::float8 / ${steps} end`,
      }),
      resolve: (r) => (r.stepCount ? r.completedSteps / r.stepCount : 1),
    }),
    error: t.exposeString('error', { nullable: true }),
    resumeAt: t.expose('resumeAt', { type: 'DateTime', nullable: true, description: 'When a waiting run goes on.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    // Rows of workflow_steps as a plain list: not declared, reading them runs the resolvers.
    steps: t.loadableList({
      type: StepResultRef,
      complexity: { field: 1, multiplier: 10 },
      description: 'Steps done so far, in order, each with its result. One statement for all runs of a list.',
      load: (ids: number[], ctx: Context) => service.stepsByRun(ctx.db, organizationOf(ctx), ids),
      resolve: (r) => r.id,
    }),
  }),
});
const WorkflowRunConnection = builder.connectionObject({ type: WorkflowRunRef, name: 'WorkflowRunConnection' });
const WorkflowDefinitionConnection = builder.connectionObject({
  type: WorkflowDefinitionRef,
  name: 'WorkflowDefinitionConnection',
});

builder.objectField(LeadRef, 'workflowRuns', (t) =>
  t.loadable({
    type: WorkflowRunConnection,
    description: `This lead's runs, newest first: workflowRuns(first: 1) is its latest. One statement for all leads of a list.`,
    ...nestedConnection(t.arg, NESTED_PAGE, {
      compiled: {
        table: workflowRunTable,
        parentColumn: workflowRunTable.leadId,
        ordering: () => service.RUN_ORDERING,
      },
      load: service.runsByLead,
    }),
  }),
);

nodeQuery('workflowRun', WorkflowRunRef, (id, ctx, org) => service.getRun(ctx.db, org, id), { compiled: true });
listQuery('workflowRuns', {
  type: WorkflowRunConnection,
  description: 'Your runs, newest first.',
  compiled: { table: workflowRunTable, ordering: () => service.RUN_LIST_ORDERING },
  resolve: (args, ctx, org) => service.listRuns(ctx.db, org, args),
});
listQuery('workflowDefinitions', {
  type: WorkflowDefinitionConnection,
  description: 'Every version of every workflow, by name.',
  compiled: { table: workflowDefinitionTable, ordering: () => service.DEFINITION_ORDERING },
  resolve: (args, ctx, org) => service.listDefinitions(ctx.db, org, args),
});

async function* watchRun(ctx: Context, id: number, intervalMs = 500): AsyncGenerator<WorkflowRun> {
  let last = '';
  for (;;) {
    const run = await service.getRun(ctx.db, organizationOf(ctx), id);
    if (!run) throw badUserInput('No workflow run with this id exists in your organization.');
    const key = `${run.status}:${run.completedSteps}:${run.updatedAt}`;
    if (key !== last) {
      last = key;
      yield run;
    }
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled') return;
    await sleep(intervalMs);
  }
}

progressSubscription('workflowRunProgress', {
  type: WorkflowRunRef,
  description:
    'The run each time it moves (checked every 500 ms), ending when it completes, fails or is cancelled. Works over SSE (Accept: text/event-stream).',
  watch: (id, ctx) => watchRun(ctx, id),
});

const ConditionInput = builder.inputType('WorkflowConditionInput', {
  fields: (t) => ({
    field: t.string({ required: true, description: 'score, status, source or company' }),
    op: t.string({ required: true, description: 'gte, lt, eq or ne' }),
    value: t.string({ required: true }),
  }),
});
const StepInput = builder.inputType('WorkflowStepInput', {
  description:
    'kind is one of enrich, score, assign (owners), notify (message), wait (seconds), branch (condition, then, else).',
  fields: (t) => ({
    key: t.string({ required: true }),
    kind: t.string({ required: true }),
    seconds: t.int(),
    owners: t.stringList(),
    message: t.string(),
    condition: t.field({ type: ConditionInput }),
    then: t.string(),
    else: t.string(),
  }),
});
const DefinitionInput = builder.inputType('WorkflowDefinitionInput', {
  fields: (t) => ({ name: t.string({ required: true }), steps: t.field({ type: [StepInput], required: true }) }),
});

function stepOf(input: typeof StepInput.$inferInput): StepDefinition {
  const s: Record<string, unknown> = { key: input.key, kind: String(input.kind).toLowerCase() };
  for (const k of ['seconds', 'owners', 'message', 'then', 'else'] as const) if (input[k] != null) s[k] = input[k];
  if (input.condition)
    s.condition = { field: input.condition.field, op: input.condition.op, value: input.condition.value };
  return s as StepDefinition;
}

const StartPayload = builder.objectRef<{ runs: WorkflowRun[] }>('StartWorkflowPayload').implement({
  fields: (t) => ({
    runs: t.field({ type: [WorkflowRunRef], complexity: { field: 1, multiplier: 10 }, resolve: (p) => p.runs }),
  }),
});

mutation('saveWorkflowDefinition', {
  type: WorkflowDefinitionRef,
  description: 'Saves a workflow: the first version, or the next version of the workflow with this name.',
  input: DefinitionInput,
  resolve: ({ input }, ctx, org) => service.saveDefinition(ctx.db, org, input.name, input.steps.map(stepOf)),
});
mutation('startWorkflow', {
  type: StartPayload,
  errors: [IdempotencyKeyReusedError],
  description: `Starts one run per lead (at most ${service.MAX_LEADS_PER_START}) and returns them at once. Send an Idempotency-Key header to make retries safe.`,
  args: (arg) => ({ definition: arg.id({ required: true }), leads: arg.idList({ required: true }) }),
  // Starting runs costs by the leads named (a point per 10), so a 1,000-lead start weighs like a page of 100.
  complexity: (args) => ({ field: 1 + Math.ceil(args.leads.length / 10), multiplier: 1 }),
  resolve: async (args, ctx, org) => {
    if (args.leads.length > service.MAX_LEADS_PER_START) {
      throw ValidationError.of(
        'leads',
        `startWorkflow takes at most ${service.MAX_LEADS_PER_START.toLocaleString('en')} leads at once; this request has ${args.leads.length.toLocaleString('en')}. Split it into several calls.`,
      );
    }
    const definitionId = inputId(String(args.definition), 'WorkflowDefinition', 'definition');
    const leadIds = args.leads.map((id, i) => inputId(String(id), 'Lead', `leads.${i}`));
    const idempotency = ctx.idempotencyKey
      ? {
          key: ctx.idempotencyKey,
          operation: 'startWorkflow',
          body: { definition: args.definition, leads: args.leads },
        }
      : undefined;
    return {
      runs: await service.startWorkflow({ db: ctx.db, jobs: ctx.jobs }, org, definitionId, leadIds, idempotency),
    };
  },
});
mutation('cancelWorkflowRun', {
  type: WorkflowRunRef,
  description: 'Stops a run, a waiting one included: its next step never runs.',
  ids: { id: 'WorkflowRun' },
  resolve: ({ id }, ctx, org) => service.cancelRun(ctx.db, org, id),
});
mutation('rerunWorkflowRun', {
  type: WorkflowRunRef,
  description:
    'Runs a finished (failed, cancelled or completed) run again from the step with key `fromStep`; earlier steps keep their results.',
  ids: { id: 'WorkflowRun' },
  args: (arg) => ({ fromStep: arg.string({ required: true }) }),
  resolve: ({ id, fromStep }, ctx, org) => service.rerunFrom({ db: ctx.db, jobs: ctx.jobs }, org, id, fromStep),
});
