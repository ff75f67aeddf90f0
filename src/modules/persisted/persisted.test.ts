// Partner manifests and persisted-only keys: a key runs its own manifest's operations (POST and GET,
// APQ shape) and nothing else, with the standard error codes; admins register operations per
// partner; the repository's manifests are current and valid against the schema.
import { parse, validate, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifests, isCommitted } from '../../../seeds/persisted/codegen.ts';
import { seedPackhouse } from '../../../seeds/packhouse.ts';
import { seededRandom } from '../../lib/random.ts';
import { schema } from '../../schema/index.ts';
import { startHarness, withoutCost, type Harness, type Tenant } from '../../test/harness.ts';
import { sha256Hex, singleOperation } from './documents.ts';
import { loadManifestFiles } from './manifests.ts';
import { randomDocument } from './random-documents.ts';

let h: Harness;
let t: Tenant;
let freshtrackOnly: string;
let ledgerOnly: string;
const manifests = loadManifestFiles();

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('partners');
  await seedPackhouse(h.resources, t.organizationId, { growers: 5, packhouses: 2, batches: 20, quiet: true });
  freshtrackOnly = await t.key(['read', 'write'], { persistedOnly: true, manifest: 'freshtrack' });
  ledgerOnly = await t.key(['read'], { persistedOnly: true, manifest: 'orchard-ledger' });
});
afterAll(() => h?.close());

const pq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

async function post(auth: string, body: Record<string, unknown>) {
  const res = await h.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), statements: Number(res.headers.get('x-sql-statements')) };
}

async function get(auth: string, params: Record<string, unknown>) {
  const search = new URLSearchParams(
    Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  const res = await h.fetch(`/graphql?${search}`, { headers: { authorization: `Bearer ${auth}` } });
  return { status: res.status, body: await res.json(), statements: Number(res.headers.get('x-sql-statements')) };
}

function hashOf(manifest: string, operationName: string): string {
  for (const [hash, document] of manifests.get(manifest)!) if (document.includes(` ${operationName}`)) return hash;
  throw new Error(`${operationName} is not in ${manifest}`);
}

describe('repository manifests', () => {
  it('are current (npm run codegen) and every document is one named, valid operation', async () => {
    for (const { file, json, current } of await buildManifests())
      if (isCommitted(file)) expect(current, `${file} is stale: run npm run codegen`).toBe(json);
    expect([...manifests.keys()].sort()).toEqual(['freshtrack', 'leadflow', 'orchard-ledger']);
    for (const [hash, document] of [...manifests.values()].flatMap((m) => [...m])) {
      expect(sha256Hex(document)).toBe(hash);
      const parsed = parse(document);
      expect(validate(schema, parsed)).toEqual([]);
      expect(typeof singleOperation(parsed)).toBe('object');
    }
  });
});

describe('the leadflow manifest', () => {
  it('creates a lead, lists it with its sync state and reads it, by hash only', async () => {
    const key = await t.key(['read', 'write'], { persistedOnly: true, manifest: 'leadflow' });
    const created = await post(key, {
      extensions: pq(hashOf('leadflow', 'LeadflowCreateLead')),
      variables: { input: { name: 'Persisted Lead', email: `pq${Date.now()}@leadflow.example.org` } },
    });
    expect(created.body.data.createLead.__typename).toBe('MutationCreateLeadSuccess');
    const id = created.body.data.createLead.data.id;
    const list = await post(key, {
      extensions: pq(hashOf('leadflow', 'LeadflowLeads')),
      variables: { search: 'persisted' },
    });
    expect(list.body.data.leads.edges.map((e: any) => e.node.id)).toEqual([id]);
    expect(list.body.data.leads.edges[0].node.crmSync.state).toBe('PENDING');
    const one = await post(key, { extensions: pq(hashOf('leadflow', 'LeadflowLeadDetail')), variables: { id } });
    expect(one.body.data.lead.history.edges[0].node.kind).toBe('CREATED');
  });
});

describe('a persisted-only key', () => {
  it('runs every operation of its own manifest, by POST and (queries) by GET', async () => {
    const batches = await post(freshtrackOnly, {
      extensions: pq(hashOf('freshtrack', 'FreshtrackBatches')),
      variables: { first: 5 },
    });
    expect(batches.body.errors).toBeUndefined();
    const id = batches.body.data.batches.edges[0].node.id;
    const variables: Record<string, Record<string, unknown>> = {
      FreshtrackBatch: { id },
      FreshtrackDispatch: { id },
      LedgerGrowerDeliveries: { grower: 'R3Jvd2VyOjE' },
    };
    for (const [manifest, key] of [
      ['freshtrack', freshtrackOnly],
      ['orchard-ledger', ledgerOnly],
    ] as const) {
      for (const [hash, document] of manifests.get(manifest)!) {
        const operation = singleOperation(parse(document)) as OperationDefinitionNode;
        const name = operation.name!.value;
        const r = await post(key, { extensions: pq(hash), variables: variables[name] ?? {} });
        expect(r.body.errors, name).toBeUndefined();
        expect(r.body.data, name).toBeTruthy();
        if (operation.operation === 'query') {
          const viaGet = await get(key, { extensions: pq(hash), variables: variables[name] ?? {} });
          expect(withoutCost(viaGet.body)).toEqual(withoutCost(r.body));
        } else {
          expect((await get(key, { extensions: pq(hash), variables: variables[name] ?? {} })).status).toBe(405);
        }
      }
    }
  });

  it("refuses another partner's hash and unknown hashes: PERSISTED_QUERY_NOT_FOUND", async () => {
    for (const hash of [hashOf('orchard-ledger', 'LedgerGrowers'), sha256Hex('{ __typename }'), 'f'.repeat(64)]) {
      const r = await post(freshtrackOnly, { extensions: pq(hash) });
      expect(r.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect(r.body.errors?.[0].message).toMatch(/manifest: "freshtrack"/);
      expect(r.body.data).toBeUndefined();
      expect(r.statements).toBe(0);
    }
  });

  it('refuses 1,000 random valid ad-hoc documents, whatever the request shape', async () => {
    const random = seededRandom(20_260_501);
    const shapes = ['post', 'get', 'post with its hash', 'post with a manifest hash', 'hash only'] as const;
    const expected = {
      post: 'PERSISTED_QUERY_ID_REQUIRED',
      get: 'PERSISTED_QUERY_ID_REQUIRED',
      'post with its hash': 'CANNOT_SEND_PQ_ID_AND_BODY',
      'post with a manifest hash': 'CANNOT_SEND_PQ_ID_AND_BODY',
      'hash only': 'PERSISTED_QUERY_NOT_FOUND',
    };
    const ownHash = hashOf('freshtrack', 'FreshtrackBatches');
    const codes = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const { query, operation } = randomDocument(schema, random);
      let shape = shapes[i % shapes.length];
      if (shape === 'get' && operation === 'mutation') shape = 'post';
      const r =
        shape === 'get'
          ? await get(freshtrackOnly, { query })
          : await post(
              freshtrackOnly,
              shape === 'post'
                ? { query }
                : shape === 'hash only'
                  ? { extensions: pq(sha256Hex(query)) }
                  : { query, extensions: pq(shape === 'post with its hash' ? sha256Hex(query) : ownHash) },
            );
      expect(r.body.data, query).toBeUndefined();
      expect(r.body.errors?.[0].extensions?.code, `${shape}: ${query}`).toBe(expected[shape]);
      expect(r.statements).toBe(0);
      codes.set(expected[shape], (codes.get(expected[shape]) ?? 0) + 1);
    }
    console.log(`1,000 ad-hoc documents refused: ${[...codes].map(([code, n]) => `${n} ${code}`).join(', ')}`);
  });

  it('refuses even the exact text of its own operation sent as a query', async () => {
    const r = await post(freshtrackOnly, {
      query: manifests.get('freshtrack')!.get(hashOf('freshtrack', 'FreshtrackPackhouses')),
    });
    expect(r.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_ID_REQUIRED');
  });
});

describe('other callers', () => {
  it('may send a query with its hash (APQ), but the hash must match; hashes never sent are not found', async () => {
    const query = '{ viewer { tier } }';
    expect((await post(t.partnerKey, { query, extensions: pq(sha256Hex(query)) })).body.data).toEqual({
      viewer: { tier: 'PARTNER' },
    });
    const wrong = await post(t.partnerKey, { query, extensions: pq('0'.repeat(64)) });
    expect(wrong.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(
      (await post(t.memberToken, { extensions: pq(sha256Hex('{ viewer { scopes } }')) })).body.errors?.[0].extensions
        ?.code,
    ).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('a key with a manifest that is not persisted-only runs both its operations and ad-hoc queries', async () => {
    const key = await t.key(['read'], { manifest: 'orchard-ledger' });
    expect(
      (await post(key, { extensions: pq(hashOf('orchard-ledger', 'LedgerGrowers')) })).body.errors,
    ).toBeUndefined();
    expect((await post(key, { query: '{ viewer { tier } }' })).body.errors).toBeUndefined();
  });
});

describe('registering operations', () => {
  const REGISTER = `mutation($input: RegisterPersistedOperationsInput!) { registerPersistedOperations(input: $input) {
    __typename ... on MutationRegisterPersistedOperationsSuccess { data { hash operationName manifest } } ... on ValidationError { field message } } }`;
  const document = 'query FreshtrackGrowerNames { growers(first: 3) { edges { node { name } } } }';

  it('lets an admin add an operation to a partner manifest of the organization, and only there', async () => {
    const r = await h.gql(REGISTER, {
      auth: t.adminToken,
      variables: { input: { manifest: 'freshtrack', documents: [document] } },
    });
    expect(r.body.data.registerPersistedOperations.data).toEqual([
      { hash: sha256Hex(document), operationName: 'FreshtrackGrowerNames', manifest: 'freshtrack' },
    ]);
    const again = await h.gql(REGISTER, {
      auth: t.adminToken,
      variables: { input: { manifest: 'freshtrack', documents: [document] } },
    });
    expect(again.body.data.registerPersistedOperations.data).toHaveLength(1);

    const ran = await post(freshtrackOnly, { extensions: pq(sha256Hex(document)) });
    expect(ran.body.data.growers.edges).toHaveLength(3);
    // The same partner in another organization, and another partner here, do not get it.
    const elsewhere = await (await h.tenant('elsewhere')).key(['read'], {
      persistedOnly: true,
      manifest: 'freshtrack',
    });
    expect((await post(elsewhere, { extensions: pq(sha256Hex(document)) })).body.errors?.[0].extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expect((await post(ledgerOnly, { extensions: pq(sha256Hex(document)) })).body.errors?.[0].extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );

    const listed = await h.gql('{ persistedOperations(manifest: "freshtrack") { edges { node { hash document } } } }', {
      auth: t.adminToken,
    });
    expect(listed.body.data.persistedOperations.edges).toEqual([{ node: { hash: sha256Hex(document), document } }]);
  });

  it('refuses documents that are not one valid operation, naming the document', async () => {
    const bad = ['{ nope }', 'query A { __typename } query B { __typename }', 'query {'];
    for (const [i, doc] of bad.entries()) {
      const r = await h.gql(REGISTER, {
        auth: t.adminToken,
        variables: { input: { manifest: 'freshtrack', documents: ['{ __typename }', doc] } },
      });
      expect(r.body.data.registerPersistedOperations, String(i)).toMatchObject({
        __typename: 'ValidationError',
        field: 'input.documents.1',
      });
    }
    const partner = await h.gql(REGISTER, {
      auth: t.partnerKey,
      variables: { input: { manifest: 'freshtrack', documents: [document] } },
    });
    expect(partner.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('creates keys bound to a manifest through the API', async () => {
    const r = await h.gql(
      'mutation { createApiKey(input: { name: "Freshtrack prod", scopes: [READ], persistedOnly: true, manifest: "freshtrack" }) { __typename ... on MutationCreateApiKeySuccess { data { key apiKey { manifest persistedOnly } } } } }',
      { auth: t.adminToken },
    );
    const created = r.body.data.createApiKey.data;
    expect(created.apiKey).toEqual({ manifest: 'freshtrack', persistedOnly: true });
    expect((await post(created.key, { query: '{ __typename }' })).body.errors?.[0].extensions?.code).toBe(
      'PERSISTED_QUERY_ID_REQUIRED',
    );
  });
});
