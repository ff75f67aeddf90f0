// Query answers reused across requests (@graphql-yoga/plugin-response-cache over src/cache/), with
// `X-Cache-Status: HIT | MISS | BYPASS` on every response and an `ETag` (If-None-Match → 304) on
// every cacheable answer.
//
// Runs after auth and persisted operations (docs/decisions/0001-yoga-plugin-order.md): a hit is answered before the context and the
// resolvers exist, so the key must come from the verified principal and the resolved document.
// - Shared answers are keyed by organization, client tier and scopes (what decides what a caller may
//   see and how much it may ask); answers that select a private field (src/cache/policy.ts) also by
//   user or API key. Anonymous callers, mutations and answers with errors are never cached.
// - A mutation stamps the entities it returns or is given by id, the lists of the types it writes and
//   the organization's derived values (src/cache/response-cache.ts), and its answer waits for that,
//   so the caller's next read is fresh on every instance.
import { createHash, randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { forAnyContext, type AppPlugin } from './edge.ts';
import { useResponseCache as useYogaResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { Logger } from 'pino';
import { createFactsCache, mutationTargetIds } from '../cache/operation-facts.ts';
import { cachePolicy } from '../cache/policy.ts';
import {
  CACHE_INFO,
  CACHE_META,
  tags,
  type CacheInfo,
  type CacheMeta,
  type ResponseCache,
} from '../cache/response-cache.ts';
import { clientTier, principalKey, type Principal } from '../context.ts';
import { decodeGlobalId, encodeGlobalId } from '../lib/global-id.ts';
import { stateOf, type RequestState } from './request-state.ts';

export type ResponseCacheDeps = { cache: ResponseCache; schema: GraphQLSchema; ttlMs: number; log: Logger };

export function useResponseCache({ cache, schema, ttlMs, log }: ResponseCacheDeps): AppPlugin {
  const facts = createFactsCache(schema, cachePolicy.private);
  const warned = new Set<string>();
  const enabled = (request: Request) => ttlMs > 0 && stateOf(request).principal.kind !== 'anonymous';

  const plugin = useYogaResponseCache({
    cache,
    enabled,
    ttl: ttlMs,
    ttlPerSchemaCoordinate: cachePolicy.ttlMs,
    // Entity invalidation needs the ids the plugin adds to mutation documents.
    invalidateViaMutation: true,
    // Its default follows NODE_ENV and would change answers' shape between environments.
    includeExtensionMetadata: false,
    // The plugin asks for a session and a key on every request, cache on or not; with it off for this
    // request there is nothing to look up, so neither is worked out.
    session: (request) => (enabled(request) ? sessionOf(stateOf(request).principal) : null),
    buildResponseCacheKey: ({ documentString, variableValues, operationName, sessionId, request }) => {
      if (!enabled(request)) return 'off';
      const state = stateOf(request);
      const principal = state.principal;
      // No document here means a plugin that resolves documents runs after this one: never share a key.
      if (!documentString || sessionId == null || principal.kind === 'anonymous') return `none:${randomUUID()}`;
      const found = facts.ofText(documentString, operationName);
      // A persisted document handed over as an AST arrives as a placeholder named by its id; ids are
      // per client, so such answers are keyed per client too.
      const placeholder = documentString.startsWith('__PERSISTED_OPERATION_');
      const scope = !found || found.touchesPrivate || placeholder ? 'private' : 'public';
      const session = scope === 'private' ? `${sessionId}|${principalKey(principal)}` : sessionId;
      const hash = createHash('sha256')
        .update(JSON.stringify([documentString, operationName ?? null, stableJson(variableValues ?? {}), session]))
        .digest('hex');
      const key = `${principal.organizationId}:${hash}`;
      state.responseCache = { key, scope, status: 'BYPASS', mutation: false };
      return key;
    },
    shouldCacheResult: ({ result }) => !result.errors?.length,
  });

  return {
    onPluginInit({ addPlugin }) {
      // Added right after this plugin, so our onExecuteDone runs before the one that stores the answer.
      addPlugin(forAnyContext(plugin));
    },
    async onExecute({ args }) {
      const request = args.contextValue.request;
      const state = stateOf(request);
      const principal = state.principal;
      if (!enabled(request) || !state.responseCache || principal.kind === 'anonymous') return;
      const own = state.responseCache;
      const operation = facts.ofDocument(args.document, args.operationName);
      const organizationId = principal.organizationId;
      if (operation.operation === 'mutation') {
        own.mutation = true;
        const targets = mutationTargetIds(schema, args.document, args.operationName, args.variableValues).flatMap(
          entityTagOf,
        );
        return {
          async onExecuteDone() {
            // The plugin stamps the entities the answer contains; these are the ones the mutation was
            // pointed at and the lists of the types it writes, whatever the client selected.
            await cache.invalidateTags([
              ...targets,
              ...operation.writtenTypes.map((t) => tags.list(organizationId, t)),
              // Totals and roll-ups may depend on anything the mutation changed.
              tags.writes(organizationId),
            ]);
          },
        };
      }
      if (operation.operation !== 'query') return;
      // Read before the resolvers read the database: a write stamped later keeps this answer out.
      const startClock = await cache.startClock();
      // This request looked the key up moments ago (onParams); the plugin's second lookup is skipped.
      cache.skipNextLookup(own.key);
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          const noStore = own.scope === 'public' && state.identityRead !== undefined;
          if (noStore) warnOnce(args.operationName ?? '(anonymous)', state.identityRead!);
          const meta: CacheMeta = { organizationId, facts: operation, startClock, noStore };
          (result as Record<symbol, unknown>)[CACHE_META] = meta;
        },
      };
    },
    async onExecutionResult({ request, result }) {
      const own = stateOf(request).responseCache;
      if (!own) return;
      if (result && !Array.isArray(result) && !(Symbol.asyncIterator in result)) {
        const info = (result as Record<symbol, unknown>)[CACHE_INFO] as CacheInfo | undefined;
        if (info) {
          own.status = info.status;
          own.etag = info.etag;
          // The answer leaves once it is in the cache (two short Redis calls, each within the deadline),
          // so the caller's next identical request is a hit on any instance.
          await info.stored;
        }
      }
      if (own.mutation) await cache.settled();
    },
    onResponse({ request, response, setResponse }) {
      const own = stateOf(request).responseCache;
      response.headers.set('X-Cache-Status', own?.status ?? 'BYPASS');
      // The plugin's own ETag is its cache key, unchanged across writes; ours hashes the body.
      response.headers.delete('ETag');
      response.headers.delete('Last-Modified');
      if (!own?.etag || response.status !== 200) return;
      response.headers.set('ETag', own.etag);
      response.headers.set('Cache-Control', 'private, no-cache');
      if (etagMatches(request.headers.get('if-none-match'), own.etag)) {
        const headers = new Headers(response.headers);
        headers.delete('content-type');
        headers.delete('content-length');
        setResponse(new Response(null, { status: 304, headers }));
      }
    },
  };

  function warnOnce(operationName: string, field: string) {
    if (warned.has(operationName) || warned.size > 1_000) return;
    warned.add(operationName);
    log.warn(
      { operationName, principalField: field },
      `response cache: operation "${operationName}" read the caller's ${field}; its answer is not cached. List the field that does so in cachePolicy.private (src/cache/policy.ts).`,
    );
  }
}

export type ResponseCacheState = {
  key: string;
  scope: 'public' | 'private';
  status: 'HIT' | 'MISS' | 'BYPASS';
  etag?: string;
  mutation: boolean;
};

/** What decides what a caller may see: the same for every caller whose answers may be shared. */
function sessionOf(principal: Principal): string | null {
  if (principal.kind === 'anonymous') return null;
  const persistedOnly = principal.kind === 'apiKey' && principal.persistedOnly;
  return JSON.stringify([principal.organizationId, clientTier(principal), [...principal.scopes].sort(), persistedOnly]);
}

// Principal fields that shared answers may depend on: all of them are part of the session above.
const SHARED_PRINCIPAL_FIELDS = new Set(['kind', 'organizationId', 'scopes', 'keyKind', 'role', 'persistedOnly']);

/**
 * The principal as resolvers see it: reading anything that identifies the caller (user or key id,
 * token) is noted, so an answer that depends on it is never shared with other callers.
 */
export function watchedPrincipal(state: RequestState): Principal {
  const principal = state.principal;
  if (principal.kind === 'anonymous') return principal;
  return new Proxy(principal, {
    get(target, property, receiver) {
      if (typeof property === 'string' && !SHARED_PRINCIPAL_FIELDS.has(property)) state.identityRead ??= property;
      return Reflect.get(target, property, receiver);
    },
  });
}

/** The entity tag of a client-sent global id, in the form the API emits; nothing for a malformed id. */
function entityTagOf(globalId: string): string[] {
  try {
    const { typename, id } = decodeGlobalId(globalId);
    return [tags.entity(typename, encodeGlobalId(typename, id))];
  } catch {
    return [];
  }
}

function etagMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/** JSON with object keys sorted, so {a, b} and {b, a} make the same key. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
