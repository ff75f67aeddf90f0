// Deterministic growers, packhouses and batches for one organization, at any size.
// Row i is always the same row (its own PRNG stream), so re-running adds only what is missing:
// codes are unique per organization and inserts skip existing ones. Rows stream through COPY into a
// temporary staging table, then one insert … select moves them, so 200,000 batches take seconds.
import { finished } from 'node:stream/promises';
import { sql as dsql } from 'drizzle-orm';
import { FRUIT_TYPES, type BatchStatus } from '../src/db/tables/index.ts';
import { createProgress } from '../src/lib/progress.ts';
import { between, pick, rowRandom } from '../src/lib/random.ts';
import { invalidateTypes, type ResponseCache } from '../src/cache/response-cache.ts';
import type { Db, Sql } from '../src/resources.ts';

export type PackhouseSizes = { growers: number; packhouses: number; batches: number; seed?: number; quiet?: boolean };

const REGIONS = [
  "Hawke's Bay",
  'Nelson',
  'Bay of Plenty',
  'Central Otago',
  'Gisborne',
  'Marlborough',
  'Waikato',
  'Northland',
];
const FIRST = ['Green', 'Golden', 'River', 'Hill', 'Sunny', 'Old', 'Red', 'Silver', 'Valley', 'Orchard'];
const SECOND = ['Acres', 'Fields', 'Grove', 'Farms', 'Estate', 'Gardens', 'Ridge', 'Creek', 'Downs', 'Park'];
// Weighted so most batches are mid-pipeline, as in a live season.
const STATUS_WEIGHTS: [BatchStatus, number][] = [
  ['received', 0.2],
  ['graded', 0.2],
  ['packed', 0.25],
  ['dispatched', 0.3],
  ['rejected', 0.05],
];
const DAY = 86_400_000;
const SEASON_START = Date.UTC(2024, 0, 1);

export function growerRow(seed: number, i: number) {
  const r = rowRandom(seed, i);
  const code = `G-${String(i + 1).padStart(5, '0')}`;
  return {
    code,
    name: `${pick(r, FIRST)} ${pick(r, SECOND)} ${i + 1}`,
    region: pick(r, REGIONS),
    contactEmail: `grower${i + 1}@growers.example`,
  };
}

export function packhouseRow(seed: number, i: number) {
  const r = rowRandom(seed + 1, i);
  const region = pick(r, REGIONS);
  return { name: `${region} Packhouse ${i + 1}`, location: region };
}

export function batchRow(seed: number, i: number, sizes: PackhouseSizes) {
  const r = rowRandom(seed + 2, i);
  const harvest = SEASON_START + between(r, 0, 700) * DAY;
  const intake = harvest + between(r, 0, 5) * DAY;
  const gross = between(r, 200_000, 5_000_000); // grams
  let roll = r();
  let status: BatchStatus = 'received';
  for (const [s, w] of STATUS_WEIGHTS) {
    if ((roll -= w) < 0) {
      status = s;
      break;
    }
  }
  const net = status === 'received' ? null : Math.floor(gross * (0.9 + r() * 0.09));
  return {
    code: `B-${String(i + 1).padStart(7, '0')}`,
    growerIndex: between(r, 0, sizes.growers - 1),
    packhouseIndex: between(r, 0, sizes.packhouses - 1),
    fruitType: pick(r, FRUIT_TYPES),
    harvestDate: new Date(harvest).toISOString().slice(0, 10),
    intakeDate: new Date(intake).toISOString().slice(0, 10),
    status,
    grossWeightKg: (gross / 1000).toFixed(3),
    netWeightKg: net === null ? null : (net / 1000).toFixed(3),
  };
}

export async function idsByKey(db: Db, table: 'growers' | 'packhouses', key: 'code' | 'name', organizationId: number) {
  const rows = await db.execute<{ id: number; k: string }>(
    dsql`select id, ${dsql.identifier(key)} as k from ${dsql.identifier(table)} where organization_id = ${organizationId}`,
  );
  return new Map(rows.map((r) => [r.k, Number(r.id)]));
}

const CHUNK = 5_000;

function copyValue(v: string | number | null): string {
  return v === null ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

/** Streams `count` rows made by `row(i)` through COPY into a temp table, then inserts the missing ones. */
export async function copyInsert(
  sql: Sql,
  label: string,
  count: number,
  staging: string,
  columns: string[],
  row: (i: number) => (string | number | null)[],
  insert: string,
  quiet = false,
): Promise<number> {
  const progress = createProgress(label, count, quiet ? null : process.stderr);
  const conn = await sql.reserve();
  try {
    // Bulk loads run longer than the API's statement timeout allows a request.
    await conn.unsafe('set statement_timeout = 0');
    await conn.unsafe(
      `create temp table ${staging} (${columns.map((c) => `${c} text`).join(', ')}) on commit preserve rows`,
    );
    const stream = await conn.unsafe(`copy ${staging} (${columns.join(', ')}) from stdin`).writable();
    for (let start = 0; start < count; start += CHUNK) {
      const end = Math.min(count, start + CHUNK);
      let text = '';
      for (let i = start; i < end; i++) text += `${row(i).map(copyValue).join('\t')}\n`;
      if (!stream.write(text)) await new Promise((resolve) => stream.once('drain', resolve));
      progress.add(end - start);
    }
    stream.end();
    await finished(stream);
    const result = await conn.unsafe(insert);
    await conn.unsafe(`drop table ${staging}`);
    await conn.unsafe('reset statement_timeout');
    progress.done(`${count.toLocaleString('en')} rows streamed, ${result.count.toLocaleString('en')} new`);
    return result.count;
  } finally {
    conn.release();
  }
}

export async function seedPackhouse(
  deps: { sql: Sql; db: Db; responseCache?: ResponseCache },
  organizationId: number,
  sizes: PackhouseSizes,
): Promise<{ growers: number; packhouses: number; batches: number }> {
  const seed = sizes.seed ?? 1;
  const org = Number(organizationId);
  const growers = await copyInsert(
    deps.sql,
    'growers',
    sizes.growers,
    'seed_growers',
    ['code', 'name', 'region', 'contact_email'],
    (i) => Object.values(growerRow(seed, i)),
    `insert into growers (organization_id, code, name, region, contact_email)
     select ${org}, code, name, region, contact_email from seed_growers
     on conflict (organization_id, code) do nothing`,
    sizes.quiet,
  );
  const packhouses = await copyInsert(
    deps.sql,
    'packhouses',
    sizes.packhouses,
    'seed_packhouses',
    ['name', 'location'],
    (i) => Object.values(packhouseRow(seed, i)),
    `insert into packhouses (organization_id, name, location)
     select ${org}, name, location from seed_packhouses
     on conflict (organization_id, name) do nothing`,
    sizes.quiet,
  );
  const growerIds = await idsByKey(deps.db, 'growers', 'code', org);
  const packhouseIds = await idsByKey(deps.db, 'packhouses', 'name', org);
  const batches = await copyInsert(
    deps.sql,
    'batches',
    sizes.batches,
    'seed_batches',
    [
      'code',
      'grower_id',
      'packhouse_id',
      'fruit_type',
      'harvest_date',
      'intake_date',
      'status',
      'gross_weight_kg',
      'net_weight_kg',
    ],
    (i) => {
      const b = batchRow(seed, i, sizes);
      const growerId = growerIds.get(growerRow(seed, b.growerIndex).code);
      const packhouseId = packhouseIds.get(packhouseRow(seed, b.packhouseIndex).name);
      return [
        b.code,
        growerId ?? null,
        packhouseId ?? null,
        b.fruitType,
        b.harvestDate,
        b.intakeDate,
        b.status,
        b.grossWeightKg,
        b.netWeightKg,
      ];
    },
    `insert into batches (organization_id, code, grower_id, packhouse_id, fruit_type, harvest_date, intake_date, status, gross_weight_kg, net_weight_kg)
     select ${org}, code, grower_id::int, packhouse_id::int, fruit_type, harvest_date::date, intake_date::date, status,
            gross_weight_kg::numeric, net_weight_kg::numeric
     from seed_batches
     on conflict (organization_id, code) do nothing`,
    sizes.quiet,
  );
  await deps.sql.begin((tx) => [tx`set local statement_timeout = 0`, tx`analyze growers, packhouses, batches`]);
  // Rows went in by COPY, not through mutations: cached answers of this organization must not miss them.
  if (deps.responseCache)
    await invalidateTypes({ responseCache: deps.responseCache }, org, ['Grower', 'Packhouse', 'Batch']);
  return { growers, packhouses, batches };
}
