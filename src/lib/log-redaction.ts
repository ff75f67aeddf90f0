// What our logs may carry: never SQL parameters, secrets or hashes. drizzle writes a failed
// statement's parameters into its error message ("Failed query: …\nparams: …"), postgres.js keeps them
// on the error (parameters, args) and PostgreSQL quotes the offending values in `detail` and `where`,
// so a failed key insert logged its secret hash. Errors are serialized here instead, and the usual
// places of credentials are redacted by path.
import type { LoggerOptions } from 'pino';

const DROPPED = new Set([
  'params',
  'parameters',
  'args',
  'detail',
  'where',
  'types',
  'query_params',
  'secretHash',
  'secret_hash',
  'passwordHash',
  'password_hash',
  'password',
]);

function scrub(text: string | undefined): string | undefined {
  return text?.replace(/\nparams: .*(?:\n(?!\s+at ).*)*/, '\nparams: [redacted]');
}

export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const out: Record<string, unknown> = { type: err.name, message: scrub(err.message), stack: scrub(err.stack) };
  for (const [key, value] of Object.entries(err)) {
    if (DROPPED.has(key) || key === 'cause' || key === 'message' || key === 'stack') continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
  }
  // The statement's text (placeholders, not values) is worth having; postgres.js keeps it non-enumerable.
  const query = (err as { query?: unknown }).query;
  if (typeof query === 'string') out.query = query.slice(0, 2_000);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  if (err.cause !== undefined && depth < 3) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.password',
  '*.passwordHash',
  '*.secretHash',
  '*.secret_hash',
  '*.jwtSecret',
  '*.token',
];

export function loggerOptions(level: string, serverId: string): LoggerOptions {
  return {
    level,
    base: { server: serverId },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError },
  };
}
