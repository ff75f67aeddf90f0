// Deterministic batch history, fruit prices and grower payments for an organization seeded by
// seeds/packhouse.ts. Idempotent like it: history is only added to batches that have none, prices
// are upserted by period and payments skip references that exist.
// History is derived from each batch's status in one set-based insert … select (the rows already
// exist in the database, so nothing needs to travel through COPY); payments stream through COPY.
import { FRUIT_TYPES } from '../src/db/tables/index.ts';
import { between, pick, rowRandom } from '../src/lib/random.ts';
import { invalidateTypes, type ResponseCache } from '../src/cache/response-cache.ts';
import type { Db, Sql } from '../src/resources.ts';
import { copyInsert, growerRow, idsByKey } from './packhouse.ts';

export type OperationsSizes = { growers: number; payments: number; currency?: string; seed?: number; quiet?: boolean };

/** Price periods of the seeded seasons: a new rate every half year. */
const PRICE_PERIODS = ['2024-01-01', '2024-07-01', '2025-01-01', '2025-07-01'];
const DAY = 86_400_000;
const SEASON_START = Date.UTC(2024, 0, 1);

/** Price per kg in ten-thousandths: integers keep every digit exact before they become strings. */
export function priceRow(seed: number, fruitIndex: number, periodIndex: number) {
  const r = rowRandom(seed + 3, fruitIndex * PRICE_PERIODS.length + periodIndex);
  const units = between(r, 8_000, 45_000); // 0.8000 to 4.5000 per kg
  return {
    fruitType: FRUIT_TYPES[fruitIndex],
    validFrom: PRICE_PERIODS[periodIndex],
    pricePerKg: `${Math.floor(units / 10_000)}.${String(units % 10_000).padStart(4, '0')}`,
  };
}

export function paymentRow(seed: number, i: number, sizes: OperationsSizes) {
  const r = rowRandom(seed + 4, i);
  const cents = between(r, 10_000, 5_000_000); // 100.00 to 50,000.00
  return {
    growerIndex: between(r, 0, sizes.growers - 1),
    amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    // Mostly the organization's currency, some in a second one, as when exporting growers are paid abroad.
    currency: r() < 0.95 ? (sizes.currency ?? 'NZD') : 'AUD',
    paidOn: new Date(SEASON_START + between(r, 20, 720) * DAY).toISOString().slice(0, 10),
    reference: `PAY-${String(i + 1).padStart(8, '0')}`,
    note: pick(r, [null, null, null, 'Advance', 'Final pool payment', 'Quality bonus']),
  };
}

export async function seedFruitPrices(deps: { db: Db; sql: Sql }, organizationId: number, currency = 'NZD', seed = 1) {
  const rows = FRUIT_TYPES.flatMap((_, f) => PRICE_PERIODS.map((__, p) => priceRow(seed, f, p)));
  await deps.sql`
    insert into fruit_prices ${deps.sql(
      rows.map((row) => ({
        organization_id: organizationId,
        fruit_type: row.fruitType,
        currency,
        valid_from: row.validFrom,
        price_per_kg: row.pricePerKg,
      })),
    )}
    on conflict (organization_id, currency, fruit_type, valid_from) do update set price_per_kg = excluded.price_per_kg`;
  return rows.length;
}

/**
 * The events each batch's status implies: created, graded (with its net weight recorded as a
 * correction), packed, dispatched, or rejected, a few hours apart from its intake date on.
 */
export async function seedBatchEvents(deps: { sql: Sql }, organizationId: number): Promise<number> {
  const org = Number(organizationId);
  // One statement for every batch: it may outlast the API's statement timeout on a large seed.
  const result = await deps.sql.begin(async (tx) => {
    await tx`set local statement_timeout = '10min'`;
    return tx.unsafe(`
    insert into batch_events (organization_id, batch_id, kind, from_status, to_status,
                              from_gross_weight_kg, to_gross_weight_kg, from_net_weight_kg, to_net_weight_kg,
                              actor_kind, recorded_at)
    select b.organization_id, b.id, e.kind, e.from_status, e.to_status, e.from_gross, e.to_gross, null, e.to_net,
           'system', b.intake_date + e.after + (b.id % 3600) * interval '1 second'
    from batches b
    cross join lateral (values
      ('created', null, 'received', null, b.gross_weight_kg, null, interval '7 hours', true),
      ('status_changed', 'received', 'graded', null, null, null, interval '1 day 2 hours', b.status in ('graded', 'packed', 'dispatched')),
      ('weights_corrected', null, null, b.gross_weight_kg, b.gross_weight_kg, b.net_weight_kg, interval '1 day 3 hours',
        b.status in ('graded', 'packed', 'dispatched') and b.net_weight_kg is not null),
      ('status_changed', 'graded', 'packed', null, null, null, interval '2 days 5 hours', b.status in ('packed', 'dispatched')),
      ('status_changed', 'packed', 'dispatched', null, null, null, interval '4 days 9 hours', b.status = 'dispatched'),
      ('status_changed', 'received', 'rejected', null, null, null, interval '1 day 1 hour', b.status = 'rejected')
    ) as e(kind, from_status, to_status, from_gross, to_gross, to_net, after, applies)
    where b.organization_id = ${org} and e.applies
      and not exists (select 1 from batch_events x where x.organization_id = b.organization_id and x.batch_id = b.id)
    order by b.id, e.after`);
  });
  return result.count;
}

export async function seedPayments(
  deps: { db: Db; sql: Sql },
  organizationId: number,
  sizes: OperationsSizes,
): Promise<number> {
  const seed = sizes.seed ?? 1;
  const org = Number(organizationId);
  const growerIds = await idsByKey(deps.db, 'growers', 'code', org);
  return copyInsert(
    deps.sql,
    'payments',
    sizes.payments,
    'seed_payments',
    ['grower_id', 'amount', 'currency', 'paid_on', 'reference', 'note'],
    (i) => {
      const p = paymentRow(seed, i, sizes);
      return [
        growerIds.get(growerRow(seed, p.growerIndex).code) ?? null,
        p.amount,
        p.currency,
        p.paidOn,
        p.reference,
        p.note,
      ];
    },
    `insert into grower_payments (organization_id, grower_id, amount, currency, paid_on, reference, note, recorded_by_kind)
     select ${org}, grower_id::int, amount::numeric, currency, paid_on::date, reference, note, 'system'
     from seed_payments
     on conflict (organization_id, reference) do nothing`,
    sizes.quiet,
  );
}

/** Prices, history and payments, then fresh statistics for the planner. */
export async function seedPackhouseOperations(
  deps: { db: Db; sql: Sql; responseCache?: ResponseCache },
  organizationId: number,
  sizes: OperationsSizes,
) {
  const prices = await seedFruitPrices(deps, organizationId, sizes.currency, sizes.seed);
  const events = await seedBatchEvents(deps, organizationId);
  const payments = await seedPayments(deps, organizationId, sizes);
  await deps.sql`analyze fruit_prices, batch_events, grower_payments`;
  // Written by COPY and insert … select, not mutations: cached answers of the organization must see them.
  if (deps.responseCache) {
    await invalidateTypes({ responseCache: deps.responseCache }, organizationId, [
      'FruitPrice',
      'BatchEvent',
      'GrowerPayment',
    ]);
  }
  return { prices, events, payments };
}
