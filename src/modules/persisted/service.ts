// Persisted operations: registration by an organization's admins, and lookup of the document a
// caller may run by hash. No GraphQL types here.
import { and, eq } from 'drizzle-orm';
import { parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Principal } from '../../context.ts';
import { persistedOperationTable } from '../../db/tables/index.ts';
import { keysetPage, type PageArgs } from '../../db/keyset.ts';
import { ValidationError } from '../../lib/errors.ts';
import type { Db } from '../../resources.ts';
import { MANIFEST_NAME, sha256Hex, singleOperation } from './documents.ts';
import type { Manifests } from './manifests.ts';

const MAX_DOCUMENT_CHARS = 100_000;

/** Operations the organization registered for one manifest, oldest first. */
export function listOperations(db: Db, organizationId: number, manifest: string, page: PageArgs) {
  return keysetPage(
    db,
    persistedOperationTable,
    and(eq(persistedOperationTable.organizationId, organizationId), eq(persistedOperationTable.manifest, manifest)),
    { list: 'persistedOperations', columns: [persistedOperationTable.id], direction: 'asc', key: (o) => [o.id] },
    page,
  );
}

/** Checks and stores documents for one manifest of the organization; registering twice is a no-op. */
export async function registerOperations(
  db: Db,
  schema: GraphQLSchema,
  input: { organizationId: number; manifest: string; documents: string[]; createdByUserId: number | null },
) {
  if (!MANIFEST_NAME.test(input.manifest)) {
    throw ValidationError.of(
      'input.manifest',
      'A manifest name is 2-63 lower-case letters, digits and dashes, e.g. "freshtrack".',
    );
  }
  if (!input.documents.length) throw ValidationError.of('input.documents', 'Give at least one document.');
  const rows = input.documents.map((document, i) => {
    const field = `input.documents.${i}`;
    if (document.length > MAX_DOCUMENT_CHARS)
      throw ValidationError.of(field, `A document may have at most ${MAX_DOCUMENT_CHARS} characters.`);
    let parsed: DocumentNode;
    try {
      parsed = parse(document);
    } catch (err) {
      throw ValidationError.of(field, `The document does not parse: ${(err as Error).message}`);
    }
    const operation = singleOperation(parsed);
    if (typeof operation === 'string') throw ValidationError.of(field, operation);
    const errors = validate(schema, parsed);
    if (errors.length)
      throw ValidationError.of(field, `The document is not valid against the schema: ${errors[0].message}`);
    return {
      organizationId: input.organizationId,
      manifest: input.manifest,
      hash: sha256Hex(document),
      document,
      operationName: operation.name?.value ?? null,
      createdByUserId: input.createdByUserId,
    };
  });
  await db.insert(persistedOperationTable).values(rows).onConflictDoNothing();
  return db
    .select()
    .from(persistedOperationTable)
    .where(
      and(
        eq(persistedOperationTable.organizationId, input.organizationId),
        eq(persistedOperationTable.manifest, input.manifest),
      ),
    )
    .then((all) => {
      const byHash = new Map(all.map((r) => [r.hash, r]));
      return rows.map((r) => byHash.get(r.hash)!);
    });
}

const CACHE_SIZE = 5_000;

/**
 * Finds the document for a hash in the caller's own manifest: the repository's file for its
 * partner, then what its organization registered. Documents never change for a hash, so found
 * ones are cached (bounded, oldest out first); misses always ask the database.
 */
export class PersistedOperationStore {
  private readonly db: Db;
  private readonly files: Manifests;
  private readonly cache = new Map<string, string>();

  constructor(db: Db, files: Manifests) {
    this.db = db;
    this.files = files;
  }

  async find(principal: Principal, hash: string): Promise<string | null> {
    if (principal.kind !== 'apiKey' || !principal.manifest) return null;
    const fromFile = this.files.get(principal.manifest)?.get(hash);
    if (fromFile) return fromFile;
    const cacheKey = `${principal.organizationId}:${principal.manifest}:${hash}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const [row] = await this.db
      .select({ document: persistedOperationTable.document })
      .from(persistedOperationTable)
      .where(
        and(
          eq(persistedOperationTable.organizationId, principal.organizationId),
          eq(persistedOperationTable.manifest, principal.manifest),
          eq(persistedOperationTable.hash, hash),
        ),
      );
    if (!row) return null;
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(cacheKey, row.document);
    return row.document;
  }
}
