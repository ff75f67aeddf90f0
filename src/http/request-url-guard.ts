// The yoga server adapter builds each request's URL from the Host header and the request target, and
// a Host it cannot parse (`[::1`, `a b`, `x:99999`) made it answer 500 with a stack trace, before any
// plugin ran. This listener wraps the app and answers such requests 400 itself.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** The URL the adapter will build, or null when it cannot be built. */
export function requestUrlOf(req: IncomingMessage): URL | null {
  const host = req.headers[':authority'] ?? req.headers.host ?? 'localhost';
  const target = req.url ?? '/';
  // Origin-form targets only ("/path?query"); absolute-form and "*" are not for an origin server.
  if (typeof host !== 'string' || !target.startsWith('/') || target.startsWith('//')) return null;
  try {
    const url = new URL(`http://${host}${target}`);
    return url.host === host.toLowerCase() || url.host === new URL(`http://${host}`).host ? url : null;
  } catch {
    return null;
  }
}

export function guardRequestUrl(listener: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (requestUrlOf(req)) return listener(req, res);
    const body = JSON.stringify({
      errors: [
        { message: 'The request has a malformed Host header or request target.', extensions: { code: 'BAD_REQUEST' } },
      ],
    });
    res.writeHead(400, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  };
}
