// The jobs page for data teams: GET /jobs (HTML), /jobs/page.js and /jobs/page.css, files of
// src/http/jobs-page/ served as they are (no build step). The page itself is public, as a sign-in
// page is; everything it does goes through the API's own routes with the caller's credentials
// (signIn and the progress subscription on /graphql, POST /jobs/import, GET /jobs/:id/results.*),
// so it gets their auth, CSRF rules and rate limits and adds none of its own. Its CSP allows
// only this origin: no inline script or style, no third-party asset.
import { readFileSync } from 'node:fs';
import type { AppPlugin } from './edge.ts';

export const JOBS_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const read = (name: string) => readFileSync(new URL(`./jobs-page/${name}`, import.meta.url), 'utf8');

export function useJobsPage(): AppPlugin {
  const files = new Map([
    ['/jobs', { body: read('page.html'), type: 'text/html; charset=utf-8' }],
    ['/jobs/page.js', { body: read('page.js'), type: 'application/javascript; charset=utf-8' }],
    ['/jobs/page.css', { body: read('page.css'), type: 'text/css; charset=utf-8' }],
  ]);
  return {
    onRequest({ request, url, endResponse }) {
      const file = files.get(url.pathname === '/jobs/' ? '/jobs' : url.pathname);
      if (!file) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return endResponse(new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
      }
      endResponse(
        new Response(request.method === 'HEAD' ? null : file.body, {
          headers: {
            'content-type': file.type,
            'cache-control': 'no-cache',
            'content-security-policy': JOBS_PAGE_CSP,
            'x-content-type-options': 'nosniff',
            'referrer-policy': 'no-referrer',
          },
        }),
      );
    },
  };
}
