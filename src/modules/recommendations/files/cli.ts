// Command line for data teams, straight on the database (DATABASE_URL, or the embedded one: src/db/cli-database.ts):
//   npm run job:import -- customers.xlsx [--org demo] [--name "May batch"] [--provider builtin|http]
//   npm run job:export -- <job id> results.csv|results.xlsx [--org demo]
// The import streams the file (progress bar in bytes); a worker (`npm run worker`) scores the job.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { loadConfigOrExit } from '../../../config.ts';
import { openCliDatabase } from '../../../db/cli-database.ts';
import { decodeGlobalId, encodeGlobalId } from '../../../lib/global-id.ts';
import { createProgress } from '../../../lib/progress.ts';
import { createCliLogger, createResources, type Resources } from '../../../resources.ts';
import { findOrganizationBySlug } from '../../identity/service.ts';
import { exportResults } from './export.ts';
import { fileFormatOf } from './format.ts';
import { ImportError, importJob } from './import.ts';
import { getJob } from '../jobs/service.ts';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function organization(resources: Resources, slug: string) {
  const org = await findOrganizationBySlug(resources.db, slug);
  if (!org) fail(`No organization with slug "${slug}"; pass --org <slug> (the demo organization is "demo").`);
  return org;
}

async function runImport(resources: Resources, args: string[]) {
  const slug = option(args, 'org') ?? 'demo';
  const name = option(args, 'name');
  const provider = option(args, 'provider');
  const [file] = args;
  const format = fileFormatOf({ fileName: file });
  if (!file || !format)
    fail(
      'usage: npm run job:import -- <customers.csv|customers.xlsx> [--org demo] [--name text] [--provider builtin|http]',
    );
  if (provider && provider !== 'builtin' && provider !== 'http') fail('--provider must be builtin or http');
  const org = await organization(resources, slug);
  const { size } = await stat(file).catch(() => fail(`Cannot read ${file}.`));
  const progress = createProgress(`importing ${file} (bytes)`, size);
  let seen = 0;
  try {
    const result = await importJob(resources, org.id, 'cli', {
      source: createReadStream(file, { highWaterMark: 256 * 1024 }),
      format,
      name,
      provider: provider as 'builtin' | 'http' | undefined,
      onBytes: (total) => {
        progress.add(total - seen);
        seen = total;
      },
    });
    progress.done(
      `${result.imported.toLocaleString('en')} customers imported, ${result.rejectedRows.toLocaleString('en')} rows refused`,
    );
    for (const e of result.errors.slice(0, 20)) process.stderr.write(`  line ${e.line}: ${e.message}\n`);
    if (result.rejectedRows > 20)
      process.stderr.write(`  … ${result.rejectedRows - 20} more (query the job's inputErrors)\n`);
    const id = encodeGlobalId('RecommendationJob', result.job.id);
    process.stdout.write(
      `${result.deduplicated ? 'Same file imported moments ago: ' : ''}job ${id} (${result.job.total.toLocaleString('en')} customers, ${result.job.status}).\n` +
        `Follow it: { recommendationJob(id: "${id}") { status done failed ratePerSecond etaSeconds } }\n` +
        `Export:    npm run job:export -- ${id} results.xlsx --org ${slug}\n`,
    );
  } catch (err) {
    if (err instanceof ImportError) {
      for (const e of err.errors.slice(0, 20)) process.stderr.write(`  line ${e.line}: ${e.message}\n`);
      fail(`Import refused (${err.code}): ${err.message}`);
    }
    throw err;
  }
}

async function runExport(resources: Resources, args: string[]) {
  const slug = option(args, 'org') ?? 'demo';
  const [idText, file] = args;
  const format = fileFormatOf({ fileName: file });
  if (!idText || !format) fail('usage: npm run job:export -- <job id> <results.csv|results.xlsx> [--org demo]');
  const id = /^\d+$/.test(idText) ? Number(idText) : Number(decodeGlobalId(idText).id);
  const org = await organization(resources, slug);
  const job = await getJob(resources.db, org.id, id);
  if (!job) fail(`No recommendation job ${idText} in organization ${slug}.`);
  const progress = createProgress(`exporting job ${idText}`, job.doneCount + job.failedCount);
  await pipeline(
    exportResults(resources.sql, job, format, (n) => progress.add(n)),
    createWriteStream(file),
  );
  progress.done(`${file} written (job ${job.status}, ${job.doneCount} scored, ${job.failedCount} failed)`);
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  const config = loadConfigOrExit();
  const log = createCliLogger(config);
  const database = await openCliDatabase(config, log).catch((err: Error) => fail(err.message));
  process.stderr.write(`Database: ${database.label}\n`);
  const resources = await createResources(config, { log, databaseUrl: database.url, poolWaitMs: 0 });
  try {
    if (command === 'import') await runImport(resources, args);
    else if (command === 'export') await runExport(resources, args);
    else fail('usage: cli.ts import <file> | export <job id> <file>');
  } finally {
    await resources.close();
    await database.close();
  }
}

await main();
