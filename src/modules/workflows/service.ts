// Workflow definitions and runs: every write and the reads behind them. No GraphQL here. Runs are
// executed by tasks.ts in the worker; this file only creates, cancels and reruns them, enqueueing
// their pg-boss job in the same transaction.
import { and, asc, eq, sql } from 'drizzle-orm';
import {
  leadTable,
  workflowDefinitionTable,
  workflowRunTable,
  workflowStepTable,
  type StepDefinition,
} from '../../db/tables/index.ts';
import type { WorkflowDefinition, WorkflowRun, WorkflowStep } from '../../db/tables/index.ts';
import { newestFirstByParent, tenantPage, type Ordering, type PageArgs, orderBy } from '../../db/keyset.ts';
import { QUEUES, type JobQueue } from '../../db/queue.ts';
import { loadTenantRows, ownRowsIn } from '../../db/tenant.ts';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import { encodeGlobalId } from '../../lib/global-id.ts';
import type { Db } from '../../resources.ts';
import { claimKey, recordResult, type Idempotency } from '../leads/idempotency.ts';
import { stepProblems } from './steps.ts';

export type RunPayload = { organizationId: number; runId: number; generation: number };

/** Leads one startWorkflow takes; a bigger campaign is several calls (each returns its runs at once). */
export const MAX_LEADS_PER_START = 1_000;

export async function saveDefinition(
  db: Db,
  organizationId: number,
  name: string,
  steps: StepDefinition[],
): Promise<WorkflowDefinition> {
  const issues = stepProblems(steps);
  if (!name.trim() || name.length > 200) issues.unshift({ field: 'input.name', message: 'must be 1-200 characters' });
  if (issues.length) throw new ValidationError(issues);
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`workflow-definition:${organizationId}:${name.trim()}`}, 0))`,
    );
    const [row] = await tx
      .insert(workflowDefinitionTable)
      .values({
        organizationId,
        name: name.trim(),
        steps,
        version: sql`(select coalesce(max(version), 0) + 1 from workflow_definitions where organization_id = ${organizationId} and name = ${name.trim()})`,
      })
      .returning();
    return row;
  });
}

export const DEFINITION_ORDERING = orderBy(workflowDefinitionTable, 'workflowDefinitions', 'name', 'asc');

export function listDefinitions(db: Db, organizationId: number, page: PageArgs) {
  return tenantPage(db, workflowDefinitionTable, organizationId, DEFINITION_ORDERING, page);
}

function firstStep(steps: StepDefinition[]) {
  return { currentStep: 0, currentStepKey: steps[0].key, currentStepKind: steps[0].kind };
}

function enqueueRuns(
  tx: Db,
  jobs: JobQueue,
  runs: Pick<WorkflowRun, 'id' | 'organizationId' | 'generation'>[],
  startAfter?: Date,
) {
  if (!runs.length) return Promise.resolve();
  const payloads: RunPayload[] = runs.map((r) => ({
    organizationId: r.organizationId,
    runId: r.id,
    generation: r.generation,
  }));
  return jobs.send(tx, QUEUES.workflowRun, payloads, { group: String(runs[0].organizationId), startAfter });
}

export type StartDeps = { db: Db; jobs: JobQueue };

/** One run per lead, returned at once; every lead must be the caller's, or nothing is written. */
export async function startWorkflow(
  deps: StartDeps,
  organizationId: number,
  definitionId: number,
  leadIds: number[],
  idempotency?: Idempotency,
): Promise<WorkflowRun[]> {
  if (leadIds.length === 0) throw ValidationError.of('leads', 'Name at least one lead.');
  if (leadIds.length > MAX_LEADS_PER_START) {
    throw ValidationError.of(
      'leads',
      `startWorkflow takes at most ${MAX_LEADS_PER_START.toLocaleString('en')} leads at once; this request has ${leadIds.length.toLocaleString('en')}. Split it into several calls.`,
    );
  }
  const unique = [...new Set(leadIds)];
  if (unique.length !== leadIds.length) throw ValidationError.of('leads', 'A lead is named more than once.');
  return deps.db.transaction(async (tx) => {
    if (idempotency) {
      const replay = await claimKey(tx, organizationId, idempotency);
      if (replay)
        return (await loadTenantRows(tx, workflowRunTable, organizationId, replay)).filter(
          (r): r is WorkflowRun => r !== null,
        );
    }
    const [definition] = await tx
      .select()
      .from(workflowDefinitionTable)
      .where(
        and(eq(workflowDefinitionTable.id, definitionId), eq(workflowDefinitionTable.organizationId, organizationId)),
      );
    if (!definition) throw new NotFoundError('WorkflowDefinition', encodeGlobalId('WorkflowDefinition', definitionId));
    const found = await tx
      .select({ id: leadTable.id })
      .from(leadTable)
      .where(
        and(
          eq(leadTable.organizationId, organizationId),
          sql`${leadTable.id} = any(${`{${unique.join(',')}}`}::int[])`,
        ),
      );
    const have = new Set(found.map((r) => r.id));
    const missing = unique.find((id) => !have.has(id));
    if (missing !== undefined) throw new NotFoundError('Lead', encodeGlobalId('Lead', missing));
    const runs = await tx
      .insert(workflowRunTable)
      .values(
        unique.map((leadId) => ({
          organizationId,
          definitionId,
          leadId,
          stepCount: definition.steps.length,
          ...firstStep(definition.steps),
        })),
      )
      .returning();
    await enqueueRuns(tx, deps.jobs, runs);
    if (idempotency)
      await recordResult(
        tx,
        organizationId,
        idempotency,
        runs.map((r) => r.id),
      );
    return runs;
  });
}

async function lockRun(tx: Db, organizationId: number, id: number): Promise<WorkflowRun> {
  const [run] = await tx
    .select()
    .from(workflowRunTable)
    .where(and(eq(workflowRunTable.id, id), eq(workflowRunTable.organizationId, organizationId)))
    .for('update');
  if (!run) throw new NotFoundError('WorkflowRun', encodeGlobalId('WorkflowRun', id));
  return run;
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

/** Stops a queued, running or waiting run; its pending step job (a wait included) then does nothing. */
export async function cancelRun(db: Db, organizationId: number, id: number): Promise<WorkflowRun> {
  return db.transaction(async (tx) => {
    const run = await lockRun(tx, organizationId, id);
    if (FINISHED.has(run.status)) throw ValidationError.of('id', `The run is already ${run.status.toUpperCase()}.`);
    const [row] = await tx
      .update(workflowRunTable)
      .set({
        status: 'cancelled',
        generation: sql`${workflowRunTable.generation} + 1`,
        resumeAt: null,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(eq(workflowRunTable.id, id))
      .returning();
    return row;
  });
}

/** Runs a finished run again from the step with `fromStep` as key: that step and the later ones are forgotten and redone. */
export async function rerunFrom(
  deps: StartDeps,
  organizationId: number,
  id: number,
  fromStep: string,
): Promise<WorkflowRun> {
  return deps.db.transaction(async (tx) => {
    const run = await lockRun(tx, organizationId, id);
    if (!FINISHED.has(run.status))
      throw ValidationError.of('id', `The run is ${run.status.toUpperCase()}; cancel it first or wait until it ends.`);
    const [definition] = await tx
      .select()
      .from(workflowDefinitionTable)
      .where(eq(workflowDefinitionTable.id, run.definitionId));
    const position = definition.steps.findIndex((s) => s.key === fromStep);
    if (position < 0)
      throw ValidationError.of(
        'fromStep',
        `The run's workflow (version ${definition.version}) has no step "${fromStep.slice(0, 40)}"; its steps: ${definition.steps.map((s) => s.key).join(', ')}.`,
      );
    await tx
      .delete(workflowStepTable)
      .where(and(eq(workflowStepTable.runId, id), sql`${workflowStepTable.position} >= ${position}`));
    const [{ kept }] = await tx
      .select({ kept: sql<number>`count(*)::int` })
      .from(workflowStepTable)
      .where(eq(workflowStepTable.runId, id));
    const step = definition.steps[position];
    const [row] = await tx
      .update(workflowRunTable)
      .set({
        status: 'queued',
        currentStep: position,
        currentStepKey: step.key,
        currentStepKind: step.kind,
        completedSteps: kept,
        error: null,
        resumeAt: null,
        finishedAt: null,
        generation: sql`${workflowRunTable.generation} + 1`,
        updatedAt: sql`now()`,
      })
      .where(eq(workflowRunTable.id, id))
      .returning();
    await enqueueRuns(tx, deps.jobs, [row]);
    return row;
  });
}

// ---- reads -----------------------------------------------------------------------------------

/** Each lead's runs, newest first, for all leads in one statement. */
export const { ordering: RUN_ORDERING, pages: runsByLead } = newestFirstByParent(workflowRunTable, {
  parent: 'leadId',
  time: 'createdAt',
  list: 'lead.workflowRuns',
});

export const RUN_LIST_ORDERING: Ordering<WorkflowRun> = { ...RUN_ORDERING, list: 'workflowRuns' };

export function listRuns(db: Db, organizationId: number, page: PageArgs) {
  return tenantPage(db, workflowRunTable, organizationId, RUN_LIST_ORDERING, page);
}

/** Stored steps of many runs in one statement, in position order, per run in key order. */
export async function stepsByRun(db: Db, organizationId: number, runIds: readonly number[]): Promise<WorkflowStep[][]> {
  const rows = await db
    .select()
    .from(workflowStepTable)
    .where(ownRowsIn(workflowStepTable, organizationId, workflowStepTable.runId, runIds))
    .orderBy(asc(workflowStepTable.runId), asc(workflowStepTable.position));
  const byRun = new Map<number, WorkflowStep[]>();
  for (const r of rows) byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r]);
  return runIds.map((id) => byRun.get(Number(id)) ?? []);
}

export async function getRun(db: Db, organizationId: number, id: number): Promise<WorkflowRun | null> {
  const [row] = await loadTenantRows(db, workflowRunTable, organizationId, [id]);
  return row;
}
