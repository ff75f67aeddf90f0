// Runs a k6 script: init (import, options), setup(), the scenarios, teardown(), then the summary and
// thresholds. Returns k6's exit codes: 0, 99 when a threshold failed, 108 when setup threw. Why our own
// runner plays real k6 scripts: docs/decisions/0010-k6-compatible-runner.md.
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installK6Hooks } from './hooks.ts';
import { currentVu, resetRuntime, runtime } from './runtime.ts';
import { evaluateThreshold, parseMetricSelector, type ThresholdSpec } from './metrics.ts';
import { runScenario, type IterationFn, type ScenarioOptions } from './executors.ts';
import { buildSummary, formatSummary, type SummaryData } from './summary.ts';
import { closeAgent } from './k6/http.ts';

export const EXIT = { ok: 0, thresholdsFailed: 99, setupFailed: 108, scriptError: 107 } as const;

export type K6Options = {
  scenarios?: Record<string, ScenarioOptions>;
  thresholds?: Record<string, (string | { threshold: string; abortOnFail?: boolean })[]>;
  summaryTrendStats?: string[];
  vus?: number;
  duration?: string;
};

export type RunOptions = {
  script: string;
  env?: Record<string, string>;
  summaryExport?: string;
  out?: { write(text: string): unknown };
};

export type RunResult = { exitCode: number; summary: SummaryData };

let runs = 0;

function installGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g.__ENV = runtime.env;
  Object.defineProperty(g, '__VU', { configurable: true, get: () => currentVu()?.id ?? 0 });
  Object.defineProperty(g, '__ITER', { configurable: true, get: () => currentVu()?.iterationInScenario ?? 0 });
  g.open = (path: string, mode?: string) => {
    if (runtime.phase !== 'init')
      throw new Error('open() only works in the init context (top level of the script), as in k6.');
    const data = readFileSync(resolve(runtime.scriptDir, path));
    return mode === 'b' ? data.buffer : data.toString('utf8');
  };
}

function thresholdSpecs(options: K6Options): Map<string, ThresholdSpec[]> {
  const specs = new Map<string, ThresholdSpec[]>();
  for (const [key, list] of Object.entries(options.thresholds ?? {})) {
    specs.set(
      key,
      list.map((t) =>
        typeof t === 'string'
          ? { expression: t, abortOnFail: false }
          : { expression: t.threshold, abortOnFail: Boolean(t.abortOnFail) },
      ),
    );
  }
  return specs;
}

function scenariosOf(options: K6Options): Record<string, ScenarioOptions> {
  if (options.scenarios && Object.keys(options.scenarios).length) return options.scenarios;
  return { default: { executor: 'constant-vus', vus: options.vus ?? 1, duration: options.duration ?? '10s' } };
}

export async function runScript(options: RunOptions): Promise<RunResult> {
  const out = options.out ?? process.stdout;
  installK6Hooks();
  resetRuntime();
  runtime.env = { ...(process.env as Record<string, string>), ...options.env };
  const scriptPath = resolve(options.script);
  runtime.scriptDir = dirname(scriptPath);
  installGlobals();

  const mod = (await import(`${pathToFileURL(scriptPath).href}?run=${++runs}`)) as Record<string, unknown> & {
    options?: K6Options;
  };
  const k6Options: K6Options = mod.options ?? {};
  const trendStats = k6Options.summaryTrendStats ?? ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
  const specs = thresholdSpecs(k6Options);
  for (const [key] of specs) {
    const { name, selector } = parseMetricSelector(key);
    const type =
      name === 'checks' || name === 'http_req_failed'
        ? 'rate'
        : name.startsWith('http_req_') && name !== 'http_reqs'
          ? 'trend'
          : undefined;
    const metric =
      runtime.registry.metrics.get(name) ??
      (type ? runtime.registry.get(name, type, type === 'trend' ? 'time' : 'default') : undefined);
    if (metric && selector) metric.submetric(selector);
  }
  const scenarios = scenariosOf(k6Options);
  for (const [name, s] of Object.entries(scenarios)) {
    if (typeof mod[s.exec ?? 'default'] !== 'function')
      throw new Error(`Scenario "${name}" runs "${s.exec ?? 'default'}", which the script does not export.`);
  }

  const errors = new Map<string, number>();
  const onError = (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const seen = errors.get(message) ?? 0;
    errors.set(message, seen + 1);
    if (seen === 0) out.write(`ERRO iteration failed: ${message}\n`);
  };

  runtime.phase = 'setup';
  let data: unknown;
  try {
    const setupFn = mod.setup as (() => unknown) | undefined;
    data = setupFn ? JSON.parse(JSON.stringify((await setupFn()) ?? null)) : undefined;
  } catch (err) {
    out.write(`ERRO setup() failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await closeAgent();
    return { exitCode: EXIT.setupFailed, summary: buildSummary(0, trendStats, specs) };
  }

  runtime.phase = 'run';
  runtime.testStartedAt = Date.now();
  const started = performance.now();
  const vusGauge = runtime.registry.get('vus', 'gauge');
  const abortWatch = setInterval(() => {
    vusGauge.add(runtime.activeVus, {});
    checkAbortOnFail(specs, (performance.now() - started) / 1000);
  }, 1_000);
  let nextVu = 0;
  try {
    await Promise.all(
      Object.entries(scenarios).map(([name, s]) =>
        runScenario({
          name,
          options: { ...s, tags: { ...s.tags } },
          fn: mod[s.exec ?? 'default'] as IterationFn,
          data,
          nextVuId: () => ++nextVu,
          onError,
        }),
      ),
    );
  } finally {
    clearInterval(abortWatch);
  }
  const durationSeconds = (performance.now() - started) / 1000;

  runtime.phase = 'teardown';
  const teardownFn = mod.teardown as ((data: unknown) => unknown) | undefined;
  if (teardownFn) await Promise.resolve(teardownFn(data)).catch(onError);
  runtime.phase = 'done';
  await closeAgent();

  const summary = buildSummary(durationSeconds, trendStats, specs);
  summary.state.iterationErrors = Object.fromEntries(errors);
  if (runtime.aborted) summary.state.aborted = runtime.aborted;
  out.write(formatSummary(summary));
  if (options.summaryExport) {
    await mkdir(dirname(resolve(options.summaryExport)), { recursive: true });
    await writeFile(options.summaryExport, `${JSON.stringify(summary, null, 2)}\n`);
    out.write(`\nsummary written to ${options.summaryExport}\n`);
  }
  const failed = summary.failedThresholds.length > 0;
  if (failed)
    out.write(
      `\nERRO thresholds on metrics ${summary.failedThresholds.map((f) => `'${f}'`).join(', ')} have been crossed\n`,
    );
  return { exitCode: failed ? EXIT.thresholdsFailed : EXIT.ok, summary };
}

function checkAbortOnFail(specs: Map<string, ThresholdSpec[]>, seconds: number): void {
  for (const [key, list] of specs) {
    const aborting = list.filter((s) => s.abortOnFail);
    if (!aborting.length) continue;
    const { name, selector } = parseMetricSelector(key);
    const metric = runtime.registry.metrics.get(name);
    if (!metric) continue;
    const sink = selector ? metric.submetric(selector).sink : metric.sink;
    if (sink.count === 0) continue;
    for (const spec of aborting) {
      if (!evaluateThreshold(spec.expression, sink, seconds).ok)
        runtime.aborted ??= `threshold ${key}: ${spec.expression} crossed (abortOnFail)`;
    }
  }
}
