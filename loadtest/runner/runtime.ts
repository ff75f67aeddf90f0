// State shared by the runner and its k6 module implementations: the metric registry, the test's
// environment, and the calling VU. k6 runs each VU in its own JS runtime; here every VU is an async
// task, so per-VU state (id, iteration, group, scheduled start) follows the async context instead.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Registry, type Tags } from './metrics.ts';

export type VuState = {
  id: number;
  scenario: string;
  /** This VU's iterations so far in its scenario (k6's `exec.vu.iterationInScenario`, `__ITER`). */
  iterationInScenario: number;
  /** This VU's iterations so far in this runner (`exec.vu.iterationInInstance`). */
  iterationInInstance: number;
  /** The scenario's iterations so far, all VUs together (`exec.scenario.iterationInTest`). */
  iterationInTest: number;
  /** Group path segments, as k6 joins them with `::`. */
  groups: string[];
  /** Scenario tags plus tags set by the script. */
  tags: Tags;
  /**
   * `scheduledAt`: when the open-model scheduler planned this iteration to start. The iteration's
   * first request is timed from there, so time spent waiting for the generator or a busy event loop
   * counts as latency (no coordinated omission); later requests are timed from when they are sent.
   * An object, shared by the group copies of this state, so the first request consumes it once.
   */
  iteration: { scheduledAt: number | undefined };
};

export type Phase = 'init' | 'setup' | 'run' | 'teardown' | 'done';

export const runtime = {
  registry: new Registry(),
  env: {} as Record<string, string>,
  scriptDir: process.cwd(),
  phase: 'init' as Phase,
  aborted: undefined as string | undefined,
  /** Checks by group path, for the summary tree. */
  checks: new Map<string, Map<string, { passes: number; fails: number }>>(),
  /** Requests in flight, to report peak concurrency and size the HTTP pool. */
  inFlight: 0,
  /** VUs inside an iteration now, sampled into the `vus` gauge. */
  activeVus: 0,
  testStartedAt: 0,
};

export const vuScope = new AsyncLocalStorage<VuState>();

export function currentVu(): VuState | undefined {
  return vuScope.getStore();
}

export function groupPath(vu: VuState | undefined): string {
  return vu?.groups.length ? `::${vu.groups.join('::')}` : '';
}

/** The tags every sample of the calling VU carries. */
export function baseTags(vu: VuState | undefined): Tags {
  if (!vu) return { group: '' };
  return { ...vu.tags, scenario: vu.scenario, group: groupPath(vu) };
}

export function resetRuntime(): void {
  runtime.registry = new Registry();
  runtime.checks = new Map();
  runtime.aborted = undefined;
  runtime.phase = 'init';
  runtime.inFlight = 0;
  runtime.activeVus = 0;
}
