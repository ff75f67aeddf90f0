// The organization a benchmark runs in, on its own throwaway database.
import { createApiKey, createOrganization } from '../../src/modules/identity/service.ts';
import type { Db } from '../../src/resources.ts';

/** A new organization and an internal key: a benchmark sends far more than the default 100 requests a minute. */
export async function benchOrganization(db: Db) {
  const org = await createOrganization(db, { slug: `bench-${process.pid}`, name: 'Bench' });
  const { key } = await createApiKey(db, org.id, {
    name: 'bench',
    kind: 'internal',
    scopes: ['read', 'write', 'admin'],
    rateLimitPerMinute: 1_000_000,
  });
  return { org, key };
}
