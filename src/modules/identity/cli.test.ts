// The operator commands, run in-process on this file's database (DATABASE_URL): each one's happy
// path and a bad input, and what they made working through the API (keys authenticate, a revoked
// key is refused, the user signs in).
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/command.ts';
import { startHarness, type Harness } from '../../test/harness.ts';
import { options } from '../../test/cli.ts';
import { runIdentityCli } from './cli.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Run = { code: number; stdout: string; stderr: string; lastLine: string };

async function run(argv: string[], stdin: string | CliIo['stdin'] = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: h.db.url },
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: typeof stdin === 'string' ? Readable.from([stdin]) : stdin,
  };
  const code = await runIdentityCli(argv, io);
  return { code, stdout, stderr, lastLine: stdout.trimEnd().split('\n').at(-1)! };
}

const slug = () => `acme-${randomBytes(3).toString('hex')}`;
const viewer = (key: string) => h.gql('{ viewer { tier scopes organization { slug name } } }', { auth: key });

describe('org:create', () => {
  it('creates an organization and names the next step', async () => {
    const s = slug();
    const r = await run(['org:create', '--slug', s, '--name', 'Acme Fruit']);
    expect(r).toMatchObject({ code: 0, stderr: expect.stringContaining('Database: PostgreSQL at') });
    expect(r.stdout).toMatch(new RegExp(`Created organization ${s} "Acme Fruit" \\(id \\d+\\)`));
    expect(r.stdout).toContain(`npm run key:create -- --org ${s}`);
  });

  it('refuses a taken slug and a malformed one', async () => {
    const s = slug();
    expect((await run(['org:create', '--slug', s, '--name', 'A'])).code).toBe(0);
    const again = await run(['org:create', '--slug', s, '--name', 'B']);
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toContain(`An organization "${s}" exists already: choose another --slug.`);
    const bad = await run(['org:create', '--slug', 'Acme Fruit', '--name', 'B']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--slug "Acme Fruit" must be 2-63 lower-case letters');
    expect(bad.stderr).toContain('usage: npm run org:create');
  });

  it('prints its usage with --help, and refuses unknown flags', async () => {
    expect(await run(['org:create', '--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('usage: npm run org:create'),
    });
    const r = await run(['org:create', '--slgu', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--slgu'/);
  });
});

describe('key:create', () => {
  it('prints a working internal key on its last line, once', async () => {
    const s = slug();
    await run(['org:create', '--slug', s, '--name', 'Acme Fruit']);
    const r = await run([
      'key:create',
      ...options({ org: s, name: 'ops', kind: 'internal', scopes: 'read,write,admin' }),
    ]);
    expect(r.code).toBe(0);
    expect(r.lastLine).toMatch(/^hgk_[0-9a-f]+_\S+$/);
    expect(r.stdout.split(r.lastLine)).toHaveLength(2);
    expect(r.stderr).not.toContain(r.lastLine);
    const { body } = await viewer(r.lastLine);
    expect(body.data.viewer).toEqual({
      tier: 'INTERNAL',
      scopes: ['READ', 'WRITE', 'ADMIN'],
      organization: { slug: s, name: 'Acme Fruit' },
    });
  });

  it('makes persisted-only partner keys with a manifest and an expiry, and user keys', async () => {
    const s = slug();
    await run(['org:create', '--slug', s, '--name', 'Acme']);
    const partner = await run([
      'key:create',
      ...options({
        org: s,
        name: 'freshtrack',
        kind: 'partner',
        scopes: 'read',
        manifest: 'freshtrack',
        'persisted-only': true,
        expires: '2099-01-01',
      }),
    ]);
    expect(partner.code).toBe(0);
    expect(partner.stdout).toContain('manifest freshtrack, persisted operations only; expires 2099-01-01');
    // A persisted-only key cannot send an ad-hoc query.
    expect((await viewer(partner.lastLine)).body.errors?.[0].message).toMatch(/persisted/i);
    const user = await run(['key:create', '--org', s, '--name', 'web', '--kind', 'user', '--scopes', 'read,write']);
    expect((await viewer(user.lastLine)).body.data.viewer).toMatchObject({ tier: 'USER', scopes: ['READ', 'WRITE'] });
  });

  it('refuses an unknown organization, scope or kind, and a past expiry, naming the fix', async () => {
    const unknownOrg = await run(['key:create', '--org', 'no-such-org', '--name', 'ops', '--scopes', 'read']);
    expect(unknownOrg).toMatchObject({ code: 1, stdout: '' });
    expect(unknownOrg.stderr).toContain(
      'No organization "no-such-org". Create it first: npm run org:create -- --slug no-such-org',
    );
    const scope = await run(['key:create', '--org', 'demo', '--name', 'ops', '--scopes', 'read,wrte']);
    expect(scope).toMatchObject({ code: 2, stdout: '' });
    expect(scope.stderr).toContain(
      'Unknown scope "wrte" in --scopes: use a comma-separated list of read, write, admin.',
    );
    const kind = await run(['key:create', '--org', 'demo', '--name', 'ops', '--scopes', 'read', '--kind', 'robot']);
    expect(kind.stderr).toContain('--kind "robot" must be one of partner, internal, user.');
    const persisted = await run([
      'key:create',
      ...options({ org: 'demo', name: 'ops', scopes: 'read', 'persisted-only': true }),
    ]);
    expect(persisted.stderr).toContain('--persisted-only needs --manifest');
    const s = slug();
    await run(['org:create', '--slug', s, '--name', 'Acme']);
    const past = await run(['key:create', '--org', s, '--name', 'ops', '--scopes', 'read', '--expires', '2001-01-01']);
    expect(past).toMatchObject({ code: 1, stdout: '' });
    expect(past.stderr).toContain('--expires: The expiry must be in the future.');
  });
});

describe('key:revoke', () => {
  it('revokes a key by its number or global id, at once; again is a no-op', async () => {
    const s = slug();
    await run(['org:create', '--slug', s, '--name', 'Acme']);
    const made = await run(['key:create', '--org', s, '--name', 'ops', '--scopes', 'read']);
    const id = /id (\d+) \((\S+)\)/.exec(made.stdout)!;
    expect((await viewer(made.lastLine)).status).toBe(200);
    const revoked = await run(['key:revoke', '--id', id[2]]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`Revoked partner key ${id[1]} "ops"`));
    expect((await viewer(made.lastLine)).status).toBe(401);
    const again = await run(['key:revoke', '--id', id[1]]);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('was already revoked') });
  });

  it('refuses an unknown id and one that is not an id', async () => {
    const unknown = await run(['key:revoke', '--id', '987654321']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toContain('No API key with id 987654321');
    const bad = await run(['key:revoke', '--id', 'hgk_oops']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--id "hgk_oops" is not a key id');
  });
});

describe('user:create', () => {
  it('reads the password from stdin; the user signs in with it', async () => {
    const s = slug();
    await run(['org:create', '--slug', s, '--name', 'Acme']);
    const email = `Ops@${s}.example`;
    const r = await run(['user:create', '--org', s, '--email', email, '--role', 'admin'], 'a-long-password-1\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Created admin ops@${s}.example \\(id \\d+\\) in ${s}`));
    expect(r.stdout + r.stderr).not.toContain('a-long-password-1');
    const signIn = await h.gql(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename ... on MutationSignInSuccess { data { token } } } }`,
      { variables: { e: email, p: 'a-long-password-1' } },
    );
    const token = signIn.body.data.signIn.data.token;
    expect((await h.gql('{ viewer { scopes organization { slug } } }', { auth: token })).body.data.viewer).toEqual({
      scopes: ['READ', 'WRITE', 'ADMIN'],
      organization: { slug: s },
    });
  });

  it('asks for the password twice on a terminal, without echo', async () => {
    const s = slug();
    await run(['org:create', '--slug', s, '--name', 'Acme']);
    const terminal = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[] });
    const tty = Object.assign(terminal, { setRawMode: (raw: boolean) => terminal.rawModes.push(raw) });
    // Typed one key at a time, with a typo corrected by backspace, Enter as a carriage return.
    const typing = (async () => {
      for (const key of [...'a-long-passwordX', '\u007f', ...'-1\r', ...'a-long-password-1\r']) {
        await new Promise((r) => setTimeout(r, 2));
        tty.write(key);
      }
    })();
    const r = await run(['user:create', '--org', s, '--email', `tty@${s}.example`], tty);
    await typing;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Password (12+ characters): \nSame password again: \n');
    expect(r.stdout + r.stderr).not.toContain('a-long-password');
    expect(tty.rawModes).toEqual([true, false, true, false]);
    const signIn = await h.gql(
      `mutation($e: String!) { signIn(email: $e, password: "a-long-password-1") { __typename } }`,
      {
        variables: { e: `tty@${s}.example` },
      },
    );
    expect(signIn.body.data.signIn.__typename).toBe('MutationSignInSuccess');
  });

  it('refuses an unknown organization, a short or missing password and a taken e-mail', async () => {
    const unknown = await run(['user:create', '--org', 'no-such-org', '--email', 'a@b.example'], 'a-long-password-1');
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('No organization "no-such-org"') });
    expect((await run(['user:create', '--org', 'demo', '--email', 'a@b.example'], 'short')).stderr).toContain(
      'The password needs at least 12 characters.',
    );
    expect((await run(['user:create', '--org', 'demo', '--email', 'a@b.example'], '')).stderr).toContain(
      'No password on stdin.',
    );
    const s = slug();
    await run(['org:create', '--slug', s, '--name', 'Acme']);
    await run(['user:create', '--org', s, '--email', `x@${s}.example`], 'a-long-password-1');
    const taken = await run(['user:create', '--org', s, '--email', `X@${s}.example`], 'a-long-password-1');
    expect(taken).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`A user with e-mail x@${s}.example exists already`),
    });
  });
});

describe('user:password', () => {
  const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename } }`;
  const signIn = async (e: string, p: string) =>
    (await h.gql(SIGN_IN, { variables: { e, p } })).body.data.signIn.__typename as string;

  it('sets a new password: the user signs in with it, and no longer with the old one', async () => {
    const s = slug();
    await run(['org:create', '--slug', s, '--name', 'Acme']);
    await run(['user:create', '--org', s, '--email', `ops@${s}.example`], 'the-first-password');
    const r = await run(['user:password', '--email', `OPS@${s}.example`], 'the-second-password\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Set a new password for member ops@${s}.example \\(id \\d+\\)`));
    expect(r.stdout + r.stderr).not.toContain('the-second-password');
    expect(await signIn(`ops@${s}.example`, 'the-second-password')).toBe('MutationSignInSuccess');
    expect(await signIn(`ops@${s}.example`, 'the-first-password')).toBe('InvalidCredentialsError');
  });

  it('refuses an unknown e-mail and a short password, and changes nothing', async () => {
    const unknown = await run(['user:password', '--email', 'nobody@nowhere.example'], 'a-long-password-1');
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('No user with e-mail nobody@nowhere.example'),
    });
    const s = slug();
    await run(['org:create', '--slug', s, '--name', 'Acme']);
    await run(['user:create', '--org', s, '--email', `kept@${s}.example`], 'the-first-password');
    const short = await run(['user:password', '--email', `kept@${s}.example`], 'short');
    expect(short).toMatchObject({ code: 1, stderr: expect.stringContaining('at least 12 characters') });
    expect(await signIn(`kept@${s}.example`, 'the-first-password')).toBe('MutationSignInSuccess');
    expect((await run(['user:password'])).code).toBe(2);
  });
});

it('names the commands when given none or an unknown one', async () => {
  const r = await run(['key:list']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('org:create | key:create | key:revoke | user:create | user:password');
});
