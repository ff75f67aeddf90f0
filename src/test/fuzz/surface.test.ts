// The HTTP surface fuzzer in the suite: a fixed seed and FUZZ_RUNS cases (2,000 by default) through
// app.fetch; `npm run fuzz -- --duration 600` runs new seeds for as long as it is told
// (src/test/fuzz/cli.ts). See src/test/fuzz/surface.ts for what is generated and what must hold.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedCards } from '../../../seeds/cards.ts';
import { seedPackhouse } from '../../../seeds/packhouse.ts';
import { encodeGlobalId } from '../../lib/global-id.ts';
import { createApiKey, createUser } from '../../modules/identity/service.ts';
import { schema } from '../../schema/index.ts';
import { customerInputs } from '../recommendations.ts';
import { startHarness, TEST_JWT_SECRET, type Harness, type Tenant } from '../harness.ts';
import { fuzzCases, runCases, served, summarize, type Finding, type IdPool } from './surface.ts';

let h: Harness;
let a: Tenant;
let ids: IdPool;
let secrets: string[];

const SEED = Number(process.env.FUZZ_SEED ?? 15);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const DURATION_MS = Number(process.env.FUZZ_DURATION_MS ?? 0);

beforeAll(async () => {
  h = await startHarness();
  a = await h.tenant('fuzz-a');
  const b = await h.tenant('fuzz-b');
  await seedPackhouse(h.resources, a.organizationId, { growers: 5, packhouses: 2, batches: 30, quiet: true });
  await seedPackhouse(h.resources, b.organizationId, { growers: 3, packhouses: 1, batches: 10, seed: 7, quiet: true });
  await seedCards(h.resources.db, a.organizationId);
  await h.gql(
    `mutation($input: SubmitRecommendationJobInput!) { submitRecommendationJob(input: $input) { __typename } }`,
    {
      auth: a.partnerKey,
      variables: { input: { customers: customerInputs(3) } },
    },
  );
  // The fuzzer may revoke keys and disable users: only spares of the fuzzing tenant are in its pool,
  // so its own credentials keep working and later cases still reach the resolvers.
  const spareKey = await createApiKey(h.resources.db, a.organizationId, { name: 'spare', scopes: ['read'] });
  const spareUser = await createUser(h.resources.db, {
    organizationId: a.organizationId,
    email: `spare@${a.slug}.example`,
    name: 'Spare',
    password: 'correct horse battery staple',
    role: 'member',
  });
  const { sql } = h.resources;
  const rows = await sql<{ t: string; id: number }[]>`
    select 'Grower' as t, id from growers union all select 'Packhouse', id from packhouses
    union all (select 'Batch', id from batches order by id limit 20)
    union all select 'User', id from users where organization_id <> ${a.organizationId} or id = ${spareUser.id}
    union all select 'ApiKey', id from api_keys where organization_id <> ${a.organizationId} or id = ${spareKey.record.id} union all select 'Card', id from cards where organization_id = ${a.organizationId}
    union all select 'RecommendationJob', id from recommendation_jobs union all select 'Organization', id from organizations`;
  ids = [
    ...rows.map((r) => encodeGlobalId(r.t, r.id)),
    encodeGlobalId('Batch', 0),
    encodeGlobalId('Grower', '2147483648'),
    encodeGlobalId('Batch', '999999999999'),
    encodeGlobalId('Nope', 1),
    'not-an-id',
    '',
  ];
  const hashes = await sql<
    { h: string }[]
  >`select secret_hash as h from api_keys union all select password_hash from users`;
  secrets = [TEST_JWT_SECRET, ...hashes.map((r) => r.h)];
});
afterAll(() => h?.close());

it(
  'no answer of the HTTP surface is a 5xx, a masked internal error, slow, or leaks SQL, stacks, paths or secrets',
  async () => {
    const arbitrary = fuzzCases(schema, ids, {
      internal: a.internalKey,
      partner: a.partnerKey,
      read: a.readKey,
      adminToken: a.adminToken,
      memberToken: a.memberToken,
    });
    const fetcher = (path: string, init: RequestInit) =>
      Promise.resolve(h.app.fetch(new Request(`http://test${path}`, init)));
    const started = performance.now();
    const findings: Finding[] = [];
    let cases = 0;
    let seed = SEED;
    do {
      const batch = fc.sample(arbitrary, { seed, numRuns: DURATION_MS ? 500 : RUNS });
      findings.push(...(await runCases(fetcher, batch, secrets)));
      cases += batch.length;
      seed++;
    } while (DURATION_MS && performance.now() - started < DURATION_MS);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `fuzz: ${cases} cases over ${Object.keys(schema.getQueryType()!.getFields()).length + Object.keys(schema.getMutationType()!.getFields()).length} root fields and every route, seeds ${SEED}-${seed - 1}, ${seconds} s, ${served.count} served with data, ${findings.length} findings`,
    );
    if (findings.length) console.log(`fuzz findings:\n${summarize(findings)}`);
    expect(findings.length, summarize(findings)).toBe(0);
    // The generators reach real resolvers, not only refusals.
    expect(served.count).toBeGreaterThan(cases * 0.05);
  },
  30 * 60_000,
);
