// Course downloads, outside GraphQL because they are files, streamed:
//   GET /courses/:id/export.json | .md | .zip | .scorm12.zip | .imscc
// Same credentials as /graphql (Authorization: Bearer <key or token>, or X-API-Key), the read
// scope, and the caller's rate limit (shared with /graphql); another organization's course is a
// 404 exactly like a course that does not exist.
import type { Config } from '../config.ts';
import { localIdOrNull } from '../lib/global-id.ts';
import type { SlidingWindowLimiter } from '../limits/sliding-window.ts';
import { getCourse } from '../modules/courses/content/service.ts';
import { EXPORT_CONTENT_TYPES, exportCourse, exportFileName } from '../modules/courses/export/export.ts';
import { toWebStream } from '../lib/web-stream.ts';
import { EXPORT_FORMATS, type CourseExportFormat } from '../modules/courses/export/formats.ts';
import type { Db } from '../resources.ts';
import type { AppPlugin, AuthenticateRequest } from './edge.ts';
import { stateOf } from './request-state.ts';
import { forbiddenResponse, problem, unauthorizedResponse } from './responses.ts';
import { rateLimitHeaders, takeRateLimit } from './use-rate-limit.ts';

type Deps = { db: Db; config: Config; limiter: SlidingWindowLimiter; authenticateRequest: AuthenticateRequest };

const EXPORT_PATH = /^\/courses\/([A-Za-z0-9_=-]{1,200})\/export\.(json|md|zip|scorm12\.zip|imscc)$/;

export function useCourseExports(deps: Deps): AppPlugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (!url.pathname.startsWith('/courses/')) return;
      const match = EXPORT_PATH.exec(url.pathname);
      if (!match)
        return endResponse(
          problem(
            404,
            'NOT_FOUND',
            `Unknown path. Course exports are GET /courses/<id>/export.{${EXPORT_FORMATS.join(',')}}.`,
          ),
        );
      const auth = await deps.authenticateRequest(request);
      if (!auth.ok) return endResponse(auth.response);
      const principal = auth.principal;
      if (principal.kind === 'anonymous')
        return endResponse(
          unauthorizedResponse('Send "Authorization: Bearer <API key or sign-in token>" to download a course.'),
        );
      stateOf(request).principal = principal;
      const taken = await takeRateLimit(deps.limiter, deps.config.limits.rate, principal, null);
      if (taken?.refused) return endResponse(taken.refused);
      let response: Response;
      if (request.method !== 'GET') response = problem(405, 'METHOD_NOT_ALLOWED', 'Download a course with GET.');
      else if (!principal.scopes.includes('read'))
        response = forbiddenResponse('Downloading a course needs the read scope.');
      else {
        const id = localIdOrNull(match[1], 'Course');
        const course = id === null ? null : await getCourse(deps.db, principal.organizationId, id);
        if (!course)
          response = problem(
            404,
            'NOT_FOUND',
            `No course with id ${match[1].slice(0, 64)} exists in your organization.`,
          );
        else {
          const format = match[2] as CourseExportFormat;
          response = new Response(toWebStream(exportCourse(deps.db, course, format)), {
            status: 200,
            headers: {
              'content-type': EXPORT_CONTENT_TYPES[format],
              'content-disposition': `attachment; filename="${exportFileName(course, format)}"`,
              'cache-control': 'no-store',
            },
          });
        }
      }
      if (taken)
        for (const [name, value] of Object.entries(rateLimitHeaders(taken.decision))) response.headers.set(name, value);
      endResponse(response);
    },
  };
}
