// Refuses malformed GraphQL-over-HTTP parameters before any other plugin reads them: a
// non-string query, variables or extensions that are not objects, variables nested deeper than any
// input type, and NUL characters anywhere in the variables or the document, which PostgreSQL text
// cannot store. Each was a masked INTERNAL_SERVER_ERROR (or a PostgreSQL refusal) before; now a 400
// that names the parameter or the variable's path.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Deeper than any input type of the schema (lists of input objects nest a few levels). */
export const MAX_VARIABLE_DEPTH = 32;

function refusal(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 }, ...extensions } });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Walks a JSON value without recursion (it may be nested thousands deep); the first problem found. */
export function variableProblem(variables: Record<string, unknown>): GraphQLError | null {
  const stack: { value: unknown; path: string; depth: number }[] = Object.entries(variables).map(([k, value]) => ({
    value,
    path: k,
    depth: 1,
  }));
  if (Object.keys(variables).some((k) => k.includes('\u0000')))
    return refusal('A variable name holds a NUL character.', { field: 'variables' });
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (depth > MAX_VARIABLE_DEPTH) {
      return refusal(
        `Variable "$${path.split(/[.[]/)[0]}" is nested deeper than ${MAX_VARIABLE_DEPTH} levels; no input of this API is that deep.`,
        { field: path.split(/[.[]/)[0] },
      );
    }
    if (typeof value === 'string') {
      if (value.includes('\u0000')) {
        return refusal(`Variable "$${path}" holds a NUL character (\\u0000), which cannot be stored; remove it.`, {
          field: path,
        });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 });
      });
    } else if (isObject(value)) {
      for (const [k, item] of Object.entries(value)) {
        if (k.includes('\u0000'))
          return refusal(`Variable "$${path}" has a field name with a NUL character.`, { field: path });
        stack.push({ value: item, path: `${path}.${k}`, depth: depth + 1 });
      }
    }
  }
  return null;
}

export function paramsProblem(params: {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}): GraphQLError | null {
  const { query, variables, operationName, extensions } = params;
  if (query != null && typeof query !== 'string')
    return refusal('"query" must be a string holding a GraphQL document.', { field: 'query' });
  if (operationName != null && typeof operationName !== 'string')
    return refusal('"operationName" must be a string.', { field: 'operationName' });
  if (variables != null && !isObject(variables))
    return refusal('"variables" must be a JSON object mapping variable names to values.', { field: 'variables' });
  if (extensions != null && !isObject(extensions))
    return refusal('"extensions" must be a JSON object.', { field: 'extensions' });
  // A NUL in the document itself, raw or as the escape \u0000 inside a string literal.
  if (typeof query === 'string' && (query.includes('\u0000') || /\\u0000/i.test(query))) {
    return refusal('The query holds a NUL character (\\u0000) in a string, which cannot be stored; remove it.', {
      field: 'query',
    });
  }
  if (typeof operationName === 'string' && operationName.includes('\u0000'))
    return refusal('"operationName" holds a NUL character.', { field: 'operationName' });
  return variables ? variableProblem(variables as Record<string, unknown>) : null;
}

export function useInputGuard(): Plugin {
  return {
    // A body or query string that is not JSON where JSON belongs was a SyntaxError, masked as internal.
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      const requestParserFn = requestParser;
      setRequestParser(async (request) => {
        let params: unknown;
        try {
          params = await requestParserFn(request);
        } catch (err) {
          if (err instanceof GraphQLError) throw err;
          throw refusal(
            `The request's GraphQL parameters are not valid JSON: ${(err as Error).message.slice(0, 120)}.`,
            { code: 'BAD_REQUEST' },
          );
        }
        for (const p of Array.isArray(params) ? params : [params]) {
          const problem = paramsProblem((p ?? {}) as Parameters<typeof paramsProblem>[0]);
          if (problem) throw problem;
        }
        return params as Awaited<ReturnType<typeof requestParserFn>>;
      });
    },
    onParams({ params, setResult }) {
      const problem = paramsProblem(params as Parameters<typeof paramsProblem>[0]);
      if (problem) setResult({ errors: [problem] });
    },
  };
}
