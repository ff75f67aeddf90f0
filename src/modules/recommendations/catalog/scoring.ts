// The built-in scorer, pure and exact: integer paise and basis points only, so the same customer and
// catalog always give the same ranking, on any machine, in any chunking.
//
// For each card: monthly reward per category = floor(spend × rate / 10,000), capped per month;
// yearly rewards = 12 × the monthly total; fees = joining fee + annual fee (waived when the
// customer's yearly spend reaches the card's waiver threshold); net savings = yearly rewards +
// welcome benefit − fees. Cards with negative net savings are never recommended; the top 10 are
// ranked by net savings, then by card code so ties rank the same way every time.

export const SPEND_CATEGORIES = ['online_shopping', 'groceries', 'dining', 'travel', 'fuel', 'utilities', 'other'] as const;
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
  const { code, name, issuer, annualFeePaise, joiningFeePaise, feeWaiverSpendPaise, welcomeBenefitPaise, baseRateBps } = card;
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

export function recommend(catalog: readonly CatalogCard[], customer: CustomerSpend): Recommendation[] {
  return rankRecommendations(
    catalog.map((card) => ({ cardId: card.id, code: card.code, name: card.name, ...scoreCard(card, customer) })),
  );
}
