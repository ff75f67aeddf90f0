// Operator commands: the first organization, key and user of a deployment, which nothing in the API
// can make (internal keys are made only by internal keys). They run on the database the other CLIs
// use (src/db/cli-database.ts) through the identity services; a secret is printed once, on stdout's
// last line, and never stored.
//   npm run org:create  -- --slug acme --name "Acme Fruit"
//   npm run key:create  -- --org acme --name ops --kind internal --scopes read,write,admin [--manifest m --persisted-only] [--expires 2027-01-01]
//   npm run key:revoke  -- --id 12
//   npm run user:create -- --org acme --email ops@acme.example --role admin   (password asked for, or read from stdin)
import { eq } from 'drizzle-orm';
import {
  cliEntry,
  CliError,
  configFrom,
  parseCommandArgs,
  runCommand,
  usageError,
  type CliIo,
} from '../../cli/command.ts';
import { openCliDatabase } from '../../db/cli-database.ts';
import { violatedConstraint } from '../../db/constraint.ts';
import { API_KEY_KINDS, ORGANIZATION_SLUG, persistedOperationTable, USER_ROLES } from '../../db/tables/index.ts';
import type { Scope } from '../../context.ts';
import { ValidationError } from '../../lib/errors.ts';
import { decodeGlobalId, encodeGlobalId } from '../../lib/global-id.ts';
import { createDb, createCliLogger, createSql, type Db } from '../../resources.ts';
import { MANIFEST_NAME } from '../persisted/documents.ts';
import { loadManifestFiles } from '../persisted/manifests.ts';
import { readPassword } from './password-input.ts';
import * as service from './service.ts';

/** Opens the CLI database, runs `fn` on it and closes everything, whatever `fn` does. */
async function withDatabase<T>(io: CliIo, fn: (db: Db) => Promise<T>): Promise<T> {
  const config = configFrom(io);
  const database = await openCliDatabase(config, createCliLogger(config));
  io.stderr.write(`Database: ${database.label}\n`);
  const sql = createSql(database.url, config, 2);
  try {
    return await fn(createDb(sql));
  } finally {
    await sql.end({ timeout: 3 });
    await database.close();
  }
}

async function organization(db: Db, slug: string) {
  const org = await service.findOrganizationBySlug(db, slug);
  if (!org)
    throw new CliError(
      `No organization "${slug}". Create it first: npm run org:create -- --slug ${slug} --name "Its name"`,
    );
  return org;
}

function required(values: Record<string, unknown>, name: string, usage: string): string {
  const value = values[name];
  if (typeof value !== 'string' || !value.trim()) throw usageError(`--${name} is required.`, usage);
  return value.trim();
}

/** A new password from the terminal or stdin, refused before any database work when it is too short. */
async function readNewPassword(io: CliIo): Promise<string> {
  const password = await readPassword(io);
  if (password.length < service.MIN_PASSWORD_LENGTH)
    throw new CliError(`The password needs at least ${service.MIN_PASSWORD_LENGTH} characters.`);
  return password;
}

/** The value of --`name`, which must be one of `allowed`. */
function oneOf<T extends string>(
  values: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
  usage: string,
): T {
  const value = values[name];
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw usageError(`--${name} "${value}" must be one of ${allowed.join(', ')}.`, usage);
}

/** A service's ValidationError, with its field named as the flag that sets it. */
function asCliError(err: unknown, flags: Record<string, string>): never {
  if (err instanceof ValidationError) {
    throw new CliError(err.issues.map((i) => `${flags[i.field] ?? i.field}: ${i.message}`).join('\n'));
  }
  throw err;
}

// ---- org:create ------------------------------------------------------------------------------

const ORG_USAGE = `usage: npm run org:create -- --slug <slug> --name <name>
  --slug   2-63 lower-case letters, digits and dashes, e.g. acme (unique)
  --name   the organization's name, e.g. "Acme Fruit"`;

async function orgCreate(argv: string[], io: CliIo) {
  const { values } = parseCommandArgs(argv, { slug: { type: 'string' }, name: { type: 'string' } }, ORG_USAGE);
  if (values.help) return void io.stdout.write(`${ORG_USAGE}\n`);
  const slug = required(values, 'slug', ORG_USAGE);
  const name = required(values, 'name', ORG_USAGE);
  if (!ORGANIZATION_SLUG.test(slug))
    throw usageError(
      `--slug "${slug}" must be 2-63 lower-case letters, digits and dashes, starting with a letter or digit.`,
      ORG_USAGE,
    );
  await withDatabase(io, async (db) => {
    const org = await service.createOrganization(db, { slug, name }).catch((err: unknown) => {
      if (violatedConstraint(err) === 'organizations_slug_key')
        throw new CliError(`An organization "${slug}" exists already: choose another --slug.`);
      throw err;
    });
    io.stdout.write(
      `Created organization ${org.slug} "${org.name}" (id ${org.id}).\n` +
        `Next, its first key: npm run key:create -- --org ${org.slug} --name ops --kind internal --scopes read,write,admin\n`,
    );
  });
}

// ---- key:create ------------------------------------------------------------------------------

const KEY_USAGE = `usage: npm run key:create -- --org <slug> --name <name> --scopes read,write,admin [options]
  --org             the organization's slug
  --name            who uses the key, e.g. ops or "FreshTrack sync"
  --kind            ${API_KEY_KINDS.join(' | ')} (default partner): partner for integrations, internal for
                    our own services (larger budgets, /metrics), user for a service acting as a front end
  --scopes          comma-separated: ${service.SCOPES.join(', ')}
  --manifest        the partner manifest whose persisted operations the key may run by hash, e.g. freshtrack
  --persisted-only  the key may run only its manifest's persisted operations (needs --manifest)
  --expires         when the key stops working, e.g. 2027-01-01 or 2027-01-01T12:00:00Z
  --rate-limit      requests per minute for this key (default: the platform's limit)
The key is printed once, on the last line; only a hash of it is stored.`;

function parseScopes(text: string): Scope[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (!scopes.length) throw usageError('--scopes needs at least one scope.', KEY_USAGE);
  for (const scope of scopes) {
    if (!(service.SCOPES as readonly string[]).includes(scope)) {
      throw usageError(
        `Unknown scope "${scope}" in --scopes: use a comma-separated list of ${service.SCOPES.join(', ')}.`,
        KEY_USAGE,
      );
    }
  }
  return [...new Set(scopes)] as Scope[];
}

async function knownManifests(db: Db, organizationId: number): Promise<Set<string>> {
  const registered = await db
    .selectDistinct({ manifest: persistedOperationTable.manifest })
    .from(persistedOperationTable)
    .where(eq(persistedOperationTable.organizationId, organizationId));
  return new Set([...loadManifestFiles().keys(), ...registered.map((r) => r.manifest)]);
}

async function keyCreate(argv: string[], io: CliIo) {
  const { values } = parseCommandArgs(
    argv,
    {
      org: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string', default: 'partner' },
      scopes: { type: 'string' },
      manifest: { type: 'string' },
      'persisted-only': { type: 'boolean', default: false },
      expires: { type: 'string' },
      'rate-limit': { type: 'string' },
    },
    KEY_USAGE,
  );
  if (values.help) return void io.stdout.write(`${KEY_USAGE}\n`);
  const slug = required(values, 'org', KEY_USAGE);
  const name = required(values, 'name', KEY_USAGE);
  const kind = oneOf(values, 'kind', API_KEY_KINDS, KEY_USAGE);
  const scopes = parseScopes(required(values, 'scopes', KEY_USAGE));
  const manifest = values.manifest;
  if (manifest !== undefined && !MANIFEST_NAME.test(manifest))
    throw usageError(`--manifest "${manifest}" must be 2-63 lower-case letters, digits and dashes.`, KEY_USAGE);
  const persistedOnly = values['persisted-only'] as boolean;
  if (persistedOnly && !manifest)
    throw usageError(
      "--persisted-only needs --manifest <name>: the key may run only that manifest's operations.",
      KEY_USAGE,
    );
  let expiresAt: string | null = null;
  if (values.expires !== undefined) {
    const time = Date.parse(values.expires);
    if (Number.isNaN(time))
      throw usageError(
        `--expires "${values.expires}" is not a date: use e.g. 2027-01-01 or 2027-01-01T12:00:00Z.`,
        KEY_USAGE,
      );
    expiresAt = new Date(time).toISOString();
  }
  const rateText = values['rate-limit'];
  if (rateText !== undefined && !/^[1-9]\d{0,5}$/.test(rateText))
    throw usageError(`--rate-limit "${rateText}" must be 1-999999 requests per minute.`, KEY_USAGE);

  await withDatabase(io, async (db) => {
    const org = await organization(db, slug);
    if (manifest && !(await knownManifests(db, org.id)).has(manifest)) {
      io.stderr.write(
        `Note: manifest "${manifest}" has no operations yet (neither in seeds/persisted/ nor registered by ${slug}); the key can run none of it until some are registered.\n`,
      );
    }
    const { key, record } = await service
      .createApiKey(db, org.id, {
        name,
        kind,
        scopes,
        manifest: manifest ?? null,
        persistedOnly,
        expiresAt,
        rateLimitPerMinute: rateText === undefined ? null : Number(rateText),
      })
      .catch((err: unknown) => asCliError(err, { name: '--name', expiresAt: '--expires' }));
    const details = [
      `scopes ${record.scopes.join(', ')}`,
      record.manifest
        ? `manifest ${record.manifest}${record.persistedOnly ? ', persisted operations only' : ''}`
        : undefined,
      record.expiresAt ? `expires ${record.expiresAt}` : 'never expires',
      record.rateLimitPerMinute ? `${record.rateLimitPerMinute} requests/min` : undefined,
    ].filter(Boolean);
    io.stdout.write(
      `Created ${record.kind} key "${record.name}" for ${org.slug}: id ${record.id} (${encodeGlobalId('ApiKey', record.id)}), ${details.join('; ')}.\n` +
        `This is the only time the key is shown: store it now. Revoke it with: npm run key:revoke -- --id ${record.id}\n` +
        `${key}\n`,
    );
  });
}

// ---- key:revoke ------------------------------------------------------------------------------

const REVOKE_USAGE = `usage: npm run key:revoke -- --id <id>
  --id   the key's id as key:create printed it: a number (12) or its global id (QXBpS2V5OjEy)
The key stops working at once, on every server.`;

function parseKeyId(text: string): number {
  if (/^\d{1,12}$/.test(text)) return Number(text);
  try {
    const { typename, id } = decodeGlobalId(text);
    if (typename === 'ApiKey') return Number(id);
  } catch {
    // not a global id either: said below
  }
  throw usageError(
    `--id "${text}" is not a key id: pass the number or the ApiKey id that key:create printed.`,
    REVOKE_USAGE,
  );
}

async function keyRevoke(argv: string[], io: CliIo) {
  const { values } = parseCommandArgs(argv, { id: { type: 'string' } }, REVOKE_USAGE);
  if (values.help) return void io.stdout.write(`${REVOKE_USAGE}\n`);
  const id = parseKeyId(required(values, 'id', REVOKE_USAGE));
  await withDatabase(io, async (db) => {
    const key = await service.findApiKeyById(db, id);
    if (!key) throw new CliError(`No API key with id ${id}: key:create printed the id of each key it made.`);
    const wasRevoked = key.revokedAt;
    const record = (await service.revokeApiKey(db, key.organizationId, id))!;
    io.stdout.write(
      wasRevoked
        ? `Key ${id} "${record.name}" was already revoked (at ${record.revokedAt}).\n`
        : `Revoked ${record.kind} key ${id} "${record.name}" (hgk_${record.keyId}…) at ${record.revokedAt}; it is refused from now on.\n`,
    );
  });
}

// ---- user:create -----------------------------------------------------------------------------

const USER_USAGE = `usage: npm run user:create -- --org <slug> --email <e-mail> [--role admin|member] [--name <name>]
  --org     the organization's slug
  --email   the user's e-mail, used to sign in (unique across organizations)
  --role    ${USER_ROLES.join(' | ')} (default member): admins also manage keys, prices and the catalog
  --name    the user's name (default: the part of the e-mail before @)
The password (12+ characters) is asked for on a terminal, or read from stdin:
  printf '%s' "$PASSWORD" | npm run user:create -- --org acme --email ops@acme.example --role admin`;

async function userCreate(argv: string[], io: CliIo) {
  const { values } = parseCommandArgs(
    argv,
    {
      org: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string', default: 'member' },
      name: { type: 'string' },
    },
    USER_USAGE,
  );
  if (values.help) return void io.stdout.write(`${USER_USAGE}\n`);
  const slug = required(values, 'org', USER_USAGE);
  const email = required(values, 'email', USER_USAGE).toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 320)
    throw usageError(`--email "${email}" is not an e-mail address.`, USER_USAGE);
  const role = oneOf(values, 'role', USER_ROLES, USER_USAGE);
  const name = values.name?.trim() || email.split('@')[0];
  const password = await readNewPassword(io);

  await withDatabase(io, async (db) => {
    const org = await organization(db, slug);
    const user = await service
      .createUser(db, { organizationId: org.id, email, name, password, role })
      .catch((err: unknown) => {
        if (violatedConstraint(err) === 'users_email_key')
          throw new CliError(`A user with e-mail ${email} exists already (e-mails are unique across organizations).`);
        return asCliError(err, { password: 'password' });
      });
    io.stdout.write(
      `Created ${user.role} ${user.email} (id ${user.id}) in ${org.slug}. They sign in with the signIn mutation.\n`,
    );
  });
}

// ---- user:password ---------------------------------------------------------------------------

const PASSWORD_USAGE = `usage: npm run user:password -- --email <e-mail>
  --email   the user's e-mail
Sets a new password (12+ characters), asked for on a terminal or read from stdin:
  printf '%s' "$PASSWORD" | npm run user:password -- --email ops@acme.example
For a user who lost theirs. Sign-in tokens already issued stay valid until they expire, and failed
sign-ins keep counting against the e-mail for up to 15 minutes (SIGN_IN_FAILURES_PER_EMAIL).`;

async function userPassword(argv: string[], io: CliIo) {
  const { values } = parseCommandArgs(argv, { email: { type: 'string' } }, PASSWORD_USAGE);
  if (values.help) return void io.stdout.write(`${PASSWORD_USAGE}\n`);
  const email = required(values, 'email', PASSWORD_USAGE).toLowerCase();
  const password = await readNewPassword(io);
  await withDatabase(io, async (db) => {
    const user = await service
      .setPassword(db, email, password)
      .catch((err: unknown) => asCliError(err, { password: 'password' }));
    if (!user)
      throw new CliError(
        `No user with e-mail ${email}. Create one with: npm run user:create -- --org <slug> --email ${email}`,
      );
    io.stdout.write(
      `Set a new password for ${user.role} ${user.email} (id ${user.id}). They sign in with it from now on.\n`,
    );
  });
}

// ---- entry -----------------------------------------------------------------------------------

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<void>> = {
  'org:create': orgCreate,
  'key:create': keyCreate,
  'key:revoke': keyRevoke,
  'user:create': userCreate,
  'user:password': userPassword,
};

export async function runIdentityCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    io.stderr.write(`usage: node src/modules/identity/cli.ts <${Object.keys(COMMANDS).join(' | ')}> [--help]\n`);
    return 2;
  }
  return runCommand(io, () => command(rest, io));
}

if (import.meta.main) await cliEntry(runIdentityCli);
