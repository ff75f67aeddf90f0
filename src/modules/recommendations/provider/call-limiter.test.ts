import { describe, expect, it } from 'vitest';
import { concurrencyFor, createCallLimiter } from './runner.ts';

describe('the call limiter', () => {
  it('runs at most rate × latency (+25%, + burst) calls at once, and a retry before customers not tried yet', async () => {
    // 1 call a second at 1 ms latency, burst 0: one call at a time.
    const limiter = createCallLimiter(1, 1, 0);
    expect(limiter.limit).toBe(concurrencyFor(1, 1, 0));
    expect(limiter.limit).toBe(1);
    const signal = new AbortController().signal;
    let release!: () => void;
    const order: string[] = [];
    const running = limiter.run(() => new Promise<void>((r) => (release = r)), signal);
    const fresh = limiter.run(async () => void order.push('fresh customer'), signal);
    const retry = limiter.run(async () => void order.push('retry'), signal, true);
    expect(limiter.active).toBe(1);
    release();
    await Promise.all([running, fresh, retry]);
    expect(order).toEqual(['retry', 'fresh customer']);
    expect(limiter.active).toBe(0);
  });
});
