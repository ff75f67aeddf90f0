// Failures counted per key (wrong passwords per e-mail, bad webhook signatures per client address and
// organization): after `limit` failures within `windowMs`, the key is refused until the oldest of them
// leaves the window. Successes cost nothing, so a caller that gets it right is never slowed.
//
// The count is the sliding-window limiter's (one Redis sorted set per key, shared by every instance;
// memory while Redis is absent or down). The refusal is remembered by the instance that saw the
// count reach the limit, so a refused caller costs no Redis call and no database lookup; another
// instance learns it at the next failure it sees there. With N instances a key gets at most
// limit + N - 1 tries per window. Keys are kept as their SHA-256: no e-mail or address is written to
// Redis, and a long key costs no more than a short one.
import { hash } from 'node:crypto';
import type { SlidingWindowLimiter } from './sliding-window.ts';

const MAX_REMEMBERED = 10_000;

export class FailureLimit {
  readonly limit: number;
  readonly windowMs: number;
  private readonly limiter: SlidingWindowLimiter;
  private readonly name: string;
  private readonly blockedUntil = new Map<string, number>();

  constructor(limiter: SlidingWindowLimiter, name: string, limit: number, windowMs: number) {
    this.limiter = limiter;
    this.name = name;
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  blockedMs(key: string): number {
    const id = digest(key);
    const until = this.blockedUntil.get(id);
    if (until === undefined) return 0;
    const left = until - performance.now();
    if (left > 0) return Math.ceil(left);
    this.blockedUntil.delete(id);
    return 0;
  }

  /** Counts one failure of `key`; returns how long it is now refused (0 while under the limit). */
  async fail(key: string): Promise<number> {
    const id = digest(key);
    const decision = await this.limiter.take(`${this.name}:${id}`, [{ limit: this.limit, windowMs: this.windowMs }]);
    const [window] = decision.windows;
    const blockMs = decision.allowed ? (window.used >= this.limit ? window.resetMs : 0) : decision.retryAfterMs;
    if (blockMs > 0) this.remember(id, performance.now() + blockMs);
    return blockMs;
  }

  private remember(id: string, until: number) {
    if (this.blockedUntil.size >= MAX_REMEMBERED) {
      const now = performance.now();
      for (const [k, u] of this.blockedUntil) if (u <= now) this.blockedUntil.delete(k);
      // Still full of live refusals: forget the oldest one; its next failure brings it back.
      if (this.blockedUntil.size >= MAX_REMEMBERED) this.blockedUntil.delete(this.blockedUntil.keys().next().value!);
    }
    this.blockedUntil.set(id, until);
  }
}

function digest(key: string): string {
  return hash('sha256', key, 'base64url');
}
