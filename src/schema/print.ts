// `npm run schema` writes schema/schema.graphql from the code; `--check` fails when it is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.ts';

const file = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));
const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;

if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== printed) {
    process.stderr.write(
      'schema/schema.graphql is stale: the code defines a different schema. Run `npm run schema` and commit the result.\n',
    );
    process.exit(1);
  }
  process.stdout.write('schema/schema.graphql is current\n');
} else {
  await writeFile(file, printed);
  process.stdout.write(`wrote ${file}\n`);
}
