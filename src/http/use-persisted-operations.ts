// Persisted operations (APQ request shape: `extensions.persistedQuery.sha256Hash`, by POST or GET).
// A hash runs the document of that hash in the caller's own partner manifest and nowhere else, so
// another partner's hash is not found. A persisted-only key can run nothing but its manifest: a
// query without a hash is refused (PERSISTED_QUERY_ID_REQUIRED), and so is a query with one
// (CANNOT_SEND_PQ_ID_AND_BODY). Other callers may send a query, with its hash if they like, provided
// the hash matches; that query is then kept for their organization (automatic persisted queries,
// src/modules/persisted/automatic.ts), so the hash alone runs it from the next call on.
import { usePersistedOperations as useYogaPersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { GraphQLParams } from 'graphql-yoga';
import type { AppPlugin } from './edge.ts';
import type { Principal } from '../context.ts';
import { sha256Hex } from '../modules/persisted/documents.ts';
import type { AutomaticPersistedQueries } from '../modules/persisted/automatic.ts';
import type { PersistedOperationStore } from '../modules/persisted/service.ts';
import { stateOf } from './request-state.ts';

function hashOf(params: GraphQLParams): string | null {
  const pq = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)
    ?.persistedQuery;
  return pq?.version === 1 && typeof pq.sha256Hash === 'string' ? pq.sha256Hash : null;
}

const persistedOnly = (p: Principal) => p.kind === 'apiKey' && p.persistedOnly;
const manifestOf = (p: Principal) => (p.kind === 'apiKey' && p.manifest ? `"${p.manifest}"` : 'none');

function requestError(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/** A caller whose ad-hoc queries may be kept by hash: signed in, or a key that is not persisted-only. */
const automaticOrganization = (p: Principal) => (p.kind === 'anonymous' || persistedOnly(p) ? null : p.organizationId);

export function usePersistedOperations(
  store: PersistedOperationStore,
  automatic?: AutomaticPersistedQueries,
): AppPlugin {
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        useYogaPersistedOperations({
          allowArbitraryOperations: (request) => !persistedOnly(stateOf(request).principal),
          getPersistedOperation: async (hash, request) => {
            const principal = stateOf(request).principal;
            const fromManifest = await store.find(principal, hash);
            const organizationId = automaticOrganization(principal);
            if (fromManifest || !automatic || organizationId === null) return fromManifest;
            return automatic.find(organizationId, hash);
          },
          customErrors: {
            notFound: ({ request }) =>
              new GraphQLError(
                `PersistedQueryNotFound: no operation with this hash in the manifest of your API key (manifest: ${manifestOf(stateOf(request).principal)}). ` +
                  (persistedOnly(stateOf(request).principal)
                    ? 'Use a hash from your manifest, or ask an admin to register the operation with registerPersistedOperations.'
                    : 'Send the query itself.'),
                { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
              ),
            keyNotFound: () =>
              requestError(
                'The request has neither a query nor a persisted operation id (extensions.persistedQuery.sha256Hash).',
                'PERSISTED_QUERY_ID_REQUIRED',
              ),
            persistedQueryOnly: ({ params, request }) =>
              hashOf(params)
                ? requestError(
                    'Send either a persisted operation id or a query, not both: this API key runs only its persisted operations, so send the id alone.',
                    'CANNOT_SEND_PQ_ID_AND_BODY',
                  )
                : requestError(
                    `This API key may only run the persisted operations of its manifest (${manifestOf(stateOf(request).principal)}): send extensions.persistedQuery.sha256Hash instead of a query.`,
                    'PERSISTED_QUERY_ID_REQUIRED',
                  ),
          },
        }),
      );
    },
    onParams({ params, request }) {
      const hash = hashOf(params);
      if (hash && params.query && !persistedOnly(stateOf(request).principal) && sha256Hex(params.query) !== hash) {
        throw requestError(
          'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it.',
          'PERSISTED_QUERY_HASH_MISMATCH',
        );
      }
      // This hook runs before the yoga plugin added above, so it sees the request as sent: a query with
      // its (checked) hash, Apollo's retry after PERSISTED_QUERY_NOT_FOUND.
      const organizationId = automaticOrganization(stateOf(request).principal);
      if (hash && params.query && automatic && organizationId !== null)
        automatic.remember(organizationId, hash, params.query);
    },
  };
}
