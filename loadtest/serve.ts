// npm run loadtest:serve -- [--env-file path] [--minutes 60]
// For running the k6 scripts with k6 itself: starts the API with seeded data (runner/target.ts),
// writes BASE_URL, USER_TOKEN, PARTNER_KEY, INTERNAL_KEY (and PARTNER_SCENARIO=skip when the server
// does not run the partner's persisted operations) as KEY=value lines, then serves until SIGINT or
// SIGTERM, or until --minutes have passed, and cleans up (API stopped, database dropped).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { probePersistedOperations } from './runner/persisted.ts';
import { startTarget } from './runner/target.ts';

const { values } = parseArgs({
  options: { 'env-file': { type: 'string' }, minutes: { type: 'string', default: '60' }, redis: { type: 'string' } },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

const target = await startTarget({
  log,
  serverEnv: values.redis ? { REDIS_URL: values.redis, REDIS_PREFIX: `hg_lt_${process.pid}:` } : {},
});
const env = { ...target.env };
const probe = await probePersistedOperations(target.url, env.PARTNER_KEY);
if (!probe.ok) {
  env.PARTNER_SCENARIO = 'skip';
  log(
    `partner scenario: the server did not run the persisted operations of loadtest/partner-operations.json (${probe.reason})`,
  );
}
const lines = Object.entries(env)
  .map(([k, v]) => `${k}=${v}`)
  .join('\n');
if (values['env-file']) await writeFile(values['env-file'], `${lines}\n`, { mode: 0o600 });
else process.stdout.write(`${lines}\n`);
log(`serving ${target.url} for up to ${values.minutes} minutes; Ctrl-C to stop`);

let stopping = false;
const stop = async (reason: string) => {
  if (stopping) return;
  stopping = true;
  log(`stopping (${reason})`);
  await target.stop();
  process.exit(0);
};
setTimeout(() => void stop('time limit'), Number(values.minutes) * 60_000).unref();
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
setInterval(() => {}, 60_000);
