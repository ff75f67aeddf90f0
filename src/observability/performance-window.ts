// Rolling request statistics for /metrics/performance and /health/performance: the last 60 s of
// GraphQL requests (latency, success) in a fixed ring buffer, percentiles computed when read.
// Exact, bounded in memory, and O(1) per request.

export type PerformanceSnapshot = {
  windowSeconds: number;
  requestCount: number;
  requestsPerSecond: number;
  successRate: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  inFlight: number;
  peakConcurrency: number;
};

export class PerformanceWindow {
  readonly windowMs: number;
  private readonly at: Float64Array;
  private readonly latency: Float64Array;
  private readonly ok: Uint8Array;
  private next = 0;
  private size = 0;
  inFlight = 0;
  /** Highest in-flight count per second, for the peak over the window. */
  private readonly peaks = new Map<number, number>();
  private readonly now: () => number;

  constructor(options: { windowMs?: number; capacity?: number; now?: () => number } = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    const capacity = options.capacity ?? 50_000;
    this.at = new Float64Array(capacity);
    this.latency = new Float64Array(capacity);
    this.ok = new Uint8Array(capacity);
    this.now = options.now ?? Date.now;
  }

  started(): void {
    this.inFlight += 1;
    const second = Math.floor(this.now() / 1000);
    if ((this.peaks.get(second) ?? 0) < this.inFlight) this.peaks.set(second, this.inFlight);
    if (this.peaks.size > 2 * (this.windowMs / 1000)) {
      for (const s of this.peaks.keys()) if (s < second - this.windowMs / 1000) this.peaks.delete(s);
    }
  }

  finished(latencyMs: number, success: boolean): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.at[this.next] = this.now();
    this.latency[this.next] = latencyMs;
    this.ok[this.next] = success ? 1 : 0;
    this.next = (this.next + 1) % this.at.length;
    this.size = Math.min(this.size + 1, this.at.length);
  }

  snapshot(): PerformanceSnapshot {
    const now = this.now();
    const since = now - this.windowMs;
    const values: number[] = [];
    let successes = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.at[i] >= since) {
        values.push(this.latency[i]);
        successes += this.ok[i];
      }
    }
    values.sort((a, b) => a - b);
    const pct = (p: number) =>
      values.length ? round(values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]) : null;
    let peak = this.inFlight;
    for (const [second, n] of this.peaks) if (second * 1000 >= since && n > peak) peak = n;
    const seconds = this.windowMs / 1000;
    return {
      windowSeconds: seconds,
      requestCount: values.length,
      requestsPerSecond: round(values.length / seconds),
      successRate: values.length ? successes / values.length : null,
      latencyMs: {
        p50: pct(50),
        p95: pct(95),
        p99: pct(99),
        max: values.length ? round(values[values.length - 1]) : null,
      },
      inFlight: this.inFlight,
      peakConcurrency: peak,
    };
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
