// Verifies the API key or sign-in token before anything else runs, and puts the principal in the
// request state. A bad credential ends the request with 401 and a message naming the fix; no
// resolver runs. Requests without credentials may only sign in (and introspect the schema).
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Context } from '../context.ts';
import { unauthenticated } from '../lib/errors.ts';
import { isGraphqlPath, type AppPlugin, type AuthenticateRequest } from './edge.ts';

const ANONYMOUS_ROOT_FIELDS = new Set(['signIn', '__typename', '__schema', '__type']);

export function useAuth(authenticateRequest: AuthenticateRequest): AppPlugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (!isGraphqlPath(url)) return;
      const auth = await authenticateRequest(request);
      if (!auth.ok) endResponse(auth.response);
    },
    onExecute({ args }) {
      refuseAnonymous(args);
    },
    // Subscriptions never reach onExecute: without this their subscribe resolver ran for anonymous callers.
    onSubscribe({ args }) {
      refuseAnonymous(args);
    },
  };
}

function refuseAnonymous(args: { contextValue: Context; document: DocumentNode; operationName?: string | null }): void {
  if (args.contextValue.principal.kind !== 'anonymous') return;
  const denied = rootFields(args.document, args.operationName).find((f) => !ANONYMOUS_ROOT_FIELDS.has(f));
  if (denied) {
    throw unauthenticated(
      `"${denied}" needs credentials. Send "Authorization: Bearer <API key or token>"; get a token with the signIn mutation.`,
    );
  }
}

function rootFields(document: DocumentNode, operationName: string | null | undefined): string[] {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  const fragments = new Map(
    document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const names: string[] = [];
  const visit = (selections: OperationDefinitionNode['selectionSet']['selections'], seen: Set<string>) => {
    for (const s of selections) {
      if (s.kind === Kind.FIELD) names.push(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet.selections, seen);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) visit(fragment.selectionSet.selections, seen);
      }
    }
  };
  if (operation) visit(operation.selectionSet.selections, new Set());
  return names;
}
