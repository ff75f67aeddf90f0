// Request rate limits as exact sliding windows: a request is allowed only when every window
// (e.g. 100 per 60 s AND 20 per 10 s) has fewer allowed requests in its last `windowMs` than its
// limit. Only allowed requests are recorded, so a refused request never counts against a later one.
//
// Why not rate-limiter-flexible's RateLimiterUnion (docs/decisions/0003-sliding-window-rate-limiter.md): its limiters are fixed
// windows that restart at the first request after expiry, so two bursts 9.9 s apart both pass a
// "20 per 10 s" limit; and the union charges every member even when another member refuses, so
// refused requests use up the short window. `npm run bench:rate-windows` measures both side by side.
//
// Shared state lives in one Redis sorted set per caller (score = Redis TIME in ms), checked and
// updated by one Lua script, so all instances agree. Every decision is mirrored into memory, which
// decides alone while Redis is slow or down (src/limits/redis-guard.ts).
import { randomBytes } from 'node:crypto';
import { luaScript } from './lua.ts';
import type { RedisGuard } from './redis-guard.ts';

export type Window = { limit: number; windowMs: number };
export type WindowState = Window & {
  /** Allowed requests in the window, this one included when it was allowed. */
  used: number;
  /** Milliseconds until the oldest request in the window leaves it (0 when the window is empty). */
  resetMs: number;
};
export type Decision = { allowed: boolean; retryAfterMs: number; windows: WindowState[]; source: 'redis' | 'memory' };

// KEYS[1] the caller's log; ARGV[1] a unique member; then limit, windowMs for each window.
// Scores are Redis TIME in microseconds, written with %.0f: Lua would print 16 digits as 1.7e+15,
// and whole milliseconds would leave a window up to 1 ms short.
const SCRIPT = luaScript(`
local key = KEYS[1]
local n = (#ARGV - 1) / 2
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function us(x) return string.format('%.0f', x) end
local longest = 0
for i = 1, n do longest = math.max(longest, tonumber(ARGV[2 * i + 1]) * 1000) end
redis.call('ZREMRANGEBYSCORE', key, '-inf', us(now - longest))
local allowed = 1
for i = 1, n do
  if redis.call('ZCOUNT', key, '(' .. us(now - tonumber(ARGV[2 * i + 1]) * 1000), '+inf') >= tonumber(ARGV[2 * i]) then allowed = 0 end
end
if allowed == 1 then
  redis.call('ZADD', key, us(now), ARGV[1])
  redis.call('PEXPIRE', key, us(longest / 1000))
end
local out = { allowed }
for i = 1, n do
  local limit = tonumber(ARGV[2 * i])
  local w = tonumber(ARGV[2 * i + 1]) * 1000
  local from = '(' .. us(now - w)
  local used = redis.call('ZCOUNT', key, from, '+inf')
  local reset = 0
  local oldest = redis.call('ZRANGEBYSCORE', key, from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if oldest[2] then reset = math.ceil((tonumber(oldest[2]) + w - now) / 1000) end
  local retry = 0
  if used >= limit and allowed == 0 then
    local entry = redis.call('ZRANGEBYSCORE', key, from, '+inf', 'WITHSCORES', 'LIMIT', used - limit, 1)
    retry = math.ceil((tonumber(entry[2]) + w - now) / 1000)
  end
  table.insert(out, used)
  table.insert(out, reset)
  table.insert(out, retry)
end
return out
`);

type Log = { times: number[]; longestMs: number };

export class SlidingWindowLimiter {
  private readonly guard: RedisGuard;
  private readonly prefix: string;
  private readonly memory = new Map<string, Log>();
  private readonly memberPrefix = randomBytes(6).toString('hex');
  private counter = 0;
  private lastSweep = performance.now();

  constructor(guard: RedisGuard, prefix: string) {
    this.guard = guard;
    this.prefix = prefix;
  }

  async take(key: string, windows: Window[]): Promise<Decision> {
    const member = `${this.memberPrefix}:${(this.counter = (this.counter + 1) % 1e12)}`;
    const args = [member, ...windows.flatMap((w) => [w.limit, w.windowMs])];
    const reply = (await this.guard.eval(SCRIPT, [this.prefix + key], args)) as number[] | undefined;
    if (!reply) return this.takeInMemory(key, windows, true);
    const decision: Decision = { allowed: reply[0] === 1, retryAfterMs: 0, windows: [], source: 'redis' };
    windows.forEach((w, i) => {
      const [used, resetMs, retryMs] = reply.slice(1 + 3 * i, 4 + 3 * i).map(Number);
      decision.windows.push({ ...w, used, resetMs });
      decision.retryAfterMs = Math.max(decision.retryAfterMs, retryMs);
    });
    // Keep memory warm, so a Redis outage starts from what this instance has seen.
    if (decision.allowed) this.takeInMemory(key, windows, false);
    return decision;
  }

  /** Same rule in this process only; `decide` false records the request without refusing it. */
  private takeInMemory(key: string, windows: Window[], decide: boolean): Decision {
    const now = performance.now();
    this.sweep(now);
    const longestMs = Math.max(...windows.map((w) => w.windowMs));
    let log = this.memory.get(key);
    if (!log) this.memory.set(key, (log = { times: [], longestMs }));
    log.longestMs = longestMs;
    const { times } = log;
    while (times.length && times[0] <= now - longestMs) times.shift();
    const inWindow = (w: Window) => times.length - firstAfter(times, now - w.windowMs);
    const allowed = !decide || windows.every((w) => inWindow(w) < w.limit);
    if (allowed) times.push(now);
    const decision: Decision = { allowed, retryAfterMs: 0, windows: [], source: 'memory' };
    for (const w of windows) {
      const start = firstAfter(times, now - w.windowMs);
      const used = times.length - start;
      const resetMs = used ? times[start] + w.windowMs - now : 0;
      decision.windows.push({ ...w, used, resetMs });
      if (!allowed && used >= w.limit) {
        decision.retryAfterMs = Math.max(decision.retryAfterMs, times[start + used - w.limit] + w.windowMs - now);
      }
    }
    return decision;
  }

  private sweep(now: number) {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, log] of this.memory) {
      if (!log.times.length || log.times[log.times.length - 1] <= now - log.longestMs) this.memory.delete(key);
    }
  }
}

/** Index of the first time strictly after `bound` in an ascending array. */
function firstAfter(times: number[], bound: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
