// Runs workflow runs in the worker (pg-boss queue workflow-run, one job per run segment). Each step is
// one transaction: lock the run, run the step, write its effect on the lead, its row in
// workflow_steps (unique on (run_id, step_key)) and the run's advance — and for a wait step, the job
// that resumes the run, scheduled with startAfter. A worker killed mid-step rolls the step back; its
// job is handed out again after the heartbeat lapses and the run goes on from the step it was at.
// Jobs carry the run's generation: cancel and rerun bump it, so a stale job (a pending wait) does nothing.
import { and, eq, sql } from 'drizzle-orm';
import { workflowDefinitionTable, workflowRunTable, workflowStepTable } from '../../db/tables/index.ts';
import { invalidateEntities } from '../../cache/response-cache.ts';
import { QUEUES, startQueueWorker, type JobQueue } from '../../db/queue.ts';
import type { Db, Resources } from '../../resources.ts';
import { SYSTEM_ACTOR } from '../packhouse/history.ts';
import { recordLeadEvent } from '../leads/history.ts';
import { lockLead, writeLead } from '../leads/service.ts';
import { runStep } from './steps.ts';
import type { RunPayload } from './service.ts';

type Advance = 'continue' | 'stop';
/** What a step did: whether another is due at once, and the lead it changed (for the response cache). */
export type StepDone = { advance: Advance; changedLead?: { organizationId: number; id: number } };

/** Runs the run's current step, if it is due; says whether another step is due right away. */
export async function advanceRun(
  db: Db,
  jobs: JobQueue,
  payload: RunPayload,
  connector: 'builtin' | 'http',
): Promise<StepDone> {
  return db.transaction(async (tx) => {
    const [run] = await tx
      .select()
      .from(workflowRunTable)
      .where(and(eq(workflowRunTable.id, payload.runId), eq(workflowRunTable.organizationId, payload.organizationId)))
      .for('update');
    if (!run || run.generation !== payload.generation) return { advance: 'stop' };
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled') return { advance: 'stop' };
    const [definition] = await tx
      .select()
      .from(workflowDefinitionTable)
      .where(eq(workflowDefinitionTable.id, run.definitionId));
    const steps = definition.steps;
    const position = run.currentStep;
    if (position >= steps.length) {
      await tx
        .update(workflowRunTable)
        .set({ status: 'completed', finishedAt: sql`now()`, updatedAt: sql`now()` })
        .where(eq(workflowRunTable.id, run.id));
      return { advance: 'stop' };
    }
    const step = steps[position];
    const lead = await lockLead(tx, run.organizationId, run.leadId);
    const effect = runStep(step, steps, position, lead, run.id);
    if (effect.leadPatch) {
      await writeLead(
        tx,
        lead,
        effect.leadPatch,
        { kind: 'workflow', note: `${definition.name} v${definition.version}: ${step.key}` },
        SYSTEM_ACTOR,
        connector,
      );
    }
    if (effect.note) await recordLeadEvent(tx, lead, { kind: 'workflow', note: effect.note }, SYSTEM_ACTOR);
    // The unique (run_id, step_key) is the memo: should a step ever run twice, this insert fails the
    // transaction and nothing of the second run is kept.
    await tx.insert(workflowStepTable).values({
      organizationId: run.organizationId,
      runId: run.id,
      stepKey: step.key,
      position,
      kind: step.kind,
      status: 'completed',
      output: effect.output,
    });
    const next = effect.next ?? position + 1;
    // Steps a branch jumped over are recorded as skipped, so progress adds up.
    for (let skipped = position + 1; skipped < next; skipped++) {
      await tx.insert(workflowStepTable).values({
        organizationId: run.organizationId,
        runId: run.id,
        stepKey: steps[skipped].key,
        position: skipped,
        kind: steps[skipped].kind,
        status: 'skipped',
      });
    }
    const done = next >= steps.length;
    const resumeAt = effect.waitSeconds ? new Date(Date.now() + effect.waitSeconds * 1000) : null;
    await tx
      .update(workflowRunTable)
      .set({
        status: done ? 'completed' : resumeAt ? 'waiting' : 'running',
        currentStep: next,
        currentStepKey: done ? null : steps[next].key,
        currentStepKind: done ? null : steps[next].kind,
        completedSteps: sql`${workflowRunTable.completedSteps} + ${Math.max(1, next - position)}`,
        resumeAt: resumeAt ? resumeAt.toISOString() : null,
        startedAt: sql`coalesce(${workflowRunTable.startedAt}, now())`,
        finishedAt: done ? sql`now()` : null,
        updatedAt: sql`now()`,
      })
      .where(eq(workflowRunTable.id, run.id));
    const changedLead =
      effect.leadPatch || effect.note ? { organizationId: run.organizationId, id: lead.id } : undefined;
    if (resumeAt && !done) {
      await jobs.send(tx, QUEUES.workflowRun, [payload], { startAfter: resumeAt, group: String(run.organizationId) });
      return { advance: 'stop', changedLead };
    }
    return { advance: done ? 'stop' : 'continue', changedLead };
  });
}

export async function failRun(db: Db, payload: RunPayload, error: string): Promise<void> {
  await db
    .update(workflowRunTable)
    .set({ status: 'failed', error: error.slice(0, 500), finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(
      and(
        eq(workflowRunTable.id, payload.runId),
        eq(workflowRunTable.generation, payload.generation),
        sql`${workflowRunTable.status} in ('queued', 'running', 'waiting')`,
      ),
    );
}

export type WorkflowWorker = { stop(): Promise<void> };

export async function startWorkflowWorker(
  resources: Pick<Resources, 'config' | 'db' | 'log' | 'databaseUrl' | 'jobs' | 'responseCache'>,
  options: { concurrency?: number } = {},
): Promise<WorkflowWorker> {
  const { config } = resources;
  return startQueueWorker(resources, QUEUES.workflowRun, {
    name: 'workflow step',
    concurrency: options.concurrency ?? config.jobs.workerConcurrency,
    // One tenant's 10,000 runs take at most organizationConcurrency slots; other tenants' runs take the rest.
    groupConcurrency: config.workflows.organizationConcurrency,
    run: async (payload, signal, stopping) => {
      while (!signal.aborted) {
        const step = await advanceRun(resources.db, resources.jobs, payload, config.crm.connector);
        if (step.changedLead)
          await invalidateEntities(resources, step.changedLead.organizationId, [
            { typename: 'Lead', id: step.changedLead.id },
          ]);
        if (step.advance === 'stop') return;
      }
      if (stopping.aborted) throw new Error('worker stopping');
    },
    giveUp: (payload, reason) => failRun(resources.db, payload, reason),
    // A step is one transaction: one cut short rolls back and runs again, so the wait is short
    // (the API stops its worker within 2.5 s).
    stopTimeoutMs: 2_000,
  });
}
