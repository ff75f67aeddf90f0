// Grower payments: recording them (exact decimals, ISO 4217 currencies) and reading them back,
// listed, per grower, and totalled per grower in SQL. No GraphQL here.
import { and, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { growerPaymentTable } from '../../db/tables/index.ts';
import { keysetPage, lateralPages, type Ordering, type PageArgs, orderBy } from '../../db/keyset.ts';
import { violatedConstraint } from '../../db/constraint.ts';
import { minorUnits } from '../../lib/currency.ts';
import { badUserInput, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { fromUnits, toUnits } from '../../lib/money.ts';
import type { Db } from '../../resources.ts';
import { SYSTEM_ACTOR, type Actor } from './history.ts';

export type GrowerPayment = typeof growerPaymentTable.$inferSelect;
type Issue = { field: string; message: string };

/** Amounts are below 10^15 in any currency: the database refuses more, and so do we, with a reason. */
const MAX_WHOLE_DIGITS = 15;

/** Upper-cases and checks an ISO 4217 code; returns its decimal places, or an issue for `field`. */
export function checkCurrency(code: string, field: string): { currency: string; scale: number } | Issue {
  const currency = code.trim().toUpperCase();
  const scale = minorUnits(currency);
  if (scale === undefined) {
    return {
      field,
      message: `"${code.slice(0, 16)}" is not an ISO 4217 currency code in circulation, such as NZD, USD or EUR.`,
    };
  }
  return { currency, scale };
}

/**
 * A positive amount written with at most the currency's decimals, normalized to exactly that many
 * ("12.5" USD → "12.50"). Checked as a BigInt count of minor units: no float ever holds it.
 */
export function checkAmount(amount: string, currency: string, scale: number, field: string): string | Issue {
  const text = amount.trim();
  if (!/^-?\d+(\.\d+)?$/.test(text))
    return { field, message: `"${text.slice(0, 32)}" is not a decimal amount such as "1250.00".` };
  let units: bigint;
  try {
    units = toUnits(text, scale);
  } catch {
    return {
      field,
      message: `${currency} amounts have at most ${scale} decimal place${scale === 1 ? '' : 's'}; got "${text}".`,
    };
  }
  if (units <= 0n)
    return { field, message: `The amount must be more than zero; got "${text}". Record a refund as its own entry.` };
  if (units >= 10n ** BigInt(MAX_WHOLE_DIGITS + scale))
    return { field, message: `The amount must be below 10^${MAX_WHOLE_DIGITS}; got "${text}".` };
  return fromUnits(units, scale);
}

export type PaymentInput = {
  growerId: number;
  amount: string;
  currency: string;
  paidOn: string;
  reference: string;
  note?: string | null;
};

/** Tomorrow (UTC): a paid date after it is a typing mistake, not a time zone difference. */
function latestPaidDate(now = new Date()): string {
  return new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
}

function checkPayment(input: PaymentInput): Omit<PaymentInput, 'growerId'> {
  const issues: Issue[] = [];
  const currency = checkCurrency(input.currency, 'input.currency');
  let amount = input.amount;
  if ('field' in currency) issues.push(currency);
  else {
    const checked = checkAmount(input.amount, currency.currency, currency.scale, 'input.amount');
    if (typeof checked === 'string') amount = checked;
    else issues.push(checked);
  }
  if (input.paidOn > latestPaidDate()) {
    issues.push({
      field: 'input.paidOn',
      message: `The paid date ${input.paidOn} is in the future; record a payment once it is made.`,
    });
  }
  const reference = input.reference.trim();
  if (!reference) issues.push({ field: 'input.reference', message: 'must not be blank' });
  if (issues.length) throw new ValidationError(issues);
  return {
    amount,
    currency: 'currency' in currency ? currency.currency : input.currency,
    paidOn: input.paidOn,
    reference,
    note: input.note,
  };
}

export async function recordGrowerPayment(
  db: Db,
  organizationId: number,
  input: PaymentInput,
  actor: Actor = SYSTEM_ACTOR,
): Promise<GrowerPayment> {
  const values = checkPayment(input);
  try {
    // One statement: the (organization_id, grower_id) foreign key is the ownership check.
    const [row] = await db
      .insert(growerPaymentTable)
      .values({
        ...values,
        organizationId,
        growerId: input.growerId,
        recordedByKind: actor.kind,
        recordedById: actor.id,
      })
      .returning();
    return row;
  } catch (err) {
    const constraint = violatedConstraint(err);
    if (constraint === 'grower_payments_grower_fk') throw new NotFoundError('Grower', String(input.growerId));
    if (constraint === 'grower_payments_reference_key') {
      throw ValidationError.of(
        'input.reference',
        `A payment with reference "${values.reference}" is already recorded in your organization.`,
      );
    }
    throw err;
  }
}

// ---- reads -----------------------------------------------------------------------------------

export const PAYMENT_ORDERS = ['PAID_ON_DESC', 'PAID_ON_ASC', 'RECORDED_AT_DESC'] as const;
export type PaymentOrder = (typeof PAYMENT_ORDERS)[number];

export function paymentOrdering(order: PaymentOrder, scope = 'payments'): Ordering<GrowerPayment> {
  const column = order === 'RECORDED_AT_DESC' ? 'createdAt' : 'paidOn';
  return orderBy(growerPaymentTable, `${scope}:${order}`, column, order === 'PAID_ON_ASC' ? 'asc' : 'desc');
}

export type PaymentFilter = {
  from?: string | null;
  to?: string | null;
  growerId?: number | null;
  currency?: string | null;
};

/** Inclusive paid-date range; a reversed range or an unknown currency is the caller's mistake. */
export function paymentFilterSql(organizationId: number, filter: PaymentFilter, prefix = 'filter.'): SQL | undefined {
  checkPeriod(filter.from, filter.to, prefix);
  let currency: string | undefined;
  if (filter.currency) {
    const checked = checkCurrency(filter.currency, `${prefix}currency`);
    if ('field' in checked) throw badUserInput(checked.message, { argument: checked.field });
    currency = checked.currency;
  }
  return and(
    eq(growerPaymentTable.organizationId, organizationId),
    filter.growerId != null ? eq(growerPaymentTable.growerId, filter.growerId) : undefined,
    filter.from ? gte(growerPaymentTable.paidOn, filter.from) : undefined,
    filter.to ? lte(growerPaymentTable.paidOn, filter.to) : undefined,
    currency ? eq(growerPaymentTable.currency, currency) : undefined,
  );
}

/** An inclusive date range; `prefix` makes the error name the argument as the client wrote it ("filter."). */
export function checkPeriod(from: string | null | undefined, to: string | null | undefined, prefix = '') {
  if (from && to && from > to) {
    throw badUserInput(`The date range is reversed: ${prefix}from (${from}) is after ${prefix}to (${to}). Swap them.`, {
      argument: `${prefix}from`,
    });
  }
}

export function listPayments(
  db: Db,
  organizationId: number,
  filter: PaymentFilter,
  order: PaymentOrder,
  page: PageArgs,
) {
  return keysetPage(db, growerPaymentTable, paymentFilterSql(organizationId, filter), paymentOrdering(order), page);
}

/** A page of payments for every grower id, in one statement. */
export function paymentsByGrower(
  db: Db,
  organizationId: number,
  growerIds: readonly number[],
  filter: PaymentFilter,
  order: PaymentOrder,
  page: PageArgs,
) {
  const where = paymentFilterSql(organizationId, { ...filter, growerId: null });
  return lateralPages(
    db,
    growerPaymentTable,
    growerPaymentTable.growerId,
    growerIds,
    where,
    paymentOrdering(order, 'grower.payments'),
    page,
  );
}

export type PaymentTotal = { currency: string; amount: string; payments: number };

/** Totals per currency for every grower id, summed by PostgreSQL in one statement; in key order. */
export async function paymentTotalsByGrower(
  db: Db,
  organizationId: number,
  growerIds: readonly number[],
  filter: PaymentFilter,
): Promise<PaymentTotal[][]> {
  const where = paymentFilterSql(organizationId, { ...filter, growerId: null }, '');
  const rows = await db
    .select({
      growerId: growerPaymentTable.growerId,
      currency: growerPaymentTable.currency,
      amount: sql<string>`sum(${growerPaymentTable.amount})::text`,
      payments: sql<number>`count(*)::int`,
    })
    .from(growerPaymentTable)
    .where(and(where, inArray(growerPaymentTable.growerId, [...new Set(growerIds)])))
    .groupBy(growerPaymentTable.growerId, growerPaymentTable.currency)
    .orderBy(growerPaymentTable.growerId, growerPaymentTable.currency);
  const byGrower = new Map<number, PaymentTotal[]>();
  for (const { growerId, ...total } of rows) {
    byGrower.set(growerId, [...(byGrower.get(growerId) ?? []), total]);
  }
  return growerIds.map((id) => byGrower.get(Number(id)) ?? []);
}
