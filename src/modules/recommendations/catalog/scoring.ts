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
  rates: Int32Array;
  caps: Float64Array; // -1: no cap
  order: number[]; // card indices by code, for the tie-break
  // Scratch space reused by every call (recommend never awaits, so calls cannot interleave).
  net: Float64Array;
  rewards: Float64Array;
  fees: Float64Array;
  spend: Float64Array;
};

const compiled = new WeakMap<readonly CatalogCard[], CompiledCatalog>();

function compile(cards: readonly CatalogCard[]): CompiledCatalog {
  const n = SPEND_CATEGORIES.length;
  const rates = new Int32Array(cards.length * n);
  const caps = new Float64Array(cards.length * n);
  cards.forEach((card, i) => {
    SPEND_CATEGORIES.forEach((category, k) => {
      const rate = card.rates[category];
      rates[i * n + k] = rate ? rate.rateBps : card.baseRateBps;
      caps[i * n + k] = rate && rate.monthlyCapPaise !== null ? rate.monthlyCapPaise : -1;
    });
  });
  const order = cards
    .map((_, i) => i)
    .sort((a, b) => (cards[a].code < cards[b].code ? -1 : cards[a].code > cards[b].code ? 1 : 0));
  return {
    cards,
    rates,
    caps,
    order,
    net: new Float64Array(cards.length),
    rewards: new Float64Array(cards.length),
    fees: new Float64Array(cards.length),
    spend: new Float64Array(n),
  };
}

/**
 * Same answer as ranking scoreCard over every card (rankRecommendations), without building an
 * object per card: the built-in scorer spends most of a 200,000-customer job here.
 */
export function recommend(catalog: readonly CatalogCard[], customer: CustomerSpend): Recommendation[] {
  let c = compiled.get(catalog);
  if (!c) compiled.set(catalog, (c = compile(catalog)));
  const n = SPEND_CATEGORIES.length;
  const { spend, net, rewards, fees, rates, caps } = c;
  for (let k = 0; k < n; k++) spend[k] = customer.spend[SPEND_CATEGORIES[k]];
  const yearlySpend = monthlySpend(customer) * 12;
  // Candidates in code order, so a stable sort by net savings breaks ties by code.
  const candidates: number[] = [];
  for (const i of c.order) {
    const card = catalog[i];
    let monthly = 0;
    for (let k = 0; k < n; k++) {
      const earned = Math.floor((spend[k] * rates[i * n + k]) / 10_000);
      const cap = caps[i * n + k];
      monthly += cap < 0 ? earned : Math.min(earned, cap);
    }
    const waived = card.feeWaiverSpendPaise !== null && yearlySpend >= card.feeWaiverSpendPaise;
    rewards[i] = monthly * 12;
    fees[i] = card.joiningFeePaise + (waived ? 0 : card.annualFeePaise);
    net[i] = rewards[i] + card.welcomeBenefitPaise - fees[i];
    if (net[i] >= 0) candidates.push(i);
  }
  candidates.sort((a, b) => net[b] - net[a]);
  const top = candidates.length > TOP_N ? candidates.slice(0, TOP_N) : candidates;
  return top.map((i, rank) => ({
    rank: rank + 1,
    cardId: catalog[i].id,
    code: catalog[i].code,
    name: catalog[i].name,
    netSavingsPaise: net[i],
    yearlyRewardsPaise: rewards[i],
    feesPaise: fees[i],
  }));
}
