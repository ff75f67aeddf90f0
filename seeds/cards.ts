// A realistic catalog of Indian credit cards: fees, fee waivers, welcome benefits and reward rates
// per spend category with monthly caps, approximated from the issuers' published terms (reward
// points converted to their rupee value). Used to seed an organization's catalog and by the mock
// scoring provider, so both score a customer the same way. Idempotent: existing codes are kept.
// The cards themselves are data, in cards.json, checked against Spec when this module loads.
import { z } from 'zod';
import { cardRewardRateTable, cardTable, SPEND_CATEGORY_VALUES } from '../src/db/tables/index.ts';
import { cardFields, type CatalogCard, type SpendCategory } from '../src/modules/recommendations/catalog/scoring.ts';
import type { Db } from '../src/resources.ts';
import cards from './cards.json' with { type: 'json' };

const rupees = z.number().int().nonnegative();

/** [rate in basis points of spend, monthly cap in rupees or null]; fuel is [100, cap] for a surcharge waiver, [0, null] without. */
const Rate = z.tuple([z.number().int().min(0).max(10_000), rupees.nullable()]);

const Spec = z.strictObject({
  code: z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,63}$/),
  name: z.string().min(1),
  issuer: z.string().min(1),
  /** [annual fee, joining fee, yearly spend that waives the annual fee or null] in rupees */
  fees: z.tuple([rupees, rupees, rupees.nullable()]),
  welcome: rupees,
  base: z.number().int().min(0).max(10_000),
  rates: z.partialRecord(z.enum(SPEND_CATEGORY_VALUES), Rate).optional(),
});
type Spec = z.infer<typeof Spec>;

const SPECS: Spec[] = z.array(Spec).parse(cards);

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
      Object.entries(spec.rates ?? {}).map(([category, [rateBps, cap]]) => [
        category,
        { rateBps, monthlyCapPaise: cap === null ? null : cap * 100 },
      ]),
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
      .values(SEED_CATALOG.map((c) => ({ organizationId, ...cardFields(c) })))
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
