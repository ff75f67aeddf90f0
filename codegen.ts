// graphql-codegen (client preset with persisted documents) over each partner's operations in
// seeds/persisted/<partner>.graphql: typed documents in seeds/persisted/<partner>/ and the manifest
// they hash to (persisted-documents.json, hash → document), which the server loads at start. Every
// selection set gets __typename, as Apollo Client adds it, so a client's documents and the manifest's
// are the same text and the answers have the fields its cache expects. Run through `npm run codegen`
// (seeds/persisted/codegen.ts), which also writes Apollo's persisted-query-list format.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

const root = new URL('./', import.meta.url).pathname;
export const PARTNERS = readdirSync(`${root}seeds/persisted`)
  .filter((f) => f.endsWith('.graphql'))
  .map((f) => f.slice(0, -'.graphql'.length))
  .sort();

// The bare hex SHA-256 of the printed document: the id of Apollo's APQ shape (the preset's built-in
// 'sha256' prefixes it with "sha256:").
const sha256Hex = (document: string) => createHash('sha256').update(document, 'utf8').digest('hex');

const config: CodegenConfig = {
  schema: `${root}schema/schema.graphql`,
  ignoreNoDocuments: false,
  importExtension: '.ts',
  generates: Object.fromEntries(
    PARTNERS.map((partner) => [
      `${root}seeds/persisted/${partner}/`,
      {
        preset: 'client',
        documents: [`${root}seeds/persisted/${partner}.graphql`],
        documentTransforms: [addTypenameSelectionDocumentTransform],
        presetConfig: {
          fragmentMasking: false,
          persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: sha256Hex },
        },
        config: {
          // Erasable TypeScript only (no enums), type-only imports (verbatimModuleSyntax).
          enumsAsTypes: true,
          useTypeImports: true,
          scalars: { Date: 'string', DateTime: 'string', Decimal: 'string', File: 'File' },
          strictScalars: true,
        },
      },
    ]),
  ),
};

export default config;
