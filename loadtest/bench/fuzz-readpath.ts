// npm run fuzz:readpath [-- operations [seed]]: the differential test of the compiled read path
// (src/compiled/differential.test.ts) with many more random operations and a fresh seed, printed so
// a failure can be replayed: DIFF_SEED=<seed> DIFF_OPERATIONS=<n> npx vitest run src/compiled/differential.test.ts
import { spawnSync } from 'node:child_process';

const operations = process.argv[2] ?? '20000';
const seed = process.argv[3] ?? String(Math.floor(Math.random() * 2 ** 31));
process.stderr.write(`fuzz:readpath: ${operations} operations, seed ${seed}\n`);
const run = spawnSync('vitest', ['run', 'src/compiled/differential.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, DIFF_OPERATIONS: operations, DIFF_SEED: seed },
});
process.stderr.write(`fuzz:readpath: seed ${seed} ${run.status === 0 ? 'passed' : 'FAILED'}\n`);
process.exit(run.status ?? 1);
