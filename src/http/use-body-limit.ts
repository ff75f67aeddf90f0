// Bodies above MAX_BODY_BYTES get 413 before anything reads them: a declared Content-Length is
// checked before authentication, and bodies without one (chunked) are counted as they stream into
// the parser, which stops at the limit. Multipart uploads (src/http/uploads.ts) get MAX_UPLOAD_BYTES.
// Replaces yoga's maxRequestBodySize, which has a single limit for every content type.
import { createGraphQLError } from 'graphql-yoga';
import { isGraphqlPath, type AppPlugin } from './edge.ts';
import { errorResponse } from './responses.ts';

type Limits = { maxBodyBytes: number; maxUploadBytes: number; uploadsEnabled: boolean };

const isMultipart = (request: Request) => /^multipart\/form-data/i.test(request.headers.get('content-type') ?? '');

function tooLarge(limit: number) {
  return {
    message: `The request body is larger than ${limit} bytes. Send less data per request (page through lists, split imports).`,
    extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', maxBytes: limit },
  };
}

/** The request with a body that errors as soon as more than `limit` bytes have streamed through. */
function countingRequest(
  request: Request,
  limit: number,
  fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream },
) {
  // Yoga's own limiter does the same; the native stream needs the native TransformStream.
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let bytes = 0;
  const body = request.body!.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > limit) {
          const { message, extensions } = tooLarge(limit);
          controller.error(createGraphQLError(message, { extensions: { ...extensions, http: { status: 413 } } }));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body,
    duplex: 'half',
  } as RequestInit);
}

export function useBodyLimit(limits: Limits): AppPlugin {
  const limitFor = (request: Request) =>
    limits.uploadsEnabled && isMultipart(request) ? limits.maxUploadBytes : limits.maxBodyBytes;
  return {
    onRequest({ request, url, endResponse }) {
      if (!isGraphqlPath(url)) return;
      const declared = request.headers.get('content-length');
      if (declared == null) return;
      if (!/^\d+$/.test(declared)) {
        endResponse(
          errorResponse(400, 'The Content-Length header must be a single whole number.', { code: 'BAD_REQUEST' }),
        );
        return;
      }
      const limit = limitFor(request);
      if (Number(declared) > limit) {
        const { message, extensions } = tooLarge(limit);
        endResponse(errorResponse(413, message, extensions, { Connection: 'close' }));
      }
    },
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (!requestParser || !request.body) return;
      // A declared length was checked in onRequest, and the HTTP parser reads exactly that many bytes:
      // only bodies without one (chunked) need counting, which costs a stream pipeline per request.
      if (request.headers.get('content-length') != null) return;
      const limit = limitFor(request);
      setRequestParser((req) => requestParser(countingRequest(req, limit, fetchAPI)));
    },
  };
}
