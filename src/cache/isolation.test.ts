// 10,000 randomized requests from 5 API keys (and 2 users) of 2 organizations, over shared and private
// fields, through the cached app on Redis. Every body is compared with what the same caller gets for
// the same operation and variables from an app without a cache: not one may belong to another key,
// tenant or operation. Writes between phases make entries stale on purpose, so freshness is checked too.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { createApp } from '../app.ts';
import { seededRandom, pick } from '../lib/random.ts';
import { createUser } from '../modules/identity/service.ts';
import { gql, startHarness, withoutCost, type Harness } from '../test/harness.ts';

const REQUESTS = 10_000;
const IN_FLIGHT = 24;
const PHASES = 3;

type Caller = { name: string; auth: string };
type Operation = { name: string; query: string; operationName?: string; variables: Record<string, unknown>[] };

let h: Harness;
let callers: Caller[];
let operations: Operation[];
let writes: ((phase: number) => Promise<void>)[];

beforeAll(async () => {
  h = await startHarness({ redis: true, env: { REDIS_TIMEOUT_MS: '2000' } });
  const a = await h.tenant('alpha');
  const b = await h.tenant('beta');
  // The same sizes, different data.
  const sizes = { growers: 15, packhouses: 4, batches: 150, quiet: true };
  await seedPackhouse(h.resources, a.organizationId, { ...sizes, seed: 1 });
  await seedPackhouse(h.resources, b.organizationId, { ...sizes, seed: 2 });
  const password = 'correct horse battery staple';
  const signIn = async (email: string) => {
    const r = await h.gql(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on MutationSignInSuccess { data { token } } } }`,
      {
        variables: { e: email, p: password },
      },
    );
    return r.body.data.signIn.data.token as string;
  };
  await createUser(h.resources.db, {
    organizationId: a.organizationId,
    email: `m2@${a.slug}.example`,
    name: 'M2',
    password,
  });
  callers = [
    { name: 'alpha partner key', auth: a.partnerKey },
    { name: 'alpha read key', auth: a.readKey },
    { name: 'alpha internal key', auth: a.internalKey },
    { name: 'beta partner key', auth: b.partnerKey },
    { name: 'beta read key', auth: b.readKey },
    { name: 'alpha member 1', auth: a.memberToken },
    { name: 'alpha member 2', auth: await signIn(`m2@${a.slug}.example`) },
  ];
  const ids = async (auth: string) => {
    const r = await h.gql(
      `{ growers(first: 2) { edges { node { id } } } batches(first: 1) { edges { node { id } } } }`,
      { auth },
    );
    return [...r.body.data.growers.edges, ...r.body.data.batches.edges].map((e: any) => e.node.id as string);
  };
  const nodeIds = [...(await ids(a.partnerKey)), ...(await ids(b.partnerKey))];
  const firsts = [1, 3, 5].flatMap((first) => [
    { first, order: 'NAME_ASC' },
    { first, order: 'NAME_DESC' },
  ]);
  operations = [
    {
      name: 'growers',
      query: `query L($first: Int!, $order: NameOrder) { growers(first: $first, orderBy: $order) { edges { node { id code name region } } } }`,
      variables: firsts,
    },
    // Same variables as growers: a key made without the document would mix the two.
    {
      name: 'packhouses',
      query: `query L($first: Int!, $order: NameOrder) { packhouses(first: $first, orderBy: $order) { edges { node { id name } } } }`,
      variables: firsts,
    },
    {
      name: 'batches',
      query: `query B($first: Int!, $status: BatchStatus) { batches(first: $first, filter: { status: $status }) { edges { node { id code status grower { id name } } } } }`,
      variables: ['RECEIVED', 'GRADED', 'PACKED', null].flatMap((status) => [
        { first: 4, status },
        { first: 8, status },
      ]),
    },
    {
      name: 'viewer (private)',
      query: `query V { viewer { tier scopes user { id email } organization { slug name } } }`,
      variables: [{}],
    },
    {
      name: 'mixed private + shared',
      query: `query M($first: Int!) { viewer { scopes user { email } } growers(first: $first) { edges { node { name } } } }`,
      variables: [{ first: 2 }, { first: 4 }],
    },
    {
      name: 'api keys (admin only)',
      query: `query K { apiKeys(first: 50) { edges { node { name kind scopes } } } }`,
      variables: [{}],
    },
    {
      name: 'node by id (own and other tenant)',
      query: `query N($id: ID!) { node(id: $id) { id ... on Grower { name } ... on Batch { code status } } }`,
      variables: nodeIds.map((id) => ({ id })),
    },
    ...['First', 'Second'].map((operationName) => ({
      name: `two-operation document: ${operationName}`,
      query: `query First { growers(first: 2) { edges { node { name } } } } query Second { packhouses(first: 2) { edges { node { name } } } }`,
      operationName,
      variables: [{}],
    })),
  ];
  const [growerA, , batchA] = nodeIds;
  const [growerB] = nodeIds.slice(3);
  writes = [
    async (phase) => {
      await h.gql(`mutation($id: ID!, $n: String!) { updateGrower(id: $id, input: { name: $n }) { __typename } }`, {
        auth: a.partnerKey,
        variables: { id: growerA, n: `Alpha renamed ${phase}` },
      });
      await h.gql(`mutation($id: ID!) { changeBatchStatus(id: $id, status: REJECTED) { __typename } }`, {
        auth: a.partnerKey,
        variables: { id: batchA },
      });
    },
    async (phase) => {
      await h.gql(`mutation($id: ID!, $r: String!) { updateGrower(id: $id, input: { region: $r }) { __typename } }`, {
        auth: b.partnerKey,
        variables: { id: growerB, r: `Beta region ${phase}` },
      });
      await h.gql(`mutation($n: String!) { createPackhouse(input: { name: $n }) { __typename } }`, {
        auth: b.partnerKey,
        variables: { n: `Beta shed ${phase}` },
      });
    },
  ];
});
afterAll(() => h?.close());

it(`${REQUESTS.toLocaleString('en')} randomized requests: every body is the caller's own for its operation`, async () => {
  const truthApp = createApp({ ...h.resources, config: { ...h.config, responseCache: { ttlMs: 0 } } });
  const random = seededRandom(8);
  const statuses: Record<string, number> = {};
  const wrong: string[] = [];
  let wrongCount = 0;
  let sent = 0;

  for (let phase = 0; phase < PHASES; phase++) {
    if (phase > 0) for (const write of writes) await write(phase);
    const expected = new Map<string, Promise<string>>();
    const truth = (caller: Caller, op: Operation, variables: Record<string, unknown>) => {
      const id = JSON.stringify([caller.name, op.name, variables]);
      if (!expected.has(id)) {
        expected.set(
          id,
          gql(truthApp, op.query, { auth: caller.auth, variables, operationName: op.operationName }).then((r) =>
            JSON.stringify(withoutCost(r.body)),
          ),
        );
      }
      return expected.get(id)!;
    };
    const quota = phase === PHASES - 1 ? REQUESTS - sent : Math.floor(REQUESTS / PHASES);
    let issued = 0;
    const worker = async () => {
      while (issued < quota) {
        issued++;
        const caller = pick(random, callers);
        const op = pick(random, operations);
        const variables = pick(random, op.variables);
        const r = await gql(h.app, op.query, { auth: caller.auth, variables, operationName: op.operationName });
        const status = r.headers.get('x-cache-status') ?? 'none';
        statuses[status] = (statuses[status] ?? 0) + 1;
        const body = JSON.stringify(withoutCost(r.body));
        if (body !== (await truth(caller, op, variables)) && ++wrongCount <= 20) {
          wrong.push(`${caller.name} / ${op.name} ${JSON.stringify(variables)} (${status}): ${body.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    sent += issued;
  }

  console.log(
    `response cache isolation: ${sent} requests, statuses ${JSON.stringify(statuses)}, wrong bodies ${wrongCount}`,
  );
  expect(wrong).toEqual([]);
  expect(wrongCount).toBe(0);
  expect(sent).toBe(REQUESTS);
  // The cache was really in the path: most answers came from it.
  expect(statuses.HIT).toBeGreaterThan(REQUESTS * 0.7);
});
