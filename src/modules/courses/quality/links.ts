// Links and images of a lesson, checked without the network: Markdown is parsed (unified +
// remark-parse + remark-gfm) only for lessons that contain a link or an image at all, and each
// target is judged by its form:
//   #anchor                 a heading of the same lesson (GitHub-style slug)
//   lesson:<id or slug>     another lesson of this course, by its id or the slug of its title
//   http(s)://, mailto:     external: must be a well-formed URL (not fetched)
//   anything else           a relative file: a course has no files, so it is broken
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';

export type LinkProblem = { kind: 'link' | 'image'; target: string; reason: string; line: number | null };
export type LessonIndex = { ids: Set<string>; slugs: Set<string> };

const parser = unified().use(remarkParse).use(remarkGfm);
const MAYBE_LINK = /\]\(|\]\[|<img|<a\s|^\s{0,3}\[[^\]]+\]:/im;

export function headingSlug(text: string): string {
  return text
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s+/g, '-');
}

function textOf(node: { value?: string; children?: unknown[] }): string {
  if (typeof node.value === 'string') return node.value;
  return (node.children ?? []).map((c) => textOf(c as { value?: string; children?: unknown[] })).join('');
}

function judge(target: string, anchors: Set<string>, lessons: LessonIndex): string | null {
  const url = target.trim();
  if (!url) return 'the target is empty';
  if (url.startsWith('#'))
    return anchors.has(decodeURIComponent(url.slice(1)).toLowerCase())
      ? null
      : `no heading "${url.slice(1)}" in this lesson`;
  if (url.startsWith('lesson:')) {
    const ref = url.slice('lesson:'.length);
    return lessons.ids.has(ref) || lessons.slugs.has(ref.toLowerCase()) ? null : `no lesson "${ref}" in this course`;
  }
  if (/^(https?|mailto):/i.test(url)) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === 'mailto:' || parsed.hostname ? null : 'the URL has no host';
    } catch {
      return 'not a well-formed URL';
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return `unsupported scheme "${url.split(':')[0]}"`;
  return 'a relative file: the course has no files to link to (use lesson:<id> for another lesson, or an absolute URL)';
}

export function checkLinks(markdown: string, lessons: LessonIndex): LinkProblem[] {
  if (!MAYBE_LINK.test(markdown)) return [];
  const tree = parser.parse(markdown);
  const anchors = new Set<string>();
  visit(tree, 'heading', (node) => void anchors.add(headingSlug(textOf(node as never))));
  const definitions = new Map<string, string>();
  visit(tree, 'definition', (node) => void definitions.set(node.identifier.toLowerCase(), node.url));
  const problems: LinkProblem[] = [];
  const check = (kind: 'link' | 'image', target: string, line: number | undefined) => {
    const reason = judge(target, anchors, lessons);
    if (reason) problems.push({ kind, target: target.slice(0, 200), reason, line: line ?? null });
  };
  visit(tree, (node) => {
    if (node.type === 'link') check('link', node.url, node.position?.start.line);
    else if (node.type === 'image') check('image', node.url, node.position?.start.line);
    else if (node.type === 'linkReference' || node.type === 'imageReference') {
      const url = definitions.get(node.identifier.toLowerCase());
      const kind = node.type === 'imageReference' ? 'image' : 'link';
      if (url === undefined)
        problems.push({
          kind,
          target: `[${node.identifier}]`,
          reason: 'the reference has no definition',
          line: node.position?.start.line ?? null,
        });
      else check(kind, url, node.position?.start.line);
    } else if (node.type === 'text') {
      // CommonMark leaves a reference without a definition as plain text: "[label][ref]".
      for (const m of node.value.matchAll(/!?\[[^\]\n]+\]\[([^\]\n]*)\]/g)) {
        problems.push({
          kind: m[0].startsWith('!') ? 'image' : 'link',
          target: `[${m[1]}]`,
          reason: 'the reference has no definition',
          line: node.position?.start.line ?? null,
        });
      }
    } else if (node.type === 'html') {
      for (const m of node.value.matchAll(/<img[^>]*\ssrc\s*=\s*["']?([^"'\s>]*)/gi))
        check('image', m[1], node.position?.start.line);
    }
  });
  return problems;
}
