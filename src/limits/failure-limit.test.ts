// Failure limits shared by two app instances over one Redis: wrong passwords for one e-mail sent to
// both in turn are counted together, so the e-mail is refused on both after the limit (at most one
// extra try per other instance, as src/limits/failure-limit.ts says), and without Redis one instance
// counts alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app.ts';
import { gql, startHarness, type Harness, type Tenant } from '../test/harness.ts';

const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) {
  __typename ... on TooManySignInFailuresError { retryAfterSeconds } } }`;
const PASSWORD = 'correct horse battery staple';

async function signIn(app: App, email: string, password: string): Promise<string> {
  const r = await gql(app, SIGN_IN, { variables: { e: email, p: password } });
  return r.body.data.signIn.__typename;
}

/** Wrong passwords sent to `apps` in turn until one is refused; how many were counted as wrong. */
async function wrongUntilRefused(apps: App[], email: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const answer = await signIn(apps[i % apps.length], email, `wrong password ${i}`);
    if (answer === 'TooManySignInFailuresError') return i;
    expect(answer).toBe('InvalidCredentialsError');
  }
  throw new Error('never refused');
}

describe('failure limits', () => {
  describe('two instances sharing Redis', () => {
    let h: Harness;
    let t: Tenant;
    let apps: App[];
    beforeAll(async () => {
      h = await startHarness({ redis: true, env: { SIGN_IN_FAILURES_PER_EMAIL: '4' } });
      t = await h.tenant('shared-failures');
      apps = [h.app, (await h.otherInstance()).app];
    });
    afterAll(() => h?.close());

    it('count the failures of one e-mail together and both refuse it', async () => {
      const email = `member@${t.slug}.example`;
      const wrong = await wrongUntilRefused(apps, email);
      expect(wrong).toBeGreaterThanOrEqual(4);
      expect(wrong).toBeLessThanOrEqual(4 + 1);
      for (const app of apps) expect(await signIn(app, email, PASSWORD)).toBe('TooManySignInFailuresError');
      expect(await signIn(apps[1], `admin@${t.slug}.example`, PASSWORD)).toBe('MutationSignInSuccess');
      // Counted under the e-mail's digest: the e-mail itself is not written to Redis.
      const keys = await h.resources.redis!.keys(`${h.config.redis.prefix}rl:sign-in-failures:*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain('@');
      expect(keys[0]).toMatch(/:sign-in-failures:[A-Za-z0-9_-]{43}$/);
    });
  });

  describe('one instance without Redis', () => {
    let h: Harness;
    let t: Tenant;
    beforeAll(async () => {
      h = await startHarness({ env: { SIGN_IN_FAILURES_PER_EMAIL: '3' } });
      t = await h.tenant('memory-failures');
    });
    afterAll(() => h?.close());

    it('counts in memory, and a right password before the limit does not reset the count', async () => {
      const email = `member@${t.slug}.example`;
      expect(await signIn(h.app, email, 'wrong password a')).toBe('InvalidCredentialsError');
      expect(await signIn(h.app, email, PASSWORD)).toBe('MutationSignInSuccess');
      expect(await wrongUntilRefused([h.app], email)).toBe(2);
      expect(await signIn(h.app, email, PASSWORD)).toBe('TooManySignInFailuresError');
    });
  });
});
