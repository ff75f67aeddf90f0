// Reconciliation: per grower and period, the value of what they delivered against what they were
// paid, and the variance. ONE SQL statement with CTEs does all the arithmetic (exact numeric), keeps
// only growers whose |variance| is above the threshold, and pages by a keyset cursor on
// (|variance|, grower id), largest first. No GraphQL here.
import { sql } from 'drizzle-orm';
import { batchTable, fruitPriceTable, growerPaymentTable } from '../../db/tables/index.ts';
import { pageWindow, toPage, LIST_PAGE, type Ordering, type Page, type PageArgs } from '../../db/keyset.ts';
import { decodeCursor } from '../../lib/cursor.ts';
import { badUserInput } from '../../lib/errors.ts';
import { compareDecimals } from '../../lib/money.ts';
import type { Db } from '../../resources.ts';
import { checkCurrency, checkPeriod } from './payments.ts';

/**
 * Batches whose fruit was accepted: graded, packed or dispatched. Rejected and ungraded ones earn
 * nothing yet. The partial index batches_delivered_intake_idx (migration
 * *_batch_history_append_only_and_daily_intake) repeats this list.
 */
export const DELIVERED_STATUSES = ['graded', 'packed', 'dispatched'] as const;

export type ReconciliationArgs = { from: string; to: string; currency: string; threshold: string };

export type GrowerReconciliation = {
  growerId: number;
  /** Delivered batches in the period. */
  batches: number;
  /** Delivered batches that could not be valued: no net weight, or no price in force on their intake date. */
  unpricedBatches: number;
  netWeightKg: string;
  deliveredValue: string;
  paid: string;
  payments: number;
  /** deliveredValue − paid: positive means the grower is still owed money. */
  variance: string;
  absVariance: string;
};

const ORDERING: Ordering<GrowerReconciliation> = {
  list: 'reconciliation:ABS_VARIANCE_DESC',
  columns: [],
  direction: 'desc',
  key: (r) => [r.absVariance, r.growerId],
};

function checkArgs(args: ReconciliationArgs) {
  checkPeriod(args.from, args.to);
  const currency = checkCurrency(args.currency, 'currency');
  if ('field' in currency) throw badUserInput(currency.message, { argument: 'currency' });
  if (compareDecimals(args.threshold, '0') < 0) {
    throw badUserInput(`The threshold is a size of variance and cannot be negative; got "${args.threshold}".`, {
      argument: 'threshold',
    });
  }
  return currency;
}

export async function reconcile(
  db: Db,
  organizationId: number,
  args: ReconciliationArgs,
  page: PageArgs,
): Promise<Page<GrowerReconciliation>> {
  const { currency, scale } = checkArgs(args);
  const window = pageWindow(page, LIST_PAGE);
  if (window.limit === 0) return toPage([], ORDERING, window);
  const forward = !window.backward;
  let after = sql``;
  if (window.cursor) {
    const [variance, growerId] = decodeCursor(window.cursor, ORDERING.list, ['decimal', 'int']);
    const cmp = sql.raw(forward ? '<' : '>');
    after = sql`and (abs_variance, grower_id) ${cmp} (${variance}::numeric, ${growerId}::int)`;
  }
  const dir = sql.raw(forward ? 'desc' : 'asc');
  const org = sql`${organizationId}::int`;
  const from = sql`${args.from}::date`;
  const to = sql`${args.to}::date`;
  const places = sql`${scale}::int`;
  const delivered = sql.raw(DELIVERED_STATUSES.map((s) => `'${s}'`).join(', '));
  const rows = await db.execute<GrowerReconciliation>(sql`
    with price_periods as (
      select fruit_type, price_per_kg, valid_from,
             lead(valid_from) over (partition by fruit_type order by valid_from) as valid_until
      from ${fruitPriceTable}
      where organization_id = ${org} and currency = ${currency}
    ),
    delivered as (
      -- Each batch is valued on its own and rounded to the currency's minor unit, as on a statement.
      select b.grower_id,
             count(*)::int as batches,
             (count(*) filter (where p.price_per_kg is null or b.net_weight_kg is null))::int as unpriced_batches,
             coalesce(sum(b.net_weight_kg), 0.000) as net_weight_kg,
             coalesce(sum(round(b.net_weight_kg * p.price_per_kg, ${places})), 0) as value
      from ${batchTable} b
      left join price_periods p
        on p.fruit_type = b.fruit_type
       and p.valid_from <= b.intake_date
       and (p.valid_until is null or b.intake_date < p.valid_until)
      where b.organization_id = ${org} and b.intake_date between ${from} and ${to}
        and b.status in (${delivered})
      group by b.grower_id
    ),
    paid as (
      select grower_id, sum(amount) as amount, count(*)::int as payments
      from ${growerPaymentTable}
      where organization_id = ${org} and currency = ${currency} and paid_on between ${from} and ${to}
      group by grower_id
    ),
    balances as (
      select coalesce(d.grower_id, p.grower_id) as grower_id,
             coalesce(d.batches, 0) as batches,
             coalesce(d.unpriced_batches, 0) as unpriced_batches,
             coalesce(d.net_weight_kg, 0.000) as net_weight_kg,
             round(coalesce(d.value, 0), ${places}) as delivered_value,
             round(coalesce(p.amount, 0), ${places}) as paid,
             coalesce(p.payments, 0) as payments
      from delivered d
      full join paid p on p.grower_id = d.grower_id
    ),
    variances as (
      select *, delivered_value - paid as variance, abs(delivered_value - paid) as abs_variance
      from balances
    )
    select grower_id as "growerId", batches, unpriced_batches as "unpricedBatches",
           net_weight_kg::text as "netWeightKg", delivered_value::text as "deliveredValue", paid::text as paid,
           payments, variance::text as variance, abs_variance::text as "absVariance"
    from variances
    where abs_variance > ${args.threshold}::numeric ${after}
    order by abs_variance ${dir}, grower_id ${dir}
    limit ${window.limit + 1}`);
  return toPage([...rows], ORDERING, window);
}
