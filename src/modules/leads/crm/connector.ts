// The CRM behind an interface. A push is an upsert of one lead keyed by OUR lead id, carrying the
// lead's version: a repeated push (after a crash, or a retry whose first try did land) is harmless,
// and a CRM that keeps the version can refuse an older state arriving late.
import type { Config } from '../../../config.ts';
import { crmPushTable, type CrmConnectorKind } from '../../../db/tables/index.ts';
import type { Db } from '../../../resources.ts';

export type CrmLead = {
  id: string;
  version: number;
  name: string;
  email: string;
  phone: string | null;
  company: string | null;
  source: string;
  status: string;
  owner: string | null;
  score: number | null;
  updatedAt: string;
};

export type PushOutcome =
  | { ok: true }
  | { ok: false; error: string /** the CRM said when to come back (429 / 503 Retry-After) */; retryAfterMs?: number };

export type CrmConnector = {
  kind: CrmConnectorKind;
  push(organizationId: number, leadId: number, lead: CrmLead, signal: AbortSignal): Promise<PushOutcome>;
  close(): void;
};

/** Zero-setup CRM: each push is a row of crm_pushes in our own database. */
export function builtinConnector(db: Db): CrmConnector {
  return {
    kind: 'builtin',
    async push(organizationId, leadId, lead) {
      await db.insert(crmPushTable).values({ organizationId, leadId, version: lead.version, payload: lead });
      return { ok: true };
    },
    close() {},
  };
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** PUT <CRM_URL>/leads/<our lead id> with the lead as JSON; 2xx is done, anything else is retried. */
export function httpConnector(config: Config['crm']): CrmConnector {
  if (!config.url) throw new Error('CRM_URL is not set');
  const base = config.url.replace(/\/$/, '');
  return {
    kind: 'http',
    async push(_organizationId, _leadId, lead, signal) {
      const timeout = AbortSignal.timeout(config.timeoutMs);
      try {
        const response = await fetch(`${base}/leads/${encodeURIComponent(lead.id)}`, {
          method: 'PUT',
          headers: {
            'content-type': 'application/json',
            ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
          },
          body: JSON.stringify(lead),
          signal: AbortSignal.any([signal, timeout]),
        });
        const text = await response.text().catch(() => '');
        if (response.ok) return { ok: true };
        return {
          ok: false,
          error: `CRM answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
          retryAfterMs:
            response.status === 429 || response.status === 503
              ? retryAfterMs(response.headers.get('retry-after'))
              : undefined,
        };
      } catch (err) {
        if (timeout.aborted) return { ok: false, error: `CRM did not answer within ${config.timeoutMs} ms` };
        if (signal.aborted) throw err;
        return { ok: false, error: `CRM unreachable: ${(err as Error).message}` };
      }
    },
    close() {},
  };
}

export function createConnectors(db: Db, config: Config['crm']): Record<CrmConnectorKind, CrmConnector | undefined> {
  return { builtin: builtinConnector(db), http: config.url ? httpConnector(config) : undefined };
}
