// `npm run codegen`: graphql-codegen (codegen.ts) over seeds/persisted/<partner>.graphql, writing per
// partner the typed documents (gql.ts, graphql.ts, index.ts), the manifest they hash to
// (persisted-documents.json, hash → document; the server loads it) and the same list in the format
// of Apollo's @apollo/persisted-query-lists (persisted-query-manifest.json: id, name, type, body per
// operation). Only the two manifests are committed, the partners' contract; the typed documents are
// build output (docs/decisions/0032-typed-partner-documents-are-build-output.md). `--check` fails when
// a committed manifest is stale, like `npm run schema:check`; `--clients` writes the typed documents
// alone (`npm run typecheck` and the tests' setup), leaving a stale manifest for the check to find.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { parse } from 'graphql';
import config from '../../codegen.ts';
import { singleOperation } from '../../src/modules/persisted/documents.ts';
import { MANIFEST_FILE } from '../../src/modules/persisted/manifests.ts';

export const APOLLO_MANIFEST_FILE = 'persisted-query-manifest.json';

type Output = { filename: string; content: string };

/** The manifests are committed; the rest of codegen's output (the typed documents) is generated where it is used. */
export const isCommitted = (file: string) => file.endsWith('.json');

/** Apollo's persisted query list (https://www.apollographql.com/docs/graphos/platform/security/persisted-queries). */
export function apolloManifest(documents: Record<string, string>): string {
  const operations = Object.entries(documents).map(([id, body]) => {
    const operation = singleOperation(parse(body));
    if (typeof operation === 'string') throw new Error(operation);
    return { id, name: operation.name!.value, type: operation.operation, body };
  });
  return `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`;
}

/** Every file codegen would write, with what is on disk now. */
export async function buildManifests(): Promise<{ file: string; json: string; current: string }[]> {
  const outputs = (await generate({ ...config, silent: true }, false)) as Output[];
  const all: Output[] = [...outputs];
  for (const output of outputs) {
    if (!output.filename.endsWith(`/${MANIFEST_FILE}`)) continue;
    all.push({
      filename: `${dirname(output.filename)}/${APOLLO_MANIFEST_FILE}`,
      content: apolloManifest(JSON.parse(output.content)),
    });
  }
  return Promise.all(
    all.map(async (o) => ({
      file: o.filename,
      json: o.content,
      current: await readFile(o.filename, 'utf8').catch(() => ''),
    })),
  );
}

/** Writes what codegen would change (only the typed documents with `clientsOnly`); the files it wrote. */
export async function writeManifests({ clientsOnly = false } = {}): Promise<string[]> {
  const written: string[] = [];
  for (const { file, json, current } of await buildManifests()) {
    if (json === current || (clientsOnly && isCommitted(file))) continue;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, json);
    written.push(file);
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--check')) {
    const stale = (await buildManifests()).filter(({ file, json, current }) => isCommitted(file) && json !== current);
    for (const { file } of stale)
      process.stderr.write(
        `${relative(process.cwd(), file)} is stale. Run \`npm run codegen\` and commit the result.\n`,
      );
    if (stale.length) process.exit(1);
  } else {
    const written = await writeManifests({ clientsOnly: process.argv.includes('--clients') });
    for (const file of written) process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`);
    if (!written.length) process.stdout.write('generated files are current\n');
  }
}
