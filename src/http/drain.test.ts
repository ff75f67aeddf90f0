import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { drainServer } from './drain.ts';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

async function listen(): Promise<number> {
  server = createServer((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** Writes one request on `socket` and reads its whole answer (status line, headers, body `ok`). */
async function request(socket: Socket): Promise<string> {
  socket.write('GET / HTTP/1.1\r\nhost: localhost\r\n\r\n');
  let text = '';
  while (!text.endsWith('\r\n\r\nok')) {
    const [chunk] = (await Promise.race([once(socket, 'data'), once(socket, 'close')])) as [Buffer | boolean];
    if (!Buffer.isBuffer(chunk)) throw new Error(`connection closed before an answer (read: ${JSON.stringify(text)})`);
    text += chunk.toString();
  }
  return text;
}

it('answers a request sent on an idle keep-alive connection just after the drain starts, then closes it', async () => {
  const port = await listen();
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  expect(await request(socket)).toMatch(/connection: keep-alive/i);

  // The connection is idle now. http.Server.close() would drop it here; the drain keeps it open.
  const drained = drainServer(server!, { idleGraceMs: 2_000, forceMs: 5_000 });
  const answer = await request(socket);
  expect(answer).toMatch(/^HTTP\/1\.1 200/);
  expect(answer).toMatch(/connection: close/i);
  await once(socket, 'close');
  await drained;
  expect(server!.listening).toBe(false);
});

it('closes a keep-alive connection that stays idle once the grace has passed', async () => {
  const port = await listen();
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  await request(socket);
  const closed = once(socket, 'close');
  await drainServer(server!, { idleGraceMs: 50, forceMs: 5_000 });
  await closed;
  // No new connection is accepted.
  const late = connect(port, '127.0.0.1');
  const [err] = (await once(late, 'error')) as [NodeJS.ErrnoException];
  expect(err.code).toBe('ECONNREFUSED');
});
