// The pure parts: exact scoring, the seed catalog, the customer generator, money and input parsing,
// the token bucket and the retry policy.
import { describe, expect, it } from 'vitest';
import { customerRow, SEGMENTS } from '../../../../seeds/customers.ts';
import { SEED_CATALOG } from '../../../../seeds/cards.ts';
import { bpsFromPercent, paiseFromRupees, rupeesFromPaise } from '../../../lib/money.ts';
import { checkHeader, parseAmount, parseCustomerRecord } from '../jobs/input.ts';
import { backoffMs, parseRetryAfter, ProviderCallError, withRetries } from '../provider/retry.ts';
import {
  rankRecommendations,
  recommend,
  scoreCard,
  SPEND_CATEGORIES,
  type CatalogCard,
  type CustomerSpend,
} from './scoring.ts';
import { clockOffset, memoryBucket } from '../provider/token-bucket.ts';
import { createAdaptiveRate, createPace } from '../provider/adaptive-rate.ts';

const zero = Object.fromEntries(SPEND_CATEGORIES.map((c) => [c, 0])) as CustomerSpend['spend'];
const card = (over: Partial<CatalogCard>): CatalogCard => ({
  id: 1,
  code: 'TEST',
  name: 'Test',
  issuer: 'Bank',
  annualFeePaise: 0,
  joiningFeePaise: 0,
  feeWaiverSpendPaise: null,
  welcomeBenefitPaise: 0,
  baseRateBps: 100,
  rates: {},
  ...over,
});

describe('scoring', () => {
  it('computes yearly rewards with monthly caps, fees and waivers in whole paise', () => {
    const customer: CustomerSpend = {
      customerRef: 'c',
      spend: { ...zero, online_shopping: 3_333_333, groceries: 1_000_001 },
      gmv: null,
    };
    const c = card({
      rates: { online_shopping: { rateBps: 500, monthlyCapPaise: 100_000 } },
      annualFeePaise: 100_000,
      joiningFeePaise: 50_000,
      welcomeBenefitPaise: 25_000,
    });
    // online: min(floor(3,333,333 × 5%), 1,000.00) = 100,000; groceries: floor(1,000,001 × 1%) = 10,000
    expect(scoreCard(c, customer)).toEqual({
      yearlyRewardsPaise: 110_000 * 12,
      feesPaise: 150_000,
      netSavingsPaise: 110_000 * 12 + 25_000 - 150_000,
    });
    const waived = card({ ...c, feeWaiverSpendPaise: 12 * 4_333_334 });
    expect(scoreCard(waived, customer).feesPaise).toBe(50_000);
    expect(scoreCard(card({ ...waived, feeWaiverSpendPaise: 12 * 4_333_334 + 1 }), customer).feesPaise).toBe(150_000);
  });

  it('returns at most 10 cards ranked by net savings, ties by code, never negative', () => {
    const catalog = Array.from({ length: 15 }, (_, i) =>
      card({
        id: i,
        code: `C${String(i).padStart(2, '0')}`,
        baseRateBps: 100 + (i % 5) * 10,
        annualFeePaise: i * 10_000,
      }),
    );
    const recs = recommend(catalog, { customerRef: 'c', spend: { ...zero, other: 1_000_000 }, gmv: null });
    expect(recs.length).toBeLessThanOrEqual(10);
    recs.forEach((r, i) => {
      expect(r.rank).toBe(i + 1);
      expect(r.netSavingsPaise).toBeGreaterThanOrEqual(0);
      if (i)
        expect(
          recs[i - 1].netSavingsPaise > r.netSavingsPaise ||
            (recs[i - 1].netSavingsPaise === r.netSavingsPaise && recs[i - 1].code < r.code),
        ).toBe(true);
    });
    // A low spender: the fee cards fall out rather than show a negative saving.
    const low = recommend(catalog, { customerRef: 'c', spend: { ...zero, other: 10_000 }, gmv: null });
    expect(low.every((r) => r.netSavingsPaise >= 0)).toBe(true);
    expect(low.length).toBeLessThan(10);
  });

  it('ranks exactly as scoreCard over every card, ranked by rankRecommendations, ties included', () => {
    // The seed catalog, and a catalog full of ties (equal rates and fees under different codes).
    const ties = Array.from({ length: 30 }, (_, i) =>
      card({
        id: i,
        code: `T${String(29 - i).padStart(2, '0')}`,
        baseRateBps: 100 + (i % 3) * 50,
        annualFeePaise: (i % 4) * 50_000,
      }),
    );
    for (const catalog of [SEED_CATALOG, ties]) {
      for (let i = 0; i < 3_000; i++) {
        const c = customerRow(9, i);
        const customer = { customerRef: c.customerRef, spend: c.spendPaise, gmv: i % 2 ? c.gmvPaise : null };
        const expected = rankRecommendations(
          catalog.map((k) => ({ cardId: k.id, code: k.code, name: k.name, ...scoreCard(k, customer) })),
        );
        expect(recommend(catalog, customer)).toEqual(expected);
      }
    }
  });

  it('ships a seed catalog of at least 50 distinct cards that scores every generated customer', () => {
    expect(SEED_CATALOG.length).toBeGreaterThanOrEqual(50);
    expect(new Set(SEED_CATALOG.map((c) => c.code)).size).toBe(SEED_CATALOG.length);
    for (let i = 0; i < 200; i++) {
      const c = customerRow(1, i);
      const recs = recommend(SEED_CATALOG, { customerRef: c.customerRef, spend: c.spendPaise, gmv: c.gmvPaise });
      expect(recs.length).toBe(10);
    }
  });
});

describe('customer generator', () => {
  it('is deterministic and splits 15% high, 35% medium, 50% low with categories adding up to gmv', () => {
    expect(customerRow(7, 123)).toEqual(customerRow(7, 123));
    const counts = { high: 0, medium: 0, low: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const c = customerRow(1, i);
      counts[c.segment]++;
      const band = SEGMENTS.find((s) => s.segment === c.segment)!;
      expect(c.gmvPaise).toBeGreaterThanOrEqual(band.minRupees * 100);
      expect(c.gmvPaise).toBeLessThan(band.maxRupees * 100 + 100);
      expect(SPEND_CATEGORIES.reduce((s, k) => s + c.spendPaise[k], 0)).toBe(c.gmvPaise);
      expect(Object.values(c.spendPaise).every((v) => v >= 0)).toBe(true);
    }
    expect(counts.high / n).toBeCloseTo(0.15, 1);
    expect(counts.medium / n).toBeCloseTo(0.35, 1);
    expect(counts.low / n).toBeCloseTo(0.5, 1);
  });
});

describe('money and input rows', () => {
  it('converts rupees and paise exactly', () => {
    expect(paiseFromRupees('0.1')).toBe(10);
    expect(paiseFromRupees('1234.56')).toBe(123_456);
    expect(paiseFromRupees('1.234')).toBeNull();
    expect(paiseFromRupees('-1')).toBeNull();
    expect(rupeesFromPaise(123_405)).toBe('1234.05');
    expect(rupeesFromPaise(-5)).toBe('-0.05');
    expect(bpsFromPercent('3.25')).toBe(325);
    expect(bpsFromPercent('100.01')).toBeNull();
  });

  it('reads amounts from text and spreadsheet numbers, refusing negatives and fractions of paise', () => {
    expect(parseAmount('1,250.50', 'dining')).toEqual({ ok: true, value: 125_050 });
    expect(parseAmount(1250.5, 'dining')).toEqual({ ok: true, value: 125_050 });
    expect(parseAmount('', 'dining')).toEqual({ ok: true, value: 0 });
    expect(parseAmount('-10', 'dining')).toMatchObject({ ok: false, message: expect.stringContaining('negative') });
    expect(parseAmount(-0.5, 'dining')).toMatchObject({ ok: false, message: expect.stringContaining('negative') });
    expect(parseAmount(1.005, 'dining')).toMatchObject({ ok: false, message: expect.stringContaining('2 decimal') });
    expect(parseAmount('12abc', 'dining')).toMatchObject({
      ok: false,
      message: expect.stringContaining('not an amount'),
    });
    const row = parseCustomerRecord((c) => ({ customer_ref: 'A', groceries: '100', gmv: '50' })[c as string]);
    expect(row).toMatchObject({
      ok: false,
      problems: [{ column: 'gmv', message: expect.stringContaining('less than the sum') }],
    });
  });

  it('checks the header: unknown, missing and repeated columns are named', () => {
    const good = ['Customer Ref', 'online_shopping', 'groceries', 'dining', 'travel', 'fuel', 'utilities', 'other'];
    expect(checkHeader(good).ok).toBe(true);
    expect(checkHeader([...good, 'gmv']).ok).toBe(true);
    expect(checkHeader([...good, 'age'])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Unknown column "age".*Expected columns/),
    });
    expect(checkHeader(good.slice(0, 6))).toMatchObject({
      ok: false,
      message: expect.stringContaining('Missing columns utilities, other'),
    });
    expect(checkHeader([...good, 'dining'])).toMatchObject({
      ok: false,
      message: expect.stringContaining('dining appears twice'),
    });
  });
});

describe('token bucket and retries', () => {
  it('spaces reservations at the rate after the burst, with no debt beyond the max wait', () => {
    let now = 0;
    const bucket = memoryBucket({ ratePerSecond: 10, capacity: 2 }, () => now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 100, 200]);
    now = 1_000;
    expect(bucket.reserve()).toBe(0);
    const waits = Array.from({ length: 60 }, () => bucket.reserve());
    expect(waits.filter((w) => w >= 0).at(-1)).toBeLessThanOrEqual(5_000);
    expect(waits.at(-1)).toBeLessThan(0); // refused, not queued minutes ahead
  });

  it('backs off with full jitter under the cap and never sooner than Retry-After', () => {
    const policy = { maxAttempts: 5, baseMs: 100, maxMs: 1_000, random: () => 0.999 };
    expect(backoffMs(policy, 1, null)).toBe(99);
    expect(backoffMs(policy, 8, null)).toBe(999);
    expect(backoffMs({ ...policy, random: () => 0 }, 3, 2_000)).toBe(2_000);
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(new Date(Date.now() + 5_000).toUTCString())).toBeGreaterThan(3_000);
  });

  it('retries retryable failures up to the limit and reports the attempts', async () => {
    const policy = { maxAttempts: 4, baseMs: 1, maxMs: 2 };
    let calls = 0;
    const flaky = await withRetries(policy, async () => {
      if (++calls < 3) throw new ProviderCallError('server_error', 'HTTP 500');
      return 'ok';
    });
    expect(flaky).toEqual({ ok: true, value: 'ok', attempts: 3 });
    const down = await withRetries(policy, async () => {
      throw new ProviderCallError('timeout', 'no answer');
    });
    expect(down).toMatchObject({ ok: false, attempts: 4, error: { reason: 'timeout' } });
    const refused = await withRetries(policy, async () => {
      throw new ProviderCallError('rejected', 'HTTP 400');
    });
    expect(refused).toMatchObject({ ok: false, attempts: 1, error: { reason: 'rejected' } });
  });

  it('slows down on 429 at most once a second and recovers 2% of the rate a second', () => {
    let now = 0;
    const rate = createAdaptiveRate({ target: 100 }, () => now);
    rate.refused();
    rate.refused();
    expect(rate.current()).toBe(90);
    now = 1_000;
    expect(rate.current()).toBe(90);
    now = 3_000;
    expect(rate.current()).toBeCloseTo(94);
    rate.refused();
    expect(rate.current()).toBeCloseTo(84.6);
    now = 100_000;
    expect(rate.current()).toBe(100);
  });

  it('spaces calls for a windowed provider by the lateness it sees', () => {
    let now = 0;
    const pace = createPace(
      { rate: createAdaptiveRate({ target: 49 }, () => now), lateMs: 16, windowLimit: 50 },
      () => now,
    );
    expect(pace.intervalMs()).toBeCloseTo(1000 / 49);
    pace.woke(80);
    expect(pace.lateMs()).toBe(100);
    expect(pace.intervalMs()).toBeCloseTo(1100 / 50);
    now = 60_000;
    expect(pace.lateMs()).toBe(16);
  });

  it('bounds the offset to a shared clock by the tightest round trip', () => {
    const offset = clockOffset();
    offset.observe(100, 5_010, 130);
    offset.observe(200, 5_102, 205);
    expect(offset.local(6_000)).toEqual([6_000 - (5_102 - 200), 6_000 - (5_102 - 205)]);
  });
});
