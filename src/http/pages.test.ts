// GraphiQL and the jobs page are served whole by the API, under a CSP of our own origin: every
// script, style and worker they reference is a path of this server, and each of those answers.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../test/harness.ts';
import { GRAPHIQL_ASSET_BASE, GRAPHIQL_CSP } from './use-graphiql-assets.ts';
import { JOBS_PAGE_CSP } from './use-jobs-page.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** src and href attributes of a page. */
const references = (html: string) => [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]);

describe('GraphiQL', () => {
  it('is a page whose assets all come from this server, with the example operations, under a same-origin CSP', async () => {
    const res = await h.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(GRAPHIQL_CSP);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!\s*$)/); // no inline script: only src= and a JSON block
    const options = JSON.parse(
      /<script type="application\/json" id="graphiql-options">([^<]*)<\/script>/.exec(html)![1],
    );
    expect(options.defaultQuery).toMatch(/query RecentBatches/);
    const refs = references(html);
    expect(refs.sort()).toEqual(
      ['favicon.ico', 'graphiql.css', 'graphiql.js', 'init.js'].map((f) => `${GRAPHIQL_ASSET_BASE}/${f}`).sort(),
    );
    for (const path of [
      ...refs,
      ...['editorWorkerService', 'json', 'graphql'].map((w) => `${GRAPHIQL_ASSET_BASE}/${w}.worker.js`),
    ]) {
      const asset = await h.fetch(path);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      expect((await asset.arrayBuffer()).byteLength, path).toBeGreaterThan(100);
    }
    expect((await h.fetch(`${GRAPHIQL_ASSET_BASE}/nope.js`)).status).toBe(404);

    // Compressed for clients that accept it: the same bytes, about a quarter of the size.
    const plain = Buffer.from(await (await h.fetch(`${GRAPHIQL_ASSET_BASE}/graphiql.js`)).arrayBuffer());
    const zipped = await h.fetch(`${GRAPHIQL_ASSET_BASE}/graphiql.js`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    const compressed = Buffer.from(await zipped.arrayBuffer());
    expect(compressed.length).toBeLessThan(plain.length / 2);
    expect(gunzipSync(compressed).equals(plain)).toBe(true);
  });
});

describe('the jobs page', () => {
  it('serves its HTML, script and styles from this server under a CSP without inline code', async () => {
    const res = await h.fetch('/jobs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(JOBS_PAGE_CSP);
    expect(JOBS_PAGE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await res.text();
    expect(references(html).sort()).toEqual(['/jobs/page.css', '/jobs/page.js']);
    expect(html).not.toMatch(/<script>|style="/);
    expect((await h.fetch('/jobs/page.js')).headers.get('content-type')).toMatch(/javascript/);
    expect((await h.fetch('/jobs/page.css')).headers.get('content-type')).toMatch(/css/);
    expect((await h.fetch('/jobs', { method: 'POST' })).status).toBe(405);
  });

  it('leaves the job file routes to their own plugin, credentials required', async () => {
    const res = await h.fetch('/jobs/import?format=csv', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'customer_ref\n',
    });
    expect(res.status).toBe(401);
  });
});
