// Reconciliation against a plain reference computation written here, on randomized data, to the
// cent: integer arithmetic on minor units, independent of the code under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPackhouse } from '../../../seeds/packhouse.ts';
import { BATCH_STATUSES, FRUIT_TYPES } from '../../db/tables/index.ts';
import { encodeGlobalId } from '../../lib/global-id.ts';
import { seededRandom } from '../../lib/random.ts';
import type { Sql } from '../../resources.ts';
import { startHarness, type Harness, type Tenant } from '../../test/harness.ts';
import type { GrowerReconciliation } from './reconciliation.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

// ---- randomized data -------------------------------------------------------------------------

const int = (r: () => number, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const day = (r: () => number) =>
  new Date(Date.UTC(2024, 0, 1) + int(r, 0, 365) * 86_400_000).toISOString().slice(0, 10);
const decimal = (units: number, scale: number) =>
  `${Math.floor(units / 10 ** scale)}.${String(units % 10 ** scale).padStart(scale, '0')}`;

async function randomTenant(sql: Sql, tenant: Tenant, seed: number) {
  const r = seededRandom(seed);
  const org = tenant.organizationId;
  await seedPackhouse(h.resources, org, { growers: 15, packhouses: 2, batches: 0, quiet: true });
  const growers = (await sql`select id from growers where organization_id = ${org}`).map((g) => g.id as number);
  const [packhouse] = await sql`select id from packhouses where organization_id = ${org} limit 1`;
  // Prices: a few periods per fruit and currency; some fruit has no NZD price before mid-year.
  const prices = FRUIT_TYPES.flatMap((fruitType) =>
    ['NZD', 'AUD'].flatMap((currency) =>
      [...new Set(Array.from({ length: int(r, 1, 4) }, () => day(r)))].map((validFrom) => ({
        organization_id: org,
        fruit_type: fruitType,
        currency,
        valid_from: validFrom,
        price_per_kg: decimal(int(r, 1, 60_000), 4),
      })),
    ),
  );
  await sql`insert into fruit_prices ${sql(prices)}`;
  const batches = Array.from({ length: 400 }, (_, i) => {
    const harvest = day(r);
    const status = BATCH_STATUSES[int(r, 0, BATCH_STATUSES.length - 1)];
    const gross = int(r, 100_000, 9_000_000);
    // Some graded batches have no net weight yet: they are delivered but cannot be valued.
    const net = status === 'received' || r() < 0.05 ? null : decimal(int(r, 0, gross), 3);
    return {
      organization_id: org,
      code: `R-${seed}-${i}`,
      grower_id: growers[int(r, 0, 11)],
      packhouse_id: packhouse.id,
      fruit_type: FRUIT_TYPES[int(r, 0, FRUIT_TYPES.length - 1)],
      harvest_date: harvest,
      intake_date: harvest,
      status,
      gross_weight_kg: decimal(gross, 3),
      net_weight_kg: net,
    };
  });
  await sql`insert into batches ${sql(batches)}`;
  // Payments, also to growers 12-14 who delivered nothing (they appear only on the payments side).
  const payments = Array.from({ length: 150 }, (_, i) => ({
    organization_id: org,
    grower_id: growers[int(r, 0, 14)],
    amount: decimal(int(r, 1, 2_000_000), 2),
    currency: r() < 0.85 ? 'NZD' : 'AUD',
    paid_on: day(r),
    reference: `R-${seed}-${i}`,
    recorded_by_kind: 'system',
  }));
  await sql`insert into grower_payments ${sql(payments)}`;
}

// ---- the reference: read the rows, compute in integers ----------------------------------------

/** A grower's line as the API answers it (absVariance is not asked for). */
type Row = Omit<GrowerReconciliation, 'absVariance'>;

const units = (value: string, scale: number) => {
  const [whole, fraction = ''] = value.split('.');
  return BigInt(whole + fraction.padEnd(scale, '0'));
};
const text = (v: bigint, scale: number) => {
  const sign = v < 0n ? '-' : '';
  const digits = (v < 0n ? -v : v).toString().padStart(scale + 1, '0');
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
};

async function reference(
  sql: Sql,
  org: number,
  from: string,
  to: string,
  currency: string,
  threshold: string,
): Promise<Row[]> {
  const batches =
    await sql`select grower_id, fruit_type, intake_date::text as day, status, net_weight_kg::text as net from batches where organization_id = ${org}`;
  const prices =
    await sql`select fruit_type, valid_from::text as from, price_per_kg::text as price from fruit_prices where organization_id = ${org} and currency = ${currency}`;
  const payments =
    await sql`select grower_id, amount::text, paid_on::text as day, currency from grower_payments where organization_id = ${org}`;
  const rows = new Map<
    number,
    { batches: number; unpriced: number; netMilli: bigint; cents: bigint; paid: bigint; payments: number }
  >();
  const row = (id: number) =>
    rows.get(id) ?? rows.set(id, { batches: 0, unpriced: 0, netMilli: 0n, cents: 0n, paid: 0n, payments: 0 }).get(id)!;
  for (const b of batches) {
    if (!['graded', 'packed', 'dispatched'].includes(b.status) || b.day < from || b.day > to) continue;
    const acc = row(b.grower_id);
    acc.batches += 1;
    if (b.net !== null) acc.netMilli += units(b.net, 3);
    const price = prices
      .filter((p) => p.fruit_type === b.fruit_type && p.from <= b.day)
      .sort((x, y) => (x.from < y.from ? 1 : -1))[0];
    if (!price || b.net === null) {
      acc.unpriced += 1;
      continue;
    }
    // kg × 10^3 times price × 10^4 is value × 10^7: round half up to cents (10^5 units).
    const product = units(b.net, 3) * units(price.price, 4);
    acc.cents += product / 100_000n + ((product % 100_000n) * 2n >= 100_000n ? 1n : 0n);
  }
  for (const p of payments) {
    if (p.currency !== currency || p.day < from || p.day > to) continue;
    const acc = row(p.grower_id);
    acc.paid += units(p.amount, 2);
    acc.payments += 1;
  }
  const limit = units(threshold, 2);
  return [...rows.entries()]
    .map(([growerId, a]) => ({ growerId, a, variance: a.cents - a.paid }))
    .filter(({ variance }) => (variance < 0n ? -variance : variance) > limit)
    .sort((x, y) => {
      const ax = x.variance < 0n ? -x.variance : x.variance;
      const ay = y.variance < 0n ? -y.variance : y.variance;
      return ax === ay ? y.growerId - x.growerId : ay > ax ? 1 : -1;
    })
    .map(({ growerId, a, variance }) => ({
      growerId,
      batches: a.batches,
      unpricedBatches: a.unpriced,
      netWeightKg: text(a.netMilli, 3),
      deliveredValue: text(a.cents, 2),
      paid: text(a.paid, 2),
      payments: a.payments,
      variance: text(variance, 2),
    }));
}

const RECONCILE = `query($from: Date!, $to: Date!, $currency: String!, $threshold: Decimal, $first: Int, $after: String) {
  reconciliation(from: $from, to: $to, currency: $currency, threshold: $threshold, first: $first, after: $after) {
    edges { node { grower { id } batches unpricedBatches netWeightKg deliveredValue paid payments variance } }
    pageInfo { hasNextPage endCursor } } }`;

async function reconcileAll(auth: string, variables: Record<string, unknown>): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | null = null;
  for (;;) {
    const r: any = await h.gql(RECONCILE, { auth, variables: { ...variables, first: 4, after } });
    expect(r.body.errors).toBeUndefined();
    // One statement for the page, one for the growers it names.
    expect(r.statements).toBeLessThanOrEqual(2);
    for (const { node } of r.body.data.reconciliation.edges) {
      const { grower, ...rest } = node;
      rows.push({ growerId: Number(Buffer.from(grower.id, 'base64url').toString().split(':')[1]), ...rest });
    }
    if (!r.body.data.reconciliation.pageInfo.hasNextPage) return rows;
    after = r.body.data.reconciliation.pageInfo.endCursor;
  }
}

describe('reconciliation', () => {
  const seeds = [1, 2, 3].map((i) => (Date.now() % 1_000_000) * 10 + i);

  for (const seed of seeds) {
    it(`matches the reference computation to the cent (seed ${seed})`, async () => {
      const sql = h.resources.sql;
      const [a, b] = [await h.tenant(`recon-${seed}`), await h.tenant(`noise-${seed}`)];
      await randomTenant(sql, a, seed);
      await randomTenant(sql, b, seed + 1); // another tenant's data must not count
      const r = seededRandom(seed + 7);
      const cases = [
        { from: '2024-03-01', to: '2024-10-31', currency: 'NZD', threshold: '0' },
        { from: '2024-01-01', to: '2024-12-31', currency: 'NZD', threshold: decimal(int(r, 0, 500_000), 2) },
        { from: '2024-06-01', to: '2024-06-30', currency: 'AUD', threshold: '10.50' },
      ];
      for (const c of cases) {
        const expected = await reference(sql, a.organizationId, c.from, c.to, c.currency, c.threshold);
        const actual = await reconcileAll(a.partnerKey, c);
        expect(actual, `seed ${seed}, ${JSON.stringify(c)}`).toEqual(expected);
      }
      expect((await reference(sql, a.organizationId, '2024-01-01', '2024-12-31', 'NZD', '0')).length).toBeGreaterThan(
        10,
      );
    });
  }

  it('bad arguments are clear errors naming the argument', async () => {
    const t = await h.tenant('bad-args');
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ from: '2024-05-01', to: '2024-04-01', currency: 'NZD' }, 'from', /reversed/],
      [{ from: '2024-01-01', to: '2024-04-01', currency: 'ZZZ' }, 'currency', /ISO 4217/],
      [{ from: '2024-01-01', to: '2024-04-01', currency: 'NZD', threshold: '-1' }, 'threshold', /negative/],
    ];
    for (const [variables, argument, message] of cases) {
      const r = await h.gql(RECONCILE, { auth: t.partnerKey, variables });
      expect(r.body.errors?.[0], JSON.stringify(variables)).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', argument },
      });
      expect(r.body.errors?.[0].message).toMatch(message);
    }
    const malformed = await h.gql(RECONCILE, {
      auth: t.partnerKey,
      variables: { from: '2024-01-01', to: '2024-04-01', currency: 'NZD', threshold: 'lots' },
    });
    expect(malformed.body.errors?.[0].message).toMatch(/Decimal must be a string/);
  });
});

describe('fruit prices', () => {
  const SET = `mutation($input: FruitPriceInput!) { setFruitPrice(input: $input) { __typename
    ... on MutationSetFruitPriceSuccess { data { id fruitType currency validFrom pricePerKg } }
    ... on ValidationError { field message } } }`;

  it('admins set prices; a same-day price replaces the earlier one; bad prices name the field', async () => {
    const t = await h.tenant('prices');
    const input = { fruitType: 'APPLE', currency: 'nzd', validFrom: '2024-01-01', pricePerKg: '1.2' };
    const first = await h.gql(SET, { auth: t.adminToken, variables: { input } });
    expect(first.body.data.setFruitPrice.data).toMatchObject({
      fruitType: 'APPLE',
      currency: 'NZD',
      pricePerKg: '1.2000',
    });
    const again = await h.gql(SET, { auth: t.internalKey, variables: { input: { ...input, pricePerKg: '1.35' } } });
    expect(again.body.data.setFruitPrice.data).toMatchObject({
      id: first.body.data.setFruitPrice.data.id,
      pricePerKg: '1.3500',
    });
    for (const [change, field] of [
      [{ pricePerKg: '-0.5' }, 'input.pricePerKg'],
      [{ pricePerKg: '0.12345' }, 'input.pricePerKg'],
      [{ currency: 'KIWI' }, 'input.currency'],
    ] as const) {
      const r = await h.gql(SET, { auth: t.adminToken, variables: { input: { ...input, ...change } } });
      expect(r.body.data.setFruitPrice, JSON.stringify(change)).toMatchObject({ __typename: 'ValidationError', field });
    }
    const forbidden = await h.gql(SET, { auth: t.partnerKey, variables: { input } });
    expect(forbidden.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const list = await h.gql(`{ fruitPrices(currency: "NZD") { edges { node { fruitType pricePerKg } } } }`, {
      auth: t.readKey,
    });
    expect(list.body.data.fruitPrices.edges).toEqual([{ node: { fruitType: 'APPLE', pricePerKg: '1.3500' } }]);
  });

  it('a new price changes the value of batches delivered from its date on', async () => {
    const t = await h.tenant('repricing');
    await seedPackhouse(h.resources, t.organizationId, { growers: 1, packhouses: 1, batches: 0, quiet: true });
    const sql = h.resources.sql;
    const [{ id: grower }] = await sql`select id from growers where organization_id = ${t.organizationId}`;
    const [{ id: packhouse }] = await sql`select id from packhouses where organization_id = ${t.organizationId}`;
    const batch = (code: string, day: string) => ({
      organization_id: t.organizationId,
      code,
      grower_id: grower,
      packhouse_id: packhouse,
      fruit_type: 'pear',
      harvest_date: day,
      intake_date: day,
      status: 'packed',
      gross_weight_kg: '1000.000',
      net_weight_kg: '333.333',
    });
    await sql`insert into batches ${sql([batch('P-1', '2024-02-10'), batch('P-2', '2024-05-10')])}`;
    const set = (validFrom: string, pricePerKg: string) =>
      h.gql(SET, {
        auth: t.adminToken,
        variables: { input: { fruitType: 'PEAR', currency: 'NZD', validFrom, pricePerKg } },
      });
    await set('2024-01-01', '1.0001');
    await set('2024-05-01', '2.5');
    const r = await h.gql(RECONCILE, {
      auth: t.partnerKey,
      variables: { from: '2024-01-01', to: '2024-12-31', currency: 'NZD' },
    });
    // 333.333 × 1.0001 = 333.3663333 → 333.37; 333.333 × 2.5 = 833.3325 → 833.33 (half away from zero at the 3rd decimal)
    expect(r.body.data.reconciliation.edges).toEqual([
      {
        node: {
          grower: { id: encodeGlobalId('Grower', grower) },
          batches: 2,
          unpricedBatches: 0,
          netWeightKg: '666.666',
          deliveredValue: '1166.70',
          paid: '0.00',
          payments: 0,
          variance: '1166.70',
        },
      },
    ]);
  });
});
