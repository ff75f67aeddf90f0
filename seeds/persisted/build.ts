// `npm run persisted`: writes seeds/persisted/<partner>.json (hash → document) from each
// seeds/persisted/<partner>.graphql, one document per named operation with the fragments it uses.
// `--check` fails when a JSON file is stale, like `npm run schema:check`.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { splitOperations } from '../../src/modules/persisted/documents.ts';
import { MANIFEST_DIR } from '../../src/modules/persisted/manifests.ts';

export async function buildManifests(dir = MANIFEST_DIR): Promise<{ file: string; json: string; current: string }[]> {
  const sources = (await readdir(dir)).filter((f) => f.endsWith('.graphql')).sort();
  return Promise.all(
    sources.map(async (source) => {
      const operations = splitOperations(await readFile(join(dir, source), 'utf8'));
      const json = `${JSON.stringify(Object.fromEntries(operations.map((o) => [o.hash, o.document])), null, 2)}\n`;
      const file = join(dir, source.replace(/\.graphql$/, '.json'));
      return { file, json, current: await readFile(file, 'utf8').catch(() => '') };
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { file, json, current } of await buildManifests()) {
    if (json === current) continue;
    stale += 1;
    if (check) process.stderr.write(`${file} is stale. Run \`npm run persisted\` and commit the result.\n`);
    else {
      await writeFile(file, json);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  if (check && stale) process.exit(1);
}
