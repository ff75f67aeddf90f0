// Whether an error means the database connection went away (restart, failover, network) rather than
// the statement failing: postgres.js connection errors and PostgreSQL's shutdown and connection
// SQLSTATEs, on the error or its causes (drizzle wraps them). Such requests may be sent again.
const CONNECTION_LOSS = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

export function isConnectionLoss(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_LOSS.has(code)) return true;
  }
  return false;
}
