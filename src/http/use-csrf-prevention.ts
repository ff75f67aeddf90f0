// Cross-site request forgery: a browser sends form, multipart and text/plain POSTs (and GETs) to any
// site without a CORS preflight. Such POSTs must carry a preflight-forcing header, or they are refused
// before authentication. GET never runs a mutation (yoga answers 405), so a GET needs no header and
// partners can send persisted queries by GET. JSON POSTs are always preflighted by browsers.
// Multipart is refused unless a mutation is listed in src/http/uploads.ts, and then serves only those.
import { GraphQLError, getOperationAST, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { isGraphqlPath, type AppPlugin } from './edge.ts';
import { errorResponse } from './responses.ts';

export const PREFLIGHT_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'graphql-preflight'];
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

const contentTypeOf = (request: Request) =>
  (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();

export function useCsrfPrevention(options: { uploadMutations: ReadonlySet<string> }): AppPlugin {
  const uploads = [...options.uploadMutations];
  return {
    onRequest({ request, url, endResponse }) {
      if (!isGraphqlPath(url) || request.method !== 'POST') return;
      const type = contentTypeOf(request);
      const simple = !type || SIMPLE_CONTENT_TYPES.includes(type);
      if (simple && !PREFLIGHT_HEADERS.some((h) => request.headers.has(h))) {
        endResponse(
          errorResponse(
            403,
            `Requests sent as ${type || 'a body without Content-Type'} must carry the header X-GraphQL-Yoga-CSRF (any value) so browsers check CORS first. Send Content-Type: application/json instead, or add the header.`,
            { code: 'CSRF_PREFLIGHT_REQUIRED' },
          ),
        );
      } else if (type === 'multipart/form-data' && !uploads.length) {
        endResponse(
          errorResponse(415, 'This API takes no file uploads: send Content-Type: application/json.', {
            code: 'UNSUPPORTED_MEDIA_TYPE',
          }),
        );
      }
    },
    // In onParams, before the response cache could answer: multipart serves the uploads and nothing else.
    onParams({ request, params }) {
      if (contentTypeOf(request) !== 'multipart/form-data') return;
      let operation: OperationDefinitionNode | null | undefined;
      try {
        operation = params.query ? getOperationAST(parse(params.query), params.operationName) : undefined;
      } catch {
        return; // yoga reports the syntax error
      }
      const fields = operation?.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '…')) ?? [];
      if (operation?.operation !== 'mutation' || !fields.every((f) => options.uploadMutations.has(f))) {
        throw new GraphQLError(
          `Multipart requests may only run the upload mutations ${uploads.join(', ')}; send other operations as application/json.`,
          {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          },
        );
      }
    },
  };
}
