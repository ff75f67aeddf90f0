// The two k6 executors the SLA scripts use.
// constant-arrival-rate (open model): iterations start on a fixed timetable whatever the server's
// latency; when every VU is busy the iteration is dropped and counted in dropped_iterations, as in
// k6. constant-vus (closed model): N VUs loop back to back.
import { runtime, vuScope, type VuState } from './runtime.ts';
import { parseDuration } from './duration.ts';

export type ScenarioOptions = {
  executor: string;
  exec?: string;
  rate?: number;
  timeUnit?: string;
  duration?: string;
  preAllocatedVUs?: number;
  maxVUs?: number;
  vus?: number;
  startTime?: string;
  gracefulStop?: string;
  tags?: Record<string, string>;
  env?: Record<string, string>;
};

export type IterationFn = (data: unknown) => unknown;

type Ctx = {
  name: string;
  options: ScenarioOptions;
  fn: IterationFn;
  data: unknown;
  nextVuId: () => number;
  onError: (err: unknown) => void;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function newVu(ctx: Ctx): VuState {
  return {
    id: ctx.nextVuId(),
    scenario: ctx.name,
    iterationInScenario: 0,
    iterationInInstance: 0,
    iterationInTest: 0,
    groups: [],
    tags: { ...ctx.options.tags },
    iteration: { scheduledAt: undefined },
  };
}

async function iterate(ctx: Ctx, vu: VuState, scheduledAt: number | undefined, iterationInTest: number): Promise<void> {
  const state: VuState = { ...vu, groups: [], iterationInTest, iteration: { scheduledAt } };
  vu.iterationInScenario += 1;
  vu.iterationInInstance += 1;
  const started = scheduledAt ?? performance.now();
  const tags = { ...vu.tags, scenario: ctx.name, group: '' };
  runtime.activeVus += 1;
  try {
    await vuScope.run(state, () => ctx.fn(ctx.data));
    runtime.registry.get('iterations', 'counter').add(1, tags);
    runtime.registry.get('iteration_duration', 'trend', 'time').add(performance.now() - started, tags);
  } catch (err) {
    ctx.onError(err);
  } finally {
    runtime.activeVus -= 1;
  }
}

export async function runScenario(ctx: Omit<Ctx, 'data'> & { data: unknown }): Promise<void> {
  const startDelay = ctx.options.startTime ? parseDuration(ctx.options.startTime) : 0;
  if (startDelay) await sleep(startDelay);
  if (runtime.aborted) return;
  switch (ctx.options.executor) {
    case 'constant-arrival-rate':
      return constantArrivalRate(ctx);
    case 'constant-vus':
      return constantVus(ctx);
    default:
      throw new Error(
        `Scenario "${ctx.name}": executor "${ctx.options.executor}" is not supported here (use constant-arrival-rate or constant-vus).`,
      );
  }
}

function required(ctx: Ctx, key: keyof ScenarioOptions): never | number {
  const value = ctx.options[key];
  if (typeof value !== 'number' || !(value > 0)) throw new Error(`Scenario "${ctx.name}" needs a positive "${key}".`);
  return value;
}

async function constantArrivalRate(ctx: Ctx): Promise<void> {
  const rate = required(ctx, 'rate');
  const interval = parseDuration(ctx.options.timeUnit ?? '1s') / rate;
  const durationMs = parseDuration(ctx.options.duration ?? '');
  const gracefulStop = parseDuration(ctx.options.gracefulStop ?? '30s');
  const maxVUs = ctx.options.maxVUs ?? ctx.options.preAllocatedVUs ?? 1;
  const free: VuState[] = Array.from({ length: Math.min(maxVUs, ctx.options.preAllocatedVUs ?? 1) }, () => newVu(ctx));
  let allocated = free.length;
  runtime.registry.get('vus_max', 'gauge').add(allocated, { scenario: ctx.name });
  const total = Math.floor(durationMs / interval + 1e-9);
  const running = new Set<Promise<void>>();
  const dropped = runtime.registry.get('dropped_iterations', 'counter');
  const lag = runtime.registry.get('iteration_start_lag', 'trend', 'time');
  const start = performance.now();
  let next = 0;
  while (next < total && !runtime.aborted) {
    const now = performance.now();
    while (next < total && start + next * interval <= now) {
      const scheduledAt = start + next * interval;
      const index = next++;
      let vu = free.pop();
      if (!vu && allocated < maxVUs) {
        vu = newVu(ctx);
        allocated += 1;
        runtime.registry.get('vus_max', 'gauge').add(allocated, { scenario: ctx.name });
      }
      if (!vu) {
        dropped.add(1, { scenario: ctx.name });
        continue;
      }
      lag.add(now - scheduledAt, { scenario: ctx.name });
      const owner = vu;
      const task: Promise<void> = iterate(ctx, owner, scheduledAt, index).finally(() => {
        running.delete(task);
        free.push(owner);
      });
      running.add(task);
    }
    if (next < total) await sleep(start + next * interval - performance.now());
  }
  await Promise.race([Promise.all(running), sleep(gracefulStop)]);
}

async function constantVus(ctx: Ctx): Promise<void> {
  const vus = required(ctx, 'vus');
  const end = performance.now() + parseDuration(ctx.options.duration ?? '');
  const gracefulStop = parseDuration(ctx.options.gracefulStop ?? '30s');
  runtime.registry.get('vus_max', 'gauge').add(vus, { scenario: ctx.name });
  let iteration = 0;
  const loops = Array.from({ length: vus }, async () => {
    const vu = newVu(ctx);
    while (performance.now() < end && !runtime.aborted) await iterate(ctx, vu, undefined, iteration++);
  });
  await Promise.race([Promise.all(loops), sleep(end - performance.now() + gracefulStop)]);
}
