// POST /webhooks/crm/:connector — changes made in the CRM, sent back to us. No API key: the body is
// signed with the organization's webhook secret (X-CRM-Signature: sha256=<hex HMAC-SHA256 of the raw
// body>), which rotateCrmWebhookSecret issues. The body names the organization by slug:
//   { "eventId": "…", "organization": "demo", "occurredAt": "2026-05-01T08:30:00Z",
//     "lead": "<Lead id>", "changes": { "status": "QUALIFIED", "owner": "…", "score": 80 } }
// Redeliveries of an event id answer 200 and change nothing; an event older than the newest applied
// one answers 200 with "stale". Writes outside GraphQL, so the lead's cached answers are dropped here.
// A client address that sends WEBHOOK_SIGNATURE_FAILURES badly signed calls for one organization in a
// minute is refused for that organization (429, before the database is asked) until the oldest of them
// is a minute old. Counted per address and organization: CRMs send every customer's events from the
// same servers, and one organization's wrong secret must not hold up another's events.
import type { AppPlugin } from './edge.ts';
import { invalidateEntities } from '../cache/response-cache.ts';
import type { ResponseCache } from '../cache/response-cache.ts';
import {
  applyCrmEvent,
  eventProblem,
  signatureMatches,
  SIGNATURE_HEADER,
  webhookSecretOf,
  type CrmEvent,
} from '../modules/leads/crm/webhooks.ts';
import { ORGANIZATION_SLUG } from '../db/tables/index.ts';
import type { FailureLimit } from '../limits/failure-limit.ts';
import type { Db } from '../resources.ts';
import type { ClientAddress } from './client-address.ts';
import { problem } from './responses.ts';

const PATH = /^\/webhooks\/crm\/([a-z0-9_-]{1,40})$/;
const MAX_BYTES = 64 * 1024;

type Deps = { db: Db; responseCache: ResponseCache; failures: FailureLimit; clientAddress: ClientAddress };

/** Signs the body of an unknown organization too, so that it answers in the time a bad signature takes. */
const NO_SECRET = { organizationId: 0, secret: 'whsec_unknown-organization' };

function refusedFor(ms: number): Response {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return problem(
    429,
    'RATE_LIMITED',
    `Too many badly signed calls for this organization from your address: retry after ${seconds} s, signing the raw body with the organization's current webhook secret (rotateCrmWebhookSecret).`,
    {},
    { 'Retry-After': String(seconds) },
  );
}

async function handle(deps: Deps, request: Request, connector: string, address: string | null): Promise<Response> {
  if (request.method !== 'POST') return problem(405, 'METHOD_NOT_ALLOWED', 'POST CRM events to this URL.');
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BYTES)
    return problem(413, 'TOO_LARGE', `An event body is at most ${MAX_BYTES} bytes.`);
  const raw = await request.text();
  if (raw.length > MAX_BYTES) return problem(413, 'TOO_LARGE', `An event body is at most ${MAX_BYTES} bytes.`);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return problem(400, 'BAD_JSON', 'The body is not JSON.');
  }
  const named = (body as { organization?: unknown })?.organization;
  // Only a well-formed slug is looked up or becomes part of a counter's key (a 60 KB one would not).
  const slug = typeof named === 'string' && ORGANIZATION_SLUG.test(named) ? named : null;
  const failureKey = address === null ? null : `${address} ${slug ?? ''}`;
  const blockedMs = failureKey === null ? 0 : deps.failures.blockedMs(failureKey);
  if (blockedMs > 0) return refusedFor(blockedMs);
  const settings = slug === null ? null : await webhookSecretOf(deps.db, slug);
  // Unknown organization and bad signature answer alike, in the same time, so the endpoint does not reveal tenants.
  const signed = signatureMatches((settings ?? NO_SECRET).secret, raw, request.headers.get(SIGNATURE_HEADER));
  if (!settings || !signed) {
    // Counted; from the limit on, this address's next calls for this organization are refused before the lookup.
    if (failureKey !== null) await deps.failures.fail(failureKey);
    return problem(
      401,
      'BAD_SIGNATURE',
      `Sign the raw body with your organization's webhook secret: ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256>.`,
    );
  }
  const bad = eventProblem(body);
  if (bad) return problem(422, 'BAD_EVENT', bad);
  const { outcome, leadId } = await applyCrmEvent(deps.db, settings.organizationId, connector, body as CrmEvent);
  if (outcome === 'applied' && leadId)
    await invalidateEntities(deps, settings.organizationId, [{ typename: 'Lead', id: leadId }]);
  return Response.json({ outcome }, { status: outcome === 'unknown_lead' ? 404 : 200 });
}

export function useCrmWebhooks(deps: Deps): AppPlugin {
  return {
    async onRequest({ request, url, serverContext, endResponse }) {
      const match = PATH.exec(url.pathname);
      if (!match) return;
      endResponse(await handle(deps, request, match[1], deps.clientAddress(request, serverContext)));
    },
  };
}
