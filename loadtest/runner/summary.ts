// The end-of-test summary: k6's data shape (as handleSummary receives it) and its classic text form,
// with ✓/✗ on every metric that has thresholds.
import { evaluateThreshold, parseMetricSelector, type Sink, type ThresholdSpec } from './metrics.ts';
import { runtime } from './runtime.ts';

export type MetricSummary = {
  type: string;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean; actual: number }>;
};

export type SummaryData = {
  metrics: Record<string, MetricSummary>;
  checks: { group: string; name: string; passes: number; fails: number }[];
  failedThresholds: string[];
  options: { summaryTrendStats: string[] };
  state: {
    testRunDurationMs: number;
    iterationErrors?: Record<string, number>;
    aborted?: string;
    peakInFlight?: number;
  };
};

export function buildSummary(
  durationSeconds: number,
  trendStats: string[],
  specs: Map<string, ThresholdSpec[]>,
): SummaryData {
  const metrics: Record<string, MetricSummary> = {};
  const failed: string[] = [];
  const describe = (sink: Sink, type: string, contains: string): MetricSummary => ({
    type,
    contains,
    values: sink.values(durationSeconds, trendStats),
  });
  for (const metric of [...runtime.registry.metrics.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    metrics[metric.name] = describe(metric.sink, metric.type, metric.contains);
    for (const sub of metric.submetrics) metrics[sub.name] = describe(sub.sink, metric.type, metric.contains);
  }
  for (const [key, list] of specs) {
    const { name, selector } = parseMetricSelector(key);
    const metric = runtime.registry.metrics.get(name);
    // A threshold on a metric that never got a sample (e.g. dropped_iterations when none were
    // dropped) is judged on zero values, as k6 does.
    const sub = metric && selector ? metric.submetric(selector) : undefined;
    const sink = sub?.sink ?? metric?.sink;
    const summary = (metrics[sub?.name ?? key] ??= {
      type: sink?.type ?? 'counter',
      contains: metric?.contains ?? 'default',
      values: {},
    });
    summary.thresholds = {};
    for (const spec of list) {
      const result = sink ? evaluateThreshold(spec.expression, sink, durationSeconds) : zeroThreshold(spec.expression);
      summary.thresholds[spec.expression] = { ok: result.ok, actual: result.actual };
      if (!result.ok && !failed.includes(key)) failed.push(key);
    }
  }
  const checks = [...runtime.checks.entries()].flatMap(([group, byName]) =>
    [...byName.entries()].map(([name, c]) => ({ group, name, passes: c.passes, fails: c.fails })),
  );
  return {
    metrics,
    checks,
    failedThresholds: failed,
    options: { summaryTrendStats: trendStats },
    state: { testRunDurationMs: Math.round(durationSeconds * 1000) },
  };
}

function zeroThreshold(expression: string): { ok: boolean; actual: number } {
  const m = /(<=|>=|===|==|!=|<|>)\s*(-?[\d.]+)/.exec(expression);
  const limit = Number(m?.[2] ?? 0);
  const ops: Record<string, boolean> = {
    '<': 0 < limit,
    '<=': 0 <= limit,
    '>': 0 > limit,
    '>=': 0 >= limit,
    '==': limit === 0,
    '===': limit === 0,
    '!=': limit !== 0,
  };
  return { ok: ops[m?.[1] ?? '<'], actual: 0 };
}

export function formatTime(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${(ms * 1000).toFixed(2)}µs`;
  if (ms < 1000) return `${ms.toFixed(2)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  return `${Math.floor(ms / 60_000)}m${((ms % 60_000) / 1000).toFixed(1)}s`;
}

function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i += 1;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function formatValue(m: MetricSummary, stat: string): string {
  const v = m.values[stat] ?? 0;
  if (m.contains === 'time') return formatTime(v);
  if (m.contains === 'data') return formatBytes(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function metricLine(m: MetricSummary, trendStats: string[]): string {
  switch (m.type) {
    case 'trend':
      return trendStats.map((s) => `${s}=${formatValue(m, s)}`).join(' ');
    case 'rate':
      return `${(m.values.rate * 100).toFixed(2)}% ✓ ${m.values.passes} ✗ ${m.values.fails}`;
    case 'counter':
      return m.contains === 'data'
        ? `${formatBytes(m.values.count)} ${formatBytes(m.values.rate)}/s`
        : `${m.values.count} ${m.values.rate.toFixed(2)}/s`;
    default:
      return `${m.values.value} min=${m.values.min} max=${m.values.max}`;
  }
}

export function formatSummary(data: SummaryData): string {
  const lines: string[] = [''];
  const groups = new Map<string, SummaryData['checks']>();
  for (const c of data.checks) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  for (const [group, checks] of [...groups.entries()].sort()) {
    const depth = group ? group.split('::').length - 1 : 0;
    const pad = `     ${'  '.repeat(depth)}`;
    if (group) lines.push(`     ${'  '.repeat(depth - 1)}█ ${group.split('::').at(-1)}`, '');
    for (const c of checks) {
      lines.push(`${pad}${c.fails ? '✗' : '✓'} ${c.name}`);
      if (c.fails)
        lines.push(`${pad} ↳  ${Math.floor((c.passes / (c.passes + c.fails)) * 100)}% — ✓ ${c.passes} / ✗ ${c.fails}`);
    }
    lines.push('');
  }
  const names = Object.keys(data.metrics).sort((a, b) => {
    const [ba, bb] = [a.split('{')[0], b.split('{')[0]];
    return ba === bb ? a.length - b.length || a.localeCompare(b) : ba.localeCompare(bb);
  });
  const width = 32;
  for (const name of names) {
    const m = data.metrics[name];
    const sub = name.includes('{');
    const label = sub ? `  { ${name.slice(name.indexOf('{') + 1, -1)} }` : name;
    const mark = m.thresholds ? (Object.values(m.thresholds).every((t) => t.ok) ? '✓' : '✗') : ' ';
    lines.push(`   ${mark} ${`${label}`.padEnd(width, '.')}: ${metricLine(m, data.options.summaryTrendStats)}`);
    if (m.thresholds) {
      for (const [expr, t] of Object.entries(m.thresholds)) {
        if (!t.ok)
          lines.push(`       ✗ ${expr} (was ${m.contains === 'time' ? formatTime(t.actual) : +t.actual.toFixed(6)})`);
      }
    }
  }
  lines.push(
    '',
    `     running (${formatTime(data.state.testRunDurationMs)})${data.state.aborted ? `, aborted: ${data.state.aborted}` : ''}`,
  );
  const errors = Object.entries(data.state.iterationErrors ?? {});
  if (errors.length) {
    lines.push('', '     iterations that threw:');
    for (const [message, n] of errors) lines.push(`       ${n} × ${message}`);
  }
  return `${lines.join('\n')}\n`;
}
