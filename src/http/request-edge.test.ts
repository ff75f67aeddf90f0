// Every route that authenticates does it through authenticateRequest (src/http/edge.ts), under the
// request deadline: while another connection holds a lock on api_keys, the key lookup waits, and the
// route answers within REQUEST_TIMEOUT_MS with a retryable 503 instead of waiting for the lock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type Tenant } from '../test/harness.ts';
import { withTableLocked } from '../test/locks.ts';

const TIMEOUT_MS = 400;
let h: Harness;
let t: Tenant;

beforeAll(async () => {
  h = await startHarness({ env: { REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) } });
  t = await h.tenant('edge');
});
afterAll(() => h?.close());

/** Runs `body` while another connection holds an exclusive lock on api_keys, so every key lookup waits. */
const withApiKeysLocked = <T>(body: () => Promise<T>) => withTableLocked(h.db.url, 'api_keys', body);

async function timed(path: string, key: string) {
  const started = performance.now();
  const response = await h.fetch(path, { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  const body = (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as {
    errors?: { message: string; extensions: { code: string } }[];
  };
  return {
    ms: performance.now() - started,
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body,
  };
}

describe('authentication under the request deadline', () => {
  it.each([
    ['/jobs/:id/results.csv', '/jobs/UmVjb21tZW5kYXRpb25Kb2I6MQ==/results.csv', 'partnerKey'],
    ['/metrics', '/metrics', 'internalKey'],
    ['/graphql', '/graphql?query=%7B__typename%7D', 'partnerKey'],
  ] as const)(
    '%s answers 503 REQUEST_TIMEOUT with Retry-After within the deadline while api_keys is locked',
    async (_name, path, key) => {
      const r = await withApiKeysLocked(() => timed(path, t[key]));
      expect(r.status).toBe(503);
      expect(r.retryAfter).toBe('1');
      expect(r.body.errors?.[0].extensions.code).toBe('REQUEST_TIMEOUT');
      expect(r.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(r.ms).toBeLessThan(TIMEOUT_MS + 300);
    },
  );

  it('the same routes authenticate normally once the lock is gone', async () => {
    expect((await timed('/metrics', t.internalKey)).status).toBe(200);
    const missing = await timed('/jobs/UmVjb21tZW5kYXRpb25Kb2I6MQ==/results.csv', t.partnerKey);
    expect(missing.status).toBe(404);
    expect(missing.body.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });
});
