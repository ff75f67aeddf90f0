// Deterministic customers with monthly spend per category, for job inputs, tests and benchmarks.
// Segments follow the mix our users see: 15% high spenders (₹100k–500k a month), 35% medium
// (₹20k–100k), 50% low (₹2k–20k). Row i is always the same customer (its own PRNG stream).
//
//   npm run seed:customers -- 200000 customers.xlsx [--seed 7]     (or .csv)
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createProgress } from '../src/lib/progress.ts';
import { createXlsxWriter, decimalCell } from '../src/lib/xlsx-writer.ts';
import { rupeesFromPaise } from '../src/lib/money.ts';
import { rowRandom } from '../src/lib/random.ts';
import { SPEND_CATEGORIES, type SpendCategory } from '../src/modules/recommendations/catalog/scoring.ts';

export type Segment = 'high' | 'medium' | 'low';
export const SEGMENTS: { segment: Segment; share: number; minRupees: number; maxRupees: number }[] = [
  { segment: 'high', share: 0.15, minRupees: 100_000, maxRupees: 500_000 },
  { segment: 'medium', share: 0.35, minRupees: 20_000, maxRupees: 100_000 },
  { segment: 'low', share: 0.5, minRupees: 2_000, maxRupees: 20_000 },
];

// Typical weight of each category in a segment's monthly spend (before per-customer noise).
const WEIGHTS: Record<Segment, Record<SpendCategory, number>> = {
  high: { online_shopping: 22, groceries: 10, dining: 14, travel: 24, fuel: 6, utilities: 6, other: 18 },
  medium: { online_shopping: 20, groceries: 18, dining: 12, travel: 12, fuel: 10, utilities: 10, other: 18 },
  low: { online_shopping: 15, groceries: 30, dining: 8, travel: 4, fuel: 12, utilities: 16, other: 15 },
};

export const CUSTOMER_COLUMNS = ['customer_ref', ...SPEND_CATEGORIES, 'gmv'] as const;

export type GeneratedCustomer = {
  customerRef: string;
  segment: Segment;
  spendPaise: Record<SpendCategory, number>;
  gmvPaise: number;
};

export function customerRow(seed: number, i: number): GeneratedCustomer {
  const r = rowRandom(seed + 100, i);
  let roll = r();
  let band = SEGMENTS[SEGMENTS.length - 1];
  for (const s of SEGMENTS) {
    if ((roll -= s.share) < 0) {
      band = s;
      break;
    }
  }
  const gmvPaise = (band.minRupees + Math.floor(r() * (band.maxRupees - band.minRupees))) * 100 + Math.floor(r() * 100);
  const noisy = SPEND_CATEGORIES.map((c) => WEIGHTS[band.segment][c] * (0.25 + r() * 1.5));
  const total = noisy.reduce((a, b) => a + b, 0);
  const spendPaise = {} as Record<SpendCategory, number>;
  let assigned = 0;
  SPEND_CATEGORIES.forEach((c, k) => {
    // The last category takes the remainder, so the categories add up to the GMV exactly.
    const amount = k === SPEND_CATEGORIES.length - 1 ? gmvPaise - assigned : Math.floor((gmvPaise * noisy[k]) / total);
    spendPaise[c] = amount;
    assigned += amount;
  });
  return { customerRef: `CUST-${String(i + 1).padStart(7, '0')}`, segment: band.segment, spendPaise, gmvPaise };
}

/** The row as a file or GraphQL input carries it: rupee amounts as decimal strings. */
export function customerRecord(c: GeneratedCustomer): Record<(typeof CUSTOMER_COLUMNS)[number], string> {
  const record = { customer_ref: c.customerRef, gmv: rupeesFromPaise(c.gmvPaise) } as Record<
    (typeof CUSTOMER_COLUMNS)[number],
    string
  >;
  for (const category of SPEND_CATEGORIES) record[category] = rupeesFromPaise(c.spendPaise[category]);
  return record;
}

/** GraphQL `CustomerSpendInput` for inline jobs. */
export function customerInput(c: GeneratedCustomer) {
  const spend = Object.fromEntries(SPEND_CATEGORIES.map((k) => [camel(k), rupeesFromPaise(c.spendPaise[k])]));
  return { customerRef: c.customerRef, ...spend, gmv: rupeesFromPaise(c.gmvPaise) };
}

export function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

export type FileOptions = { count: number; seed?: number; quiet?: boolean; start?: number };

export async function writeCustomersCsv(path: string, options: FileOptions): Promise<void> {
  const out = createWriteStream(path);
  const progress = createProgress(`writing ${path}`, options.count, options.quiet ? null : process.stderr);
  out.write(`${CUSTOMER_COLUMNS.join(',')}\n`);
  const start = options.start ?? 0;
  for (let i = 0; i < options.count; i += 1000) {
    let text = '';
    for (let k = i; k < Math.min(options.count, i + 1000); k++) {
      const record = customerRecord(customerRow(options.seed ?? 1, start + k));
      text += `${CUSTOMER_COLUMNS.map((c) => record[c]).join(',')}\n`;
    }
    if (!out.write(text)) await once(out, 'drain');
    progress.add(Math.min(1000, options.count - i));
  }
  out.end();
  await finished(out);
  progress.done();
}

export async function writeCustomersXlsx(path: string, options: FileOptions): Promise<void> {
  const out = createWriteStream(path);
  const xlsx = await createXlsxWriter(out, 'customers');
  const progress = createProgress(`writing ${path}`, options.count, options.quiet ? null : process.stderr);
  await xlsx.addRow([...CUSTOMER_COLUMNS]);
  const start = options.start ?? 0;
  for (let i = 0; i < options.count; i++) {
    const c = customerRow(options.seed ?? 1, start + i);
    // Amounts as numbers, as a spreadsheet user would type them.
    await xlsx.addRow([
      c.customerRef,
      ...SPEND_CATEGORIES.map((k) => decimalCell(rupeesFromPaise(c.spendPaise[k]))),
      decimalCell(rupeesFromPaise(c.gmvPaise)),
    ]);
    if ((i + 1) % 1000 === 0) progress.add(1000);
  }
  progress.add(options.count % 1000);
  await xlsx.finish();
  out.end();
  await finished(out);
  progress.done();
}

async function main() {
  const args = process.argv.slice(2);
  const seedAt = args.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(args.splice(seedAt, 2)[1]) : 1;
  const [countText, path] = args;
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1 || !path || !/\.(csv|xlsx)$/i.test(path)) {
    process.stderr.write('usage: npm run seed:customers -- <count> <file.csv|file.xlsx> [--seed n]\n');
    process.exit(2);
  }
  if (path.toLowerCase().endsWith('.xlsx')) await writeCustomersXlsx(path, { count, seed });
  else await writeCustomersCsv(path, { count, seed });
}

if (import.meta.main) await main();
