// Vitest fixtures for the preamble most test files share: the real app on a fresh database (the
// harness), one tenant, and optionally seeded packhouse data, set up once per file and closed at its end.
//
//   const it = appTest({ tenant: 'orchard', seed: { growers: 30, packhouses: 5, batches: 600 } });
//   it('lists batches', async ({ h, t }) => { … });
import { test } from 'vitest';
import { seedPackhouse, type PackhouseSizes } from '../../seeds/packhouse.ts';
import { startHarness, type Harness, type HarnessOptions, type Tenant } from './harness.ts';

export type AppTestOptions = {
  /** Name of the tenant (slug prefix). */
  tenant: string;
  harness?: HarnessOptions;
  /** Packhouse data seeded into the tenant. */
  seed?: Omit<PackhouseSizes, 'quiet'>;
  /** More setup once the tenant exists (more seeds, other tenants). */
  prepare?: (fixtures: AppFixtures) => Promise<unknown>;
};

export type AppFixtures = { h: Harness; t: Tenant };

/**
 * A fixture of the file's tests that needs no other fixture: `start()` before the first test that uses
 * it, `stop()` after the file's last test, whether or not it passed.
 */
export function fileFixture<T>(
  start: () => Promise<T>,
  stop: (value: T) => Promise<unknown>,
): [(context: object, use: (value: T) => Promise<void>) => Promise<void>, { scope: 'file' }] {
  return [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads the fixtures a fixture needs from its first parameter.
    async ({}: object, use: (value: T) => Promise<void>) => {
      const value = await start();
      try {
        await use(value);
      } finally {
        await stop(value);
      }
    },
    { scope: 'file' },
  ];
}

export function appTest(options: AppTestOptions) {
  return test.extend<AppFixtures>({
    h: fileFixture(
      () => startHarness(options.harness),
      (h) => h.close(),
    ),
    t: [
      async ({ h }, use) => {
        const t = await h.tenant(options.tenant);
        if (options.seed) await seedPackhouse(h.resources, t.organizationId, { ...options.seed, quiet: true });
        await options.prepare?.({ h, t });
        await use(t);
      },
      { scope: 'file' },
    ],
  });
}
