// npm run fuzz -- [--duration 600|10m] [--seed N]: the HTTP surface and file fuzzers for a long run,
// new seeds until the duration is spent (the suite runs one fixed seed). Findings are printed grouped
// by route and problem, each with one example request; the exit code is vitest's.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const durationText = flag('duration') ?? '60';
const match = /^(\d+)(s|m)?$/.exec(durationText);
if (!match) {
  process.stderr.write('usage: npm run fuzz -- [--duration <seconds>|<minutes>m] [--seed <n>]\n');
  process.exit(2);
}
const durationMs = Number(match[1]) * (match[2] === 'm' ? 60_000 : 1_000);
const seed = flag('seed') ?? String(Date.now() % 1_000_000);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const vitest = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));
process.stdout.write(`fuzzing for ${durationMs / 1000} s from seed ${seed}\n`);
const child = spawn(
  process.execPath,
  [vitest, 'run', 'src/test/fuzz/', '--testTimeout', String(durationMs + 600_000)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FUZZ_DURATION_MS: String(durationMs), FUZZ_SEED: seed },
  },
);
child.on('exit', (code) => process.exit(code ?? 1));
