// Request rate limits per API key, per signed-in user, and per client address for anonymous
// callers: RATE_LIMIT_POINTS per RATE_LIMIT_WINDOW_SECONDS AND RATE_LIMIT_BURST_POINTS per
// RATE_LIMIT_BURST_WINDOW_SECONDS (100/60 s and 20/10 s), both sliding (src/limits/sliding-window.ts).
// A key's own rate_limit_per_minute replaces the first and scales the second. Runs in onRequest,
// after auth and before the body is read, so a flood costs no parsing. Every limited response carries
// RateLimit-Limit/-Remaining/-Reset for the window closest to refusing, and RateLimit-Policy.
import { isGraphqlPath, type AppPlugin } from './edge.ts';
import type { Config } from '../config.ts';
import { principalKey, type Principal } from '../context.ts';
import type { Decision, SlidingWindowLimiter, Window } from '../limits/sliding-window.ts';
import type { ClientAddress } from './client-address.ts';
import { stateOf } from './request-state.ts';
import { errorResponse } from './responses.ts';

type RateConfig = Config['limits']['rate'];

export function windowsFor(principal: Principal, rate: RateConfig): Window[] {
  const perMinute = principal.kind === 'apiKey' ? principal.rateLimitPerMinute : null;
  const points = perMinute ? Math.max(1, Math.round((perMinute * rate.windowSeconds) / 60)) : rate.points;
  const burst = perMinute ? Math.max(1, Math.ceil((points * rate.burstPoints) / rate.points)) : rate.burstPoints;
  return [
    { limit: points, windowMs: rate.windowSeconds * 1000 },
    { limit: burst, windowMs: rate.burstWindowSeconds * 1000 },
  ];
}

export function rateLimitHeaders(decision: Decision): Record<string, string> {
  // The window with the fewest requests left is the one the client has to pace itself by.
  const binding = decision.windows.reduce((a, b) => (b.limit - b.used < a.limit - a.used ? b : a));
  return {
    'RateLimit-Limit': String(binding.limit),
    'RateLimit-Remaining': String(Math.max(0, binding.limit - binding.used)),
    'RateLimit-Reset': String(Math.ceil(binding.resetMs / 1000)),
    'RateLimit-Policy': decision.windows.map((w) => `${w.limit};w=${w.windowMs / 1000}`).join(', '),
  };
}

function tooManyRequests(decision: Decision, who: string): Response {
  const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  const full = decision.windows
    .filter((w) => w.used >= w.limit)
    .map((w) => `${w.limit} requests per ${w.windowMs / 1000} s`);
  return errorResponse(
    429,
    `Rate limit reached for ${who}: at most ${full.join(' and ')}. Retry after ${retryAfter} s, and spread requests out.`,
    { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter },
    { 'Retry-After': String(retryAfter), ...rateLimitHeaders(decision) },
  );
}

function who(principal: Principal): string {
  return principal.kind === 'apiKey' ? 'this API key' : principal.kind === 'user' ? 'this user' : 'your address';
}

/**
 * Counts one request of `principal` (anonymous callers by `address`) against its windows; the
 * decision, and the 429 answer when it is refused. GraphQL and the job file routes share the budget.
 */
export async function takeRateLimit(
  limiter: SlidingWindowLimiter,
  rate: RateConfig,
  principal: Principal,
  address: string | null,
): Promise<{ decision: Decision; refused: Response | null } | null> {
  const key = principalKey(principal) ?? (address ? `ip:${address}` : null);
  if (!key) return null;
  const decision = await limiter.take(key, windowsFor(principal, rate));
  return { decision, refused: decision.allowed ? null : tooManyRequests(decision, who(principal)) };
}

export function useRateLimit(deps: {
  limiter: SlidingWindowLimiter;
  config: Config;
  clientAddress: ClientAddress;
}): AppPlugin {
  const { rate } = deps.config.limits;
  const decisions = new WeakMap<Request, Decision>();
  return {
    async onRequest({ request, url, serverContext, endResponse }) {
      if (!isGraphqlPath(url)) return;
      const { principal } = stateOf(request);
      const address = principal.kind === 'anonymous' ? deps.clientAddress(request, serverContext) : null;
      const taken = await takeRateLimit(deps.limiter, rate, principal, address);
      if (!taken) return;
      decisions.set(request, taken.decision);
      if (taken.refused) endResponse(taken.refused);
    },
    onResponse({ request, response }) {
      const decision = decisions.get(request);
      if (!decision || response.headers.has('RateLimit-Limit')) return;
      for (const [name, value] of Object.entries(rateLimitHeaders(decision))) response.headers.set(name, value);
    },
  };
}
