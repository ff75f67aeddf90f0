import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { evaluateThreshold, parseMetricSelector, Sink } from './metrics.ts';
import { parseDuration } from './duration.ts';
import { documentHash, MANIFEST_PATH } from './persisted.ts';

describe('k6 metric model', () => {
  it('parses metric selectors with tag values that contain colons', () => {
    expect(parseMetricSelector('http_req_duration')).toEqual({ name: 'http_req_duration', selector: undefined });
    expect(parseMetricSelector('http_req_duration{operation:Viewer,group:::a::b}')).toEqual({
      name: 'http_req_duration',
      selector: { operation: 'Viewer', group: '::a::b' },
    });
  });

  it('evaluates trend, rate and counter thresholds like k6', () => {
    const trend = new Sink('trend');
    for (let i = 1; i <= 100; i++) trend.add(i);
    expect(trend.percentile(99)).toBeCloseTo(99, 0);
    expect(evaluateThreshold('p(99)<200', trend, 1).ok).toBe(true);
    expect(evaluateThreshold('p(95) < 90', trend, 1).ok).toBe(false);
    expect(evaluateThreshold('avg<=50.5', trend, 1)).toMatchObject({ ok: true, actual: 50.5 });
    expect(evaluateThreshold('med>40', trend, 1).ok).toBe(true);
    const rate = new Sink('rate');
    for (let i = 0; i < 1000; i++) rate.add(i === 0 ? 0 : 1);
    expect(evaluateThreshold('rate>0.999', rate, 1).ok).toBe(false);
    expect(evaluateThreshold('rate>=0.999', rate, 1).ok).toBe(true);
    const counter = new Sink('counter');
    expect(evaluateThreshold('count==0', counter, 1).ok).toBe(true);
    counter.add(2);
    expect(evaluateThreshold('count==0', counter, 1)).toMatchObject({ ok: false, actual: 2 });
    expect(() => evaluateThreshold('p99<1', trend, 1)).toThrow(/aggregation/);
  });

  it('reads k6 durations', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('soon')).toThrow(/duration/);
  });

  it('keys every partner operation by the sha256 of its document', async () => {
    const manifest = JSON.parse(await readFile(MANIFEST_PATH, 'utf8')) as Record<string, string>;
    expect(Object.keys(manifest).length).toBeGreaterThan(0);
    for (const [hash, document] of Object.entries(manifest)) expect(hash).toBe(documentHash(document));
  });
});
