// Redis calls on the request path go through here, so a slow or dead Redis never slows a request:
// each call gets `timeoutMs` (REDIS_TIMEOUT_MS, ~30 ms), then the caller decides in memory. After an
// error, or a few timeouts in a row, Redis is skipped for a pause, so during an outage only one
// request per pause pays the timeout and the others do not wait at all. A single slow answer (a GC
// pause, a busy machine) only sends that one request to memory.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Redis } from '../resources.ts';

const PAUSE_AFTER_FAILURE_MS = 1_000;
const TIMEOUTS_BEFORE_PAUSE = 3;

export type LuaScript = { source: string; sha: string };

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export class RedisGuard {
  readonly redis: Redis | undefined;
  readonly timeoutMs: number;
  private readonly log: Logger;
  private skipUntil = 0;
  private timeoutsInARow = 0;
  private failing = false;

  constructor(redis: Redis | undefined, timeoutMs: number, log: Logger) {
    this.redis = redis;
    this.timeoutMs = timeoutMs;
    this.log = log;
  }

  /** Whether a call would be tried now (Redis configured, connected and not paused after a failure). */
  get available(): boolean {
    return !!this.redis && this.redis.isReady && performance.now() >= this.skipUntil;
  }

  /** Runs a Lua script; resolves undefined (never rejects) when Redis is absent, slow or failing. */
  async eval(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    const redis = this.redis;
    if (!redis || !this.available) return undefined;
    const argv = args.map(String);
    const call = redis
      .evalSha(script.sha, { keys, arguments: argv })
      .catch((err: Error) => {
        // A restarted Redis has lost its script cache.
        if (/NOSCRIPT/.test(err.message)) return redis.eval(script.source, { keys, arguments: argv });
        throw err;
      });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'timeout'>((resolve) => {
      // setImmediate: when a busy event loop runs the timer late, an answer that has arrived in
      // the meantime is read (poll phase) before this gives up, so load alone is not an outage.
      timer = setTimeout(() => setImmediate(() => resolve('timeout')), this.timeoutMs);
    });
    try {
      const result = await Promise.race([call, late]);
      if (result === 'timeout') {
        // The command may still complete later; nothing waits for it.
        call.catch(() => undefined);
        this.timeoutsInARow += 1;
        if (this.timeoutsInARow >= TIMEOUTS_BEFORE_PAUSE) this.fail(`no answer within ${this.timeoutMs} ms, ${this.timeoutsInARow} times in a row`);
        return undefined;
      }
      this.timeoutsInARow = 0;
      if (this.failing) {
        this.failing = false;
        this.log.info('redis answers again: limits are shared between instances again');
      }
      return result;
    } catch (err) {
      this.fail((err as Error).message);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private fail(reason: string) {
    this.timeoutsInARow = 0;
    this.skipUntil = performance.now() + PAUSE_AFTER_FAILURE_MS;
    if (!this.failing) {
      this.failing = true;
      this.log.warn({ reason }, 'redis is slow or down: rate limits and cost budgets fall back to this instance\'s memory');
    }
  }
}
