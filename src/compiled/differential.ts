// The differential check shared by the test (fixed seed) and `npm run fuzz:readpath` (longer runs):
// the same random operations through the compiled path and through the resolvers, on the same
// seeded data of two tenants; every answer must be byte-identical JSON (same keys, same order,
// same errors, same cost extension).
import { asc, eq } from 'drizzle-orm';
import { createApp, type App } from '../app.ts';
import { createResponseCache } from '../cache/response-cache.ts';
import { createMemoryStore } from '../cache/store.ts';
import { batchTable, growerTable, packhouseTable } from '../db/tables/index.ts';
import { seededRandom } from '../lib/random.ts';
import { createBatch, createGrower, createPackhouse } from '../modules/packhouse/service.ts';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import type { Resources } from '../resources.ts';
import { gql, type Harness, type Tenant } from '../test/harness.ts';
import { generateOperation, type Fixture } from './generate.ts';

/** Two tenants' growers, packhouses and batches, with the awkward rows random data rarely makes. */
export async function seedDifferential(h: Harness): Promise<{ tenant: Tenant; fixture: Fixture }> {
  const [a, b] = [await h.tenant('diff-a'), await h.tenant('diff-b')];
  for (const t of [a, b])
    await seedPackhouse(h.resources, t.organizationId, {
      growers: 12,
      packhouses: 4,
      batches: 160,
      quiet: true,
      seed: t === a ? 7 : 8,
    });
  const db = h.resources.db;
  const org = a.organizationId;
  // Ties on the sort column (ordered by id), quotes, backslashes and non-ASCII in cursors, nulls, a grower without batches.
  const odd = [
    await createGrower(db, org, { code: 'ODD-1', name: 'Same Name' }),
    await createGrower(db, org, { code: 'ODD-2', name: 'Same Name', region: 'Nelson' }),
    await createGrower(db, org, {
      code: 'ODD-3',
      name: `O'Brien "Quoted" \\ Ørchard 🍎`,
      contactEmail: 'o@example.com',
    }),
  ];
  const bare = await createPackhouse(db, org, { name: 'Bare Packhouse' });
  await createBatch(db, org, {
    code: 'ODD-B1',
    growerId: odd[2].id,
    packhouseId: bare.id,
    fruitType: 'pear',
    harvestDate: '2024-03-01',
    intakeDate: '2024-03-02',
    grossWeightKg: '1.5',
  });
  await createBatch(db, org, {
    code: "ODD-B2 'x'",
    growerId: odd[2].id,
    packhouseId: bare.id,
    fruitType: 'berry',
    harvestDate: '2024-03-01',
    intakeDate: '2024-03-02',
    grossWeightKg: '1000000.125',
    netWeightKg: '0',
  });
  const batches = await db
    .select({
      id: batchTable.id,
      code: batchTable.code,
      intakeDate: batchTable.intakeDate,
      growerId: batchTable.growerId,
      packhouseId: batchTable.packhouseId,
    })
    .from(batchTable)
    .where(eq(batchTable.organizationId, org))
    .orderBy(asc(batchTable.id));
  const growers = await db
    .select({ id: growerTable.id, name: growerTable.name })
    .from(growerTable)
    .where(eq(growerTable.organizationId, org));
  const packhouses = await db
    .select({ id: packhouseTable.id, name: packhouseTable.name })
    .from(packhouseTable)
    .where(eq(packhouseTable.organizationId, org));
  const first = async <T extends typeof batchTable | typeof growerTable | typeof packhouseTable>(table: T) =>
    (
      await db
        .select({ id: table.id })
        .from(table as typeof batchTable)
        .where(eq(table.organizationId, b.organizationId))
        .limit(1)
    )[0].id;
  const foreign = {
    batch: await first(batchTable),
    grower: await first(growerTable),
    packhouse: await first(packhouseTable),
  };
  return { tenant: a, fixture: { batches, growers, packhouses, foreign } };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * The answer as compared: byte for byte, except two things that differ between two runs of the
 * resolvers themselves: a masked error's fresh id, and the order of errors raised by list levels
 * whose statements finish in either order.
 */
function comparable(body: { errors?: unknown[] }): string {
  const errors = body.errors?.map((e) => JSON.stringify(e).replace(UUID, '<id>')).sort();
  return JSON.stringify({ ...body, ...(errors ? { errors } : {}) }).replace(UUID, '<id>');
}

export type DifferentialResult = {
  operations: number;
  compiled: number;
  mismatches: { query: string; variables: unknown; compiled: string; resolvers: string }[];
};

/**
 * The compiled app and its reference (compiled reads off), each with its own response cache so a
 * hit in one never answers for the other; `cacheTtlMs: 0` runs both with the cache off.
 */
export function appPair(resources: Resources, cacheTtlMs?: number): { compiled: App; reference: App } {
  const make = (compiledReads: boolean) => {
    const responseCache = createResponseCache(createMemoryStore(), {
      log: resources.log,
      timeoutMs: resources.config.redis.timeoutMs,
      redisHealth: { skip: () => false, trouble: () => {} },
      maxTtlMs: 600_000,
    });
    const config = {
      ...resources.config,
      compiledReads,
      responseCache: { ttlMs: cacheTtlMs ?? resources.config.responseCache.ttlMs },
    };
    return createApp({ ...resources, config, responseCache });
  };
  return { compiled: make(true), reference: make(false) };
}

export async function runDifferential(
  h: Harness,
  setup: { tenant: Tenant; fixture: Fixture },
  options: { seed: number; operations: number; concurrency?: number; cacheTtlMs?: number },
): Promise<DifferentialResult> {
  const { compiled, reference } = appPair(h.resources, options.cacheTtlMs);
  const random = seededRandom(options.seed);
  const writeOnly = await setup.tenant.key(['write']);
  // Mostly a partner key; some signed-in users (scopes from their role) and keys without the read scope.
  const who = () => {
    const roll = random();
    return roll < 0.03 ? writeOnly : roll < 0.2 ? setup.tenant.memberToken : setup.tenant.partnerKey;
  };
  const ops = Array.from({ length: options.operations }, () => ({
    ...generateOperation(random, setup.fixture),
    auth: who(),
  }));
  const result: DifferentialResult = { operations: ops.length, compiled: 0, mismatches: [] };
  let next = 0;
  const worker = async () => {
    while (next < ops.length) {
      const op = ops[next++];
      const options = { variables: op.variables, auth: op.auth };
      const [fast, slow] = await Promise.all([gql(compiled, op.query, options), gql(reference, op.query, options)]);
      if (fast.headers.get('x-read-path') === 'compiled') result.compiled += 1;
      const a = `${fast.status} ${comparable(fast.body)}`;
      const b = `${slow.status} ${comparable(slow.body)}`;
      if (a !== b) result.mismatches.push({ query: op.query, variables: op.variables, compiled: a, resolvers: b });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 6 }, worker));
  return result;
}
