// Domain 2b: workflows run on leads. A definition is an ordered list of steps, stored per organization
// and versioned (saving a definition under an existing name adds a version; a run keeps the version
// it started with). A run's steps are memoised in workflow_steps, unique on (run_id, step_key): a
// step's output and the enqueue of the next step commit in one transaction, so a run resumed after a
// crash never repeats a completed step.
import { index, integer, jsonb, text, unique } from 'drizzle-orm/pg-core';
import { createdAt, instant, tenantTable, updatedAt } from './columns.ts';
import { oneOf, tenantKey, tenantRef } from './constraints.ts';
import { leadTable } from './leads.ts';

export const STEP_KINDS = ['enrich', 'score', 'assign', 'notify', 'wait', 'branch'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** One step of a definition. `key` is unique within the definition; branch jumps to a key. */
export type StepDefinition = {
  key: string;
  kind: StepKind;
  /** wait */
  seconds?: number;
  /** assign: owners taken in turn */
  owners?: string[];
  /** notify */
  message?: string;
  /** branch: when `field` `op` `value` holds, go to `then`, else to `else` (or the next step) */
  condition?: { field: 'score' | 'status' | 'source' | 'company'; op: 'gte' | 'lt' | 'eq' | 'ne'; value: string };
  then?: string;
  else?: string;
};

export const workflowDefinitionTable = tenantTable(
  'workflow_definitions',
  {
    name: text('name').notNull(),
    version: integer('version').notNull(),
    steps: jsonb('steps').$type<StepDefinition[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [tenantKey(t), unique('workflow_definitions_name_version_key').on(t.organizationId, t.name, t.version)],
);
export type WorkflowDefinition = typeof workflowDefinitionTable.$inferSelect;

export const RUN_STATUSES = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const workflowRunTable = tenantTable(
  'workflow_runs',
  {
    definitionId: integer('definition_id').notNull(),
    leadId: integer('lead_id').notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('queued'),
    /** Position (0-based) of the step to run next, or of the step that failed; step_count when done. */
    currentStep: integer('current_step').notNull().default(0),
    currentStepKey: text('current_step_key'),
    currentStepKind: text('current_step_kind', { enum: STEP_KINDS }),
    stepCount: integer('step_count').notNull(),
    completedSteps: integer('completed_steps').notNull().default(0),
    error: text('error'),
    /** Bumped by rerun and cancel: a queued step job of an earlier generation does nothing. */
    generation: integer('generation').notNull().default(1),
    resumeAt: instant('resume_at'),
    createdAt: createdAt(),
    startedAt: instant('started_at'),
    finishedAt: instant('finished_at'),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantKey(t),
    tenantRef('workflow_runs_definition_fkey', t, t.definitionId, workflowDefinitionTable),
    tenantRef('workflow_runs_lead_fkey', t, t.leadId, leadTable).onDelete('cascade'),
    index('workflow_runs_lead_created_idx').on(t.leadId, t.organizationId, t.createdAt, t.id),
    index('workflow_runs_organization_created_idx').on(t.organizationId, t.createdAt, t.id),
    oneOf(t.status, RUN_STATUSES),
  ],
);
export type WorkflowRun = typeof workflowRunTable.$inferSelect;

export const STEP_STATUSES = ['completed', 'failed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const workflowStepTable = tenantTable(
  'workflow_steps',
  {
    runId: integer('run_id').notNull(),
    stepKey: text('step_key').notNull(),
    position: integer('position').notNull(),
    kind: text('kind', { enum: STEP_KINDS }).notNull(),
    status: text('status', { enum: STEP_STATUSES }).notNull(),
    output: jsonb('output').$type<Record<string, unknown>>(),
    error: text('error'),
    attempts: integer('attempts').notNull().default(1),
    completedAt: instant('completed_at').notNull().defaultNow(),
  },
  (t) => [
    tenantRef('workflow_steps_run_fkey', t, t.runId, workflowRunTable).onDelete('cascade'),
    unique('workflow_steps_run_key').on(t.runId, t.stepKey),
    oneOf(t.status, STEP_STATUSES),
  ],
);
export type WorkflowStep = typeof workflowStepTable.$inferSelect;
