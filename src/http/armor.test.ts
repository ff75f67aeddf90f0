// Static caps (graphql-armor) at their limit and one past it: depth, aliases, directives, tokens,
// with fragments, recursive fragments and aliased __typename. Then who may see the schema:
// introspection and "Did you mean" suggestions for internal keys, never for partners.
import { getIntrospectionQuery, Lexer, Source, TokenKind } from 'graphql';
import { describe, expect } from 'vitest';
import { createApp } from '../app.ts';
import { encodeGlobalId } from '../lib/global-id.ts';
import { appTest, type AppFixtures } from '../test/fixtures.ts';
import { gql } from '../test/harness.ts';
import { ARMOR_LIMITS } from './use-armor.ts';

const it = appTest({ tenant: 'armor' });

/** Object fields that chain forever: batches → edges → node (Batch) → grower → batches → … */
const CHAIN = ['batches(first: 1)', 'edges', 'node', 'grower'];
const TYPE_AT = ['BatchConnection', 'BatchEdge', 'Batch', 'Grower'];

/** A valid query exactly `depth` fields deep: depth - 1 chained fields and a __typename leaf. */
function deepQuery(depth: number): string {
  const fields = Array.from({ length: depth - 1 }, (_, i) => CHAIN[i % 4]);
  return `{ ${fields.map((f) => `${f} { `).join('')}__typename${' }'.repeat(depth - 1)} }`;
}

/** The same depth, with the second half in a fragment and an inline fragment at the join. */
function deepQueryWithFragments(depth: number): string {
  const fields = Array.from({ length: depth - 1 }, (_, i) => CHAIN[i % 4]);
  const half = Math.floor(fields.length / 2);
  const type = TYPE_AT[(half - 1) % 4];
  const tail = fields.slice(half);
  const head = fields.slice(0, half);
  return (
    `{ ${head.map((f) => `${f} { `).join('')}... on ${type} { ...Tail }${' }'.repeat(head.length)} } ` +
    `fragment Tail on ${type} { ${tail.map((f) => `${f} { `).join('')}__typename${' }'.repeat(tail.length)} }`
  );
}

// The HTTP status of a refused document is yoga's content negotiation (200 for application/json,
// 400 for application/graphql-response+json); the error code is what these tests pin down.
async function expectRefused(fx: AppFixtures, query: string, code: string) {
  const { h, t } = fx;
  const r = await h.gql(query, { auth: t.partnerKey });
  expect(r.body.errors?.[0].extensions?.code, JSON.stringify(r.body.errors)).toBe(code);
  expect(r.body.data).toBeUndefined();
  expect(r.statements).toBe(0);
  return r.body.errors![0].message;
}

async function expectAccepted(fx: AppFixtures, query: string) {
  const { h, t } = fx;
  const r = await h.gql(query, { auth: t.partnerKey });
  expect(r.body.errors, query).toBeUndefined();
  expect(r.status).toBe(200);
}

describe(`depth (at most ${ARMOR_LIMITS.depth})`, () => {
  it('counts fields, at the limit and one past it', async ({ h, t }) => {
    await expectAccepted({ h, t }, deepQuery(ARMOR_LIMITS.depth));
    const message = await expectRefused({ h, t }, deepQuery(ARMOR_LIMITS.depth + 1), 'QUERY_TOO_DEEP');
    expect(message).toContain(`${ARMOR_LIMITS.depth}`);
  });

  it('counts through fragments and inline fragments, which add no depth of their own', async ({ h, t }) => {
    await expectAccepted({ h, t }, deepQueryWithFragments(ARMOR_LIMITS.depth));
    await expectRefused({ h, t }, deepQueryWithFragments(ARMOR_LIMITS.depth + 1), 'QUERY_TOO_DEEP');
  });

  it('refuses recursive fragments at validation, without looping', async ({ h, t }) => {
    const r = await h.gql(
      '{ batches(first: 1) { edges { node { ...A } } } } fragment A on Batch { grower { batches(first: 1) { edges { node { ...A } } } } }',
      {
        auth: t.partnerKey,
      },
    );
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors?.map((e) => e.message).join(' ')).toMatch(/Cannot spread fragment "A" within itself/);
    expect(r.statements).toBe(0);
  });
});

describe(`aliases (at most ${ARMOR_LIMITS.aliases})`, () => {
  const aliased = (n: number, field = '__typename') => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

  it('counts aliased __typename, at the limit and one past it', async ({ h, t }) => {
    await expectAccepted({ h, t }, `{ ${aliased(ARMOR_LIMITS.aliases)} }`);
    await expectRefused({ h, t }, `{ ${aliased(ARMOR_LIMITS.aliases + 1)} }`, 'TOO_MANY_ALIASES');
  });

  it('counts aliases in fragments, once per spread', async ({ h, t }) => {
    const half = ARMOR_LIMITS.aliases / 2;
    await expectAccepted(
      { h, t },
      `{ ...F viewer { __typename } } fragment F on Query { ${aliased(ARMOR_LIMITS.aliases)} }`,
    );
    await expectAccepted(
      { h, t },
      `{ x: viewer { ...V } y: viewer { ...V } } fragment V on Viewer { ${aliased(half - 1, 'tier')} }`,
    );
    await expectRefused(
      { h, t },
      `{ x: viewer { ...V } y: viewer { ...V } } fragment V on Viewer { ${aliased(half, 'tier')} }`,
      'TOO_MANY_ALIASES',
    );
  });
});

describe(`directives (at most ${ARMOR_LIMITS.directives})`, () => {
  const withDirectives = (n: number) => Array.from({ length: n }, () => '__typename @include(if: true)').join(' ');

  it('counts every directive, at the limit and one past it, fragments included', async ({ h, t }) => {
    await expectAccepted({ h, t }, `{ ${withDirectives(ARMOR_LIMITS.directives)} }`);
    await expectRefused({ h, t }, `{ ${withDirectives(ARMOR_LIMITS.directives + 1)} }`, 'TOO_MANY_DIRECTIVES');
    await expectRefused(
      { h, t },
      `{ ...F @skip(if: false) } fragment F on Query { ${withDirectives(ARMOR_LIMITS.directives)} }`,
      'TOO_MANY_DIRECTIVES',
    );
  });
});

describe(`tokens (at most ${ARMOR_LIMITS.tokens})`, () => {
  // A long list argument: many tokens, few fields (graphql-js itself gives up validating ~1,000
  // copies of one field). 12 tokens around the list, one per id.
  const withTokens = (n: number) =>
    `{ nodes(ids: [${Array(n - 12)
      .fill(`"${encodeGlobalId('Batch', 1)}"`)
      .join(', ')}]) { id } }`;
  const count = (query: string) => {
    const lexer = new Lexer(new Source(query));
    let n = 0;
    while (lexer.advance().kind !== TokenKind.EOF) n++;
    return n;
  };

  it('counts lexer tokens, at the limit and one past it', async ({ h, t }) => {
    expect(count(withTokens(ARMOR_LIMITS.tokens))).toBe(ARMOR_LIMITS.tokens);
    await expectAccepted({ h, t }, withTokens(ARMOR_LIMITS.tokens));
    await expectRefused({ h, t }, withTokens(ARMOR_LIMITS.tokens + 1), 'TOO_MANY_TOKENS');
  });
});

describe('schema visibility', () => {
  it('lets internal keys introspect, with the full GraphiQL query', async ({ h, t }) => {
    const r = await h.gql(
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        inputValueDeprecation: true,
      }),
      {
        auth: t.internalKey,
      },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.__schema.queryType.name).toBe('Query');
  });

  it('refuses introspection to partners and, by default, to users', async ({ h, t }) => {
    for (const auth of [t.partnerKey, t.memberToken]) {
      for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Batch") { fields { name } } }']) {
        const r = await h.gql(query, { auth });
        expect(r.body.data).toBeUndefined();
        expect(r.body.errors?.[0].message).toMatch(/introspection has been disabled/);
      }
    }
    expect((await h.gql('{ __typename }', { auth: t.partnerKey })).body.data).toEqual({ __typename: 'Query' });
  });

  it('hides "Did you mean" suggestions from partners, in validation and in variables', async ({ h, t }) => {
    const typo = '{ viewer { tierr } }';
    const enumTypo = 'query($s: BatchStatus) { batches(first: 1, filter: { status: $s }) { edges { cursor } } }';
    const partner = [
      await h.gql(typo, { auth: t.partnerKey }),
      await h.gql(enumTypo, { auth: t.partnerKey, variables: { s: 'PACKD' } }),
    ];
    const internal = [
      await h.gql(typo, { auth: t.internalKey }),
      await h.gql(enumTypo, { auth: t.internalKey, variables: { s: 'PACKD' } }),
    ];
    for (const r of partner) {
      expect(r.body.errors?.[0].message).toBeTruthy();
      expect(r.body.errors?.[0].message).not.toMatch(/Did you mean/);
    }
    expect(internal[0].body.errors?.[0].message).toMatch(/Did you mean "tier"/);
    expect(internal[1].body.errors?.[0].message).toMatch(/Did you mean the enum value "PACKED"/);
  });

  it('with SCHEMA_INTROSPECTION=open shows users the schema, and still not partners', async ({ h, t }) => {
    const open = createApp({
      ...h.resources,
      config: { ...h.config, limits: { ...h.config.limits, introspection: 'open' } },
    });
    const query = '{ __schema { queryType { name } } }';
    expect((await gql(open, query, { auth: t.memberToken })).body.data?.__schema.queryType.name).toBe('Query');
    expect((await gql(open, query, { auth: t.partnerKey })).body.errors?.[0].message).toMatch(
      /introspection has been disabled/,
    );
  });
});
