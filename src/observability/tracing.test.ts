// The span tree of one nested query, with the in-memory exporter: request → parse, validate,
// execute → resolvers that are not plain columns, nested by path → SQL statements; Redis commands
// under the request; every span labelled with the request id and the operation name. And: tracing
// off means no spans and no wrapped client.
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedPackhouse } from '../../seeds/packhouse.ts';
import { startHarness, type Harness, type Tenant } from '../test/harness.ts';
import { inSpan } from './tracing.ts';

const exporter = new InMemorySpanExporter();
let h: Harness;
let tenant: Tenant;
beforeAll(async () => {
  // Resolver spans come from the resolver path: a compiled read (src/compiled/) runs none, only its one
  // SQL statement, so this file reads through the resolvers.
  h = await startHarness({ redis: true, env: { COMPILED_READS: 'off' }, resources: { spanExporter: exporter } });
  tenant = await h.tenant('traced');
  await seedPackhouse(h.resources, tenant.organizationId, { growers: 3, packhouses: 2, batches: 12 });
});
afterAll(() => h.close());

const QUERY = `query GrowerBatches {
  growers(first: 2) { edges { node { name batches(first: 2) { edges { node { code packhouse { name } } } } } } }
}`;

type Node = { name: string; span: ReadableSpan; children: Node[] };

function tree(spans: ReadableSpan[]): Node[] {
  const nodes = new Map(
    spans.map((span) => [span.spanContext().spanId, { name: span.name, span, children: [] as Node[] }]),
  );
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanContext ? nodes.get(node.span.parentSpanContext.spanId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const order = (list: Node[]) => {
    list.sort((a, b) => a.span.startTime[0] - b.span.startTime[0] || a.span.startTime[1] - b.span.startTime[1]);
    for (const n of list) order(n.children);
  };
  order(roots);
  return roots;
}

const names = (nodes: Node[]) => nodes.map((n) => n.name);
const only = (nodes: Node[], name: string) => {
  const found = nodes.filter((n) => n.name === name);
  expect(found, `one ${name} among ${names(nodes).join(', ')}`).toHaveLength(1);
  return found[0];
};

it('traces one nested query as a tree: request, phases, resolvers by path, SQL and Redis', async () => {
  exporter.reset();
  const result = await h.gql(QUERY, { auth: tenant.partnerKey });
  expect(result.body.errors).toBeUndefined();
  expect(result.body.data.growers.edges).toHaveLength(2);
  const requestId = result.headers.get('x-request-id')!;

  const spans = exporter.getFinishedSpans();
  const roots = tree(spans);
  expect(names(roots)).toEqual(['POST /graphql']);
  const [request] = roots;
  expect(request.span.attributes).toMatchObject({
    'http.request.method': 'POST',
    'http.response.status_code': 200,
    'harvest.request_id': requestId,
    'graphql.operation.name': 'GrowerBatches',
    'graphql.operation.type': 'query',
  });

  // The phases, each once, in order.
  const phases = names(request.children).filter((n) => n.startsWith('graphql.'));
  expect(phases).toEqual(['graphql.parse', 'graphql.validate', 'graphql.execute']);
  // Before them, authentication looked the key up (one statement) and Redis counted the request.
  expect(request.children.some((n) => n.span.attributes['db.system.name'] === 'postgresql')).toBe(true);
  const redis = request.children.filter((n) => n.span.attributes['db.system.name'] === 'redis');
  expect(redis.length).toBeGreaterThan(0);
  expect(redis[0].name).toMatch(/^redis [A-Z]+$/);

  // Resolvers: the root field, then each grower's batches under it, each batch's packhouse under those.
  const execute = only(request.children, 'graphql.execute');
  expect(execute.span.attributes['graphql.operation.name']).toBe('GrowerBatches');
  const growers = only(execute.children, 'Query.growers');
  const growerBatches = growers.children.filter((n) => n.name === 'Grower.batches');
  expect(growerBatches.map((n) => n.span.attributes['graphql.field.path'])).toEqual([
    'growers.edges.0.node.batches',
    'growers.edges.1.node.batches',
  ]);
  const packhouses = growerBatches.flatMap((n) => n.children.filter((c) => c.name === 'Batch.packhouse'));
  expect(packhouses.map((n) => n.span.attributes['graphql.field.path'])).toEqual([
    'growers.edges.0.node.batches.edges.0.node.packhouse',
    'growers.edges.0.node.batches.edges.1.node.packhouse',
    'growers.edges.1.node.batches.edges.0.node.packhouse',
    'growers.edges.1.node.batches.edges.1.node.packhouse',
  ]);
  // Plain columns and connection plumbing get no span.
  expect(spans.filter((s) => /\.(name|code|edges|node|cursor)$/.test(s.name))).toEqual([]);

  // SQL: one span per statement the operation sent (X-SQL-Statements), each under a resolver.
  const executeSql = spans.filter(
    (s) => s.attributes['db.system.name'] === 'postgresql' && isBelow(s, execute.span, spans),
  );
  expect(executeSql).toHaveLength(result.statements);
  for (const s of executeSql) {
    expect(s.name).toBe('SELECT');
    expect(String(s.attributes['db.query.text'])).toMatch(/^select /i);
    expect(spans.find((p) => p.spanContext().spanId === s.parentSpanContext?.spanId)?.name).toMatch(
      /^(Query|Grower|Batch)\./,
    );
  }

  // Every span of the request carries its id and (from execution on) its operation name.
  expect(new Set(spans.map((s) => s.attributes['harvest.request_id']))).toEqual(new Set([requestId]));
  expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
  for (const s of [execute.span, growers.span, ...executeSql])
    expect(s.attributes['graphql.operation.name']).toBe('GrowerBatches');
});

it('marks a resolver that throws and a failing statement as errors, and ends them', async () => {
  exporter.reset();
  const result = await h.gql('query Broken { growers(first: 9999) { edges { node { name } } } }', {
    auth: tenant.internalKey,
  });
  expect(result.body.errors?.[0].message).toMatch(/must be between 0 and 500/);
  const resolver = exporter.getFinishedSpans().find((s) => s.name === 'Query.growers')!;
  expect(resolver.status).toMatchObject({
    code: SpanStatusCode.ERROR,
    message: expect.stringContaining('must be between 0 and 500'),
  });
  expect(resolver.attributes['graphql.operation.name']).toBe('Broken');

  exporter.reset();
  const tracer = h.resources.tracing!.tracer;
  await expect(inSpan(tracer, 'job', {}, async () => h.resources.sql`select 1 / ${0}::int as x`)).rejects.toThrow(
    /division by zero/,
  );
  const [statement, job] = exporter.getFinishedSpans();
  expect(statement).toMatchObject({ name: 'SELECT', status: { code: SpanStatusCode.ERROR } });
  expect(statement.attributes['db.query.text']).toBe('select 1 / $1::int as x');
  expect(statement.parentSpanContext?.spanId).toBe(job.spanContext().spanId);
  expect(exporter.getFinishedSpans().every((s) => s.ended)).toBe(true);
});

it('makes no spans and wraps nothing when tracing is off', async () => {
  const plain = await startHarness({ redis: true });
  try {
    expect(plain.resources.tracing).toBeUndefined();
    exporter.reset();
    const other = await plain.tenant('plain');
    const result = await plain.gql(QUERY, { auth: other.partnerKey });
    expect(result.body.errors).toBeUndefined();
    expect(exporter.getFinishedSpans()).toEqual([]);
    // The client is postgres.js's own function, not the tracing proxy.
    expect(plain.resources.sql.unsafe).toBe(plain.resources.sql.unsafe);
    expect(Object.getOwnPropertyNames(plain.resources.sql`select 1`)).not.toContain('then');
  } finally {
    await plain.close();
  }
});

it('exports the spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, with OTEL_EXPORTER_OTLP_HEADERS', async () => {
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  }).listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const { port } = collector.address() as AddressInfo;
  const exported = await startHarness({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=data',
      OTEL_SERVICE_NAME: 'hg-test',
    },
  });
  try {
    const other = await exported.tenant('exported');
    expect(
      (await exported.gql('query Who { viewer { tier } }', { auth: other.partnerKey })).body.errors,
    ).toBeUndefined();
  } finally {
    await exported.close(); // flushes the batch of spans
    collector.close();
  }
  const traces = received.filter((r) => r.path === '/v1/traces');
  expect(traces.length).toBeGreaterThan(0);
  expect(traces[0].headers['x-team']).toBe('data');
  const body = traces.map((t) => t.body).join('');
  for (const text of ['POST /graphql', 'graphql.execute', 'Query.viewer', 'hg-test', 'Who'])
    expect(body).toContain(text);
});

function isBelow(span: ReadableSpan, ancestor: ReadableSpan, spans: ReadableSpan[]): boolean {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  let parentId = span.parentSpanContext?.spanId;
  while (parentId) {
    if (parentId === ancestor.spanContext().spanId) return true;
    parentId = byId.get(parentId)?.parentSpanContext?.spanId;
  }
  return false;
}
