// The external scoring API's JSON, both ways: our HTTP provider writes requests and reads responses,
// the mock provider reads requests and writes responses. Amounts are decimal rupee strings.
//
//   POST <PROVIDER_URL>  { "customer_ref": "C-1", "monthly_spend": { "groceries": "5400.00", ... }, "gmv": "21000.00" }
//   200 { "customer_ref": "C-1", "recommendations": [ { "card_code": "SBI-CASHBACK", "card_name": "Cashback",
//         "net_savings": "8200.00", "yearly_rewards": "9199.00", "fees": "999.00" }, ... ] }
//
// Every call carries an `Idempotency-Key` header naming the (job, customer) pair, the same for every
// call ever made for that customer of that job: retries after a 5xx, a timeout or a dropped
// connection, calls after a 429, the calls of a chunk run again after its worker crashed, and those
// of retryFailedRecommendations, and the second call of a hedged call (runner.ts). A provider that
// honours it answers a repeated key from its record of the first answer instead of scoring (and
// billing) the customer again; one that ignores it scores those calls again, as it would without the
// key (set PROVIDER_HEDGE=false for it, so that only retries repeat a call). The key is `rj1-<job>-<seq>`: <job> is 16 hex digits of SHA-256 over the job's
// organization id, id and creation time (unique across databases that share a provider account, and
// revealing nothing), <seq> the customer's 1-based position in the job's input.
import { createHash } from 'node:crypto';
import { paiseFromRupees, rupeesFromPaise } from '../../../lib/money.ts';
import { rankRecommendations, SPEND_CATEGORIES, type CustomerSpend, type Recommendation } from '../catalog/scoring.ts';
import { ProviderCallError } from './retry.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The job part of its customers' Idempotency-Keys. */
export function idempotencyPrefix(job: { organizationId: number; id: number; createdAt: string }): string {
  return `rj1-${createHash('sha256').update(`${job.organizationId}:${job.id}:${job.createdAt}`).digest('hex').slice(0, 16)}`;
}

export function idempotencyKey(prefix: string, seq: number): string {
  return `${prefix}-${seq}`;
}

export type WireRequest = { customer_ref: string; monthly_spend: Record<string, string>; gmv: string | null };
export type WireRecommendation = {
  card_code: string;
  card_name?: string;
  net_savings: string;
  yearly_rewards?: string;
  fees?: string;
};

export function toWireRequest(customer: CustomerSpend): WireRequest {
  return {
    customer_ref: customer.customerRef,
    monthly_spend: Object.fromEntries(SPEND_CATEGORIES.map((c) => [c, rupeesFromPaise(customer.spend[c])])),
    gmv: customer.gmv === null ? null : rupeesFromPaise(customer.gmv),
  };
}

/** For the mock provider: null when the body is not a valid request. */
export function fromWireRequest(body: unknown): CustomerSpend | null {
  const b = body as Partial<WireRequest> | null;
  if (!b || typeof b.customer_ref !== 'string' || typeof b.monthly_spend !== 'object' || !b.monthly_spend) return null;
  const spend = {} as CustomerSpend['spend'];
  for (const c of SPEND_CATEGORIES) {
    const paise = paiseFromRupees(String(b.monthly_spend[c] ?? '0'));
    if (paise === null) return null;
    spend[c] = paise;
  }
  const gmv = b.gmv == null ? null : paiseFromRupees(String(b.gmv));
  if (b.gmv != null && gmv === null) return null;
  return { customerRef: b.customer_ref, spend, gmv };
}

export function toWireRecommendations(recs: Recommendation[]): WireRecommendation[] {
  return recs.map((r) => ({
    card_code: r.code,
    card_name: r.name,
    net_savings: rupeesFromPaise(r.netSavingsPaise),
    yearly_rewards: rupeesFromPaise(r.yearlyRewardsPaise),
    fees: rupeesFromPaise(r.feesPaise),
  }));
}

function signedPaise(value: unknown, field: string): number {
  const text = String(value ?? '');
  const negative = text.trim().startsWith('-');
  const paise = paiseFromRupees(negative ? text.trim().slice(1) : text);
  if (paise === null)
    throw new ProviderCallError(
      'invalid_response',
      `the provider sent ${field} ${JSON.stringify(value)}, not an amount`,
      { retryable: false },
    );
  return negative ? -paise : paise;
}

/**
 * Reads a provider response into our recommendations, enforcing our rules whatever the provider
 * did: negatives dropped, ranked by net savings, at most 10. Unknown cards keep their code.
 */
export function fromWireResponse(
  body: unknown,
  cardIds: ReadonlyMap<string, { id: number; name: string }>,
): Recommendation[] {
  const list = (body as { recommendations?: unknown } | null)?.recommendations;
  if (!Array.isArray(list))
    throw new ProviderCallError('invalid_response', 'the provider response has no recommendations list', {
      retryable: false,
    });
  return rankRecommendations(
    list.map((item: WireRecommendation) => {
      if (!item || typeof item.card_code !== 'string') {
        throw new ProviderCallError('invalid_response', 'a recommendation in the provider response has no card_code', {
          retryable: false,
        });
      }
      const known = cardIds.get(item.card_code);
      return {
        cardId: known?.id ?? null,
        code: item.card_code,
        name: known?.name ?? item.card_name ?? item.card_code,
        netSavingsPaise: signedPaise(item.net_savings, 'net_savings'),
        yearlyRewardsPaise: item.yearly_rewards == null ? 0 : signedPaise(item.yearly_rewards, 'yearly_rewards'),
        feesPaise: item.fees == null ? 0 : signedPaise(item.fees, 'fees'),
      };
    }),
  );
}
