// The k6 metric model: counters, gauges, rates and trends, each with sub-metrics selected by tags
// (`http_req_duration{operation:batches}`), and the threshold expressions k6 accepts on them.
// Trends keep an HDR histogram in microseconds (3 significant digits) plus exact min, max and sum,
// so percentiles stay accurate over long runs in constant memory.
import hdr from 'hdr-histogram-js';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type Contains = 'default' | 'time' | 'data';
export type Tags = Record<string, string>;

type Histogram = ReturnType<typeof hdr.build>;

export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

export class Sink {
  readonly type: MetricType;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  last = 0;
  passes = 0;
  hist: Histogram | undefined;

  constructor(type: MetricType) {
    this.type = type;
    if (type === 'trend') this.hist = newHistogram();
  }

  add(value: number): void {
    this.count += 1;
    this.last = value;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.type === 'rate' && value) this.passes += 1;
    if (this.hist) this.hist.recordValue(Math.max(0, Math.round(value * 1000)));
  }

  percentile(p: number): number {
    if (!this.hist || this.count === 0) return 0;
    return Math.min(this.max, this.hist.getValueAtPercentile(p) / 1000);
  }

  /** The values k6 puts in its summary for this kind of metric. */
  values(durationSeconds: number, trendStats: string[]): Record<string, number> {
    switch (this.type) {
      case 'counter':
        return { count: this.sum, rate: durationSeconds > 0 ? this.sum / durationSeconds : 0 };
      case 'gauge':
        return { value: this.count ? this.last : 0, min: this.count ? this.min : 0, max: this.count ? this.max : 0 };
      case 'rate':
        return {
          rate: this.count ? this.passes / this.count : 0,
          passes: this.passes,
          fails: this.count - this.passes,
        };
      case 'trend': {
        const out: Record<string, number> = {};
        for (const stat of trendStats) out[stat] = this.trendStat(stat);
        return out;
      }
    }
  }

  trendStat(stat: string): number {
    if (this.count === 0) return 0;
    if (stat === 'avg') return this.sum / this.count;
    if (stat === 'min') return this.min;
    if (stat === 'max') return this.max;
    if (stat === 'med') return this.percentile(50);
    if (stat === 'count') return this.count;
    const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
    if (p) return this.percentile(Number(p[1]));
    throw new Error(`Unknown trend statistic "${stat}": use avg, min, med, max, count or p(N).`);
  }
}

export type Submetric = { name: string; selector: Tags; sink: Sink };

export class Metric {
  readonly name: string;
  readonly type: MetricType;
  readonly contains: Contains;
  readonly sink: Sink;
  readonly submetrics: Submetric[] = [];

  constructor(name: string, type: MetricType, contains: Contains) {
    this.name = name;
    this.type = type;
    this.contains = contains;
    this.sink = new Sink(type);
  }

  submetric(selector: Tags): Submetric {
    const name = `${this.name}{${Object.entries(selector)
      .map(([k, v]) => `${k}:${v}`)
      .join(',')}}`;
    let sub = this.submetrics.find((s) => s.name === name);
    if (!sub) {
      sub = { name, selector, sink: new Sink(this.type) };
      this.submetrics.push(sub);
    }
    return sub;
  }

  add(value: number, tags: Tags): void {
    this.sink.add(value);
    for (const sub of this.submetrics) {
      if (Object.entries(sub.selector).every(([k, v]) => tags[k] === v)) sub.sink.add(value);
    }
  }
}

export class Registry {
  readonly metrics = new Map<string, Metric>();

  get(name: string, type: MetricType, contains: Contains = 'default'): Metric {
    let metric = this.metrics.get(name);
    if (!metric) {
      metric = new Metric(name, type, contains);
      this.metrics.set(name, metric);
    } else if (metric.type !== type) {
      throw new Error(`Metric "${name}" is already a ${metric.type}; it cannot also be a ${type}.`);
    }
    return metric;
  }
}

// ---- thresholds --------------------------------------------------------------------------------

/** `metric{tag:value,…}` → name and tag selector (a value may itself contain colons, as k6 allows). */
export function parseMetricSelector(key: string): { name: string; selector: Tags | undefined } {
  const match = /^([A-Za-z0-9_.-]+)(?:\{(.*)\})?$/.exec(key.trim());
  if (!match) throw new Error(`Threshold key "${key}" is not "metric" or "metric{tag:value}".`);
  if (match[2] === undefined) return { name: match[1], selector: undefined };
  const selector: Tags = {};
  for (const part of match[2].split(',')) {
    const at = part.indexOf(':');
    if (at < 0) throw new Error(`Threshold key "${key}": "${part}" should be tag:value.`);
    selector[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return { name: match[1], selector };
}

const OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '===': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

export type ThresholdSpec = { expression: string; abortOnFail: boolean };
export type ThresholdResult = { expression: string; ok: boolean; actual: number };

/** Evaluates `p(99)<200`, `rate>0.999`, `count==0`, `avg<50`… against a sink, like k6. */
export function evaluateThreshold(expression: string, sink: Sink, durationSeconds: number): ThresholdResult {
  const match = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expression);
  if (!match)
    throw new Error(`Threshold "${expression}" is not "<aggregation> <operator> <number>", e.g. "p(95)<100".`);
  const [, aggregation, operator, limit] = match;
  let actual: number;
  if (sink.type === 'trend') actual = sink.trendStat(aggregation);
  else {
    const values = sink.values(durationSeconds, []);
    if (!(aggregation in values))
      throw new Error(`Threshold "${expression}": a ${sink.type} metric has no "${aggregation}".`);
    actual = values[aggregation];
  }
  return { expression, ok: OPERATORS[operator](actual, Number(limit)), actual };
}
