// npm run bench:start — how long `npm start` takes to serve its first request, cold (a new
// embedded database: initdb, migrations, demo seed) and warm (the same data directory again).
// Prints each run and the medians. Only local processes; everything stops by itself.
import { rm } from 'node:fs/promises';
import { embeddedStartEnv, startServerProcess } from '../../src/test/server-process.ts';

const runs = Number(process.argv[2] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function firstAnswer(url: string, key: string | undefined) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ batches(first: 1) { edges { node { code } } } }' }),
  });
  if (!response.ok) throw new Error(`first query failed: ${response.status}`);
}

const cold: number[] = [];
const warm: number[] = [];
for (let i = 0; i < runs; i++) {
  const { dir, env } = await embeddedStartEnv('hg-bench-start-');
  try {
    for (const [label, list] of [
      ['cold', cold],
      ['warm', warm],
    ] as const) {
      const t0 = performance.now();
      const server = await startServerProcess(env);
      await firstAnswer(server.url, server.demoKey);
      const ms = performance.now() - t0;
      list.push(ms);
      const { ms: stopMs } = await server.stop('SIGTERM');
      process.stdout.write(
        `run ${i + 1} ${label}: first answer after ${ms.toFixed(0)} ms (shutdown ${stopMs.toFixed(0)} ms)\n`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
process.stdout.write(
  `\nnpm start to first answer, median of ${runs}: cold ${median(cold).toFixed(0)} ms, warm ${median(warm).toFixed(0)} ms\n`,
);
