// Fruit prices per kg: the rate in force on a batch's intake date values its net weight in the
// reconciliation. A price applies from its valid-from date until the next one for the same fruit
// type and currency. No GraphQL here.
import { and, eq, sql } from 'drizzle-orm';
import { fruitPriceTable, type FruitType } from '../../db/tables/index.ts';
import { keysetPage, type PageArgs, orderBy } from '../../db/keyset.ts';
import { ValidationError } from '../../lib/errors.ts';
import { fromUnits, toUnits } from '../../lib/money.ts';
import type { Db } from '../../resources.ts';
import { checkCurrency } from './payments.ts';

export type FruitPrice = typeof fruitPriceTable.$inferSelect;
export type FruitPriceInput = { fruitType: FruitType; currency: string; validFrom: string; pricePerKg: string };

const PRICE_SCALE = 4;

function checkPrice(input: FruitPriceInput): FruitPriceInput {
  const issues: { field: string; message: string }[] = [];
  const currency = checkCurrency(input.currency, 'input.currency');
  if ('field' in currency) issues.push(currency);
  let pricePerKg = input.pricePerKg;
  try {
    const units = toUnits(input.pricePerKg, PRICE_SCALE);
    if (units < 0n)
      issues.push({ field: 'input.pricePerKg', message: `A price cannot be negative; got "${input.pricePerKg}".` });
    else if (units >= 10n ** BigInt(8 + PRICE_SCALE))
      issues.push({ field: 'input.pricePerKg', message: 'A price per kg must be below 100,000,000.' });
    pricePerKg = fromUnits(units, PRICE_SCALE);
  } catch {
    issues.push({
      field: 'input.pricePerKg',
      message: `A price per kg has at most ${PRICE_SCALE} decimals, e.g. "2.3550"; got "${input.pricePerKg}".`,
    });
  }
  if (issues.length) throw new ValidationError(issues);
  return { ...input, currency: 'currency' in currency ? currency.currency : input.currency, pricePerKg };
}

/** Sets the price from `validFrom` on; setting it again for the same day replaces it. */
export async function setFruitPrice(db: Db, organizationId: number, input: FruitPriceInput): Promise<FruitPrice> {
  const values = checkPrice(input);
  const [row] = await db
    .insert(fruitPriceTable)
    .values({ ...values, organizationId })
    .onConflictDoUpdate({
      target: [
        fruitPriceTable.organizationId,
        fruitPriceTable.currency,
        fruitPriceTable.fruitType,
        fruitPriceTable.validFrom,
      ],
      set: { pricePerKg: values.pricePerKg, updatedAt: sql`now()` },
    })
    .returning();
  return row;
}

const PRICE_ORDERING = orderBy(fruitPriceTable, 'fruitPrices', 'validFrom', 'desc');

export function listFruitPrices(
  db: Db,
  organizationId: number,
  filter: { currency?: string | null; fruitType?: FruitType | null },
  page: PageArgs,
) {
  const where = and(
    eq(fruitPriceTable.organizationId, organizationId),
    filter.currency ? eq(fruitPriceTable.currency, filter.currency.trim().toUpperCase()) : undefined,
    filter.fruitType ? eq(fruitPriceTable.fruitType, filter.fruitType) : undefined,
  );
  return keysetPage(db, fruitPriceTable, where, PRICE_ORDERING, page);
}
