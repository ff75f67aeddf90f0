// File routes of recommendation jobs, outside GraphQL because their bodies are files, streamed:
//   POST /jobs/import?format=csv|xlsx[&name=…][&provider=builtin|http]   body: the file (any size up to IMPORT_MAX_BYTES)
//   GET  /jobs/:id/results.csv | /jobs/:id/results.xlsx                   the job's results as a download
// Same credentials as /graphql (Authorization: Bearer <key or token>, or X-API-Key), which a browser
// cannot send cross-site without a CORS preflight, so these routes need no extra CSRF token.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Principal, Scope } from '../context.ts';
import type { JobQueue } from '../db/queue.ts';
import { localIdOrNull } from '../lib/global-id.ts';
import { toWebStream } from '../lib/web-stream.ts';
import { exportResults, type ExportFormat } from '../modules/recommendations/files/export.ts';
import { FILE_CONTENT_TYPES, fileFormatOf, XLSX_CONTENT_TYPE } from '../modules/recommendations/files/format.ts';
import { ImportError, importJob } from '../modules/recommendations/files/import.ts';
import { getJob } from '../modules/recommendations/jobs/service.ts';
import { encodeGlobalId } from '../lib/global-id.ts';
import { ValidationError } from '../lib/errors.ts';
import type { Db, Sql } from '../resources.ts';
import type { SlidingWindowLimiter } from '../limits/sliding-window.ts';
import type { AppPlugin, AuthenticateRequest } from './edge.ts';
import { errorResponse, forbiddenResponse, problem, unauthorizedResponse } from './responses.ts';
import { rateLimitHeaders, takeRateLimit } from './use-rate-limit.ts';

type Deps = {
  db: Db;
  sql: Sql;
  config: Config;
  jobs: JobQueue;
  limiter: SlidingWindowLimiter;
  authenticateRequest: AuthenticateRequest;
  log: Logger;
};

const EXPORT_PATH = /^\/jobs\/([A-Za-z0-9_=-]{1,200})\/results\.(csv|xlsx)$/;

/** Who may use the routes at all: a caller with credentials (an anonymous one is refused first). */
type Caller = Exclude<Principal, { kind: 'anonymous' }>;

/** The method each route answers and the scope it needs, with what a caller is told otherwise. */
type Route = { method: string; wrongMethod: string; scope: Scope; missingScope: string };
const IMPORT_ROUTE: Route = {
  method: 'POST',
  wrongMethod: 'POST the file to /jobs/import.',
  scope: 'write',
  missingScope: 'Importing a job needs the write scope.',
};
const EXPORT_ROUTE: Route = {
  method: 'GET',
  wrongMethod: 'Download results with GET.',
  scope: 'read',
  missingScope: 'Downloading results needs the read scope.',
};

/** The answer to a request the route does not take (wrong method, or a caller without its scope); null when it does. */
function refusal(route: Route, request: Request, principal: Caller): Response | null {
  if (request.method !== route.method) return problem(405, 'METHOD_NOT_ALLOWED', route.wrongMethod);
  if (!principal.scopes.includes(route.scope)) return forbiddenResponse(route.missingScope);
  return null;
}

async function handleImport(deps: Deps, request: Request, url: URL, principal: Caller): Promise<Response> {
  const format = fileFormatOf({
    format: url.searchParams.get('format'),
    contentType: request.headers.get('content-type'),
  });
  if (!format)
    return problem(
      415,
      'UNSUPPORTED_FORMAT',
      `Say what the file is: ?format=csv or ?format=xlsx, or Content-Type text/csv or ${XLSX_CONTENT_TYPE}.`,
    );
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > deps.config.jobs.importMaxBytes)
    return problem(
      413,
      'TOO_LARGE',
      `The file is larger than the import limit of ${deps.config.jobs.importMaxBytes} bytes; split it into several jobs.`,
    );
  if (!request.body) return problem(400, 'EMPTY_FILE', 'The request has no body: send the file as the body.');
  const name = url.searchParams.get('name');
  // Job names are stored as text, which cannot hold NUL; control characters are never meant.
  if (name !== null && (name.length > 200 || /[\u0000-\u001f\u007f]/.test(name))) {
    return problem(
      400,
      'BAD_NAME',
      'name must be at most 200 printable characters (no NUL or other control characters).',
    );
  }
  const provider = url.searchParams.get('provider')?.toLowerCase();
  if (provider && provider !== 'builtin' && provider !== 'http')
    return problem(400, 'BAD_PROVIDER', 'provider must be builtin or http.');
  const createdBy =
    principal.kind === 'user'
      ? `user:${principal.userId}`
      : principal.kind === 'apiKey'
        ? `key:${principal.apiKeyId}`
        : null;
  try {
    const result = await importJob(deps, principal.organizationId, createdBy, {
      source: request.body as unknown as AsyncIterable<Uint8Array>,
      format,
      name,
      provider: (provider as 'builtin' | 'http' | undefined) ?? null,
    });
    const id = encodeGlobalId('RecommendationJob', result.job.id);
    return Response.json(
      {
        job: { id, status: result.job.status.toUpperCase(), total: result.job.total },
        deduplicated: result.deduplicated,
        imported: result.imported,
        rejectedRows: result.rejectedRows,
        errors: result.errors,
        links: { results: { csv: `/jobs/${id}/results.csv`, xlsx: `/jobs/${id}/results.xlsx` } },
      },
      { status: result.deduplicated ? 200 : 201 },
    );
  } catch (err) {
    if (err instanceof ImportError) {
      if (err.code === 'BUSY') return errorResponse(503, err.message, { code: err.code }, { 'Retry-After': '5' });
      return problem(
        err.code === 'TOO_LARGE' ? 413 : err.code === 'TOO_SLOW' ? 408 : 422,
        err.code,
        err.message,
        err.errors.length ? { errors: err.errors.slice(0, 100) } : {},
      );
    }
    if (err instanceof ValidationError) return problem(422, 'VALIDATION', err.message);
    throw err;
  }
}

async function handleExport(deps: Deps, globalId: string, format: ExportFormat, principal: Caller): Promise<Response> {
  const id = localIdOrNull(globalId, 'RecommendationJob');
  const job = id === null ? null : await getJob(deps.db, principal.organizationId, id);
  if (!job)
    return problem(
      404,
      'NOT_FOUND',
      `No recommendation job with id ${globalId.slice(0, 64)} exists in your organization.`,
    );
  const body = toWebStream(exportResults(deps.sql, job, format));
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': FILE_CONTENT_TYPES[format],
      'content-disposition': `attachment; filename="recommendations-${job.id}.${format}"`,
      'cache-control': 'no-store',
      'x-job-status': job.status.toUpperCase(),
    },
  });
}

export function useRecommendationFiles(deps: Deps): AppPlugin {
  return {
    async onRequest({ request, url, endResponse }) {
      const isImport = url.pathname === '/jobs/import';
      const exportMatch = isImport ? null : EXPORT_PATH.exec(url.pathname);
      if (!isImport && !exportMatch) return;
      const auth = await deps.authenticateRequest(request);
      if (!auth.ok) return endResponse(auth.response);
      const principal = auth.principal;
      if (principal.kind === 'anonymous') {
        return endResponse(
          unauthorizedResponse('Send "Authorization: Bearer <API key or sign-in token>" to use job files.'),
        );
      }
      // The caller's rate limit covers these routes too: an export streams a whole job.
      const taken = await takeRateLimit(deps.limiter, deps.config.limits.rate, principal, null);
      if (taken?.refused) return endResponse(taken.refused);
      const response =
        refusal(isImport ? IMPORT_ROUTE : EXPORT_ROUTE, request, principal) ??
        (await (isImport
          ? handleImport(deps, request, url, principal)
          : handleExport(deps, exportMatch![1], exportMatch![2] as ExportFormat, principal)
        ).catch((err: unknown) => {
          // As /graphql masks its unexpected errors: an id for the caller, the cause in the log only.
          const errorId = randomUUID();
          deps.log.error({ err, errorId, route: url.pathname }, 'unexpected error in a job file route');
          return problem(
            500,
            'INTERNAL_SERVER_ERROR',
            `Unexpected error. It has been logged with id ${errorId}; quote it when you report this.`,
            { errorId },
          );
        }));
      if (taken)
        for (const [name, value] of Object.entries(rateLimitHeaders(taken.decision))) response.headers.set(name, value);
      endResponse(response);
    },
  };
}
