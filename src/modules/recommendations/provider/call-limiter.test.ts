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

  it("sizes itself by the provider's latency, not by the wait for the rate limit before a call leaves", async () => {
    // 100 calls a second at 1 ms latency: one at a time. Each call waits 40 ms for the rate limit and
    // then answers at once; counting that wait as latency would grow the limit to 3 and more.
    const limiter = createCallLimiter(100, 1, 0);
    const signal = new AbortController().signal;
    for (let i = 0; i < 20; i++) {
      await limiter.run(async (began) => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        began();
      }, signal);
    }
    expect(limiter.limit).toBe(1);
  });
});
