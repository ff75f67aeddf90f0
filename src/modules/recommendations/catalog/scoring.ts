// The built-in scorer, pure and exact: integer paise and basis points only, so the same customer and
// catalog always give the same ranking, on any machine, in any chunking.
//
// For each card: monthly reward per category = floor(spend × rate / 10,000), capped per month;
// yearly rewards = 12 × the monthly total; fees = joining fee + annual fee (waived when the
// customer's yearly spend reaches the card's waiver threshold); net savings = yearly rewards +
// welcome benefit − fees. Cards with negative net savings are never recommended; the top 10 are
// ranked by net savings, then by card code so ties rank the same way every time.

import { SPEND_CATEGORY_VALUES } from '../../../db/tables/index.ts';

/** The categories of spend, in the order of the database's enum (card_reward_rates.category). */
export const SPEND_CATEGORIES = SPEND_CATEGORY_VALUES;
export type SpendCategory = (typeof SPEND_CATEGORIES)[number];

export const TOP_N = 10;

/** A customer's monthly spend in paise per category; gmv is their total monthly spend when known. */
export type CustomerSpend = { customerRef: string; spend: Record<SpendCategory, number>; gmv: number | null };

export type RewardRate = { rateBps: number; monthlyCapPaise: number | null };

export type CatalogCard = {
  id: number | null;
  code: string;
  name: string;
  issuer: string;
  annualFeePaise: number;
  joiningFeePaise: number;
  /** Yearly spend at which the annual fee is waived; null when it never is. */
  feeWaiverSpendPaise: number | null;
  welcomeBenefitPaise: number;
  /** Rate for categories without a rate of their own. */
  baseRateBps: number;
  rates: Partial<Record<SpendCategory, RewardRate>>;
};

/** A card's own columns, as stored in `cards` and read back (everything but its id and rates). */
export type CardFields = Omit<CatalogCard, 'id' | 'rates'>;

/** Picks a card's own columns from anything that carries them (a stored row, a seed spec). */
export function cardFields(card: CardFields): CardFields {
  const { code, name, issuer, annualFeePaise, joiningFeePaise, feeWaiverSpendPaise, welcomeBenefitPaise, baseRateBps } =
    card;
  return { code, name, issuer, annualFeePaise, joiningFeePaise, feeWaiverSpendPaise, welcomeBenefitPaise, baseRateBps };
}

export type Recommendation = {
  rank: number;
  cardId: number | null;
  code: string;
  name: string;
  netSavingsPaise: number;
  yearlyRewardsPaise: number;
  feesPaise: number;
};

export function monthlySpend(customer: CustomerSpend): number {
  return customer.gmv ?? SPEND_CATEGORIES.reduce((sum, c) => sum + customer.spend[c], 0);
}

export function scoreCard(card: CatalogCard, customer: CustomerSpend) {
  let monthlyRewards = 0;
  for (const category of SPEND_CATEGORIES) {
    const rate = card.rates[category] ?? { rateBps: card.baseRateBps, monthlyCapPaise: null };
    const earned = Math.floor((customer.spend[category] * rate.rateBps) / 10_000);
    monthlyRewards += rate.monthlyCapPaise === null ? earned : Math.min(earned, rate.monthlyCapPaise);
  }
  const yearlyRewardsPaise = monthlyRewards * 12;
  const yearlySpend = monthlySpend(customer) * 12;
  const waived = card.feeWaiverSpendPaise !== null && yearlySpend >= card.feeWaiverSpendPaise;
  const feesPaise = card.joiningFeePaise + (waived ? 0 : card.annualFeePaise);
  return { yearlyRewardsPaise, feesPaise, netSavingsPaise: yearlyRewardsPaise + card.welcomeBenefitPaise - feesPaise };
}

/** Ranks recommendations: net savings descending, then card code; drops negatives; keeps the top 10. */
export function rankRecommendations(items: Omit<Recommendation, 'rank'>[]): Recommendation[] {
  return items
    .filter((r) => r.netSavingsPaise >= 0)
    .sort((a, b) => b.netSavingsPaise - a.netSavingsPaise || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .slice(0, TOP_N)
    .map((r, i) => ({ ...r, rank: i + 1 }));
}

/** The catalog as flat arrays, compiled once per catalog (recommend is called 200,000 times a job). */
type CompiledCatalog = {
  cards: readonly CatalogCard[];
  rates: Float64Array;
  caps: Float64Array; // -1: no cap
  order: Int32Array; // card indices by code, for the tie-break
  joining: Float64Array;
  annual: Float64Array;
  waiver: Float64Array; // -1: never waived
  welcome: Float64Array;
  // Scratch space reused by every call (recommend never awaits, so calls cannot interleave).
  spend: Float64Array;
  top: Int32Array;
  topNet: Float64Array;
  topRewards: Float64Array;
  topFees: Float64Array;
};

const compiled = new WeakMap<readonly CatalogCard[], CompiledCatalog>();

function compile(cards: readonly CatalogCard[]): CompiledCatalog {
  const n = SPEND_CATEGORIES.length;
  const rates = new Float64Array(cards.length * n);
  const caps = new Float64Array(cards.length * n);
  cards.forEach((card, i) => {
    SPEND_CATEGORIES.forEach((category, k) => {
      const rate = card.rates[category];
      rates[i * n + k] = rate ? rate.rateBps : card.baseRateBps;
      caps[i * n + k] = rate && rate.monthlyCapPaise !== null ? rate.monthlyCapPaise : -1;
    });
  });
  const order = Int32Array.from(
    cards.map((_, i) => i).sort((a, b) => (cards[a].code < cards[b].code ? -1 : cards[a].code > cards[b].code ? 1 : 0)),
  );
  return {
    cards,
    rates,
    caps,
    order,
    joining: Float64Array.from(cards, (c) => c.joiningFeePaise),
    annual: Float64Array.from(cards, (c) => c.annualFeePaise),
    waiver: Float64Array.from(cards, (c) => (c.feeWaiverSpendPaise === null ? -1 : c.feeWaiverSpendPaise)),
    welcome: Float64Array.from(cards, (c) => c.welcomeBenefitPaise),
    spend: new Float64Array(n),
    top: new Int32Array(TOP_N),
    topNet: new Float64Array(TOP_N),
    topRewards: new Float64Array(TOP_N),
    topFees: new Float64Array(TOP_N),
  };
}

/**
 * Same answer as ranking scoreCard over every card (rankRecommendations), without building an
 * object per card: the built-in scorer spends most of a 200,000-customer job here. Cards are
 * visited in code order and kept in a top-10 list where a card goes after every card with at least
 * its net savings: the order a stable sort by net savings of the code-ordered cards gives.
 */
export function recommend(catalog: readonly CatalogCard[], customer: CustomerSpend): Recommendation[] {
  let c = compiled.get(catalog);
  if (!c) compiled.set(catalog, (c = compile(catalog)));
  const n = SPEND_CATEGORIES.length;
  const { spend, rates, caps, order, joining, annual, waiver, welcome, top, topNet, topRewards, topFees } = c;
  for (let k = 0; k < n; k++) spend[k] = customer.spend[SPEND_CATEGORIES[k]];
  const yearlySpend = monthlySpend(customer) * 12;
  let kept = 0;
  for (let o = 0; o < order.length; o++) {
    const i = order[o];
    let monthly = 0;
    for (let k = 0, at = i * n; k < n; k++, at++) {
      const earned = Math.floor((spend[k] * rates[at]) / 10_000);
      const cap = caps[at];
      monthly += cap < 0 ? earned : Math.min(earned, cap);
    }
    const rewards = monthly * 12;
    const fees = joining[i] + (waiver[i] >= 0 && yearlySpend >= waiver[i] ? 0 : annual[i]);
    const net = rewards + welcome[i] - fees;
    if (net < 0 || (kept === TOP_N && net <= topNet[TOP_N - 1])) continue;
    let at = kept < TOP_N ? kept++ : TOP_N - 1;
    for (; at > 0 && topNet[at - 1] < net; at--) {
      top[at] = top[at - 1];
      topNet[at] = topNet[at - 1];
      topRewards[at] = topRewards[at - 1];
      topFees[at] = topFees[at - 1];
    }
    top[at] = i;
    topNet[at] = net;
    topRewards[at] = rewards;
    topFees[at] = fees;
  }
  const out: Recommendation[] = new Array(kept);
  for (let r = 0; r < kept; r++) {
    const card = catalog[top[r]];
    out[r] = {
      rank: r + 1,
      cardId: card.id,
      code: card.code,
      name: card.name,
      netSavingsPaise: topNet[r],
      yearlyRewardsPaise: topRewards[r],
      feesPaise: topFees[r],
    };
  }
  return out;
}
