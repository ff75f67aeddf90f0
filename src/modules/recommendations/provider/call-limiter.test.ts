import { describe, expect, it } from 'vitest';
import { concurrencyFor, createCallLimiter, hedged } from './runner.ts';

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

describe('a hedged call', () => {
  const never = (signal: AbortSignal) =>
    new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  const noWait = async () => {};
  /** A call that answers 'first' after `ms`, counting itself in `sent.calls`. */
  const answersAfter = (ms: number, sent: { calls: number }) => async () => {
    sent.calls++;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'first';
  };

  it('is sent once more when late and nothing else waits, and the first answer wins', async () => {
    const signals: AbortSignal[] = [];
    let calls = 0;
    let slots = 0;
    let hedges = 0;
    const answer = await hedged({
      call: (signal) => {
        signals.push(signal);
        return ++calls === 1 ? never(signal) : Promise.resolve('second');
      },
      afterMs: 20,
      idle: () => true,
      slot: async () => void slots++,
      signal: new AbortController().signal,
      onHedge: () => hedges++,
    });
    expect(answer).toBe('second');
    expect(calls).toBe(2);
    // The second call waited for its own slot of the shared rate limit.
    expect(slots).toBe(1);
    expect(hedges).toBe(1);
    expect(signals[0].aborted).toBe(true);
  });

  it('is neither sent nor counted when the first call answers while the second waits for its slot', async () => {
    const sent = { calls: 0 };
    let hedges = 0;
    const answer = await hedged({
      call: answersAfter(40, sent),
      afterMs: 10,
      idle: () => true,
      // The shared rate limit has no slot before the first call answers.
      slot: (signal) => never(signal).then(() => {}),
      signal: new AbortController().signal,
      onHedge: () => hedges++,
    });
    expect([answer, sent.calls, hedges]).toEqual(['first', 1, 0]);
  });

  it('is not sent twice while other calls wait to go out', async () => {
    const sent = { calls: 0 };
    const answer = await hedged({
      call: answersAfter(60, sent),
      afterMs: 10,
      idle: () => false,
      slot: noWait,
      signal: new AbortController().signal,
    });
    expect([answer, sent.calls]).toEqual(['first', 1]);
  });

  it('fails at once when the first call fails before it is late, and with the first error when both fail', async () => {
    let calls = 0;
    const early = hedged({
      call: async () => {
        calls++;
        throw new Error('500');
      },
      afterMs: 1_000,
      idle: () => true,
      slot: noWait,
      signal: new AbortController().signal,
    });
    await expect(early).rejects.toThrow('500');
    expect(calls).toBe(1);

    let n = 0;
    const both = hedged({
      call: async () => {
        const mine = ++n;
        await new Promise((resolve) => setTimeout(resolve, mine === 1 ? 40 : 5));
        throw new Error(`call ${mine}`);
      },
      afterMs: 10,
      idle: () => true,
      slot: noWait,
      signal: new AbortController().signal,
    });
    await expect(both).rejects.toThrow('call 2');
  });
});
