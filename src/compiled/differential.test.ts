// Differential test of the compiled read path: 2,000 random operations (fixed seed) through both
// paths on the same data of two tenants must answer identically. `npm run fuzz:readpath` runs more.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../test/harness.ts';
import { runDifferential, seedDifferential } from './differential.ts';

let h: Harness;
let setup: Awaited<ReturnType<typeof seedDifferential>>;

beforeAll(async () => {
  h = await startHarness();
  setup = await seedDifferential(h);
}, 60_000);
afterAll(() => h?.close());

const OPERATIONS = Number(process.env.DIFF_OPERATIONS ?? 2000);

it('2,000 random reads answer the same through the compiled path and the resolvers (response cache on)', async () => {
  const result = await runDifferential(h, setup, { seed: 20_261_202, operations: OPERATIONS });
  expect(result.mismatches.slice(0, 3)).toEqual([]);
  // Most of them really ran compiled (the rest are refused arguments and foreign types, which fall back).
  expect(result.compiled).toBeGreaterThan(result.operations * 0.5);
}, 120_000);

it('with the response cache off they answer the same too', async () => {
  const result = await runDifferential(h, setup, { seed: 7, operations: Math.ceil(OPERATIONS / 5), cacheTtlMs: 0 });
  expect(result.mismatches.slice(0, 3)).toEqual([]);
  expect(result.compiled).toBeGreaterThan(result.operations * 0.5);
}, 60_000);
