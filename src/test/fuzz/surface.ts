// A fuzzer over the whole HTTP surface. It walks the schema, so every root field and every
// argument of every module is covered as soon as it is in src/schema/index.ts, and generates for each
// wrongly typed, boundary, huge, deep, NUL and unicode values, plus malformed request envelopes and
// odd requests to the other routes (/jobs/*, /metrics*, /health*, /ready). Each answer must hold the
// oracle below: no 5xx, no masked internal error (every case is a client's mistake or a valid call),
// no answer slower than 2 s, and no SQL, stack frame, source path or secret in the body.
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { encodeGlobalId } from '../../lib/global-id.ts';

export type FuzzCase = { label: string; path: string; init: RequestInit };
export type Finding = { label: string; problem: string; status: number; ms: number; request: string; body: string };

/** Values the fuzzer may use as ids: real ones of both tenants, and ids that cannot exist. */
export type IdPool = string[];

const NUL_STRINGS = ['\u0000', 'a\u0000b', '\u0000'.repeat(50), 'name\u0000; drop table users'];
const UNICODE = ['é', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '\uD800', '\uDFFF', '\uFEFF', '‮evil', '🍎'.repeat(300), 'ｆｕｌｌ', '\u200B', 'Ω≈ç√∫'];
const EDGY_STRINGS = [
  '',
  ' ',
  '\n',
  '\t\r\n',
  '=HYPERLINK("x")',
  "' or 1=1 --",
  '%00',
  '${x}',
  '{{x}}',
  '../../etc/passwd',
  '\\',
  '"',
  '<script>',
  'null',
  'undefined',
  '0',
  '-0',
  'NaN',
];
const BOUNDARY_INTS = [
  0,
  -1,
  1,
  2,
  49,
  50,
  51,
  499,
  500,
  501,
  1000,
  100_000,
  2_147_483_647,
  2_147_483_648,
  -2_147_483_648,
  -2_147_483_649,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
];
const BAD_NUMBERS = [1.5, -0.0001, 1e21, 1e308, -1e308, 2 ** 53 + 2];
const DATES = [
  '2025-01-01',
  '0000-01-01',
  '0001-01-01',
  '9999-12-31',
  '2025-02-29',
  '2024-02-29',
  '2025-02-30',
  '2025-13-01',
  '2025-00-10',
  '10000-01-01',
  '-0001-01-01',
  '2025-1-1',
  '20250101',
  '2025-01-01T00:00:00Z',
];
const DATETIMES = [
  '2026-05-01T08:30:00Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00+01:00',
  '9999-12-31T23:59:59-14:00',
  '9999-12-31T23:59:59Z',
  '2025-02-30T00:00:00Z',
  '2025-01-01T24:00:00Z',
  '2025-01-01T23:60:00Z',
  '2025-01-01T00:00:00+25:00',
  '2025-01-01T00:00:00',
  '2025-01-01',
  '2025-01-01T00:00:00.1234567Z',
  '275760-09-13T00:00:00Z',
];
const DECIMALS = [
  '0',
  '1.5',
  '-1',
  '1234.50',
  '0.000001',
  '0.0000001',
  '999999999999999999',
  '9999999999999999999',
  '1e5',
  'NaN',
  'Infinity',
  '--1',
  '1.',
  '.5',
  ' 12 ',
  '١٢٣',
];

const oneOf = <T>(xs: readonly T[]) => fc.constantFrom(...xs);

function deepValue(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Any JSON value, including shapes no input type accepts. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  oneOf([...BOUNDARY_INTS, ...BAD_NUMBERS]),
  fc.string({ maxLength: 20 }),
  oneOf(NUL_STRINGS),
  fc.constant({}),
  fc.constant([]),
  fc.constant([[[[]]]]),
  fc.constant({ a: { b: { c: 1 } } }),
  fc.constantFrom(200, 2_000).map(deepValue),
);

const stringValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: oneOf(NUL_STRINGS) },
  { weight: 2, arbitrary: oneOf(UNICODE) },
  { weight: 2, arbitrary: oneOf(EDGY_STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 100_000, 600_000).map((n) => 'x'.repeat(n)) },
);

function scalarValue(name: string, ids: IdPool): fc.Arbitrary<unknown> {
  switch (name) {
    case 'Int':
      return fc.oneof(oneOf(BOUNDARY_INTS), fc.integer({ min: -10, max: 1_000 }), oneOf(BAD_NUMBERS));
    case 'Float':
      return fc.oneof(fc.double({ noNaN: true }), oneOf(BOUNDARY_INTS));
    case 'Boolean':
      return fc.boolean();
    case 'ID':
      return fc.oneof(
        { weight: 4, arbitrary: oneOf(ids) },
        { weight: 1, arbitrary: stringValue },
        { weight: 1, arbitrary: fc.integer() },
      );
    case 'Date':
      return oneOf(DATES);
    case 'DateTime':
      return oneOf(DATETIMES);
    case 'Decimal':
      return fc.oneof(oneOf(DECIMALS), fc.integer());
    case 'File':
      return fc.constant(null);
    default:
      return stringValue;
  }
}

/** A value for an input type: mostly of the right shape (with bad leaves), sometimes wholly wrong. */
export function inputValue(type: GraphQLInputType, ids: IdPool, depth = 0): fc.Arbitrary<unknown> {
  const right = rightShaped(type, ids, depth);
  return fc.oneof({ weight: 8, arbitrary: right }, { weight: 1, arbitrary: wrongValue });
}

function rightShaped(type: GraphQLInputType, ids: IdPool, depth: number): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return inputValue(type.ofType, ids, depth);
  if (isListType(type)) {
    const item = inputValue(type.ofType, ids, depth + 1);
    return fc.oneof(
      { weight: 6, arbitrary: fc.array(item, { maxLength: 3 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(501, 600, 5_000).map((n) => Array.from({ length: n }, (_, i) => (i % 2 ? 'x' : 1))),
      },
      { weight: 1, arbitrary: item },
    );
  }
  if (isEnumType(type))
    return fc.oneof(
      { weight: 5, arbitrary: oneOf(type.getValues().map((v) => v.name)) },
      { weight: 1, arbitrary: stringValue },
    );
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant({});
    const fields = Object.values(type.getFields());
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) model[f.name] = inputValue(f.type, ids, depth + 1);
    return fc
      .record(model, {
        requiredKeys: fields.filter((f) => isNonNullType(f.type) && fc !== undefined).map((f) => f.name),
      })
      .chain((value) =>
        fc.oneof(
          { weight: 8, arbitrary: fc.constant(value) },
          { weight: 1, arbitrary: fc.constant({ ...value, unknownField: 1 }) },
        ),
      );
  }
  if (isScalarType(type)) return scalarValue(type.name, ids);
  return wrongValue;
}

function typeString(type: GraphQLInputType): string {
  return String(type);
}

function selectionFor(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  if (isObjectType(named) || isInterfaceType(named)) {
    // __typename plus the scalar fields without required arguments, one level deep.
    const scalars = Object.values(named.getFields())
      .filter(
        (f) =>
          !f.args.some((a) => isNonNullType(a.type)) &&
          (isScalarType(getNamedType(f.type)) || isEnumType(getNamedType(f.type))),
      )
      .slice(0, 12)
      .map((f) => f.name);
    return ` { __typename ${scalars.join(' ')} }`;
  }
  if (isUnionType(named)) return ' { __typename }';
  return '';
}

/** A document for one root field, each argument as a variable (or, sometimes, an inline literal). */
function operationFor(
  kind: 'query' | 'mutation' | 'subscription',
  field: GraphQLField<unknown, unknown>,
  ids: IdPool,
): fc.Arbitrary<{ query: string; variables: Record<string, unknown> }> {
  const args = field.args.filter((a) => !(isScalarType(getNamedType(a.type)) && getNamedType(a.type).name === 'File'));
  const chosen = fc
    .subarray(args, { minLength: 0 })
    .map((sub) => [...new Set([...args.filter((a) => isNonNullType(a.type)), ...sub])]);
  return chosen.chain((used: GraphQLArgument[]) => {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const a of used) model[a.name] = inputValue(a.type, ids);
    return fc.record(model).map((values) => {
      const decl = used.map((a) => `$${a.name}: ${typeString(a.type)}`).join(', ');
      const pass = used.map((a) => `${a.name}: $${a.name}`).join(', ');
      const query = `${kind} Fuzz${decl ? `(${decl})` : ''} { ${field.name}${pass ? `(${pass})` : ''}${selectionFor(field)} }`;
      return { query, variables: values };
    });
  });
}

/** Inline literals with NUL, huge or edited values, where the lexer and literal coercion run. */
function literalOperation(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): fc.Arbitrary<string> {
  return fc
    .record({
      value: fc.constantFrom(
        '"\\u0000"',
        '"a\\u0000b"',
        '2147483648',
        '-2147483649',
        '1e400',
        '"0000-01-01"',
        '"x"',
        '[]',
        '{}',
        `"${'y'.repeat(5_000)}"`,
        'null',
      ),
      arg: fc.constantFrom(...(field.args.length ? field.args.map((a) => a.name) : ['nonexistent'])),
    })
    .map(({ value, arg }) => `${kind} { ${field.name}(${arg}: ${value})${selectionFor(field)} }`);
}

export type Credentials = { internal: string; partner: string; read: string; adminToken: string; memberToken: string };

function authHeader(creds: Credentials): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant({ authorization: `Bearer ${creds.internal}` }) },
    { weight: 2, arbitrary: fc.constant({ authorization: `Bearer ${creds.partner}` }) },
    { weight: 1, arbitrary: fc.constant({ authorization: `Bearer ${creds.read}` }) },
    { weight: 2, arbitrary: fc.constant({ authorization: `Bearer ${creds.adminToken}` }) },
    { weight: 1, arbitrary: fc.constant({ authorization: `Bearer ${creds.memberToken}` }) },
    { weight: 1, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { authorization: 'Bearer' },
        { authorization: 'Basic dXNlcjpwYXNz' },
        { authorization: `Bearer ${creds.internal.slice(0, -2)}xx` },
        { authorization: 'Bearer hgk_aaaaaaaaaaaa_' + 'a'.repeat(43) },
        { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.' },
        { 'x-api-key': '\u00ff\u00fe' },
        { 'x-api-key': creds.internal, authorization: `Bearer ${creds.internal}` },
      ),
    },
  ) as fc.Arbitrary<Record<string, string>>;
}

const extraHeaders = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, string>>(
      { accept: 'application/graphql-response+json' },
      { accept: 'text/event-stream' },
      { accept: 'application/xml' },
      { accept: '*/*;q=abc' },
      { 'x-request-id': 'x'.repeat(2_000) },
      { 'x-request-id': '../\u00e9' },
      { 'if-none-match': '"' + 'a'.repeat(500) },
      { origin: 'https://evil.example' },
      { 'content-encoding': 'gzip' },
      { 'x-graphql-yoga-csrf': '1' },
    ),
  },
);

function post(path: string, headers: Record<string, string>, body: string, label: string): FuzzCase {
  return { label, path, init: { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body } };
}

/** Every case kind over the schema's root fields and the other routes. */
export function fuzzCases(schema: GraphQLSchema, ids: IdPool, creds: Credentials): fc.Arbitrary<FuzzCase> {
  const roots: ['query' | 'mutation' | 'subscription', GraphQLField<unknown, unknown>][] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const) {
    if (type) for (const field of Object.values(type.getFields())) roots.push([kind, field]);
  }
  const operation = fc
    .constantFrom(...roots)
    .chain(([kind, field]) =>
      fc.record({
        op: operationFor(kind, field, ids),
        auth: authHeader(creds),
        extra: extraHeaders,
        kind: fc.constant(kind),
        field: fc.constant(field.name),
      }),
    )
    .map(({ op, auth, extra, kind, field }): FuzzCase => {
      const headers =
        kind === 'subscription' ? { ...auth, ...extra, accept: 'text/event-stream' } : { ...auth, ...extra };
      return post('/graphql', headers, JSON.stringify(op), `${kind} ${field}`);
    });
  const literal = fc
    .constantFrom(...roots.filter(([k]) => k !== 'subscription'))
    .chain(([kind, field]) =>
      fc.record({
        doc: literalOperation(kind as 'query' | 'mutation', field),
        auth: authHeader(creds),
        field: fc.constant(field.name),
      }),
    )
    .map(({ doc, auth, field }) => post('/graphql', auth, JSON.stringify({ query: doc }), `literal ${field}`));
  return fc.oneof(
    { weight: 12, arbitrary: operation },
    { weight: 2, arbitrary: literal },
    { weight: 3, arbitrary: envelopes(creds) },
    { weight: 2, arbitrary: otherRoutes(creds, ids) },
  );
}

function envelopes(creds: Credentials): fc.Arbitrary<FuzzCase> {
  const auth = { authorization: `Bearer ${creds.internal}` };
  const field = (name: string, values: unknown[]) =>
    fc
      .constantFrom(...values)
      .map((v) =>
        post(
          '/graphql',
          auth,
          JSON.stringify({ query: '{ __typename }', [name]: v }),
          `envelope ${name}=${JSON.stringify(v)?.slice(0, 30)}`,
        ),
      );
  return fc.oneof(
    fc
      .constantFrom<unknown>(
        123,
        true,
        null,
        {},
        [],
        ['{ __typename }'],
        { kind: 'Document' },
        '',
        ' ',
        '{',
        '{ __typename ',
        'x'.repeat(200_000),
        `{ ${'a: __typename '.repeat(3_000)} }`,
        `{${'{'.repeat(3_000)}`,
        'query { __typename } query { __typename }',
        'subscription { __typename }',
        '\u0000',
      )
      .map((q) =>
        post('/graphql', auth, JSON.stringify({ query: q }), `envelope query=${JSON.stringify(q)?.slice(0, 30)}`),
      ),
    field('variables', ['{}', 'not json', 1, [], true, deepValue(1_000), { x: '\u0000' }]),
    // Nested deeper than JSON.stringify can write: the body is built as text.
    fc
      .constantFrom(5_000, 50_000)
      .map((n) =>
        post(
          '/graphql',
          auth,
          `{"query":"query($v: String) { __typename }","variables":{"v":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}}`,
          `envelope variables nested ${n} deep`,
        ),
      ),
    field('operationName', [1, {}, [], true, 'Missing', '\u0000', 'x'.repeat(10_000)]),
    field('extensions', [
      '{}',
      1,
      [],
      { persistedQuery: { version: 1, sha256Hash: 123 } },
      { persistedQuery: { version: 1, sha256Hash: 'zz' } },
      { persistedQuery: 'x' },
      deepValue(1_000),
    ]),
    fc
      .constantFrom(
        '',
        '{',
        '[]',
        '[{"query":"{ __typename }"}]',
        'null',
        '"x"',
        '1',
        '{"query": "{ __typename }"',
        '\u0000',
        '{"query":"{ __typename }","query":"{ viewer { tier } }"}',
      )
      .map((body) => post('/graphql', auth, body, `envelope body ${body.slice(0, 20)}`)),
    fc
      .constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        'application/graphql',
        'application/json; charset=utf-16',
        '',
      )
      .map((ct) => ({
        label: `envelope content-type ${ct}`,
        path: '/graphql',
        init: {
          method: 'POST',
          headers: { ...auth, 'content-type': ct },
          body: JSON.stringify({ query: '{ __typename }' }),
        },
      })),
    fc
      .constantFrom(
        'query=%7B__typename%7D',
        'query=%7B__typename%7D&variables=nope',
        'query=%7B__typename%7D&variables=%5B%5D',
        'query=mutation%7BsignOut%7D',
        'query=',
        'query=%00',
        'query=%7B__typename%7D&extensions=1',
        '',
        'query=%7B__typename%7D&operationName=%7B%7D',
        'a=%ZZ',
      )
      .map((qs) => ({
        label: `envelope GET ?${qs}`,
        path: `/graphql?${qs}`,
        init: { method: 'GET', headers: auth },
      })),
    fc
      .constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD')
      .map((method) => ({ label: `envelope ${method}`, path: '/graphql', init: { method, headers: auth } })),
  );
}

function otherRoutes(creds: Credentials, ids: IdPool): fc.Arbitrary<FuzzCase> {
  const auths = authHeader(creds);
  const jobIds = fc.oneof(
    oneOf(ids),
    oneOf([
      encodeGlobalId('RecommendationJob', 1),
      encodeGlobalId('RecommendationJob', '2147483648'),
      encodeGlobalId('RecommendationJob', '999999999999'),
      'x',
      '%00',
      'A'.repeat(300),
      '..',
      encodeGlobalId('Batch', 1),
    ]),
  );
  return fc.oneof(
    fc
      .record({
        auth: auths,
        id: jobIds,
        ext: fc.constantFrom('csv', 'xlsx', 'pdf'),
        method: fc.constantFrom('GET', 'GET', 'POST', 'HEAD'),
      })
      .map(({ auth, id, ext, method }) => ({
        label: `export ${method} ${ext}`,
        path: `/jobs/${id}/results.${ext}`,
        init: { method, headers: auth },
      })),
    fc
      .record({
        auth: auths,
        qs: fc.constantFrom(
          'format=csv',
          'format=xlsx',
          'format=pdf',
          '',
          'format=csv&name=%00',
          'format=csv&name=' + 'n'.repeat(300),
          'format=csv&provider=evil',
          'format=csv&provider=HTTP',
          'format=CSV&format=xlsx',
          'format=csv&name=%E2%80%AE',
        ),
        body: fc.constantFrom(
          '',
          'customer_ref\n',
          'a,b,c\n1,2,3\n',
          'customer_ref,online_shopping,groceries,dining,travel,fuel,utilities,other\nA\u0000,1,1,1,1,1,1,1\n',
          'PK\u0003\u0004garbage',
          '\u00ff\u00fe\u0000x',
        ),
        method: fc.constantFrom('POST', 'POST', 'GET', 'PUT'),
        length: fc.constantFrom(undefined, '99999999999999', '-1', 'abc'),
      })
      .map(({ auth, qs, body, method, length }) => ({
        label: `import ${method} ?${qs.slice(0, 30)}`,
        path: `/jobs/import?${qs}`,
        init: {
          method,
          headers: { ...auth, ...(length ? { 'content-length': length } : {}) },
          ...(method === 'GET' ? {} : { body }),
        },
      })),
    fc
      .record({
        auth: auths,
        path: fc.constantFrom(
          '/metrics',
          '/metrics/performance',
          '/health',
          '/health/performance',
          '/ready',
          '/health/',
          '/metrics?x=%00',
          '/health/performance?detail=1',
          '/jobs',
          '/jobs/',
          '/jobs/x/results',
          '/graphql/extra',
          '/%00',
          '/__yoga/health',
        ),
        method: fc.constantFrom('GET', 'GET', 'POST', 'DELETE', 'OPTIONS'),
      })
      .map(({ auth, path, method }) => ({ label: `route ${method} ${path}`, path, init: { method, headers: auth } })),
  );
}

// ---- the oracle ------------------------------------------------------------------------------------

const LEAKS: [string, RegExp][] = [
  [
    'SQL',
    /\b(insert into|delete from|update \w+ set)\b|\bselect\b[^"\n]{0,200}\bfrom\b\s+"?\w+"?|\$\d+::\w+|\bPostgresError\b|\bDrizzleQueryError\b|Failed query/i,
  ],
  ['stack frame', /\n\s+at \S|\bat (async )?[\w$.<>]+ \((file:|node:|\/)/],
  ['source path', /\/work\/|node_modules|file:\/\/|\/src\/[\w/-]+\.ts|\.ts:\d+:\d+/],
  ['secret', /secret_hash|secretHash|\$scrypt\$|\$argon2|jwtSecret/i],
];

export type Answer = { status: number; ms: number; body: string };

/** Answers that did real work (data without errors): a fuzzer refusing everything would pass otherwise. */
export const served = { count: 0 };

/** Every problem with one answer; an empty list means the case passed. */
export function judge(answer: Answer, secrets: string[]): string[] {
  const problems: string[] = [];
  // The one 5xx by design: an import refused because every import slot is taken (503 BUSY, Retry-After).
  const busy = answer.status === 503 && /"code":"BUSY"/.test(answer.body);
  if (answer.status >= 500 && !busy) problems.push(`HTTP ${answer.status}`);
  if (answer.ms > 2_000) problems.push(`slow: ${Math.round(answer.ms)} ms`);
  if (/INTERNAL_SERVER_ERROR|Unexpected error\./.test(answer.body)) problems.push('masked internal error');
  for (const [name, pattern] of LEAKS) if (pattern.test(answer.body)) problems.push(`${name} in the body`);
  for (const secret of secrets) if (secret && answer.body.includes(secret)) problems.push('a secret in the body');
  return problems;
}

export async function runCase(
  fetcher: (path: string, init: RequestInit) => Promise<Response>,
  c: FuzzCase,
  secrets: string[],
): Promise<Finding | null> {
  const started = performance.now();
  let status = 0;
  let body = '';
  try {
    const res = await fetcher(c.path, c.init);
    status = res.status;
    // Subscriptions stream: the first event (or the refusal) is enough.
    if ((res.headers.get('content-type') ?? '').includes('text/event-stream') && res.body) {
      const reader = res.body.getReader();
      const first = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), 500))]);
      body = first && first.value ? new TextDecoder().decode(first.value) : '';
      await reader.cancel().catch(() => {});
    } else body = await res.text();
  } catch (err) {
    status = 599;
    body = `fetch threw: ${(err as Error).message}`;
  }
  const ms = performance.now() - started;
  if (status === 200 && /"data":\{"(?!__typename)/.test(body) && !body.includes('"errors"')) served.count++;
  const problems = judge({ status, ms, body }, secrets);
  if (!problems.length) return null;
  const request = `${c.init.method} ${c.path.slice(0, 200)} ${typeof c.init.body === 'string' ? c.init.body.slice(0, 600) : ''}`;
  return {
    label: c.label,
    problem: problems.join(', '),
    status,
    ms: Math.round(ms),
    request,
    body: body.slice(0, 600),
  };
}

/** Runs cases `concurrency` at a time; returns the findings. */
export async function runCases(
  fetcher: (path: string, init: RequestInit) => Promise<Response>,
  cases: FuzzCase[],
  secrets: string[],
  concurrency = 4,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const finding = await runCase(fetcher, c, secrets);
        if (finding) findings.push(finding);
      }
    }),
  );
  return findings;
}

/** One line per distinct problem (label + problem), with a count and the first example. */
export function summarize(findings: Finding[]): string {
  const groups = new Map<string, { n: number; example: Finding }>();
  for (const f of findings) {
    const key = `${f.label} :: ${f.problem}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { n: 1, example: f });
  }
  return [...groups.entries()]
    .map(([key, { n, example }]) => `${n}× ${key}\n    ${example.request}\n    → ${example.status} ${example.body}`)
    .join('\n');
}
