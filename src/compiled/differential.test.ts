// Differential test of the compiled read path: 2,000 random operations (1,600 + 400) (fixed seed) through both
// paths on the same data of two tenants must answer identically. `npm run fuzz:readpath` runs more
// (FUZZ_OPERATIONS, default 20,000, with a random seed it prints so a failure can be replayed with DIFF_SEED).
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

// `npm run fuzz:readpath` sets these for a longer run with a fresh seed; `npm test` uses the fixed ones.
const OPERATIONS = Number(process.env.DIFF_OPERATIONS ?? 2000);
const SEED = Number(process.env.DIFF_SEED ?? 20_261_202);
const TIMEOUT = 120_000 + OPERATIONS * 50;

it(
  `${Math.round(OPERATIONS * 0.8)} random reads answer the same through the compiled path and the resolvers (response cache on)`,
  async () => {
    const result = await runDifferential(h, setup, { seed: SEED, operations: Math.round(OPERATIONS * 0.8) });
    expect(result.mismatches.slice(0, 3)).toEqual([]);
    // Most of them really ran compiled (the rest are refused arguments and foreign types, which fall back).
    expect(result.compiled).toBeGreaterThan(result.operations * 0.5);
  },
  TIMEOUT,
);

it(
  `${Math.round(OPERATIONS * 0.2)} more answer the same with the response cache off`,
  async () => {
    const result = await runDifferential(h, setup, {
      seed: SEED + 1,
      operations: Math.round(OPERATIONS * 0.2),
      cacheTtlMs: 0,
    });
    expect(result.mismatches.slice(0, 3)).toEqual([]);
    expect(result.compiled).toBeGreaterThan(result.operations * 0.5);
  },
  TIMEOUT,
);
