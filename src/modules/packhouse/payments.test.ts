// Grower payments: exact decimals in and out, typed errors for bad input, totals summed by the
// database, and nested lists in one statement per level.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPackhouse } from '../../../seeds/packhouse.ts';
import { encodeGlobalId } from '../../lib/global-id.ts';
import { startHarness, type Harness, type Tenant } from '../../test/harness.ts';
import { recordGrowerPayment } from './payments.ts';

let h: Harness;
let t: Tenant;
let growers: string[];

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('payments');
  await seedPackhouse(h.resources, t.organizationId, { growers: 25, packhouses: 2, batches: 50, quiet: true });
  const r = await h.gql(`{ growers(first: 25) { edges { node { id } } } }`, { auth: t.partnerKey });
  growers = r.body.data.growers.edges.map((e: any) => e.node.id);
});
afterAll(() => h?.close());

const RECORD = `mutation($input: GrowerPaymentInput!) { recordGrowerPayment(input: $input) {
  __typename
  ... on MutationRecordGrowerPaymentSuccess { data { id amount currency paidOn reference note recordedBy { kind id } grower { id } } }
  ... on ValidationError { field message issues { field message } }
  ... on NotFoundError { id message } } }`;

let references = 0;
const payment = (overrides: Record<string, unknown> = {}) => ({
  grower: growers[0],
  amount: '100.00',
  currency: 'NZD',
  paidOn: '2025-02-01',
  reference: `REF-${++references}`,
  ...overrides,
});
const record = (input: Record<string, unknown>, auth = t.partnerKey) => h.gql(RECORD, { auth, variables: { input } });
const localId = (globalId: string) => Number(Buffer.from(globalId, 'base64url').toString().split(':')[1]);

describe('recording a payment', () => {
  it('keeps the amount exact and in the currency\u2019s own decimals', async () => {
    const cases: [string, string, string][] = [
      ['12.5', 'NZD', '12.50'],
      ['1200', 'jpy', '1200'],
      ['0.125', 'KWD', '0.125'],
      ['999999999999999.99', 'USD', '999999999999999.99'],
      ['7', 'EUR', '7.00'],
    ];
    for (const [amount, currency, stored] of cases) {
      const r = await record(payment({ amount, currency, note: 'Final pool payment' }));
      expect(r.body.data.recordGrowerPayment, amount).toMatchObject({
        __typename: 'MutationRecordGrowerPaymentSuccess',
        data: {
          amount: stored,
          currency: currency.toUpperCase(),
          paidOn: '2025-02-01',
          note: 'Final pool payment',
          grower: { id: growers[0] },
        },
      });
    }
    const byUser = await record(payment(), t.adminToken);
    expect(byUser.body.data.recordGrowerPayment.data.recordedBy).toEqual({
      kind: 'USER',
      id: encodeGlobalId('User', t.adminUserId),
    });
  });

  it('names the bad field: negative, zero, too precise or too large amounts, unknown currencies, future dates, reused references', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ amount: '-5.00' }, 'input.amount', /more than zero/],
      [{ amount: '0' }, 'input.amount', /more than zero/],
      [{ amount: '0.00' }, 'input.amount', /more than zero/],
      [{ amount: '1.005', currency: 'USD' }, 'input.amount', /at most 2 decimal places/],
      [{ amount: '10.5', currency: 'JPY' }, 'input.amount', /at most 0 decimal places/],
      [{ amount: '1000000000000000' }, 'input.amount', /below 10\^15/],
      [{ currency: 'XYZ' }, 'input.currency', /ISO 4217/],
      [{ currency: 'EURO' }, 'input.currency', /ISO 4217/],
      [{ paidOn: '2999-01-01' }, 'input.paidOn', /future/],
      [{ reference: '   ' }, 'input.reference', /blank/],
      [{ reference: 'REF-1' }, 'input.reference', /already recorded/],
      [{ grower: encodeGlobalId('Packhouse', 1) }, 'input.grower', /Grower/],
      [{ grower: 'nonsense' }, 'input.grower', /not a valid id/],
    ];
    for (const [change, field, message] of cases) {
      const r = await record(payment(change));
      expect(r.body.data?.recordGrowerPayment, JSON.stringify(change)).toMatchObject({
        __typename: 'ValidationError',
        field,
      });
      expect(r.body.data.recordGrowerPayment.message).toMatch(message);
    }
    // Every problem at once, not one per attempt.
    const many = await record(payment({ amount: '-1', currency: 'ABC', paidOn: '2999-01-01' }));
    expect(many.body.data.recordGrowerPayment.issues.map((i: any) => i.field).sort()).toEqual([
      'input.currency',
      'input.paidOn',
    ]);
    const [{ n }] = await h.resources
      .sql`select count(*)::int as n from grower_payments where reference like 'REF-%' and amount <= 0`;
    expect(n).toBe(0);
  });

  it('malformed amounts and floats are refused by the Decimal scalar, before any SQL', async () => {
    for (const amount of ['1,000.00', 'abc', '1e3', '12.', '.5', ' ', 12.5]) {
      const r = await record(payment({ amount }));
      expect(r.body.errors?.[0].message, String(amount)).toMatch(/Decimal must be a string/);
      expect(r.body.errors?.[0].message).toMatch(/input\.amount|"amount"/);
      expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.statements).toBe(0);
    }
  });

  it("an unknown grower, or another tenant's, is NotFound", async () => {
    const other = await h.tenant('other');
    for (const grower of [encodeGlobalId('Grower', 999_999), growers[0]]) {
      const auth = grower === growers[0] ? other.partnerKey : t.partnerKey;
      const r = await record(payment({ grower }), auth);
      expect(r.body.data.recordGrowerPayment).toMatchObject({
        __typename: 'NotFoundError',
        id: String(localId(grower)),
      });
    }
  });

  it('needs the write scope', async () => {
    const r = await record(payment(), t.readKey);
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('money never touches a float', () => {
  const TOTALS = `query($id: ID!, $from: Date, $to: Date) { node(id: $id) { ... on Grower { paymentTotals(from: $from, to: $to) { currency amount payments } } } }`;

  it('0.1 + 0.2 is 0.30', async () => {
    expect(0.1 + 0.2).not.toBe(0.3); // what a float would have said
    for (const amount of ['0.1', '0.2']) await record(payment({ grower: growers[1], amount, paidOn: '2025-01-10' }));
    const r = await h.gql(TOTALS, { auth: t.partnerKey, variables: { id: growers[1] } });
    expect(r.body.data.node.paymentTotals).toEqual([{ currency: 'NZD', amount: '0.30', payments: 2 }]);
  });

  it('sums at the 10^15 scale keep their cents', async () => {
    const amounts = ['999999999999999.99', '999999999999999.99', '999999999999999.99', '0.04'];
    expect(String(amounts.reduce((s, a) => s + Number(a), 0))).not.toBe('3000000000000000.01'); // floats lose the cents
    for (const amount of amounts) await record(payment({ grower: growers[2], amount, currency: 'USD' }));
    const r = await h.gql(TOTALS, { auth: t.partnerKey, variables: { id: growers[2] } });
    expect(r.body.data.node.paymentTotals).toEqual([{ currency: 'USD', amount: '3000000000000000.01', payments: 4 }]);
  });

  it('a thousand payments of 0.01 are 10.00, and dates filter the totals', async () => {
    let float = 0;
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => {
          float += 0.01;
          return recordGrowerPayment(h.resources.db, t.organizationId, {
            growerId: localId(growers[3]),
            amount: '0.01',
            currency: 'NZD',
            paidOn: (i + j) % 2 ? '2025-03-01' : '2025-04-01',
            reference: `SMALL-${i + j}`,
          });
        }),
      );
    }
    expect(float).not.toBe(10);
    const all = await h.gql(TOTALS, { auth: t.partnerKey, variables: { id: growers[3] } });
    expect(all.body.data.node.paymentTotals).toEqual([{ currency: 'NZD', amount: '10.00', payments: 1000 }]);
    const march = await h.gql(TOTALS, {
      auth: t.partnerKey,
      variables: { id: growers[3], from: '2025-03-01', to: '2025-03-31' },
    });
    expect(march.body.data.node.paymentTotals).toEqual([{ currency: 'NZD', amount: '5.00', payments: 500 }]);
  });
});

describe('reading payments', () => {
  beforeAll(async () => {
    for (const [i, grower] of growers.slice(5, 25).entries()) {
      for (let k = 0; k < 4; k++) {
        await recordGrowerPayment(h.resources.db, t.organizationId, {
          growerId: localId(grower),
          amount: `${100 + i}.${String(k).padStart(2, '0')}`,
          currency: k === 3 ? 'AUD' : 'NZD',
          paidOn: `2024-0${k + 1}-1${i % 10}`,
          reference: `LIST-${i}-${k}`,
        });
      }
    }
  });

  it('20 growers with their payments and totals take 3 statements', async () => {
    const r = await h.gql(
      `{ growers(first: 20) { edges { node { name payments(first: 3) { edges { node { amount paidOn } } } paymentTotals { currency amount } } } } }`,
      { auth: t.partnerKey },
    );
    expect(r.body.errors).toBeUndefined();
    const withPayments = r.body.data.growers.edges.filter((e: any) => e.node.payments.edges.length > 0);
    expect(withPayments.length).toBeGreaterThan(10);
    // growers page + one LATERAL statement for payments + one grouped statement for totals
    expect(r.statements).toBe(3);
  });

  it('filters by paid dates, grower and currency, latest paid first, paged by cursor', async () => {
    const q = `query($f: PaymentFilter, $after: String) { payments(first: 7, after: $after, filter: $f) {
      edges { node { amount currency paidOn grower { id } } } pageInfo { hasNextPage endCursor } } }`;
    const filter = { from: '2024-02-01', to: '2024-03-31', currency: 'nzd' };
    const seen: any[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await h.gql(q, { auth: t.partnerKey, variables: { f: filter, after } });
      expect(r.body.errors).toBeUndefined();
      seen.push(...r.body.data.payments.edges.map((e: any) => e.node));
      if (!r.body.data.payments.pageInfo.hasNextPage) break;
      after = r.body.data.payments.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(40);
    expect(seen.every((p) => p.currency === 'NZD' && p.paidOn >= '2024-02-01' && p.paidOn <= '2024-03-31')).toBe(true);
    expect(seen.map((p) => p.paidOn)).toEqual(
      seen
        .map((p) => p.paidOn)
        .sort()
        .reverse(),
    );

    const one = await h.gql(q, { auth: t.partnerKey, variables: { f: { grower: growers[5] } } });
    expect(one.body.data.payments.edges).toHaveLength(4);
    expect(one.body.data.payments.edges.every((e: any) => e.node.grower.id === growers[5])).toBe(true);
  });

  it('a reversed date range or unknown currency is a clear error', async () => {
    const q = `query($f: PaymentFilter) { payments(filter: $f) { edges { node { id } } } }`;
    const reversed = await h.gql(q, { auth: t.partnerKey, variables: { f: { from: '2024-03-01', to: '2024-02-01' } } });
    expect(reversed.body.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'filter.from' },
    });
    expect(reversed.body.errors?.[0].message).toMatch(/reversed/);
    const currency = await h.gql(q, { auth: t.partnerKey, variables: { f: { currency: 'DOLLARS' } } });
    expect(currency.body.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'filter.currency' },
    });
    const nested = await h.gql(
      `{ growers(first: 2) { edges { node { paymentTotals(from: "2024-05-01", to: "2024-01-01") { amount } } } } }`,
      {
        auth: t.partnerKey,
      },
    );
    expect(nested.body.errors?.[0].message).toMatch(/reversed/);
  });

  it('another tenant sees none of these payments', async () => {
    const other = await h.tenant('snoop');
    const r = await h.gql(`{ payments(first: 10) { edges { node { id } } } }`, { auth: other.partnerKey });
    expect(r.body.data.payments.edges).toEqual([]);
  });
});
