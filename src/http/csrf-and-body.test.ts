// Request bodies and CSRF: 413 above MAX_BODY_BYTES before anything reads the body (declared
// length: before authentication; chunked: the parser stops at the limit), no JSON batching,
// mutations never from GET or from form, multipart or text/plain POSTs without a preflight header,
// and the documented way to allow one multipart upload mutation.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { startHarness, type Harness, type Tenant } from '../test/harness.ts';

let h: Harness;
let t: Tenant;
let server: Server;
let port: number;
const LIMIT = 1024 * 1024;

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('bodies');
  server = createServer(h.app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server?.close();
  await h?.close();
});

/**
 * Sends raw HTTP, body chunks 5 ms apart, and returns the status, the JSON body and how many body
 * chunks had been sent when the answer began.
 */
function raw(
  request: string,
  bodyChunks: string[] = [],
): Promise<{ status: number; body: any; sentBeforeAnswer: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let sent = 0;
    let sentBeforeAnswer = -1;
    socket.on('data', (d) => {
      if (sentBeforeAnswer < 0) sentBeforeAnswer = sent;
      response += d.toString();
      if (/\r\n0\r\n\r\n$/.test(response) || /\r\n\r\n\{.*\}$/s.test(response)) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
      if (!status) reject(new Error(`no response: ${response.slice(0, 200)}`));
      else
        resolve({
          status,
          body: JSON.parse(response.slice(response.indexOf('{'), response.lastIndexOf('}') + 1)),
          sentBeforeAnswer,
        });
    });
    socket.write(request);
    const next = () => {
      if (sent >= bodyChunks.length || socket.destroyed) return socket.end();
      socket.write(bodyChunks[sent++], () => setTimeout(next, 5));
    };
    next();
  });
}

const json = (auth: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${auth}` });
const packhouses = async () =>
  (await h.gql('{ packhouses(first: 500) { edges { node { name } } } }', { auth: t.partnerKey })).body.data.packhouses
    .edges.length;

describe('body size', () => {
  it('answers 413 to a declared 5 MB body at once, before authentication, without reading it', async () => {
    const r = await raw(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer not-a-key\r\nContent-Length: 5000000\r\n\r\n`,
    );
    expect(r.status).toBe(413);
    expect(r.sentBeforeAnswer).toBe(0);
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'REQUEST_ENTITY_TOO_LARGE', maxBytes: LIMIT });
  });

  it('stops reading a chunked body at the limit', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${t.partnerKey}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    const pieces = [
      chunk('{"query":"{ __typename }","extensions":{"pad":"'),
      ...Array.from({ length: 100 }, () => chunk('x'.repeat(64 * 1024))),
      chunk('"}}'),
      '0\r\n\r\n',
    ];
    const r = await raw(head, pieces);
    expect(r.status).toBe(413);
    // 6.4 MB offered; the answer came after about 1 MB of it.
    expect(r.sentBeforeAnswer).toBeLessThan(40);
    expect(r.body.errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('accepts a body of exactly the limit and refuses one byte more', async () => {
    const bodyOf = (size: number) => {
      const base = JSON.stringify({ query: '{ __typename } #' });
      return JSON.stringify({ query: `{ __typename } #${'x'.repeat(size - base.length)}` });
    };
    const send = (body: string) =>
      h.fetch('/graphql', {
        method: 'POST',
        headers: { ...json(t.partnerKey), 'content-length': String(Buffer.byteLength(body)) },
        body,
      });
    expect(Buffer.byteLength(bodyOf(LIMIT))).toBe(LIMIT);
    expect((await send(bodyOf(LIMIT))).status).toBe(200);
    expect((await send(bodyOf(LIMIT + 1))).status).toBe(413);
  });

  it('refuses JSON batches', async () => {
    const r = await h.fetch('/graphql', {
      method: 'POST',
      headers: json(t.partnerKey),
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(r.status).toBe(400);
    expect((await r.json()).errors[0].message).toMatch(/Batching is not supported/);
  });
});

describe('CSRF', () => {
  const mutation = (name: string) => `mutation { createPackhouse(input: { name: "${name}" }) { __typename } }`;

  it('runs no mutation from a form, multipart, text/plain or untyped POST without the preflight header', async () => {
    const before = await packhouses();
    const bodies: [string | undefined, BodyInit][] = [
      ['application/x-www-form-urlencoded', `query=${encodeURIComponent(mutation('form'))}`],
      ['text/plain', JSON.stringify({ query: mutation('text') })],
      [
        'multipart/form-data; boundary=b',
        `--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: mutation('multipart') })}\r\n--b--\r\n`,
      ],
      [undefined, JSON.stringify({ query: mutation('untyped') })],
    ];
    for (const [type, body] of bodies) {
      const headers: Record<string, string> = { authorization: `Bearer ${t.partnerKey}` };
      if (type) headers['content-type'] = type;
      const r = await h.fetch('/graphql', { method: 'POST', headers, body });
      expect(r.status, type).toBe(403);
      expect((await r.json()).errors[0].extensions.code).toBe('CSRF_PREFLIGHT_REQUIRED');
    }
    expect(await packhouses()).toBe(before);
  });

  it('never runs a mutation from GET, header or not', async () => {
    const before = await packhouses();
    const r = await h.fetch(`/graphql?query=${encodeURIComponent(mutation('get'))}`, {
      headers: { authorization: `Bearer ${t.partnerKey}`, 'x-graphql-yoga-csrf': '1' },
    });
    expect(r.status).toBe(405);
    expect(await packhouses()).toBe(before);
    // Queries by GET need no header.
    expect(
      (
        await h.fetch(`/graphql?query=${encodeURIComponent('{ __typename }')}`, {
          headers: { authorization: `Bearer ${t.partnerKey}` },
        })
      ).status,
    ).toBe(200);
  });

  it('refuses multipart even with the header when no upload mutation is configured', async () => {
    const app = createApp(h.resources, { uploadMutations: new Set() });
    const r = await app.fetch('http://test/graphql', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.partnerKey}`,
        'content-type': 'multipart/form-data; boundary=b',
        'x-graphql-yoga-csrf': '1',
      },
      body: '--b--\r\n',
    });
    expect(r.status).toBe(415);
  });
});

describe('an upload mutation, as configured in src/http/uploads.ts', () => {
  const form = (operations: object) => {
    const data = new FormData();
    data.set('operations', JSON.stringify(operations));
    data.set('map', '{}');
    return data;
  };

  it('runs only that mutation as multipart, and only with the preflight header', async () => {
    const app = createApp(h.resources, { uploadMutations: new Set(['createPackhouse']) });
    const send = (operations: object, headers: Record<string, string> = { 'x-graphql-yoga-csrf': '1' }) =>
      Promise.resolve(
        app.fetch('http://test/graphql', {
          method: 'POST',
          headers: { authorization: `Bearer ${t.partnerKey}`, ...headers },
          body: form(operations),
        }),
      );
    const upload = await send({ query: 'mutation { createPackhouse(input: { name: "Upload shed" }) { __typename } }' });
    expect((await upload.json()).data).toEqual({ createPackhouse: { __typename: 'MutationCreatePackhouseSuccess' } });
    expect(
      (await send({ query: 'mutation { createPackhouse(input: { name: "No header" }) { __typename } }' }, {})).status,
    ).toBe(403);
    const other = await send({
      query: 'mutation { createGrower(input: { code: "U1", name: "Upload" }) { __typename } }',
    });
    expect(other.status).toBe(400);
    const query = await send({ query: '{ __typename }' });
    expect((await query.json()).errors[0].message).toMatch(/only run the upload mutations createPackhouse/);
  });
});
