// The GraphQL-over-HTTP server audit of graphql-http (every MUST and SHOULD it checks) against our
// app, with an internal key: introspection is for internal keys only, and several audits introspect.
import { serverAudits, type ServerAuditOptions } from 'graphql-http';
import { describe, expect } from 'vitest';
import { appTest, type AppFixtures } from '../test/fixtures.ts';

const it = appTest({ tenant: 'audit' });

const auditsWith = (fetchFn: ServerAuditOptions['fetchFn']) => serverAudits({ url: 'http://test/graphql', fetchFn });

/** Requests to the app as the tenant's internal key. */
const asInternalKey =
  ({ h, t }: AppFixtures): ServerAuditOptions['fetchFn'] =>
  (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${t.internalKey}`);
    return Promise.resolve(h.app.fetch(new Request(input, { ...init, headers })));
  };

describe('graphql-http serverAudits', () => {
  // Listed when the file is collected (no request is sent), run with the app each test is given.
  for (const [i, audit] of auditsWith(fetch).entries()) {
    it(`${audit.name}`, async ({ h, t }) => {
      const result = await auditsWith(asInternalKey({ h, t }))[i].fn();
      expect(result.status, 'reason' in result ? String(result.reason) : '').toBe('ok');
    });
  }
});
