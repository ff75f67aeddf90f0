import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { clientAddressOf } from './client-address.ts';

function capture() {
  const lines: { msg: string; header?: string; level: number }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

const socket = (remoteAddress: string) => ({ req: { socket: { remoteAddress } } });

describe('client address', () => {
  it('takes the first entry of CLIENT_IP_HEADER when it is set', () => {
    const { log, lines } = capture();
    const addressOf = clientAddressOf('Fly-Client-IP', log);
    const request = new Request('http://test/', { headers: { 'fly-client-ip': ' 203.0.113.7, 10.0.0.1' } });
    expect(addressOf(request, socket('10.0.0.9'))).toBe('203.0.113.7');
    expect(addressOf(new Request('http://test/'), socket('10.0.0.9'))).toBeNull();
    expect(lines).toEqual([]);
  });

  it('takes the socket address otherwise, and warns once when requests come through a proxy', () => {
    const { log, lines } = capture();
    const addressOf = clientAddressOf(undefined, log);
    expect(addressOf(new Request('http://test/'), socket('198.51.100.2'))).toBe('198.51.100.2');
    expect(lines).toEqual([]);
    const proxied = new Request('http://test/', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(addressOf(proxied, socket('10.0.0.9'))).toBe('10.0.0.9');
    expect(addressOf(proxied, socket('10.0.0.9'))).toBe('10.0.0.9');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, header: 'x-forwarded-for' });
    expect(lines[0].msg).toMatch(/CLIENT_IP_HEADER is unset.*Set CLIENT_IP_HEADER/);
  });
});
