// Partner manifests shipped in the repository: seeds/persisted/<partner>/persisted-documents.json maps
// each operation's hash to its document. `npm run codegen` writes them (graphql-codegen's client preset,
// codegen.ts) from seeds/persisted/<partner>.graphql, with the typed documents partners' clients use,
// so clients, seeds and tests all send the same operations. Loaded once at start; a file whose hashes
// do not match its documents stops the process with the file's name.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_NAME, SHA256_HEX, sha256Hex } from './documents.ts';

export const MANIFEST_DIR = fileURLToPath(new URL('../../../seeds/persisted/', import.meta.url));
export const MANIFEST_FILE = 'persisted-documents.json';

/** Partner name → (hash → document). */
export type Manifests = Map<string, Map<string, string>>;

export function loadManifestFiles(dir = MANIFEST_DIR): Manifests {
  const manifests: Manifests = new Map();
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, MANIFEST_FILE)))
      .map((d) => d.name);
  } catch {
    return manifests;
  }
  for (const name of names.sort()) {
    const path = join(dir, name, MANIFEST_FILE);
    if (!MANIFEST_NAME.test(name))
      throw new Error(`${path}: a manifest name must be lower-case letters, digits and dashes`);
    const entries = Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>);
    for (const [hash, document] of entries) {
      if (!SHA256_HEX.test(hash) || sha256Hex(document) !== hash) {
        throw new Error(
          `${path}: the key ${hash.slice(0, 16)}… is not the SHA-256 of its document. Run \`npm run codegen\`.`,
        );
      }
    }
    manifests.set(name, new Map(entries));
  }
  return manifests;
}
