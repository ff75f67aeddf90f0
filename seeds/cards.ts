// A realistic catalog of Indian credit cards: fees, fee waivers, welcome benefits and reward rates
// per spend category with monthly caps, approximated from the issuers' published terms (reward
// points converted to their rupee value). Used to seed an organization's catalog and by the mock
// scoring provider, so both score a customer the same way. Idempotent: existing codes are kept.
import { cardRewardRateTable, cardTable } from '../src/db/tables/index.ts';
import { cardFields, type CatalogCard, type SpendCategory } from '../src/modules/recommendations/catalog/scoring.ts';
import type { Db } from '../src/resources.ts';

/** [rate in basis points of spend, monthly cap in rupees or null] */
type Rate = [number, number | null];
type Spec = {
  code: string;
  name: string;
  issuer: string;
  /** [annual fee, joining fee, yearly spend that waives the annual fee or null] in rupees */
  fees: [number, number, number | null];
  welcome: number;
  base: number;
  rates?: Partial<Record<SpendCategory, Rate>>;
};

const NO_FUEL: Rate = [0, null];
const SURCHARGE = (cap: number): Rate => [100, cap];

const SPECS: Spec[] = [
  // HDFC Bank
  { code: 'HDFC-MILLENNIA', name: 'Millennia', issuer: 'HDFC Bank', fees: [1000, 1000, 100_000], welcome: 1000, base: 100, rates: { online_shopping: [500, 1000], fuel: SURCHARGE(250) } },
  { code: 'HDFC-REGALIA-GOLD', name: 'Regalia Gold', issuer: 'HDFC Bank', fees: [2500, 2500, 400_000], welcome: 2500, base: 133, rates: { travel: [665, 2500], groceries: [665, 1000], fuel: SURCHARGE(300) } },
  { code: 'HDFC-INFINIA', name: 'Infinia Metal', issuer: 'HDFC Bank', fees: [12500, 12500, 1_000_000], welcome: 12500, base: 330, rates: { travel: [1650, 7500], online_shopping: [1650, 7500], fuel: SURCHARGE(1000) } },
  { code: 'HDFC-DINERS-BLACK', name: 'Diners Club Black Metal', issuer: 'HDFC Bank', fees: [10000, 10000, 500_000], welcome: 10000, base: 330, rates: { dining: [660, 5000], travel: [1650, 7500], fuel: SURCHARGE(1000) } },
  { code: 'HDFC-SWIGGY', name: 'Swiggy', issuer: 'HDFC Bank', fees: [500, 500, 200_000], welcome: 0, base: 100, rates: { dining: [1000, 1500], online_shopping: [500, 1500], fuel: NO_FUEL, utilities: [0, null] } },
  { code: 'HDFC-TATA-NEU-INFINITY', name: 'Tata Neu Infinity', issuer: 'HDFC Bank', fees: [1499, 1499, 300_000], welcome: 1499, base: 150, rates: { groceries: [500, 2000], online_shopping: [500, 2000], utilities: [150, 500], fuel: SURCHARGE(250) } },
  { code: 'HDFC-MONEYBACK-PLUS', name: 'MoneyBack+', issuer: 'HDFC Bank', fees: [500, 500, 50_000], welcome: 500, base: 33, rates: { online_shopping: [330, 500], groceries: [165, 500], fuel: SURCHARGE(250) } },
  { code: 'HDFC-FREEDOM', name: 'Freedom', issuer: 'HDFC Bank', fees: [500, 500, 50_000], welcome: 500, base: 17, rates: { dining: [170, 250], groceries: [170, 250], fuel: SURCHARGE(250) } },
  { code: 'HDFC-IRCTC', name: 'IRCTC', issuer: 'HDFC Bank', fees: [500, 500, 150_000], welcome: 500, base: 50, rates: { travel: [500, 1000], fuel: SURCHARGE(250) } },
  { code: 'HDFC-INDIANOIL', name: 'IndianOil', issuer: 'HDFC Bank', fees: [500, 500, 50_000], welcome: 0, base: 17, rates: { fuel: [500, 250], groceries: [500, 100], utilities: [500, 100] } },
  // State Bank of India
  { code: 'SBI-CASHBACK', name: 'Cashback', issuer: 'SBI Card', fees: [999, 999, 200_000], welcome: 0, base: 100, rates: { online_shopping: [500, 5000], utilities: [0, null], fuel: NO_FUEL } },
  { code: 'SBI-SIMPLYCLICK', name: 'SimplyCLICK', issuer: 'SBI Card', fees: [499, 499, 100_000], welcome: 500, base: 25, rates: { online_shopping: [250, 2500], fuel: SURCHARGE(100) } },
  { code: 'SBI-SIMPLYSAVE', name: 'SimplySAVE', issuer: 'SBI Card', fees: [499, 499, 100_000], welcome: 500, base: 25, rates: { dining: [250, 1000], groceries: [250, 1000], fuel: SURCHARGE(100) } },
  { code: 'SBI-ELITE', name: 'ELITE', issuer: 'SBI Card', fees: [4999, 4999, 1_000_000], welcome: 5000, base: 50, rates: { dining: [250, null], groceries: [250, null], fuel: SURCHARGE(250) } },
  { code: 'SBI-PRIME', name: 'PRIME', issuer: 'SBI Card', fees: [2999, 2999, 300_000], welcome: 3000, base: 50, rates: { dining: [250, null], groceries: [250, null], utilities: [500, 250], fuel: SURCHARGE(250) } },
  { code: 'SBI-BPCL-OCTANE', name: 'BPCL Octane', issuer: 'SBI Card', fees: [1499, 1499, 200_000], welcome: 1500, base: 25, rates: { fuel: [725, 625], dining: [250, 1875], groceries: [250, 1875] } },
  { code: 'SBI-IRCTC-PREMIER', name: 'IRCTC Premier', issuer: 'SBI Card', fees: [1499, 1499, 300_000], welcome: 1500, base: 50, rates: { travel: [1000, 2000], utilities: [250, 500], fuel: SURCHARGE(100) } },
  { code: 'SBI-AURUM', name: 'AURUM', issuer: 'SBI Card', fees: [9999, 9999, 1_200_000], welcome: 10000, base: 100, rates: { fuel: SURCHARGE(500) } },
  { code: 'SBI-PULSE', name: 'Pulse', issuer: 'SBI Card', fees: [1499, 1499, 200_000], welcome: 1500, base: 25, rates: { groceries: [125, null], online_shopping: [125, null], fuel: SURCHARGE(250) } },
  // ICICI Bank
  { code: 'ICICI-AMAZON-PAY', name: 'Amazon Pay', issuer: 'ICICI Bank', fees: [0, 0, null], welcome: 0, base: 100, rates: { online_shopping: [500, null], utilities: [200, null], fuel: NO_FUEL } },
  { code: 'ICICI-CORAL', name: 'Coral', issuer: 'ICICI Bank', fees: [500, 500, 150_000], welcome: 0, base: 50, rates: { dining: [75, null], groceries: [75, null], fuel: SURCHARGE(100) } },
  { code: 'ICICI-RUBYX', name: 'Rubyx', issuer: 'ICICI Bank', fees: [3000, 3000, 300_000], welcome: 5000, base: 50, rates: { travel: [100, null], fuel: SURCHARGE(250) } },
  { code: 'ICICI-SAPPHIRO', name: 'Sapphiro', issuer: 'ICICI Bank', fees: [6500, 6500, 600_000], welcome: 9500, base: 50, rates: { travel: [100, null], dining: [100, null], fuel: SURCHARGE(250) } },
  { code: 'ICICI-EMERALDE-PRIVATE', name: 'Emeralde Private Metal', issuer: 'ICICI Bank', fees: [12499, 12499, 1_000_000], welcome: 12500, base: 300, rates: { travel: [600, 3000], utilities: [300, 1000], fuel: SURCHARGE(1000) } },
  { code: 'ICICI-HPCL-CORAL', name: 'HPCL Coral', issuer: 'ICICI Bank', fees: [199, 199, 50_000], welcome: 0, base: 25, rates: { fuel: [350, 100], utilities: [125, 100] } },
  { code: 'ICICI-MMT-PLATINUM', name: 'MakeMyTrip Platinum', issuer: 'ICICI Bank', fees: [500, 500, null], welcome: 1000, base: 50, rates: { travel: [250, null], fuel: SURCHARGE(100) } },
  // Axis Bank
  { code: 'AXIS-ACE', name: 'ACE', issuer: 'Axis Bank', fees: [499, 499, 200_000], welcome: 0, base: 150, rates: { utilities: [500, 500], dining: [400, 500], fuel: NO_FUEL } },
  { code: 'AXIS-FLIPKART', name: 'Flipkart', issuer: 'Axis Bank', fees: [500, 500, 350_000], welcome: 600, base: 100, rates: { online_shopping: [500, 4000], dining: [400, 4000], utilities: [0, null], fuel: NO_FUEL } },
  { code: 'AXIS-AIRTEL', name: 'Airtel', issuer: 'Axis Bank', fees: [500, 500, 200_000], welcome: 500, base: 100, rates: { utilities: [1000, 250], dining: [1000, 500], fuel: SURCHARGE(50) } },
  { code: 'AXIS-MAGNUS', name: 'Magnus', issuer: 'Axis Bank', fees: [12500, 12500, 2_500_000], welcome: 0, base: 240, rates: { travel: [1200, 6000], fuel: NO_FUEL, utilities: [0, null] } },
  { code: 'AXIS-ATLAS', name: 'Atlas', issuer: 'Axis Bank', fees: [5000, 5000, null], welcome: 2500, base: 200, rates: { travel: [1000, 10000], fuel: NO_FUEL } },
  { code: 'AXIS-SELECT', name: 'Select', issuer: 'Axis Bank', fees: [3000, 3000, 900_000], welcome: 2000, base: 100, rates: { groceries: [200, 500], online_shopping: [200, 500], fuel: SURCHARGE(400) } },
  { code: 'AXIS-NEO', name: 'Neo', issuer: 'Axis Bank', fees: [250, 250, null], welcome: 300, base: 20, rates: { dining: [400, 120], utilities: [500, 150], online_shopping: [500, 150] } },
  { code: 'AXIS-MYZONE', name: 'My Zone', issuer: 'Axis Bank', fees: [500, 500, null], welcome: 0, base: 40, rates: { dining: [400, 500], online_shopping: [400, 500] } },
  { code: 'AXIS-INDIANOIL', name: 'IndianOil', issuer: 'Axis Bank', fees: [500, 500, 50_000], welcome: 250, base: 20, rates: { fuel: [400, 200], online_shopping: [100, null] } },
  // American Express
  { code: 'AMEX-MRCC', name: 'Membership Rewards', issuer: 'American Express', fees: [1500, 1000, 150_000], welcome: 2000, base: 100, rates: { fuel: NO_FUEL, utilities: [0, null] } },
  { code: 'AMEX-GOLD-CHARGE', name: 'Gold Charge', issuer: 'American Express', fees: [4500, 1000, null], welcome: 4000, base: 150, rates: { fuel: NO_FUEL, utilities: [0, null] } },
  { code: 'AMEX-PLATINUM-TRAVEL', name: 'Platinum Travel', issuer: 'American Express', fees: [5000, 3500, null], welcome: 7700, base: 100, rates: { travel: [200, null], fuel: NO_FUEL, utilities: [0, null] } },
  { code: 'AMEX-PLATINUM-RESERVE', name: 'Platinum Reserve', issuer: 'American Express', fees: [10000, 10000, 1_000_000], welcome: 11000, base: 125, rates: { dining: [250, null], fuel: NO_FUEL, utilities: [0, null] } },
  { code: 'AMEX-SMARTEARN', name: 'SmartEarn', issuer: 'American Express', fees: [495, 495, 40_000], welcome: 500, base: 25, rates: { online_shopping: [250, 500], dining: [125, 500], fuel: NO_FUEL } },
  // Kotak Mahindra Bank
  { code: 'KOTAK-LEAGUE-PLATINUM', name: 'League Platinum', issuer: 'Kotak Mahindra Bank', fees: [499, 0, 50_000], welcome: 0, base: 40, rates: { fuel: SURCHARGE(350) } },
  { code: 'KOTAK-ZEN-SIGNATURE', name: 'Zen Signature', issuer: 'Kotak Mahindra Bank', fees: [1500, 1500, 300_000], welcome: 1500, base: 50, rates: { online_shopping: [250, null], fuel: SURCHARGE(350) } },
  { code: 'KOTAK-MYNTRA', name: 'Myntra', issuer: 'Kotak Mahindra Bank', fees: [500, 500, 200_000], welcome: 500, base: 125, rates: { online_shopping: [750, 1000], dining: [500, 1000], fuel: NO_FUEL } },
  { code: 'KOTAK-WHITE', name: 'White', issuer: 'Kotak Mahindra Bank', fees: [3000, 3000, 500_000], welcome: 2000, base: 200, rates: { fuel: NO_FUEL } },
  // IDFC FIRST Bank
  { code: 'IDFC-FIRST-MILLENNIA', name: 'FIRST Millennia', issuer: 'IDFC FIRST Bank', fees: [0, 0, null], welcome: 500, base: 50, rates: { online_shopping: [125, null], fuel: SURCHARGE(200), utilities: [25, null] } },
  { code: 'IDFC-FIRST-WEALTH', name: 'FIRST Wealth', issuer: 'IDFC FIRST Bank', fees: [0, 0, null], welcome: 0, base: 75, rates: { travel: [250, null], dining: [250, null], fuel: SURCHARGE(400), utilities: [25, null] } },
  { code: 'IDFC-FIRST-SELECT', name: 'FIRST Select', issuer: 'IDFC FIRST Bank', fees: [0, 0, null], welcome: 0, base: 50, rates: { online_shopping: [200, null], fuel: SURCHARGE(300), utilities: [25, null] } },
  { code: 'IDFC-FIRST-CLUB-VISTARA', name: 'Club Vistara', issuer: 'IDFC FIRST Bank', fees: [4999, 4999, null], welcome: 5000, base: 150, rates: { travel: [300, null], fuel: NO_FUEL } },
  // AU Small Finance Bank
  { code: 'AU-LIT', name: 'LIT', issuer: 'AU Small Finance Bank', fees: [0, 0, null], welcome: 0, base: 25, rates: { online_shopping: [500, 1000], fuel: NO_FUEL } },
  { code: 'AU-ALTURA-PLUS', name: 'Altura Plus', issuer: 'AU Small Finance Bank', fees: [499, 499, 80_000], welcome: 0, base: 150, rates: { groceries: [150, 150], fuel: SURCHARGE(100) } },
  { code: 'AU-ZENITH-PLUS', name: 'Zenith+', issuer: 'AU Small Finance Bank', fees: [4999, 4999, 1_000_000], welcome: 5000, base: 100, rates: { travel: [400, null], dining: [400, null], fuel: SURCHARGE(500) } },
  // HSBC
  { code: 'HSBC-LIVEPLUS', name: 'Live+', issuer: 'HSBC India', fees: [999, 999, 200_000], welcome: 1000, base: 150, rates: { dining: [1000, 1000], groceries: [1000, 1000], fuel: NO_FUEL } },
  { code: 'HSBC-TRAVELONE', name: 'TravelOne', issuer: 'HSBC India', fees: [4999, 4999, 800_000], welcome: 4000, base: 100, rates: { travel: [400, null], fuel: NO_FUEL } },
  { code: 'HSBC-PLATINUM', name: 'Visa Platinum', issuer: 'HSBC India', fees: [0, 0, null], welcome: 0, base: 40, rates: { dining: [100, null], fuel: SURCHARGE(250) } },
  // Standard Chartered
  { code: 'SC-SMART', name: 'Smart', issuer: 'Standard Chartered', fees: [499, 499, 120_000], welcome: 0, base: 100, rates: { online_shopping: [200, 1000], fuel: NO_FUEL } },
  { code: 'SC-ULTIMATE', name: 'Ultimate', issuer: 'Standard Chartered', fees: [5000, 5000, null], welcome: 6000, base: 330, rates: { utilities: [0, null], fuel: NO_FUEL } },
  { code: 'SC-EASEMYTRIP', name: 'EaseMyTrip', issuer: 'Standard Chartered', fees: [350, 350, null], welcome: 0, base: 50, rates: { travel: [1000, 5000], fuel: NO_FUEL } },
  // Others
  { code: 'INDUSIND-EAZYDINER', name: 'EazyDiner Platinum', issuer: 'IndusInd Bank', fees: [1999, 1999, null], welcome: 2500, base: 50, rates: { dining: [500, 2000], fuel: SURCHARGE(200) } },
  { code: 'INDUSIND-LEGEND', name: 'Legend', issuer: 'IndusInd Bank', fees: [0, 9999, null], welcome: 5000, base: 75, rates: { fuel: SURCHARGE(300) } },
  { code: 'YES-MARQUEE', name: 'Marquee', issuer: 'YES BANK', fees: [9999, 9999, 1_000_000], welcome: 10000, base: 250, rates: { online_shopping: [500, null], fuel: NO_FUEL, utilities: [0, null] } },
  { code: 'RBL-SHOPRITE', name: 'ShopRite', issuer: 'RBL Bank', fees: [500, 500, 150_000], welcome: 500, base: 25, rates: { groceries: [500, 100], fuel: SURCHARGE(100) } },
  { code: 'BOB-ETERNA', name: 'Eterna', issuer: 'Bank of Baroda', fees: [2499, 2499, 250_000], welcome: 2500, base: 75, rates: { dining: [375, 1250], travel: [375, 1250], online_shopping: [375, 1250], fuel: SURCHARGE(250) } },
  { code: 'ONECARD', name: 'OneCard Metal', issuer: 'OneCard', fees: [0, 0, null], welcome: 0, base: 20, rates: { online_shopping: [100, null], dining: [100, null], fuel: NO_FUEL } },
  { code: 'FEDERAL-SCAPIA', name: 'Scapia', issuer: 'Federal Bank', fees: [0, 0, null], welcome: 0, base: 200, rates: { travel: [400, null], fuel: NO_FUEL, utilities: [0, null] } },
];

function toCatalogCard(spec: Spec): CatalogCard {
  const [annual, joining, waiver] = spec.fees;
  return {
    id: null,
    code: spec.code,
    name: spec.name,
    issuer: spec.issuer,
    annualFeePaise: annual * 100,
    joiningFeePaise: joining * 100,
    feeWaiverSpendPaise: waiver === null ? null : waiver * 100,
    welcomeBenefitPaise: spec.welcome * 100,
    baseRateBps: spec.base,
    rates: Object.fromEntries(
      Object.entries(spec.rates ?? {}).map(([category, [rateBps, cap]]) => [category, { rateBps, monthlyCapPaise: cap === null ? null : cap * 100 }]),
    ),
  };
}

/** The seed catalog as the scorer sees it (ids are null: they exist only once seeded). */
export const SEED_CATALOG: readonly CatalogCard[] = SPECS.map(toCatalogCard);

/** Adds the seed catalog to an organization; cards it already has (by code) are left as they are. */
export async function seedCards(db: Db, organizationId: number): Promise<{ inserted: number }> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(cardTable)
      .values(
        SEED_CATALOG.map((c) => ({ organizationId, ...cardFields(c) })),
      )
      .onConflictDoNothing()
      .returning({ id: cardTable.id, code: cardTable.code });
    const byCode = new Map(SEED_CATALOG.map((c) => [c.code, c]));
    const rates = inserted.flatMap(({ id, code }) =>
      Object.entries(byCode.get(code)!.rates).map(([category, rate]) => ({
        organizationId,
        cardId: id,
        category: category as SpendCategory,
        rateBps: rate!.rateBps,
        monthlyCapPaise: rate!.monthlyCapPaise,
      })),
    );
    if (rates.length) await tx.insert(cardRewardRateTable).values(rates).onConflictDoNothing();
    return { inserted: inserted.length };
  });
}
