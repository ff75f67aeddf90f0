// npm run loadtest -- <script.js> [--url http://host:port] [-e KEY=VALUE]… [--summary-export file]
//                                 [--redis redis://…] [--cpus 0] [--server-env KEY=VALUE]…
//                                 [--mock-crm LATENCY_MS:FAILURE_RATE]  (mock CRM + a worker beside the API)
// Without --url it starts the API on an ephemeral port with seeded data (target.ts) and stops it at
// the end. Exits like k6: 0 when every threshold holds, 99 when one was crossed.
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { probePersistedOperations } from './persisted.ts';
import { runScript, EXIT } from './runner.ts';
import { startTarget, type Target } from './target.ts';
import { startMockCrm, type MockCrm } from '../mock-crm.ts';

/** `--mock-crm 300:0.1`: a mock CRM on a free port (300 ms, 10% failures), the API's worker pushing to it. */
async function startCrmFor(
  spec: string,
  serverEnv: Record<string, string>,
  log: (line: string) => void,
): Promise<MockCrm> {
  const [latency, failures] = spec.split(':').map(Number);
  if (!Number.isFinite(latency) || !(failures >= 0 && failures <= 1))
    throw new Error(`--mock-crm ${spec}: write LATENCY_MS:FAILURE_RATE, e.g. 300:0.1`);
  const crm = await startMockCrm({ latencyMs: latency, failureRate: failures });
  Object.assign(serverEnv, { CRM_CONNECTOR: 'http', CRM_URL: crm.url, START_WORKER: 'true', ...serverEnv });
  log(`mock CRM at ${crm.url}: ${latency} ms, ${failures * 100}% failures; a worker runs beside the API`);
  return crm;
}

const USAGE =
  'usage: npm run loadtest -- <script.js> [--url URL] [-e KEY=VALUE]... [--summary-export FILE] [--redis URL] [--cpus LIST] [--server-env KEY=VALUE]...';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      env: { type: 'string', short: 'e', multiple: true },
      'server-env': { type: 'string', multiple: true },
      'summary-export': { type: 'string' },
      redis: { type: 'string' },
      cpus: { type: 'string' },
      'mock-crm': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const script = resolve(positionals[0]);
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`-e ${pair}: write KEY=VALUE`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const serverEnv: Record<string, string> = values.redis
    ? { REDIS_URL: values.redis, REDIS_PREFIX: `hg_lt_${process.pid}:` }
    : {};
  for (const pair of values['server-env'] ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--server-env ${pair}: write KEY=VALUE`);
    serverEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const crm = values['mock-crm'] ? await startCrmFor(values['mock-crm'], serverEnv, log) : undefined;
  let target: Target | undefined;
  const stop = async () => {
    const t = target;
    target = undefined;
    await t?.stop();
    if (crm) {
      log(`mock CRM: ${JSON.stringify(crm.stats())}`);
      await crm.close();
    }
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void stop().finally(() => process.exit(143)));
  try {
    if (values.url) env.BASE_URL = values.url.replace(/\/$/, '');
    else {
      target = await startTarget({ log, cpus: values.cpus, serverEnv });
      Object.assign(env, target.env, env);
    }
    const partnerKey = env.PARTNER_KEY ?? process.env.PARTNER_KEY;
    if (!env.PARTNER_SCENARIO && !process.env.PARTNER_SCENARIO && env.BASE_URL && partnerKey) {
      const probe = await probePersistedOperations(env.BASE_URL, partnerKey);
      if (!probe.ok) {
        env.PARTNER_SCENARIO = 'skip';
        log(
          `partner scenario skipped: the server did not run a persisted operation of loadtest/partner-operations.json for the partner key (${probe.reason})`,
        );
      }
    }
    const summaryExport =
      values['summary-export'] ?? resolve('loadtest/results', `${basename(script, '.js')}.summary.json`);
    const { exitCode } = await runScript({ script, env, summaryExport });
    return exitCode;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`load test failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.scriptError);
  },
);
