// Draining the API's HTTP server on shutdown without dropping a request a client has already sent.
//
// `http.Server.close()` stops listening and at once closes every keep-alive connection that looks
// idle. A client that wrote a request on such a connection a moment before (bytes in the socket,
// not parsed yet) gets a reset instead of an answer. So: stop listening, answer every request from
// now on with `Connection: close` (each connection closes after its answer), and close the
// connections that stay idle only after `idleGraceMs`, by when no busy client still reuses them.
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { once } from 'node:events';

export type DrainOptions = {
  /** How long an idle keep-alive connection may still bring a request after the signal. */
  idleGraceMs: number;
  /** After this long every connection is closed, answered or not. */
  forceMs: number;
};

/** Resolves when the server has closed: every connection answered and ended, or `forceMs` passed. */
export async function drainServer(server: Server, { idleGraceMs, forceMs }: DrainOptions): Promise<void> {
  server.prependListener('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  });
  // Stop accepting connections, leaving the open ones (http.Server's own close would drop idle ones).
  const closed = once(server, 'close').catch(() => undefined);
  NetServer.prototype.close.call(server);
  const idle = setTimeout(() => server.closeIdleConnections(), idleGraceMs);
  const force = setTimeout(() => server.closeAllConnections(), forceMs);
  idle.unref();
  force.unref();
  await closed;
  clearTimeout(idle);
  clearTimeout(force);
}
