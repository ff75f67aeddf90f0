// A compiled read's answer as PostgreSQL wrote it: JSON text that goes into the response as it is.
// The server still parses it once (the actual cost is counted over the parsed answer, and the
// response cache stamps the entities it holds), but does not serialise it again: graphql-yoga's JSON
// result processor calls a result's own `stringify` in place of JSON.stringify, and this one writes
// the text (docs/decisions/0031-compiled-answers-go-out-as-their-text.md).
import type { ExecutionResult } from 'graphql';

/**
 * The execution result of a compiled answer: `data` parsed from the text, and a `stringify` that
 * writes the text as it came in place of `data`, with the result's other members (extensions…)
 * serialised around it in their order. A plugin that replaced `data` gets its own data serialised.
 */
export function answerOfText(text: string): ExecutionResult & { stringify: (result: object) => string } {
  const data = JSON.parse(text) as Record<string, unknown>;
  return {
    data,
    stringify(result: object) {
      let out = '{';
      for (const [key, value] of Object.entries(result)) {
        if (value === undefined || typeof value === 'function') continue;
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${value === data ? text : JSON.stringify(value)}`;
      }
      return `${out}}`;
    },
  };
}
