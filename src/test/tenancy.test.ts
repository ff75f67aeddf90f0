// Two organizations; every root query and mutation is tried from one against the other's data.
// Nothing of the other tenant may be returned or changed: its ids behave as if they did not exist.
// The last test fails when a root field is added to the schema without a case here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { seedPackhouseOperations } from '../../seeds/packhouse-operations.ts';
import { seedCards } from '../../seeds/cards.ts';
import { seedCourse } from '../../seeds/courses.ts';
import { customerInputs } from './recommendations.ts';
import { schema } from '../schema/index.ts';
import { encodeGlobalId } from '../lib/global-id.ts';
import { gql, startHarness, withoutCost, type Harness, type Tenant } from './harness.ts';
import { appPair } from '../compiled/differential.ts';
import { createLead } from '../modules/leads/service.ts';
import { cancelRun, saveDefinition, startWorkflow } from '../modules/workflows/service.ts';

let h: Harness;
let a: Tenant;
let b: Tenant;
const covered = new Set<string>();

/** Everything tenant-owned of one organization, to prove it did not change. */
async function snapshot(organizationId: number) {
  const { sql } = h.resources;
  const rows = {
    growers: sql`select * from growers where organization_id = ${organizationId} order by id`,
    packhouses: sql`select * from packhouses where organization_id = ${organizationId} order by id`,
    batches: sql`select * from batches where organization_id = ${organizationId} order by id`,
    keys: sql`select id, name, revoked_at from api_keys where organization_id = ${organizationId} order by id`,
    events: sql`select * from batch_events where organization_id = ${organizationId} order by id`,
    payments: sql`select * from grower_payments where organization_id = ${organizationId} order by id`,
    prices: sql`select * from fruit_prices where organization_id = ${organizationId} order by id`,
    cards: sql`select c.*, (select json_agg(r order by r.category) from card_reward_rates r where r.card_id = c.id) as rates from cards c where organization_id = ${organizationId} order by id`,
    jobs: sql`select * from recommendation_jobs where organization_id = ${organizationId} order by id`,
    courses: sql`select * from courses where organization_id = ${organizationId} order by id`,
    modules: sql`select * from course_modules where organization_id = ${organizationId} order by id`,
    lessons: sql`select * from course_lessons where organization_id = ${organizationId} order by id`,
    generations: sql`select * from course_generations where organization_id = ${organizationId} order by id`,
    leads: sql`select json_build_object(
          'leads', (select json_agg(l order by l.id) from leads l where l.organization_id = ${organizationId}),
          'events', (select json_agg(e order by e.id) from lead_events e where e.organization_id = ${organizationId}),
          'sync', (select json_agg(s order by s.lead_id) from lead_crm_sync s where s.organization_id = ${organizationId}),
          'definitions', (select json_agg(d order by d.id) from workflow_definitions d where d.organization_id = ${organizationId}),
          'runs', (select json_agg(r order by r.id) from workflow_runs r where r.organization_id = ${organizationId}),
          'steps', (select json_agg(st order by st.id) from workflow_steps st where st.organization_id = ${organizationId}),
          'crm', (select json_agg(c) from crm_settings c where c.organization_id = ${organizationId})) as v`,
  };
  const values = await Promise.all(Object.values(rows));
  return JSON.stringify(Object.fromEntries(Object.keys(rows).map((name, i) => [name, values[i]])));
}

async function idsOf(organizationId: number) {
  const { sql } = h.resources;
  /** The first row of the organization in a table, by id. */
  const first = async (table: string) => {
    const [row] = await sql<
      { id: number }[]
    >`select id from ${sql(table)} where organization_id = ${organizationId} order by id limit 1`;
    return row;
  };
  const g = await first('growers');
  const p = await first('packhouses');
  const bt = await first('batches');
  const k = await first('api_keys');
  const u = await first('users');
  const c = await first('cards');
  const j = await first('recommendation_jobs');
  const co = await first('courses');
  const mo = await first('course_modules');
  const le = await first('course_lessons');
  const ge = await first('course_generations');
  const l = await first('leads');
  const lev = await first('lead_events');
  const wd = await first('workflow_definitions');
  const wr = await first('workflow_runs');
  return {
    lead: encodeGlobalId('Lead', l.id),
    leadEvent: encodeGlobalId('LeadEvent', lev.id),
    definition: encodeGlobalId('WorkflowDefinition', wd.id),
    run: encodeGlobalId('WorkflowRun', wr.id),
    grower: encodeGlobalId('Grower', g.id),
    packhouse: encodeGlobalId('Packhouse', p.id),
    batch: encodeGlobalId('Batch', bt.id),
    apiKey: encodeGlobalId('ApiKey', k.id),
    user: encodeGlobalId('User', u.id),
    organization: encodeGlobalId('Organization', organizationId),
    card: encodeGlobalId('Card', c.id),
    job: encodeGlobalId('RecommendationJob', j.id),
    course: encodeGlobalId('Course', co.id),
    module: encodeGlobalId('CourseModule', mo.id),
    lesson: encodeGlobalId('CourseLesson', le.id),
    generation: encodeGlobalId('CourseGeneration', ge.id),
  };
}

/** Every table a global id of these tests can name, by typename. */
const TABLES: Record<string, string> = {
  Grower: 'growers',
  Packhouse: 'packhouses',
  Batch: 'batches',
  BatchEvent: 'batch_events',
  GrowerPayment: 'grower_payments',
  FruitPrice: 'fruit_prices',
  Card: 'cards',
  RecommendationJob: 'recommendation_jobs',
  Lead: 'leads',
  LeadEvent: 'lead_events',
  WorkflowRun: 'workflow_runs',
  WorkflowDefinition: 'workflow_definitions',
  Course: 'courses',
  CourseModule: 'course_modules',
  CourseLesson: 'course_lessons',
  CourseGeneration: 'course_generations',
};

/** The distinct global ids anywhere in a response's data. */
function idsIn(data: unknown): Set<string> {
  return new Set(
    JSON.stringify(data)
      .match(/"id":"[^"]+"/g)!
      .map((m) => m.slice(6, -1)),
  );
}

/** What tenant b's SSE subscription to `field(id)` { status } receives, to its end. */
async function followAsB(field: string, id: string): Promise<string> {
  const sse = await h.subscribe(`subscription($id: ID!) { ${field}(id: $id) { status } }`, {
    auth: b.partnerKey,
    variables: { id },
  });
  return sse.text();
}

/** Each id names a row of the organization. */
async function expectOwnedBy(ids: Set<string>, organizationId: number) {
  const { sql } = h.resources;
  for (const id of ids) {
    const [typename, local] = Buffer.from(id, 'base64url').toString().split(':');
    const [row] = await sql`select organization_id from ${sql(TABLES[typename])} where id = ${Number(local)}`;
    expect(row.organization_id, id).toBe(organizationId);
  }
}

beforeAll(async () => {
  h = await startHarness();
  a = await h.tenant('alpha');
  b = await h.tenant('bravo');
  await seedPackhouse(h.resources, a.organizationId, { growers: 10, packhouses: 3, batches: 200, quiet: true });
  await seedPackhouse(h.resources, b.organizationId, {
    growers: 10,
    packhouses: 3,
    batches: 200,
    seed: 7,
    quiet: true,
  });
  await seedPackhouseOperations(h.resources, a.organizationId, { growers: 10, payments: 100, quiet: true });
  await seedPackhouseOperations(h.resources, b.organizationId, { growers: 10, payments: 100, seed: 7, quiet: true });
  await h.gql(`mutation { refreshDailyIntake { refreshedAt } }`, { auth: a.adminToken });
  for (const t of [a, b]) {
    const lead = await createLead(
      h.resources.db,
      t.organizationId,
      { name: `Lead of ${t.slug}`, email: `lead@${t.slug}.example.org` },
      { connector: 'builtin' },
    );
    const definition = await saveDefinition(h.resources.db, t.organizationId, 'tenancy', [
      { key: 'score', kind: 'score' },
    ]);
    // Runs stay queued: no worker runs in this file.
    const [run] = await startWorkflow({ db: h.resources.db, jobs: h.resources.jobs }, t.organizationId, definition.id, [
      lead.id,
    ]);
    await cancelRun(h.resources.db, t.organizationId, run.id);
    await seedCards(h.resources.db, t.organizationId);
    // Jobs stay queued: no worker runs in this file.
    await h.gql(
      `mutation($input: SubmitRecommendationJobInput!) { submitRecommendationJob(input: $input) { __typename } }`,
      {
        auth: t.partnerKey,
        variables: { input: { customers: customerInputs(3, t === a ? 0 : 100) } },
      },
    );
    await seedCourse(h.resources.db, t.organizationId, {
      topic: `Course of ${t.slug}`,
      audience: 'staff',
      level: 'beginner',
      modules: 2,
      lessonsPerModule: 2,
      lessonWords: 60,
    });
    // Generations stay queued: no worker runs in this file.
    await h.gql(
      `mutation { generateCourse(input: { topic: "Queued", modules: 1, lessonsPerModule: 1 }) { __typename } }`,
      { auth: t.partnerKey },
    );
  }
});
afterAll(() => h?.close());

describe('reads never return another tenant’s rows', () => {
  it('lists and nested lists hold only the caller’s rows', async () => {
    covered.add('Query.growers').add('Query.packhouses').add('Query.batches');
    const r = await h.gql(
      `{ growers(first: 20) { edges { node { id batches(first: 50) { edges { node { id grower { id } packhouse { id } } } } } } }
         packhouses(first: 10) { edges { node { id batches(first: 100) { edges { node { id } } } } } }
         batches(first: 500) { edges { node { id grower { id } packhouse { id } } } } }`,
      { auth: b.internalKey },
    );
    expect(r.body.errors).toBeUndefined();
    await expectOwnedBy(idsIn(r.body.data), b.organizationId);
  });

  it('payments, prices, history, reconciliation and daily intake hold only the caller’s rows', async () => {
    covered.add('Query.payments').add('Query.fruitPrices').add('Query.reconciliation').add('Query.dailyIntake');
    const r = await h.gql(
      `{ payments(first: 500) { edges { node { id grower { id } } } }
         fruitPrices(first: 100) { edges { node { id } } }
         reconciliation(from: "2024-01-01", to: "2025-12-31", currency: "NZD", first: 100) { edges { node { grower { id } } } }
         dailyIntake(first: 500) { edges { node { grower { id } } } }
         growers(first: 20) { edges { node { payments(first: 50) { edges { node { id } } } } } }
         batches(first: 100) { edges { node { history(first: 10) { edges { node { id batch { id } } } } } } } }`,
      { auth: b.internalKey },
    );
    expect(r.body.errors).toBeUndefined();
    for (const list of ['payments', 'fruitPrices', 'reconciliation', 'dailyIntake'])
      expect(r.body.data[list].edges.length, list).toBeGreaterThan(0);
    await expectOwnedBy(idsIn(r.body.data), b.organizationId);
    const other = await idsOf(a.organizationId);
    const filtered = await h.gql(
      `query($g: ID!) { payments(filter: { grower: $g }) { edges { node { id } } } dailyIntake(grower: $g) { edges { node { day } } } }`,
      { auth: b.partnerKey, variables: { g: other.grower } },
    );
    expect(filtered.body.data).toEqual({ payments: { edges: [] }, dailyIntake: { edges: [] } });
  });

  it('node and nodes with the other tenant’s ids return null', async () => {
    covered.add('Query.node').add('Query.nodes');
    const other = await idsOf(a.organizationId);
    for (const id of Object.values(other)) {
      const r = await h.gql(`query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }`, {
        auth: b.internalKey,
        variables: { id },
      });
      expect(r.body.data, id).toEqual({ node: null, nodes: [null] });
    }
  });

  it('well-formed ids that cannot exist (zero, beyond int4) load as null, not as an error', async () => {
    for (const local of ['0', '2147483648']) {
      for (const typename of ['Batch', 'Grower', 'Packhouse']) {
        const id = encodeGlobalId(typename, local);
        const r = await h.gql(`query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }`, {
          auth: b.internalKey,
          variables: { id },
        });
        expect(r.body.errors, `${typename}:${local}`).toBeUndefined();
        expect(r.body.data, `${typename}:${local}`).toEqual({ node: null, nodes: [null] });
      }
    }
  });

  it('filters by the other tenant’s grower or packhouse find nothing', async () => {
    const other = await idsOf(a.organizationId);
    const r = await h.gql(
      `query($g: ID!, $p: ID!) { g: batches(filter: { grower: $g }) { edges { node { id } } } p: batches(filter: { packhouse: $p }) { edges { node { id } } } }`,
      { auth: b.partnerKey, variables: { g: other.grower, p: other.packhouse } },
    );
    expect(r.body.data).toEqual({ g: { edges: [] }, p: { edges: [] } });
  });

  it('cards and recommendation jobs hold only the caller’s rows', async () => {
    covered.add('Query.cards').add('Query.recommendationJobs').add('Query.recommendationJob');
    const r = await h.gql(
      `{ cards(first: 100) { edges { node { id } } } recommendationJobs(first: 50) { edges { node { id results(first: 10) { edges { node { customerRef } } } } } } }`,
      { auth: b.internalKey },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.cards.edges.length).toBeGreaterThan(0);
    expect(r.body.data.recommendationJobs.edges.length).toBeGreaterThan(0);
    await expectOwnedBy(idsIn(r.body.data), b.organizationId);
    const other = await idsOf(a.organizationId);
    const job = await h.gql(`query($id: ID!) { recommendationJob(id: $id) { id } }`, {
      auth: b.internalKey,
      variables: { id: other.job },
    });
    expect(job.body.data.recommendationJob).toBeNull();
    const file = await h.fetch(`/jobs/${other.job}/results.csv`, {
      headers: { authorization: `Bearer ${b.internalKey}` },
    });
    expect(file.status).toBe(404);
  });

  it('leads, their history and runs, workflow runs and definitions hold only the caller’s rows', async () => {
    covered
      .add('Query.lead')
      .add('Query.leads')
      .add('Query.crmSyncFailures')
      .add('Query.workflowRun')
      .add('Query.workflowRuns')
      .add('Query.workflowDefinitions');
    const r = await h.gql(
      `{ leads(first: 100) { edges { node { id history(first: 10) { edges { node { id lead { id } } } } workflowRuns(first: 10) { edges { node { id lead { id } definition { id } } } } } } }
         crmSyncFailures(first: 10) { edges { node { id } } }
         workflowRuns(first: 100) { edges { node { id lead { id } } } }
         workflowDefinitions(first: 100) { edges { node { id } } } }`,
      { auth: b.internalKey },
    );
    expect(r.body.errors).toBeUndefined();
    for (const list of ['leads', 'workflowRuns', 'workflowDefinitions'])
      expect(r.body.data[list].edges.length, list).toBeGreaterThan(0);
    await expectOwnedBy(idsIn(r.body.data), b.organizationId);
    const other = await idsOf(a.organizationId);
    const direct = await h.gql(`query($l: ID!, $r: ID!) { lead(id: $l) { id } workflowRun(id: $r) { id } }`, {
      auth: b.internalKey,
      variables: { l: other.lead, r: other.run },
    });
    expect(direct.body.data).toEqual({ lead: null, workflowRun: null });
  });

  it('viewer and apiKeys show only the caller’s organization', async () => {
    covered.add('Query.viewer').add('Query.apiKeys');
    const r = await h.gql(
      `{ viewer { organization { id slug } } apiKeys(first: 100) { edges { node { id name } } } }`,
      {
        auth: b.adminToken,
      },
    );
    expect(r.body.data.viewer.organization.slug).toBe(b.slug);
    const [{ n }] = await h.resources
      .sql`select count(*)::int as n from api_keys where organization_id = ${b.organizationId}`;
    expect(r.body.data.apiKeys.edges).toHaveLength(n);
  });
});

describe('courses', () => {
  it('course lists, nested modules and lessons, generations and quality hold only the caller’s rows', async () => {
    covered
      .add('Query.courses')
      .add('Query.course')
      .add('Query.courseGeneration')
      .add('Query.courseGenerations')
      .add('Query.courseQuality');
    const mine = await h.gql(
      `{ courses(first: 10) { edges { node { id modules(first: 5) { edges { node { id course { id } lessons(first: 5) { edges { node { id module { id } course { id } } } } } } } } } }
         courseGenerations(first: 50) { edges { node { id course { id } } } } }`,
      { auth: b.partnerKey },
    );
    expect(mine.body.errors).toBeUndefined();
    const ids = idsIn(mine.body.data);
    expect(ids.size).toBeGreaterThan(8);
    await expectOwnedBy(ids, b.organizationId);
    const other = await idsOf(a.organizationId);
    const theirs = await h.gql(
      `query($c: ID!, $g: ID!) { course(id: $c) { id } courseGeneration(id: $g) { id } courseQuality(id: $c) { score } }`,
      { auth: b.partnerKey, variables: { c: other.course, g: other.generation } },
    );
    expect(theirs.body.data).toEqual({ course: null, courseGeneration: null, courseQuality: null });
  });

  it('another tenant’s course cannot be downloaded or followed', async () => {
    covered.add('Subscription.courseGenerationProgress');
    const other = await idsOf(a.organizationId);
    for (const format of ['json', 'md', 'zip', 'scorm12.zip', 'imscc']) {
      const r = await h.fetch(`/courses/${other.course}/export.${format}`, {
        headers: { authorization: `Bearer ${b.partnerKey}` },
      });
      expect(r.status, format).toBe(404);
    }
    const text = await followAsB('courseGenerationProgress', other.generation);
    expect(text).toContain('No course generation with this id exists in your organization');
    expect(text).not.toContain('QUEUED');
  });

  it('another tenant’s workflow run cannot be followed', async () => {
    covered.add('Subscription.workflowRunProgress');
    const other = await idsOf(a.organizationId);
    const text = await followAsB('workflowRunProgress', other.run);
    expect(text).toContain('No workflow run with this id exists in your organization');
    expect(text).not.toContain('"status"');
  });
});

describe('the compiled read path', () => {
  it('another tenant’s leads, runs, courses, modules and lessons read as null by node, nodes and lookups, as through the resolvers', async () => {
    const other = await idsOf(a.organizationId);
    const own = await idsOf(b.organizationId);
    const query = `query($l: ID!, $r: ID!, $c: ID!, $ids: [ID!]!) {
      lead(id: $l) { id name crmSync { state } workflowRuns(first: 3) { edges { node { id } } } }
      workflowRun(id: $r) { id status lead { id } }
      course(id: $c) { id title modules(first: 3) { edges { node { id lessons(first: 3) { edges { node { id } } } } } } }
      node(id: $l) { id ... on Lead { email } }
      nodes(ids: $ids) { id __typename ... on Course { title } ... on CourseLesson { title body } ... on LeadEvent { kind } }
    }`;
    const foreign = {
      l: other.lead,
      r: other.run,
      c: other.course,
      ids: [other.lead, other.leadEvent, other.definition, other.course, other.module, other.lesson, own.lead],
    };
    const fast = await h.gql(query, { auth: b.partnerKey, variables: foreign });
    const slow = await gql(appPair(h.resources, 0).reference, query, { auth: b.partnerKey, variables: foreign });
    expect(fast.body.errors).toBeUndefined();
    expect(fast.headers.get('x-read-path')).toBe('compiled');
    expect(slow.headers.get('x-read-path')).toBe('resolvers');
    expect(fast.body.data).toMatchObject({ lead: null, workflowRun: null, course: null, node: null });
    expect(fast.body.data.nodes.slice(0, 6)).toEqual([null, null, null, null, null, null]);
    expect(fast.body.data.nodes[6]).toMatchObject({ id: own.lead, __typename: 'Lead' });
    expect(JSON.stringify(withoutCost(fast.body))).toBe(JSON.stringify(withoutCost(slow.body)));
  });
});

describe('persisted operations', () => {
  it('an organization’s registered operations are invisible to the other, by list, node or hash', async () => {
    covered.add('Query.persistedOperations').add('Mutation.registerPersistedOperations');
    const document = 'query TenancyGrowers { growers(first: 1) { edges { node { id } } } }';
    const register = `mutation($d: String!) { registerPersistedOperations(input: { manifest: "tenancy", documents: [$d] }) { __typename } }`;
    const list = '{ persistedOperations(manifest: "tenancy") { edges { node { id hash } } } }';
    const reg = await h.gql(register, { auth: a.adminToken, variables: { d: document } });
    expect(reg.body.data.registerPersistedOperations.__typename).toBe('MutationRegisterPersistedOperationsSuccess');
    const own = (await h.gql(list, { auth: a.adminToken })).body.data.persistedOperations.edges;
    expect(own).toHaveLength(1);
    expect((await h.gql(list, { auth: b.adminToken })).body.data.persistedOperations.edges).toEqual([]);
    const node = await h.gql('query($id: ID!) { node(id: $id) { id } }', {
      auth: b.internalKey,
      variables: { id: own[0].node.id },
    });
    expect(node.body.data.node).toBeNull();
    const key = await b.key(['read'], { persistedOnly: true, manifest: 'tenancy' });
    const byHash = await h.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: own[0].node.hash } } }),
    });
    expect((await byHash.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('writes never touch another tenant’s rows', () => {
  type Ids = Awaited<ReturnType<typeof idsOf>>;
  type Case = [string, (o: Ids, own: Ids) => [string, Record<string, unknown>]];
  /** `name(arg: <the other tenant's id of that kind>, more)`. */
  const byOtherId = (name: string, kind: keyof Ids, more = '', arg = 'id'): Case => [
    name,
    (o) => [`mutation($id: ID!) { ${name}(${arg}: $id${more && `, ${more}`}) { __typename } }`, { id: o[kind] }],
  ];
  const mutations: Case[] = [
    byOtherId('updateGrower', 'grower', 'input: { name: "x" }'),
    byOtherId('updatePackhouse', 'packhouse', 'input: { name: "x" }'),
    byOtherId('updateBatch', 'batch', 'input: { grossWeightKg: "1" }'),
    byOtherId('changeBatchStatus', 'batch', 'status: REJECTED'),
    byOtherId('revokeApiKey', 'apiKey'),
    byOtherId('setUserDisabled', 'user', 'disabled: true'),
    [
      'createBatch',
      (o, own) => [
        `mutation($g: ID!, $p: ID!) { createBatch(input: { code: "X-1", grower: $g, packhouse: $p, fruitType: APPLE, harvestDate: "2025-01-01", intakeDate: "2025-01-02", grossWeightKg: "10" }) { __typename } }`,
        { g: o.grower, p: own.packhouse },
      ],
    ],
    [
      'updateBatch',
      (o, own) => [
        `mutation($id: ID!, $g: ID!) { updateBatch(id: $id, input: { grower: $g }) { __typename } }`,
        { id: own.batch, g: o.grower },
      ],
    ],
    byOtherId('updateCard', 'card', 'input: { annualFee: "1.00" }'),
    byOtherId('updateCourse', 'course', 'input: { title: "x" }'),
    byOtherId('changeCourseStatus', 'course', 'status: REVIEW'),
    byOtherId('addCourseModule', 'course', 'input: { title: "x" }', 'courseId'),
    byOtherId('updateCourseModule', 'module', 'input: { title: "x" }'),
    byOtherId('addCourseLesson', 'module', 'input: { title: "x" }', 'moduleId'),
    byOtherId('updateCourseLesson', 'lesson', 'input: { body: "x" }'),
    [
      'reorderCourseModules',
      (o) => [
        `mutation($id: ID!, $m: ID!) { reorderCourseModules(courseId: $id, moduleIds: [$m]) { __typename } }`,
        { id: o.course, m: o.module },
      ],
    ],
    [
      'reorderCourseLessons',
      (o) => [
        `mutation($id: ID!, $l: ID!) { reorderCourseLessons(moduleId: $id, lessonIds: [$l]) { __typename } }`,
        { id: o.module, l: o.lesson },
      ],
    ],
    byOtherId('regenerateCourseModule', 'module'),
    byOtherId('regenerateCourseLesson', 'lesson'),
    byOtherId('exportCourse', 'course'),
    byOtherId('updateLead', 'lead', 'input: { owner: "x" }'),
    byOtherId('changeLeadStatus', 'lead', 'status: CONTACTED'),
    byOtherId('retryCrmSync', 'lead'),
    byOtherId('skipCrmSync', 'lead'),
    [
      'startWorkflow',
      (o, own) => [
        `mutation($d: ID!, $l: ID!) { startWorkflow(definition: $d, leads: [$l]) { __typename } }`,
        { d: own.definition, l: o.lead },
      ],
    ],
    [
      'startWorkflow',
      (o, own) => [
        `mutation($d: ID!, $l: ID!) { startWorkflow(definition: $d, leads: [$l]) { __typename } }`,
        { d: o.definition, l: own.lead },
      ],
    ],
    byOtherId('cancelWorkflowRun', 'run'),
    byOtherId('rerunWorkflowRun', 'run', 'fromStep: "score"'),
    byOtherId('cancelRecommendationJob', 'job'),
    byOtherId('retryFailedRecommendations', 'job'),
    [
      'recordGrowerPayment',
      (o) => [
        `mutation($g: ID!) { recordGrowerPayment(input: { grower: $g, amount: "10.00", currency: "NZD", paidOn: "2025-01-01", reference: "X-1" }) { __typename } }`,
        { g: o.grower },
      ],
    ],
  ];

  it('each mutation on the other tenant’s ids answers NotFoundError and changes nothing', async () => {
    const before = await snapshot(a.organizationId);
    const other = await idsOf(a.organizationId);
    const own = await idsOf(b.organizationId);
    const ownBefore = await snapshot(b.organizationId);
    for (const [name, make] of mutations) {
      covered.add(`Mutation.${name}`);
      const [query, variables] = make(other, own);
      const r = await h.gql(query, { auth: b.adminToken, variables });
      expect(r.body.data?.[name]?.__typename, name).toBe('NotFoundError');
    }
    expect(await snapshot(a.organizationId)).toBe(before);
    expect(await snapshot(b.organizationId)).toBe(ownBefore);
  });

  it('creates land in the caller’s organization only', async () => {
    covered
      .add('Mutation.createGrower')
      .add('Mutation.createPackhouse')
      .add('Mutation.createBatch')
      .add('Mutation.setFruitPrice');
    covered.add('Mutation.refreshDailyIntake').add('Mutation.createCard').add('Mutation.submitRecommendationJob');
    covered.add('Mutation.createCourse').add('Mutation.generateCourse');
    const course = await h.gql(`mutation { createCourse(input: { title: "B only" }) { __typename } }`, {
      auth: b.partnerKey,
    });
    const generation = await h.gql(
      `mutation { generateCourse(input: { topic: "B topic", modules: 1, lessonsPerModule: 1 }) { __typename } }`,
      { auth: b.partnerKey },
    );
    expect([course.body.data.createCourse.__typename, generation.body.data.generateCourse.__typename]).toEqual([
      'MutationCreateCourseSuccess',
      'MutationGenerateCourseSuccess',
    ]);
    covered.add('Mutation.createLead').add('Mutation.saveWorkflowDefinition').add('Mutation.rotateCrmWebhookSecret');
    const before = await snapshot(a.organizationId);
    const lead = await h.gql(
      `mutation { createLead(input: { name: "B lead", email: "lead@${a.slug}.example.org" }) { __typename } }`,
      { auth: b.partnerKey },
    );
    const def = await h.gql(
      `mutation { saveWorkflowDefinition(input: { name: "tenancy", steps: [{ key: "s", kind: "score" }] }) { __typename ... on MutationSaveWorkflowDefinitionSuccess { data { version } } } }`,
      { auth: b.partnerKey },
    );
    const secret = await h.gql(`mutation { rotateCrmWebhookSecret { secret } }`, { auth: b.adminToken });
    // The same e-mail as a lead of A is no duplicate in B; B's own definition gets its next version.
    expect([lead.body.data.createLead.__typename, def.body.data.saveWorkflowDefinition.data.version]).toEqual([
      'MutationCreateLeadSuccess',
      2,
    ]);
    expect(secret.body.data.rotateCrmWebhookSecret.secret).toMatch(/^whsec_/);
    const card = await h.gql(
      `mutation { createCard(input: { code: "B-ONLY", name: "B card", issuer: "B bank", annualFee: "0", joiningFee: "0", baseRewardPercent: "1.00" }) { __typename } }`,
      { auth: b.adminToken },
    );
    const job = await h.gql(
      `mutation($input: SubmitRecommendationJobInput!) { submitRecommendationJob(input: $input) { __typename } }`,
      {
        auth: b.partnerKey,
        variables: { input: { customers: customerInputs(2, 500) } },
      },
    );
    expect([card.body.data.createCard.__typename, job.body.data.submitRecommendationJob.__typename]).toEqual([
      'MutationCreateCardSuccess',
      'MutationSubmitRecommendationJobSuccess',
    ]);
    const g = await h.gql(`mutation { createGrower(input: { code: "T-1", name: "Tenant B grower" }) { __typename } }`, {
      auth: b.partnerKey,
    });
    const p = await h.gql(`mutation { createPackhouse(input: { name: "Tenant B shed" }) { __typename } }`, {
      auth: b.partnerKey,
    });
    const price = await h.gql(
      `mutation { setFruitPrice(input: { fruitType: APPLE, currency: "NZD", validFrom: "2024-01-01", pricePerKg: "9.99" }) { __typename } }`,
      { auth: b.adminToken },
    );
    // Refreshing the shared roll-up recomputes every tenant's rows from their own batches only.
    const refresh = await h.gql(`mutation { refreshDailyIntake { refreshedAt } }`, { auth: b.adminToken });
    expect([
      g.body.data.createGrower.__typename,
      p.body.data.createPackhouse.__typename,
      price.body.data.setFruitPrice.__typename,
    ]).toEqual(['MutationCreateGrowerSuccess', 'MutationCreatePackhouseSuccess', 'MutationSetFruitPriceSuccess']);
    expect(refresh.body.errors).toBeUndefined();
    expect(await snapshot(a.organizationId)).toBe(before);
  });

  it('the other tenant’s keys keep working after attempts to revoke them', async () => {
    const r = await h.gql(`{ viewer { organization { slug } } }`, { auth: a.partnerKey });
    expect(r.body.data.viewer.organization.slug).toBe(a.slug);
  });
});

describe('coverage', () => {
  // Fields whose tenancy is covered by other test files.
  const elsewhere = new Set([
    'Mutation.signIn',
    'Mutation.signOut',
    'Mutation.createApiKey',
    'Mutation.importRecommendationJob',
    // Reads the job through the same tenant-scoped getJob as recommendationJob (jobs.test.ts streams it).
    'Subscription.recommendationJobProgress',
  ]);

  it('every root field has a tenancy case (add one here when you add a field)', () => {
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `Query.${f}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `Mutation.${f}`),
      ...Object.keys(schema.getSubscriptionType()!.getFields()).map((f) => `Subscription.${f}`),
    ];
    const missing = fields.filter((f) => !covered.has(f) && !elsewhere.has(f));
    expect(missing).toEqual([]);
  });
});
