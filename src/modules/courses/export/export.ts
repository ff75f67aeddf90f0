// A course as a download, streamed: JSON, one Markdown document, a zip of one Markdown file per
// lesson in module folders, a SCORM 1.2 package and an IMS Common Cartridge 1.1. Lessons are read
// one module at a time (a module holds at most a few MB of text) and written as they come, waiting
// on the destination's backpressure, so memory stays at one module whatever the course's size.
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { and, eq, sql } from 'drizzle-orm';
import { Marked } from 'marked';
import { courseLessonTable, courseModuleTable } from '../../../db/tables/index.ts';
import { escapeXml } from '../../../lib/xlsx-writer.ts';
import { createZipWriter, drained } from '../../../lib/zip-writer.ts';
import type { Db } from '../../../resources.ts';
import type { Course, CourseLesson, CourseModule } from '../../../db/tables/index.ts';
import type { CourseExportFormat } from './formats.ts';
import { commonCartridgeManifest, scorm12Manifest, type ManifestCourse } from './manifests.ts';

export const EXPORT_CONTENT_TYPES: Record<CourseExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  zip: 'application/zip',
  'scorm12.zip': 'application/zip',
  imscc: 'application/vnd.ims.imsccv1p1',
};

type ModuleWithLessons = { module: CourseModule; lessons: CourseLesson[] };

/** The course's modules in order, each with its lessons, one module at a time. */
async function* modulesOf(db: Db, course: Course): AsyncGenerator<ModuleWithLessons> {
  const modules = await db
    .select()
    .from(courseModuleTable)
    .where(and(eq(courseModuleTable.courseId, course.id), eq(courseModuleTable.organizationId, course.organizationId)))
    .orderBy(courseModuleTable.position, courseModuleTable.id);
  for (const module of modules) {
    const lessons = await db
      .select()
      .from(courseLessonTable)
      .where(
        and(eq(courseLessonTable.moduleId, module.id), eq(courseLessonTable.organizationId, course.organizationId)),
      )
      .orderBy(courseLessonTable.position, courseLessonTable.id);
    yield { module, lessons };
  }
}

/** Titles and ids only (no bodies): what a manifest needs before the lessons stream. */
async function outlineOf(
  db: Db,
  course: Course,
): Promise<
  { id: number; title: string; lessons: { id: number; title: string; position: number }[]; position: number }[]
> {
  const rows = await db.execute<{
    module_id: number;
    module_title: string;
    module_position: number;
    lesson_id: number | null;
    lesson_title: string | null;
    lesson_position: number | null;
  }>(sql`
    select m.id as module_id, m.title as module_title, m.position as module_position, l.id as lesson_id, l.title as lesson_title, l.position as lesson_position
    from course_modules m left join course_lessons l on l.module_id = m.id
    where m.course_id = ${course.id} and m.organization_id = ${course.organizationId}
    order by m.position, m.id, l.position, l.id`);
  const modules = new Map<
    number,
    { id: number; title: string; position: number; lessons: { id: number; title: string; position: number }[] }
  >();
  for (const r of rows) {
    let m = modules.get(r.module_id);
    if (!m)
      modules.set(
        r.module_id,
        (m = { id: r.module_id, title: r.module_title, position: r.module_position, lessons: [] }),
      );
    if (r.lesson_id !== null) m.lessons.push({ id: r.lesson_id, title: r.lesson_title!, position: r.lesson_position! });
  }
  return [...modules.values()];
}

export function slug(text: string, max = 60): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return s || 'untitled';
}

const pad = (n: number) => String(n).padStart(2, '0');

async function put(out: Writable, text: string) {
  if (!out.write(text)) await drained(out);
}

// ---- JSON and Markdown -----------------------------------------------------------------------

function courseJson(course: Course) {
  return {
    id: course.id,
    title: course.title,
    summary: course.summary,
    topic: course.topic,
    audience: course.audience,
    level: course.level,
    status: course.status,
    authors: course.authors,
    declaredMinutes: course.declaredMinutes,
    publishedAt: course.publishedAt,
    updatedAt: course.updatedAt,
  };
}

const lessonJson = (l: CourseLesson) => ({
  id: l.id,
  position: l.position,
  title: l.title,
  objectives: l.objectives,
  estimatedMinutes: l.estimatedMinutes,
  level: l.level,
  prerequisites: l.prerequisites,
  body: l.body,
});

async function writeJson(db: Db, course: Course, out: Writable) {
  const head = JSON.stringify({ format: 'harvest-graph.course.v1', course: courseJson(course) });
  await put(out, `${head.slice(0, -1)},"modules":[`);
  let first = true;
  for await (const { module, lessons } of modulesOf(db, course)) {
    const m = {
      id: module.id,
      position: module.position,
      title: module.title,
      summary: module.summary,
      objectives: module.objectives,
      lessons: lessons.map(lessonJson),
    };
    await put(out, (first ? '' : ',') + JSON.stringify(m));
    first = false;
  }
  await put(out, ']}\n');
}

function lessonMarkdown(l: CourseLesson, heading: string): string {
  const meta = [`*${l.estimatedMinutes} min${l.level ? ` · ${l.level}` : ''}*`];
  if (l.objectives.length) meta.push(`**Objectives:**\n\n${l.objectives.map((o) => `- ${o}`).join('\n')}`);
  if (l.prerequisites.length) meta.push(`**Prerequisites:** ${l.prerequisites.join('; ')}`);
  // Headings inside the body move down under the lesson's own heading level.
  const body = l.body.replace(
    /^(#{1,5}) /gm,
    (_, hashes: string) => `${'#'.repeat(Math.min(6, hashes.length + heading.length))} `,
  );
  return `${heading} ${l.title}\n\n${meta.join('\n\n')}\n\n${body.trim()}\n\n`;
}

async function writeMarkdown(db: Db, course: Course, out: Writable) {
  const lines = [`# ${course.title}`];
  if (course.summary) lines.push(course.summary);
  const about = [
    course.audience && `Audience: ${course.audience}`,
    `Level: ${course.level}`,
    course.authors.length && `Authors: ${course.authors.join(', ')}`,
  ].filter(Boolean);
  lines.push(about.join(' · '));
  await put(out, `${lines.join('\n\n')}\n\n`);
  for await (const { module, lessons } of modulesOf(db, course)) {
    const parts = [`## ${module.title}`];
    if (module.summary) parts.push(module.summary);
    if (module.objectives.length) parts.push(`**Objectives:**\n\n${module.objectives.map((o) => `- ${o}`).join('\n')}`);
    await put(out, `${parts.join('\n\n')}\n\n`);
    for (const l of lessons) await put(out, lessonMarkdown(l, '###'));
  }
}

// ---- zip of Markdown files -------------------------------------------------------------------

async function writeMarkdownZip(db: Db, course: Course, out: Writable) {
  const zip = createZipWriter(out);
  const root = slug(course.title);
  const index = [`# ${course.title}`, course.summary ?? ''];
  for await (const { module, lessons } of modulesOf(db, course)) {
    const folder = `${root}/${pad(module.position)}-${slug(module.title)}`;
    index.push(`## ${module.title}`);
    for (const l of lessons) {
      const file = `${pad(l.position)}-${slug(l.title)}.md`;
      await zip.file(`${folder}/${file}`, lessonMarkdown(l, '#'));
      index.push(`- [${l.title}](${folder.slice(root.length + 1)}/${file})`);
    }
  }
  await zip.file(`${root}/README.md`, `${index.filter(Boolean).join('\n\n')}\n`);
  await zip.finish();
}

// ---- SCORM 1.2 and Common Cartridge ----------------------------------------------------------

// A package runs inside the LMS's pages: raw HTML in a lesson body is shown as text, and links or
// images with any other scheme than http(s), mailto or an in-page anchor (javascript:, data:, …)
// keep only their text.
const SAFE_URL = /^(https?:|mailto:|#)/i;
const marked = new Marked({
  gfm: true,
  renderer: {
    html: ({ text }) => escapeXml(text),
    link: ({ href, text }) => (SAFE_URL.test(href) ? false : escapeXml(text)),
    image: ({ href, text }) => (/^https?:/i.test(href) ? false : escapeXml(text)),
  },
});

const STYLE = `body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.55;color:#222}
h1,h2,h3{line-height:1.2}code,pre{background:#f4f4f4}pre{padding:.75rem;overflow:auto}.meta{color:#666}
`;

function lessonHtml(course: Course, module: CourseModule, l: CourseLesson): string {
  const objectives = l.objectives.length
    ? `<h2>Objectives</h2><ul>${l.objectives.map((o) => `<li>${escapeXml(o)}</li>`).join('')}</ul>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(l.title)}</title><link rel="stylesheet" href="../style.css"></head>
<body><p class="meta">${escapeXml(course.title)} › ${escapeXml(module.title)} · ${l.estimatedMinutes} min</p>
${objectives}
${marked.parse(l.body, { async: false })}
</body></html>
`;
}

const lessonHref = (moduleId: number, moduleIndex: number, l: { id: number; position: number }) =>
  `lessons/m${pad(moduleIndex)}-l${pad(l.position)}-${l.id}.html`;

async function writePackage(db: Db, course: Course, out: Writable, kind: 'scorm12' | 'imscc') {
  const zip = createZipWriter(out);
  const outline = await outlineOf(db, course);
  const manifest: ManifestCourse = {
    id: course.id,
    title: course.title,
    summary: course.summary,
    modules: outline.map((m, i) => ({
      id: m.id,
      title: m.title,
      lessons: m.lessons.map((l) => ({ id: l.id, title: l.title, href: lessonHref(m.id, i + 1, l) })),
    })),
  };
  await zip.file('imsmanifest.xml', kind === 'scorm12' ? scorm12Manifest(manifest) : commonCartridgeManifest(manifest));
  await zip.file('style.css', STYLE);
  const indexOf = new Map(outline.map((m, i) => [m.id, i + 1]));
  for await (const { module, lessons } of modulesOf(db, course)) {
    // A module added after the outline was read is left out, like the manifest leaves it out.
    const index = indexOf.get(module.id);
    if (index === undefined) continue;
    const listed = new Set(outline[index - 1].lessons.map((l) => l.id));
    for (const l of lessons)
      if (listed.has(l.id)) await zip.file(lessonHref(module.id, index, l), lessonHtml(course, module, l));
  }
  await zip.finish();
}

/** The export as a byte stream; the caller has checked that the course belongs to the caller. */
export function exportCourse(db: Db, course: Course, format: CourseExportFormat): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const write =
    format === 'json'
      ? writeJson(db, course, out)
      : format === 'md'
        ? writeMarkdown(db, course, out)
        : format === 'zip'
          ? writeMarkdownZip(db, course, out)
          : writePackage(db, course, out, format === 'imscc' ? 'imscc' : 'scorm12');
  // A destroyed destination (the client went away) ends the writer with an error nobody needs to see.
  write.then(
    () => out.end(),
    (err) => (out.destroyed ? undefined : out.destroy(err)),
  );
  return out;
}

export function exportFileName(course: Course, format: CourseExportFormat): string {
  return `${slug(course.title, 40)}-${course.id}.${format}`;
}
