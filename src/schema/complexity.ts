// Query cost budgets per kind of client (anonymous < user < partner < internal).
//
// Cost is Pothos complexity: each field costs 1 unless it says otherwise, and a connection multiplies
// the cost of its children by the page size asked for (`first`/`last`, variables included; see
// connectionComplexity in common.ts). `complexity` caps one query; the per-minute budget is a leaky
// bucket holding the same number of points, refilled in COST_BUCKET_REFILL_SECONDS (20 s by default),
// so a partner can spend 10,000 points at once and 30,000 a minute; a key with its own
// rate_limit_per_minute gets a budget scaled the same way. Depth is capped for everyone by
// graphql-armor (src/http/use-armor.ts).
import type { ClientTier } from '../context.ts';
import type { Bucket } from '../limits/cost-bucket.ts';

export type CostLimit = { complexity: number; breadth: number };

export const COMPLEXITY_LIMITS: Record<ClientTier, CostLimit> = {
  anonymous: { complexity: 50, breadth: 30 },
  user: { complexity: 5_000, breadth: 200 },
  partner: { complexity: 10_000, breadth: 200 },
  internal: { complexity: 50_000, breadth: 500 },
};

export function complexityLimitFor(tier: ClientTier): CostLimit {
  return COMPLEXITY_LIMITS[tier];
}

/**
 * The per-minute budget of a tier; null when the budget is off (refill 0). `scale` is a key's own
 * rate limit relative to the default (1 for everyone else): a key allowed ten times the requests
 * refills ten times faster and holds ten times the points, but never holds less than one query's limit.
 */
export function costBucketFor(tier: ClientTier, refillSeconds: number, scale = 1): Bucket | null {
  if (refillSeconds <= 0) return null;
  const perQuery = COMPLEXITY_LIMITS[tier].complexity;
  return { capacity: Math.max(perQuery, perQuery * scale), refillPerSecond: (perQuery * scale) / refillSeconds };
}
