// Query cost budgets per kind of client (anonymous < user < partner < internal).
import type { ClientTier } from '../context.ts';

export const COMPLEXITY_LIMITS: Record<ClientTier, { complexity: number; depth: number; breadth: number }> = {
  // Depth counts connection levels twice (edges, node): 15 allows three nested lists.
  anonymous: { complexity: 50, depth: 6, breadth: 30 },
  user: { complexity: 5_000, depth: 15, breadth: 200 },
  partner: { complexity: 10_000, depth: 15, breadth: 200 },
  internal: { complexity: 50_000, depth: 20, breadth: 500 },
};

export function complexityLimitFor(tier: ClientTier) {
  return COMPLEXITY_LIMITS[tier];
}
