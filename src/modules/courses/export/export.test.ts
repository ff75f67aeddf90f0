// Course exports over HTTP: every format streams with the caller's credentials; the SCORM 1.2 and
// Common Cartridge manifests validate against their schemas (xmllint); another tenant's course, a
// missing one or a caller without credentials gets a 4xx and no bytes of the course.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCourse } from '../../../../seeds/courses.ts';
import { encodeGlobalId } from '../../../lib/global-id.ts';
import { startHarness, type Harness, type Tenant } from '../../../test/harness.ts';
import { unzip } from '../../../test/unzip.ts';
import { hasTool } from '../../../test/tools.ts';

let h: Harness;
let t: Tenant;
let other: Tenant;
let courseId: number;
let id: string;

const schemas = fileURLToPath(new URL('./schemas/', import.meta.url));
const hasXmllint = hasTool('xmllint');

function xmllint(xml: string, schema: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hg-manifest-'));
  const file = join(dir, 'imsmanifest.xml');
  writeFileSync(file, xml);
  try {
    const output = execFileSync('xmllint', ['--noout', '--schema', join(schemas, schema), file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output };
  } catch (err) {
    return { ok: false, output: String((err as { stderr?: string }).stderr ?? err) };
  }
}

async function download(format: string, auth = t.partnerKey, courseGlobalId = id) {
  return h.fetch(`/courses/${courseGlobalId}/export.${format}`, { headers: { authorization: `Bearer ${auth}` } });
}

beforeAll(async () => {
  h = await startHarness();
  t = await h.tenant('exports');
  other = await h.tenant('other');
  courseId = await seedCourse(h.resources.db, t.organizationId, {
    topic: 'Orchard <safety> & hygiene',
    audience: 'pickers',
    level: 'beginner',
    modules: 3,
    lessonsPerModule: 3,
    lessonWords: 120,
  });
  id = encodeGlobalId('Course', courseId);
});
afterAll(() => h?.close());

describe('formats', () => {
  it('JSON holds every module and lesson in order', async () => {
    const r = await download('json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.headers.get('content-disposition')).toMatch(/attachment; filename=".+\.json"/);
    const body = await r.json();
    expect(body.course.title).toBeTruthy();
    expect(body.modules.map((m: any) => m.position)).toEqual([1, 2, 3]);
    for (const m of body.modules) expect(m.lessons.map((l: any) => l.position)).toEqual([1, 2, 3]);
    expect(body.modules[0].lessons[0].body).toMatch(/^# /);
  });

  it('Markdown is one document with every lesson under its module', async () => {
    const text = await (await download('md')).text();
    expect(text.match(/^## Module \d/gm)).toHaveLength(3);
    expect(text.match(/^### /gm)).toHaveLength(9);
  });

  it('the zip has one Markdown file per lesson in one folder per module', async () => {
    const files = unzip(Buffer.from(await (await download('zip')).arrayBuffer()));
    const lessons = [...files.keys()].filter((n) => n.endsWith('.md') && !n.endsWith('README.md'));
    expect(lessons).toHaveLength(9);
    expect(new Set(lessons.map((n) => n.split('/').slice(0, -1).join('/'))).size).toBe(3);
    expect(lessons[0]).toMatch(/^[a-z0-9-]+\/01-module-1-[a-z0-9-]+\/01-[a-z0-9-]+\.md$/);
  });

  it.skipIf(!hasXmllint)(
    'SCORM 1.2: imsmanifest.xml validates against the ADL schemas and names every file in the package',
    async () => {
      const r = await download('scorm12.zip');
      expect(r.headers.get('content-type')).toBe('application/zip');
      const files = unzip(Buffer.from(await r.arrayBuffer()));
      const manifest = files.get('imsmanifest.xml')!.toString('utf8');
      const result = xmllint(manifest, 'scorm12/adlcp_rootv1p2.xsd');
      expect(result.output).toBe('');
      expect(result.ok).toBe(true);
      const hrefs = [...manifest.matchAll(/<file href="([^"]+)"/g)].map((m) => m[1]);
      expect(hrefs).toHaveLength(10);
      for (const href of hrefs) expect(files.has(href), href).toBe(true);
      expect(files.get(hrefs[1])!.toString()).toContain('<h1>');
      // The validation can fail: a manifest without its required organizations is refused.
      expect(
        xmllint(manifest.replace(/<organizations[\s\S]*<\/organizations>/, ''), 'scorm12/adlcp_rootv1p2.xsd').ok,
      ).toBe(false);
    },
  );

  it.skipIf(!hasXmllint)(
    'IMS Common Cartridge 1.1: imsmanifest.xml validates and every resource is in the cartridge',
    async () => {
      const files = unzip(Buffer.from(await (await download('imscc')).arrayBuffer()));
      const manifest = files.get('imsmanifest.xml')!.toString('utf8');
      const result = xmllint(manifest, 'imscc11/ccv1p1_imscp_v1p2_v1p0.xsd');
      expect(result.output).toBe('');
      expect(result.ok).toBe(true);
      expect(manifest).toContain('<schemaversion>1.1.0</schemaversion>');
      expect(manifest).toContain('Orchard &lt;safety&gt; &amp; hygiene');
      for (const href of [...manifest.matchAll(/<file href="([^"]+)"/g)].map((m) => m[1]))
        expect(files.has(href), href).toBe(true);
      expect(
        xmllint(
          manifest.replace('structure="rooted-hierarchy"', 'structure="flat"'),
          'imscc11/ccv1p1_imscp_v1p2_v1p0.xsd',
        ).ok,
      ).toBe(false);
    },
  );

  it('lesson pages in packages carry no script: raw HTML and unsafe link schemes become text', async () => {
    const { sql } = h.resources;
    const own = await seedCourse(h.resources.db, t.organizationId, {
      topic: 'Unsafe markup',
      audience: 'testers',
      level: 'beginner',
      modules: 1,
      lessonsPerModule: 1,
      lessonWords: 60,
    });
    const [m] = await sql`select id from course_modules where course_id = ${own}`;
    await sql`update course_lessons set body = ${'# Unsafe\n\n<script>alert(1)</script>\n\nText [click](javascript:alert(2)) ![x](data:text/html;base64,AAAA) [ok](https://example.org) <img src=x onerror=alert(3)>'} where module_id = ${m.id} and position = 1`;
    const files = unzip(
      Buffer.from(await (await download('scorm12.zip', t.partnerKey, encodeGlobalId('Course', own))).arrayBuffer()),
    );
    const page = [...files.entries()].find(([name]) => /^lessons\/m01-l01-/.test(name))![1].toString('utf8');
    expect(page).not.toMatch(/<script|href="javascript:|src="data:|<img src=x/);
    expect(page).toContain('click');
    expect(page).toContain('&lt;script&gt;');
    expect(page).toContain('<a href="https://example.org">ok</a>');
  });

  it('the exportCourse mutation returns the links', async () => {
    const r = await h.gql(
      `mutation($id: ID!) { exportCourse(id: $id) { __typename ... on MutationExportCourseSuccess { data { json markdown zip scorm12 commonCartridge } } } }`,
      { auth: t.partnerKey, variables: { id } },
    );
    expect(r.body.data.exportCourse.data).toEqual({
      json: `/courses/${id}/export.json`,
      markdown: `/courses/${id}/export.md`,
      zip: `/courses/${id}/export.zip`,
      scorm12: `/courses/${id}/export.scorm12.zip`,
      commonCartridge: `/courses/${id}/export.imscc`,
    });
  });
});

describe('access', () => {
  it("another tenant's course is a 404, exactly like a missing one, in every format", async () => {
    for (const format of ['json', 'md', 'zip', 'scorm12.zip', 'imscc']) {
      const r = await download(format, other.partnerKey);
      expect(r.status, format).toBe(404);
      expect(await r.text()).not.toContain('Orchard');
    }
    expect((await download('json', t.partnerKey, encodeGlobalId('Course', 2_000_000_000))).status).toBe(404);
    expect((await download('json', t.partnerKey, encodeGlobalId('Grower', courseId))).status).toBe(404);
    const m = await h.gql(`mutation($id: ID!) { exportCourse(id: $id) { __typename } }`, {
      auth: other.partnerKey,
      variables: { id },
    });
    expect(m.body.data.exportCourse.__typename).toBe('NotFoundError');
  });

  it('needs credentials, and counts against the rate limit like /graphql', async () => {
    expect((await h.fetch(`/courses/${id}/export.json`)).status).toBe(401);
    expect(
      (await h.fetch(`/courses/${id}/export.pdf`, { headers: { authorization: `Bearer ${t.partnerKey}` } })).status,
    ).toBe(404);
    const r = await download('md');
    expect(r.headers.get('ratelimit-remaining') ?? r.headers.get('x-ratelimit-remaining')).toBeTruthy();
    await r.body?.cancel();
  });
});
