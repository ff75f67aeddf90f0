// Static caps on the document, checked while parsing and validating, before any cost is computed:
// depth, aliases (aliased __typename included), directives and tokens (graphql-armor). Cost is not
// armor's job here: its cost limit ignores variables (docs/decisions/0004-query-cost-in-pothos-complexity.md);
// see use-query-cost.ts.
// The schema is shown (introspection, "Did you mean" suggestions) to internal keys only, or to
// everyone but partner keys when SCHEMA_INTROSPECTION=open (the default in development).
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql';
import type { AppPlugin } from './edge.ts';
import type { Config } from '../config.ts';
import { clientTier, type Principal } from '../context.ts';
import { stateOf } from './request-state.ts';

export const ARMOR_LIMITS = { depth: 15, aliases: 30, directives: 20, tokens: 1_000 };

export function revealsSchema(principal: Principal, introspection: Config['limits']['introspection']): boolean {
  const tier = clientTier(principal);
  return tier === 'internal' || (introspection === 'open' && tier !== 'partner');
}

const SUGGESTION = /\s*Did you mean .+\?/g;

function withoutSuggestion<E extends Error>(error: E): E | GraphQLError {
  const message = error.message.replace(SUGGESTION, '');
  if (message === error.message || error.name !== 'GraphQLError') return error;
  const e = error as unknown as GraphQLError;
  // A copy: yoga caches validation results, and other callers may be shown the original.
  return new GraphQLError(message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    path: e.path,
    originalError: e.originalError,
    extensions: e.extensions,
  });
}

/** Armor reports a broken cap through this, with a code clients can act on. */
function reject(code: string, fix: string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const message = `${error.message.replace(/^Syntax Error: /, '')} ${fix}`;
    const refused = new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
    if (!context) throw refused;
    context.reportError(refused);
  };
}

export function useArmor(config: Pick<Config, 'limits'>): AppPlugin {
  const { introspection } = config.limits;
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        EnvelopArmorPlugin({
          maxDepth: {
            n: ARMOR_LIMITS.depth,
            flattenFragments: true,
            propagateOnRejection: false,
            onReject: [reject('QUERY_TOO_DEEP', 'Split the query, or fetch nested data with a second query by id.')],
          },
          maxAliases: {
            n: ARMOR_LIMITS.aliases,
            allowList: [],
            propagateOnRejection: false,
            onReject: [
              reject(
                'TOO_MANY_ALIASES',
                'Use fewer aliases: fetch lists with one field and `first`, or use nodes(ids:).',
              ),
            ],
          },
          maxDirectives: {
            n: ARMOR_LIMITS.directives,
            propagateOnRejection: false,
            onReject: [reject('TOO_MANY_DIRECTIVES', 'Use fewer @include/@skip directives.')],
          },
          maxTokens: {
            n: ARMOR_LIMITS.tokens,
            propagateOnRejection: false,
            onReject: [reject('TOO_MANY_TOKENS', 'Send a shorter document: split it, or use fragments.')],
          },
          costLimit: { enabled: false },
          blockFieldSuggestion: { enabled: false },
        }),
      );
    },
    onValidate({ context, addValidationRule }) {
      const request = context.request;
      if (!request || revealsSchema(stateOf(request).principal, introspection)) return;
      addValidationRule(NoSchemaIntrospectionCustomRule);
      return ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map(withoutSuggestion));
      };
    },
    onExecute({ args }) {
      const request = args.contextValue.request;
      if (!request || revealsSchema(stateOf(request).principal, introspection)) return;
      // Variable coercion ("Did you mean the enum value …") happens during execution.
      return {
        onExecuteDone({ result, setResult }) {
          if ('errors' in result && result.errors?.length)
            setResult({ ...result, errors: result.errors.map(withoutSuggestion) });
        },
      };
    },
  };
}
