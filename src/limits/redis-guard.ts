// Redis calls on the request path go through here, so a slow or dead Redis never slows a request by
// more than REDIS_TIMEOUT_MS (~30 ms) once. One guard per process (resources.redisGuard), shared with
// the response cache, so the first timeout anywhere sends every Redis user to memory: a call that gets no answer in time is decided in memory
// by the caller, and from then on calls go straight to memory, without waiting, until a PING shows
// Redis answering again (one PING in flight at a time, so a stalled Redis does not pile up
// commands). A dead connection skips Redis at once. A single slow answer (a GC pause, a busy
// machine) sends only the next few decisions to memory: the PING comes back within milliseconds.
import type { Logger } from 'pino';
import { withDeadline } from '../lib/timeout.ts';
import type { Redis } from '../resources.ts';
import { runLua, type LuaScript } from './lua.ts';

const PROBE_RETRY_MS = 1_000;
const LOG_EVERY_MS = 10_000;

export class RedisGuard {
  readonly redis: Redis | undefined;
  readonly timeoutMs: number;
  /** Calls decided in memory because Redis was slow, down or recovering (for benchmarks and metrics). */
  fallbacks = 0;
  private readonly log: Logger;
  private suspect = false;
  private probeSentAt = -Infinity;
  private lastWarnAt = -Infinity;
  private announced = false;

  constructor(redis: Redis | undefined, timeoutMs: number, log: Logger) {
    this.redis = redis;
    this.timeoutMs = timeoutMs;
    this.log = log;
  }

  /** Runs a Lua script; resolves undefined (never rejects) when Redis is absent, slow or failing. */
  async eval(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    const redis = this.redis;
    if (!redis) return undefined;
    if (!redis.isReady || this.suspect) {
      this.fallbacks += 1;
      if (redis.isReady) this.probe(redis);
      else this.markSuspect('not connected');
      return undefined;
    }
    const call = runLua(redis, script, keys, args);
    const outcome = await withDeadline(call, this.timeoutMs);
    if (outcome.ok) return outcome.value;
    if (outcome.reason === 'timeout') {
      // The command may still complete later; nothing waits for it.
      call.catch(() => undefined);
      this.markSuspect(`no answer within ${this.timeoutMs} ms`);
    } else {
      this.markSuspect((outcome.error as Error)?.message ?? 'error');
    }
    this.fallbacks += 1;
    return undefined;
  }

  /**
   * For other Redis users (the response cache): true while Redis is believed slow or down, so they
   * skip it at once instead of each waiting out its own timeout. Starts the recovery PING when due.
   */
  skip(): boolean {
    if (this.suspect && this.redis?.isReady) this.probe(this.redis);
    return this.suspect;
  }

  /** Another Redis user saw a timeout: everyone goes to memory until a PING answers. */
  reportTrouble(reason: string): void {
    this.markSuspect(reason);
  }

  private markSuspect(reason: string) {
    if (this.suspect) return;
    this.suspect = true;
    this.probeSentAt = -Infinity;
    // Under load Redis may flap between slow and fine: say so at most every 10 s.
    if (performance.now() - this.lastWarnAt < LOG_EVERY_MS) return;
    this.lastWarnAt = performance.now();
    this.announced = true;
    this.log.warn(
      { reason },
      "redis is slow or down: rate limits and cost budgets fall back to this instance's memory",
    );
  }

  private probe(redis: Redis) {
    const now = performance.now();
    if (now - this.probeSentAt < PROBE_RETRY_MS) return;
    this.probeSentAt = now;
    redis.ping().then(
      () => {
        if (!this.suspect) return;
        this.suspect = false;
        if (this.announced) this.log.info('redis answers again: limits are shared between instances again');
        this.announced = false;
      },
      () => undefined,
    );
  }
}
