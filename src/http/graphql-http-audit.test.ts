// The GraphQL-over-HTTP server audit of graphql-http (every MUST and SHOULD it checks) against our
// app, with an internal key: introspection is for internal keys only, and several audits introspect.
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type Tenant } from '../test/harness.ts';

let h: Harness;
let t: Tenant;

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('audit');
});
afterAll(() => h?.close());

describe('graphql-http serverAudits', () => {
  const audits = serverAudits({
    url: 'http://test/graphql',
    fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${t.internalKey}`);
      return Promise.resolve(h.app.fetch(new Request(input, { ...init, headers })));
    },
  });
  for (const audit of audits) {
    it(`${audit.name}`, async () => {
      const result = await audit.fn();
      expect(result.status, 'reason' in result ? String(result.reason) : '').toBe('ok');
    });
  }
});
