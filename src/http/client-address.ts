// The address a request comes from, for the limits that key on it (anonymous callers' rate limits,
// bad webhook signatures): the first entry of CLIENT_IP_HEADER behind a proxy, else the socket's.
// Behind a proxy with CLIENT_IP_HEADER unset, every caller is the proxy, and one caller's refusals
// refuse them all: the first request that arrives with a forwarding header while it is unset logs
// a warning that says so (once per process).
import type { Logger } from 'pino';

export type ClientAddress = (request: Request, serverContext: unknown) => string | null;

const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

export function clientAddressOf(header: string | undefined, log: Logger): ClientAddress {
  if (header) return (request) => request.headers.get(header)?.split(',')[0].trim() || null;
  let warned = false;
  return (request, serverContext) => {
    if (!warned) {
      const forwarded = FORWARDING_HEADERS.find((name) => request.headers.has(name));
      if (forwarded) {
        warned = true;
        log.warn(
          { header: forwarded },
          `requests arrive through a proxy (they carry ${forwarded}) but CLIENT_IP_HEADER is unset: anonymous rate limits and webhook failure limits count every caller as the proxy. Set CLIENT_IP_HEADER to the header your proxy writes the client address in.`,
        );
      }
    }
    const req = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req;
    return req?.socket?.remoteAddress ?? null;
  };
}
