// GraphiQL served whole by the API: yoga's default page loads its script, styles and editor workers
// from a public CDN, so it is blank offline, behind a strict proxy or under a Content-Security-Policy.
// The built files ship in @graphql-yoga/render-graphiql (its own renderer inlines them into one page
// with inline scripts and blob: workers, which a strict CSP forbids); we serve each as a file of our
// own under /graphiql/<version>/ and render a page that only references them:
//   GET /graphiql/<version>/graphiql.js | graphiql.css | init.js | <label>.worker.js | favicon.ico
// The page and the assets carry a CSP that allows only this origin (plus data: URIs, which GraphiQL's
// CSS uses for its fonts and icons, and inline styles, which its editor injects).
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { GraphiQLOptions } from 'graphql-yoga';
import type { AppPlugin } from './edge.ts';

const version = (createRequire(import.meta.url)('@graphql-yoga/render-graphiql/package.json') as { version: string })
  .version;
export const GRAPHIQL_ASSET_BASE = `/graphiql/${version}`;

export const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

// Runs after graphiql.js; reads the options from a JSON block (not executable, so no inline script).
const INIT_SCRIPT = `(function () {
  var base = ${JSON.stringify(GRAPHIQL_ASSET_BASE)};
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) { return base + '/' + label + '.worker.js'; },
  };
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;

type Assets = {
  js: string;
  css: string;
  favicon: string;
  editorWorkerService: string;
  jsonWorker: string;
  graphqlWorker: string;
};
let assets: Promise<Assets> | undefined;
// 9 MB of JavaScript strings: loaded on the first asset request, not at start.
const loadAssets = () => (assets ??= import('@graphql-yoga/render-graphiql/graphiql') as Promise<Assets>);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** yoga's `renderGraphiQL`: the page, with every asset from our own origin. */
export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  // `<` escaped so no option can close the script element.
  const json = JSON.stringify(options ?? {}).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options?.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${GRAPHIQL_ASSET_BASE}/favicon.ico" />
    <link rel="stylesheet" href="${GRAPHIQL_ASSET_BASE}/graphiql.css" />
    <script src="${GRAPHIQL_ASSET_BASE}/graphiql.js" defer></script>
    <script src="${GRAPHIQL_ASSET_BASE}/init.js" defer></script>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${json}</script>
  </body>
</html>
`;
}

const JS = 'application/javascript; charset=utf-8';

// 5 MB of script compresses to about a quarter; compressed once per file (in libuv's threads) and kept.
const gzipped = new Map<string, Promise<Buffer>>();
const gzipAsync = promisify(gzip);
const gzipOf = (name: string, body: string | Uint8Array) => {
  let found = gzipped.get(name);
  if (!found) gzipped.set(name, (found = gzipAsync(body)));
  return found;
};

async function asset(name: string): Promise<{ body: string | Uint8Array; type: string } | null> {
  if (name === 'init.js') return { body: INIT_SCRIPT, type: JS };
  const a = await loadAssets();
  switch (name) {
    case 'graphiql.js':
      return { body: a.js, type: JS };
    case 'graphiql.css':
      return { body: a.css, type: 'text/css; charset=utf-8' };
    case 'editorWorkerService.worker.js':
      return { body: a.editorWorkerService, type: JS };
    case 'json.worker.js':
      return { body: a.jsonWorker, type: JS };
    case 'graphql.worker.js':
      return { body: a.graphqlWorker, type: JS };
    case 'favicon.ico': {
      const [, base64] = a.favicon.split(',', 2);
      return { body: Buffer.from(base64, 'base64'), type: 'image/x-icon' };
    }
    default:
      return null;
  }
}

export function useGraphiQLAssets(options: { graphqlEndpoint: string }): AppPlugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (!url.pathname.startsWith('/graphiql/')) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return endResponse(new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
      }
      const prefix = `${GRAPHIQL_ASSET_BASE}/`;
      const found = url.pathname.startsWith(prefix) ? await asset(url.pathname.slice(prefix.length)) : null;
      if (!found)
        return endResponse(new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } }));
      const name = url.pathname.slice(prefix.length);
      const compress = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '') && found.type !== 'image/x-icon';
      const body = compress ? await gzipOf(name, found.body) : found.body;
      endResponse(
        new Response(request.method === 'HEAD' ? null : (body as BodyInit), {
          headers: {
            ...(compress ? { 'content-encoding': 'gzip' } : {}),
            vary: 'accept-encoding',
            'content-type': found.type,
            // The path carries the package version, so a file never changes under its URL.
            'cache-control': 'public, max-age=31536000, immutable',
            'content-security-policy': GRAPHIQL_CSP,
            'x-content-type-options': 'nosniff',
          },
        }),
      );
    },
    onResponse({ request, response }) {
      // yoga's GraphiQL page (GET /graphql with Accept: text/html).
      // The content type first: this runs on every response, and only the page is HTML.
      if (
        response.headers.get('content-type')?.startsWith('text/html') &&
        request.method === 'GET' &&
        new URL(request.url).pathname === options.graphqlEndpoint
      ) {
        response.headers.set('content-security-policy', GRAPHIQL_CSP);
        response.headers.set('x-content-type-options', 'nosniff');
      }
    },
  };
}
