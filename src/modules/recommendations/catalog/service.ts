// The card catalog of an organization: reads, the scorer's view of it, and every write (admin only).
import { and, asc, eq, inArray } from 'drizzle-orm';
import { cardRewardRateTable, cardTable } from '../../../db/tables/index.ts';
import { uniquely } from '../../../db/constraint.ts';
import { keysetPage, type PageArgs, orderBy } from '../../../db/keyset.ts';
import { updateOwnedRow } from '../../../db/tenant.ts';
import { ValidationError } from '../../../lib/errors.ts';
import type { Db } from '../../../resources.ts';
import { cardFields, type CardFields, type CatalogCard, type RewardRate, type SpendCategory } from './scoring.ts';

export type Card = typeof cardTable.$inferSelect;
export type CardRate = typeof cardRewardRateTable.$inferSelect;

export const cardOrdering = orderBy(cardTable, 'cards:CODE_ASC', 'code', 'asc');

export function listCards(db: Db, organizationId: number, activeOnly: boolean, page: PageArgs) {
  return keysetPage(
    db,
    cardTable,
    and(eq(cardTable.organizationId, organizationId), activeOnly ? eq(cardTable.active, true) : undefined),
    cardOrdering,
    page,
  );
}

/** Reward rates of many cards in one statement, in card-id order of the request. */
export async function ratesByCard(db: Db, organizationId: number, cardIds: readonly number[]): Promise<CardRate[][]> {
  const rows = cardIds.length
    ? await db
        .select()
        .from(cardRewardRateTable)
        .where(
          and(
            eq(cardRewardRateTable.organizationId, organizationId),
            inArray(cardRewardRateTable.cardId, [...cardIds]),
          ),
        )
        .orderBy(asc(cardRewardRateTable.cardId), asc(cardRewardRateTable.category))
    : [];
  return cardIds.map((id) => rows.filter((r) => r.cardId === id));
}

/** The active catalog as the scorer needs it: two statements whatever its size. */
export async function loadCatalog(db: Db, organizationId: number): Promise<CatalogCard[]> {
  const cards = await db
    .select()
    .from(cardTable)
    .where(and(eq(cardTable.organizationId, organizationId), eq(cardTable.active, true)))
    .orderBy(asc(cardTable.code));
  const rates = await db
    .select()
    .from(cardRewardRateTable)
    .where(eq(cardRewardRateTable.organizationId, organizationId));
  const byCard = new Map<number, Partial<Record<SpendCategory, RewardRate>>>();
  for (const r of rates) {
    const entry = byCard.get(r.cardId) ?? {};
    entry[r.category] = { rateBps: r.rateBps, monthlyCapPaise: r.monthlyCapPaise };
    byCard.set(r.cardId, entry);
  }
  return cards.map((c) => ({ id: c.id, ...cardFields(c), rates: byCard.get(c.id) ?? {} }));
}

/** A card as written by an admin: the catalog card's own fields, whether it is offered, and its rates as a list. */
export type CardInput = CardFields & {
  active: boolean;
  rates: ({ category: SpendCategory } & RewardRate)[];
};

function checkRates(rates: CardInput['rates'] | undefined) {
  if (!rates) return;
  const seen = new Set<string>();
  rates.forEach((r, i) => {
    if (seen.has(r.category))
      throw ValidationError.of(
        `input.rewardRates.${i}.category`,
        `${r.category.toUpperCase()} is listed twice; give each category one rate.`,
      );
    seen.add(r.category);
  });
}

/** Adds `rates` to the card's category rates. */
async function insertRates(tx: Db, organizationId: number, cardId: number, rates: CardInput['rates']) {
  if (rates.length) await tx.insert(cardRewardRateTable).values(rates.map((r) => ({ ...r, organizationId, cardId })));
}

export async function createCard(db: Db, organizationId: number, input: CardInput): Promise<Card> {
  checkRates(input.rates);
  return uniquely(
    db.transaction(async (tx) => {
      const { rates, ...card } = input;
      const [row] = await tx
        .insert(cardTable)
        .values({ ...card, organizationId })
        .returning();
      await insertRates(tx, organizationId, row.id, rates);
      return row;
    }),
    'cards_organization_code_key',
    'input.code',
    `A card with code ${input.code} already exists in your catalog; choose another code or update that card.`,
  );
}

/** Changes the given fields; `rates`, when given, replaces all of the card's category rates. */
export async function updateCard(db: Db, organizationId: number, id: number, patch: Partial<CardInput>): Promise<Card> {
  checkRates(patch.rates);
  return uniquely(
    db.transaction(async (tx) => {
      const { rates, ...fields } = patch;
      const row = await updateOwnedRow(tx, cardTable, organizationId, id, 'Card', fields);
      if (rates) {
        await tx
          .delete(cardRewardRateTable)
          .where(and(eq(cardRewardRateTable.organizationId, organizationId), eq(cardRewardRateTable.cardId, id)));
        await insertRates(tx, organizationId, id, rates);
      }
      return row;
    }),
    'cards_organization_code_key',
    'input.code',
    `A card with code ${patch.code} already exists in your catalog.`,
  );
}
