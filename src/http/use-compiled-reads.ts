// Runs a read whose every field maps to SQL (src/compiled/) as ONE prepared statement that builds
// the answer's JSON in PostgreSQL, in place of graphql-js's execute: no resolver per field, no
// DataLoader round per list level. Anything that does not compile, and any statement that fails,
// runs the normal executor with the same arguments, so errors keep their normal messages.
//
// It replaces the innermost execute function: listed before the response cache, whose execute
// wraps this one (and hands it the document with the cache's own id/__typename fields), and before
// cost and SQL statistics, whose onExecute run first and whose wrappers enclose it. So auth, cost
// limits, rate limits, persisted operations, the cache and X-SQL-Statements see both paths alike.
import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { AppPlugin } from './edge.ts';
import type { Logger } from 'pino';
import type { Context, Principal } from '../context.ts';
import { answerOfText } from '../compiled/answer.ts';
import { actualCost, compileRead, type CompiledRead } from '../compiled/compile.ts';
import { countStatement } from '../db/sql-stats.ts';
import type { Sql } from '../resources.ts';
import { addActualCost } from '../schema/cost.ts';

// Compiled statements by parsed document (yoga caches parsed documents, so a repeated query text is
// the same object), tenant, scopes and variables: the SQL text depends only on the document and the
// variables' shape, but its parameters and the argument checks depend on their values. One bounded
// map for the process (oldest entry out first), so variable-heavy traffic cannot grow it.
const MAX_ENTRIES = 2_000;
type Entry = { compiled: CompiledRead } | { refused: true };
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
const entries = new Map<string, Entry>();

function cached(args: ExecutionArgs, principal: Principal, ctx: Context): Entry {
  let documentId = documentIds.get(args.document);
  if (documentId === undefined) documentIds.set(args.document, (documentId = nextDocumentId++));
  const scopes = principal.kind === 'anonymous' ? '' : `${principal.organizationId}|${principal.scopes.join(',')}`;
  const key = `${documentId}|${args.operationName ?? ''}|${scopes}|${JSON.stringify(args.variableValues ?? {})}`;
  let entry = entries.get(key);
  if (!entry) {
    try {
      entry = {
        compiled: compileRead({
          schema: args.schema,
          document: args.document,
          operationName: args.operationName,
          variableValues: args.variableValues as Record<string, unknown> | undefined,
          principal,
          ctx,
        }),
      };
    } catch {
      // Not compilable, or arguments the resolvers refuse: they report it in their own words.
      entry = { refused: true };
    }
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    entries.set(key, entry);
  }
  return entry;
}

export function useCompiledReads(deps: { sql: Sql; enabled: boolean; log: Logger }): AppPlugin {
  const { sql, log } = deps;
  return {
    onExecute({ args: executing, executeFn, setExecuteFn }) {
      if (!deps.enabled) return;
      setExecuteFn(async (args: ExecutionArgs) => {
        // The context of this execution, typed (executeFn's own args carry it as unknown).
        const ctx = executing.contextValue;
        // Mutations never compile: no compile attempt, no cache entry per distinct input.
        if (getOperationAST(args.document, args.operationName)?.operation !== 'query')
          return executeFn(args) as Promise<ExecutionResult>;
        const entry = cached(args, ctx.principal, ctx);
        if ('refused' in entry) return executeFn(args) as Promise<ExecutionResult>;
        const compiled = entry.compiled;
        let text: string;
        try {
          countStatement();
          const rows = await sql.unsafe(compiled.text, compiled.params as never[], { prepare: true });
          text = rows[0].data as string;
        } catch (err) {
          // A cast the arguments' checks let through (an out-of-range cursor value…): the resolvers
          // send the statement that fails and report it as they always have.
          log.debug({ err }, 'compiled read: statement failed, running resolvers');
          return executeFn(args) as Promise<ExecutionResult>;
        }
        ctx.sqlStats.compiled = true;
        // The text goes into the response as PostgreSQL wrote it (src/compiled/answer.ts).
        const answer = answerOfText(text);
        addActualCost(ctx, actualCost(compiled.cost, answer.data!));
        return answer;
      });
    },
  };
}
