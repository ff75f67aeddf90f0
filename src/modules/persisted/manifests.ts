// Partner manifests shipped in the repository: seeds/persisted/<partner>.json maps each operation's
// hash to its document. They are written by `npm run persisted` from seeds/persisted/<partner>.graphql,
// so partners, seeds and load tests all use the same operations. Loaded once at start; a file whose
// hashes do not match its documents stops the process with the file's name.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_NAME, SHA256_HEX, sha256Hex } from './documents.ts';

export const MANIFEST_DIR = fileURLToPath(new URL('../../../seeds/persisted/', import.meta.url));

/** Partner name → (hash → document). */
export type Manifests = Map<string, Map<string, string>>;

export function loadManifestFiles(dir = MANIFEST_DIR): Manifests {
  const manifests: Manifests = new Map();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return manifests;
  }
  for (const file of files.sort()) {
    const name = basename(file, '.json');
    const path = join(dir, file);
    if (!MANIFEST_NAME.test(name)) throw new Error(`${path}: a manifest name must be lower-case letters, digits and dashes`);
    const entries = Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>);
    for (const [hash, document] of entries) {
      if (!SHA256_HEX.test(hash) || sha256Hex(document) !== hash) {
        throw new Error(`${path}: the key ${hash.slice(0, 16)}… is not the SHA-256 of its document. Run \`npm run persisted\`.`);
      }
    }
    manifests.set(name, new Map(entries));
  }
  return manifests;
}
