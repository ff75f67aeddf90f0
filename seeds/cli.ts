// npm run seed -- --growers 2000 --batches 200000 [--packhouses 40] [--payments 50000] [--org demo] [--seed 1]
// Adds deterministic packhouse data to an organization (created if missing): growers, packhouses,
// batches, their history, fruit prices and grower payments, then refreshes the daily intake view.
// Idempotent: running it again with the same sizes adds nothing; larger sizes add only the missing rows.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import { openCliDatabase } from '../src/db/cli-database.ts';
import { createOrganization, findOrganizationBySlug } from '../src/modules/identity/service.ts';
import { createCliLogger, createResources } from '../src/resources.ts';
import { refreshDailyIntake } from '../src/modules/packhouse/intake.ts';
import { invalidateDerived } from '../src/cache/response-cache.ts';
import { seedDemo } from './demo.ts';
import { seedPackhouse } from './packhouse.ts';
import { seedPackhouseOperations } from './packhouse-operations.ts';

const usage =
  'usage: npm run seed -- [--org <slug>] [--growers N] [--packhouses N] [--batches N] [--payments N] [--currency NZD] [--seed N]';

function count(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) {
    process.stderr.write(`--${name} must be a whole number, got "${value}"\n${usage}\n`);
    process.exit(2);
  }
  return Number(value);
}

const { values } = parseArgs({
  options: {
    org: { type: 'string', default: 'demo' },
    growers: { type: 'string' },
    packhouses: { type: 'string' },
    batches: { type: 'string' },
    payments: { type: 'string' },
    currency: { type: 'string', default: 'NZD' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const config = loadConfigOrExit();
const growers = count('growers', values.growers, 200);
const sizes = {
  growers,
  packhouses: count('packhouses', values.packhouses, Math.max(3, Math.ceil(growers / 50))),
  batches: count('batches', values.batches, 20_000),
  payments: count('payments', values.payments, 2_000),
  currency: values.currency!.toUpperCase(),
  seed: count('seed', values.seed, 1),
};
if ((sizes.batches > 0 || sizes.payments > 0) && (sizes.growers === 0 || sizes.packhouses === 0)) {
  process.stderr.write('Batches and payments need at least one grower and one packhouse.\n');
  process.exit(2);
}

const log = createCliLogger(config);
const database = await openCliDatabase(config, log).catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
process.stderr.write(`Database: ${database.label}\n`);
const resources = await createResources(config, { log, databaseUrl: database.url });
try {
  let org = await findOrganizationBySlug(resources.db, values.org!);
  if (!org && values.org === 'demo') {
    await seedDemo(resources, { log });
    org = await findOrganizationBySlug(resources.db, 'demo');
  }
  org ??= await createOrganization(resources.db, { slug: values.org!, name: values.org! });
  process.stderr.write(`Seeding organization "${org!.slug}" with ${JSON.stringify(sizes)}\n`);
  const started = performance.now();
  const added = await seedPackhouse(resources, org!.id, sizes);
  const operations = await seedPackhouseOperations(resources, org!.id, sizes);
  await refreshDailyIntake(resources.db, { wait: true });
  // A server sharing this Redis may hold answers from before the seed.
  await invalidateDerived(resources, ['DailyIntake']);
  process.stderr.write(
    `Done in ${((performance.now() - started) / 1000).toFixed(1)} s: added ${added.growers} growers, ${added.packhouses} packhouses, ${added.batches} batches, ` +
      `${operations.events} history events, ${operations.payments} payments; set ${operations.prices} fruit prices.\n`,
  );
} finally {
  await resources.close();
  await database.close();
}
