// Assertions that a compiled read answers exactly as the resolvers do.
import { expect } from 'vitest';
import { appPair } from '../compiled/differential.ts';
import { gql, withoutCost, type GqlOptions, type GqlResult, type Harness } from './harness.ts';

/**
 * Runs `query` again through the resolvers (compiled reads off, no response cache) and expects the
 * compiled answer's body and actual cost from it, in `statements` statements.
 */
export async function expectResolversAgree(
  h: Harness,
  compiled: GqlResult,
  query: string,
  options: GqlOptions,
  statements: number,
): Promise<void> {
  const slow = await gql(appPair(h.resources, 0).reference, query, options);
  expect(slow.headers.get('x-read-path')).toBe('resolvers');
  expect(slow.statements).toBe(statements);
  expect(JSON.stringify(withoutCost(compiled.body))).toBe(JSON.stringify(withoutCost(slow.body)));
  expect(compiled.body.extensions?.cost.actual).toBe(slow.body.extensions?.cost.actual);
}
