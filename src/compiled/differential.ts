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
import { seedCourse } from '../../seeds/courses.ts';
import type { Resources } from '../resources.ts';
import { gql, type Harness, type Tenant } from '../test/harness.ts';
import { generateOperation, type Fixture } from './generate.ts';

const LEAD_NAMES = [
  'Ana Orchard',
  'Ana Orchard',
  'Kowhai Fresh',
  `O'Brien "Q" \\ Ørchard 🍎`,
  'zeta_100% pure',
  'Rata',
];
const STATUSES = ['new', 'contacted', 'qualified', 'won', 'lost'];
const SOURCES = ['web', 'referral', 'event', 'partner', 'import', 'other'];
const SYNC_STATES = ['pending', 'synced', 'failed', 'skipped'];
const RUN_STATES = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'];
const KINDS = ['enrich', 'score', 'assign', 'notify', 'wait', 'branch'];
const EVENT_KINDS = ['created', 'updated', 'status_changed', 'crm_changed', 'workflow'];

/**
 * Leads (with CRM sync rows, history and workflow runs) and courses of one tenant, with ties on
 * every sort column, nulls, odd characters, runs without a current step and fractional progress.
 */
async function seedLeadsAndCourses(h: Harness, organizationId: number, n: number): Promise<void> {
  const sql = h.resources.sql;
  const leads: { id: number }[] = [];
  for (let i = 0; i < n; i++) {
    // Every seventh lead shares the created_at of the one before: ties broken by id.
    const minutes = (i - (i % 7 === 6 ? 1 : 0)) * 37;
    const [lead] = await sql<{ id: number }[]>`
      insert into leads (organization_id, name, email, phone, company, source, status, owner, score, version, created_at, updated_at)
      values (${organizationId}, ${LEAD_NAMES[i % LEAD_NAMES.length]}, ${`lead${i}.${organizationId}@example.org`},
        ${i % 3 ? `+64 21 555 ${1000 + i}` : null}, ${i % 4 ? `Company ${i % 5} Kowhai` : null},
        ${SOURCES[i % SOURCES.length]}, ${STATUSES[i % STATUSES.length]}, ${i % 3 === 0 ? null : i % 3 === 1 ? 'ana' : 'ben'},
        ${i % 5 ? i * 7 : null}, ${1 + (i % 4)},
        '2026-01-05T08:00:00.123Z'::timestamptz - make_interval(mins => ${minutes}),
        '2026-01-06T08:00:00Z'::timestamptz - make_interval(secs => ${i}))
      returning id`;
    leads.push(lead);
    if (i % 5 !== 4) {
      const state = SYNC_STATES[i % SYNC_STATES.length];
      await sql`
        insert into lead_crm_sync (lead_id, organization_id, connector, state, wanted_version, synced_version, attempts, next_attempt_at, last_error, synced_at)
        values (${lead.id}, ${organizationId}, 'builtin', ${state}, ${1 + (i % 4)}, ${state === 'synced' ? 1 + (i % 4) : null},
          ${i % 3}, '2026-01-07T00:00:00Z', ${state === 'failed' ? `HTTP 500 "boom" \\ ${i}` : null},
          ${state === 'synced' ? '2026-01-06T10:00:00.5Z' : null})`;
    }
    for (let e = 0; e < i % 4; e++) {
      const kind = EVENT_KINDS[(i + e) % EVENT_KINDS.length];
      await sql`
        insert into lead_events (organization_id, lead_id, kind, from_status, to_status, changes, note, actor_kind, actor_id, recorded_at)
        values (${organizationId}, ${lead.id}, ${kind}, ${kind === 'status_changed' ? 'new' : null},
          ${kind === 'status_changed' || kind === 'created' ? 'contacted' : null},
          ${JSON.stringify(kind === 'updated' ? { company: { from: null, to: 'X' }, owner: { from: 'a', to: 'b' } } : {})}::jsonb,
          ${e % 2 ? `note ${e} 'n'` : null}, ${e % 2 ? 'system' : 'api_key'}, ${e % 2 ? null : 1},
          '2026-01-05T09:00:00Z'::timestamptz + make_interval(mins => ${e === 2 ? 1 : e}))`;
    }
  }
  const steps = (k: number) => Array.from({ length: k }, (_, j) => ({ key: `s${j}`, kind: KINDS[j % KINDS.length] }));
  const definitions: { id: number; stepCount: number }[] = [];
  for (const [name, version, k] of [
    ['onboarding', 1, 3],
    ['onboarding', 2, 0],
    [`nurture "q" ø`, 1, 6],
  ] as const) {
    const [d] = await sql<{ id: number }[]>`
      insert into workflow_definitions (organization_id, name, version, steps)
      values (${organizationId}, ${name}, ${version}, ${JSON.stringify(steps(k))}::jsonb) returning id`;
    definitions.push({ id: d.id, stepCount: k });
  }
  for (let i = 0; i < leads.length; i++) {
    for (let r = 0; r < (i * 3) % 4; r++) {
      const d = definitions[(i + r) % definitions.length];
      const status = RUN_STATES[(i + r) % RUN_STATES.length];
      const done = d.stepCount === 0 ? 0 : (i + r) % (d.stepCount + 1);
      const current =
        status === 'completed' || d.stepCount === 0 || done >= d.stepCount ? null : steps(d.stepCount)[done];
      await sql`
        insert into workflow_runs (organization_id, definition_id, lead_id, status, current_step, current_step_key, current_step_kind,
          step_count, completed_steps, error, resume_at, created_at, started_at, finished_at)
        values (${organizationId}, ${d.id}, ${leads[i].id}, ${status}, ${done}, ${current?.key ?? null},
          ${r === 2 ? null : (current?.kind ?? null)}, ${d.stepCount}, ${done},
          ${status === 'failed' ? `step "s${done}" failed` : null}, ${status === 'waiting' ? '2026-02-01T00:00:00Z' : null},
          '2026-01-05T10:00:00Z'::timestamptz + make_interval(secs => ${r === 1 ? 0 : i + r}),
          ${status === 'queued' ? null : '2026-01-05T10:00:01.001Z'}, ${status === 'completed' ? '2026-01-05T10:00:02Z' : null})`;
    }
  }
  const courseSpec = { audience: 'orchard hands', level: 'beginner' as const, lessonWords: 30 };
  for (let i = 0; i < 6; i++)
    await seedCourse(
      h.resources.db,
      organizationId,
      { ...courseSpec, topic: `Topic ${i} ${organizationId}`, modules: i % 4, lessonsPerModule: 1 + (i % 3) },
      {
        status: (['draft', 'review', 'published', 'archived'] as const)[i % 4],
        authors: i % 2 ? [`Ana "A"`, 'Ben'] : [],
        title: i === 5 ? `Ørchard 'pruning' \\ 101` : undefined,
      },
    );
  // Ties on updated_at, a lesson without a level, prerequisites.
  await sql`update courses set updated_at = '2026-01-05T00:00:00Z', declared_minutes = case when id % 2 = 0 then 90 end
    where organization_id = ${organizationId} and id % 3 <> 0`;
  await sql`update course_lessons set level = null, prerequisites = array['Basics', 'Ladder "safety"']
    where organization_id = ${organizationId} and id % 2 = 0`;
}

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
  const oddBatches = [
    { code: 'ODD-B1', fruitType: 'pear', grossWeightKg: '1.5' },
    { code: "ODD-B2 'x'", fruitType: 'berry', grossWeightKg: '1000000.125', netWeightKg: '0' },
  ] as const;
  for (const batch of oddBatches) {
    const dates = { harvestDate: '2024-03-01', intakeDate: '2024-03-02' };
    await createBatch(db, org, { ...batch, ...dates, growerId: odd[2].id, packhouseId: bare.id });
  }
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
  await seedLeadsAndCourses(h, a.organizationId, 36);
  await seedLeadsAndCourses(h, b.organizationId, 6);
  const sql = h.resources.sql;
  const rows = <T>(table: string, columns: string, orgId: number) =>
    sql.unsafe<T[]>(`select ${columns} from ${table} where organization_id = $1 order by id`, [orgId]);
  // Sort values as the resolvers' rows hold them (timestamps as PostgreSQL's text), for cursors.
  const more = {
    leads: await rows<Fixture['leads'][number]>(
      'leads',
      'id, name, created_at::text as "createdAt", company, owner',
      org,
    ),
    events: await rows<Fixture['events'][number]>('lead_events', 'id, recorded_at::text as "recordedAt"', org),
    runs: await rows<Fixture['runs'][number]>('workflow_runs', 'id, created_at::text as "createdAt"', org),
    definitions: await rows<Fixture['definitions'][number]>('workflow_definitions', 'id, name', org),
    courses: await rows<Fixture['courses'][number]>('courses', 'id, updated_at::text as "updatedAt"', org),
    modules: await rows<Fixture['modules'][number]>('course_modules', 'id, position', org),
    lessons: await rows<Fixture['lessons'][number]>('course_lessons', 'id, position', org),
  };
  const firstOf = async (table: string) => (await rows<{ id: number }>(table, 'id', b.organizationId))[0].id;
  const foreignMore = {
    lead: await firstOf('leads'),
    event: await firstOf('lead_events'),
    run: await firstOf('workflow_runs'),
    definition: await firstOf('workflow_definitions'),
    course: await firstOf('courses'),
    module: await firstOf('course_modules'),
    lesson: await firstOf('course_lessons'),
  };
  return {
    tenant: a,
    fixture: { batches, growers, packhouses, ...more, foreign: { ...foreign, ...foreignMore } },
  };
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
