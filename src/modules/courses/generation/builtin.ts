// The built-in generator: deterministic and local (no network). Every choice comes from a PRNG
// seeded by the request (topic, audience, level), the module and lesson numbers and the revision,
// over the template library in templates.json: the same request always yields the same course, and
// a regeneration (revision + 1) yields a different module or lesson.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GenerationSpec } from '../../../db/tables/index.ts';
import { pick, seededRandom } from '../../../lib/random.ts';
import {
  minutesFor,
  type CourseGenerator,
  type CourseOutline,
  type GeneratedLesson,
  type GeneratedModule,
  type OutlineModule,
} from './generator.ts';

type Templates = {
  courseTitles: string[];
  courseSummaries: string[];
  themes: string[];
  lessonPatterns: string[];
  moduleSummaries: string[];
  verbs: Record<GenerationSpec['level'], string[]>;
  objectives: string[];
  terms: string[];
  openers: string[];
  sentences: string[];
  exampleIntros: string[];
  practice: string[];
  closers: string[];
};

export const TEMPLATES: Templates = JSON.parse(readFileSync(new URL('./templates.json', import.meta.url), 'utf8'));

function seed(...parts: (string | number)[]): () => number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return seededRandom(digest.readUInt32LE(0));
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

type Slots = { topic: string; audience: string; theme?: string; lesson?: string; verb?: string };

function fill(template: string, slots: Slots, random: () => number): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const key = name.toLowerCase();
    let value: string;
    if (key === 'term' || key === 'term2') value = pick(random, TEMPLATES.terms);
    else if (key === 'n') value = String(3 + Math.floor(random() * 5));
    else value = (slots as Record<string, string | undefined>)[key] ?? '';
    return name[0] === name[0].toUpperCase() ? capital(value) : value;
  });
}

/** Themes for n modules: the library's order, rotated by the request, extended with parts past its size. */
function themesFor(spec: GenerationSpec, count: number): string[] {
  const random = seed('themes', spec.topic, spec.audience, spec.level);
  const offset = Math.floor(random() * 3);
  const themes = TEMPLATES.themes;
  return Array.from({ length: count }, (_, i) => {
    const theme = themes[(i + offset) % themes.length];
    const round = Math.floor((i + offset) / themes.length);
    return round ? `${theme} (Part ${round + 1})` : theme;
  });
}

function lessonTitles(spec: GenerationSpec, theme: string, moduleIndex: number, revision: number): string[] {
  const random = seed('lessons', spec.topic, moduleIndex, revision);
  const patterns = [...TEMPLATES.lessonPatterns];
  // A seeded shuffle keeps titles unique within the module while varying their order.
  for (let i = patterns.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [patterns[i], patterns[j]] = [patterns[j], patterns[i]];
  }
  return Array.from({ length: spec.lessonsPerModule }, (_, i) => {
    const title = fill(patterns[i % patterns.length], { topic: spec.topic, audience: spec.audience, theme }, random);
    return i < patterns.length ? title : `${title} (${Math.floor(i / patterns.length) + 1})`;
  });
}

function objectivesFor(spec: GenerationSpec, slots: Slots, random: () => number, count: number): string[] {
  const verbs = TEMPLATES.verbs[spec.level];
  return TEMPLATES.objectives.slice(0, count).map((t) => fill(t, { ...slots, verb: pick(random, verbs) }, random));
}

function outlineModule(spec: GenerationSpec, theme: string, moduleIndex: number, revision: number): OutlineModule {
  const random = seed('module', spec.topic, spec.audience, moduleIndex, revision);
  const slots: Slots = { topic: spec.topic, audience: spec.audience, theme, lesson: theme.toLowerCase() };
  return {
    title: `Module ${moduleIndex + 1}: ${theme}`,
    summary: fill(pick(random, TEMPLATES.moduleSummaries), slots, random),
    objectives: objectivesFor(spec, slots, random, 3),
    lessonTitles: lessonTitles(spec, theme, moduleIndex, revision),
  };
}

export function builtinOutline(spec: GenerationSpec, revision = 0): CourseOutline {
  const random = seed('course', spec.topic, spec.audience, spec.level, revision);
  const slots: Slots = { topic: spec.topic, audience: spec.audience };
  return {
    title: fill(pick(random, TEMPLATES.courseTitles), slots, random),
    summary: fill(pick(random, TEMPLATES.courseSummaries), slots, random),
    modules: themesFor(spec, spec.modules).map((theme, i) => outlineModule(spec, theme, i, revision)),
  };
}

/** A lesson body of about `spec.lessonWords` words: opener, sections of sentences, an example, practice, a closer. */
export function builtinLesson(
  spec: GenerationSpec,
  outline: CourseOutline,
  moduleIndex: number,
  lessonIndex: number,
  revision = 0,
): GeneratedLesson {
  const module = outline.modules[moduleIndex];
  const title = module.lessonTitles[lessonIndex] ?? `Lesson ${lessonIndex + 1}`;
  const theme = module.title.replace(/^Module \d+: /, '');
  const random = seed('lesson', spec.topic, spec.audience, moduleIndex, lessonIndex, revision);
  const slots: Slots = { topic: spec.topic, audience: spec.audience, theme, lesson: title.toLowerCase() };
  const parts: string[] = [`# ${title}`, fill(pick(random, TEMPLATES.openers), slots, random)];
  let words = 0;
  const sections = ['Key ideas', 'How it works', 'In practice', 'Going further', 'Details', 'Pitfalls'];
  let section = 0;
  while (words < spec.lessonWords - 80) {
    parts.push(
      `## ${sections[section % sections.length]}${section >= sections.length ? ` ${Math.floor(section / sections.length) + 1}` : ''}`,
    );
    section++;
    for (let p = 0; p < 3 && words < spec.lessonWords - 80; p++) {
      const sentences = Array.from({ length: 5 }, () => fill(pick(random, TEMPLATES.sentences), slots, random));
      const paragraph = sentences.join(' ');
      words += paragraph.split(' ').length;
      parts.push(paragraph);
    }
  }
  parts.push(
    '## Example',
    fill(pick(random, TEMPLATES.exampleIntros), slots, random),
    fill(pick(random, TEMPLATES.sentences), slots, random),
  );
  parts.push('## Practice', ...TEMPLATES.practice.slice(0, 3).map((t) => `- ${fill(t, slots, random)}`));
  parts.push(fill(pick(random, TEMPLATES.closers), slots, random));
  const body = parts.join('\n\n') + '\n';
  return {
    title,
    objectives: objectivesFor(spec, slots, random, 2),
    body,
    estimatedMinutes: minutesFor(body),
    level: spec.level,
    prerequisites:
      lessonIndex > 0
        ? [module.lessonTitles[lessonIndex - 1]]
        : moduleIndex > 0
          ? [outline.modules[moduleIndex - 1].title]
          : [],
  };
}

export function builtinModule(
  spec: GenerationSpec,
  outline: CourseOutline,
  moduleIndex: number,
  revision = 0,
): GeneratedModule {
  // A regenerated module gets new lesson titles and bodies; its place and theme stay.
  const planned =
    revision === 0
      ? outline.modules[moduleIndex]
      : outlineModule(spec, outline.modules[moduleIndex].title.replace(/^Module \d+: /, ''), moduleIndex, revision);
  const local: CourseOutline = {
    ...outline,
    modules: outline.modules.map((m, i) => (i === moduleIndex ? planned : m)),
  };
  return {
    title: planned.title,
    summary: planned.summary,
    objectives: planned.objectives,
    lessons: planned.lessonTitles.map((_, i) => builtinLesson(spec, local, moduleIndex, i, revision)),
  };
}

export function createBuiltinGenerator(): CourseGenerator {
  return {
    kind: 'builtin',
    outline: async (spec, revision) => builtinOutline(spec, revision),
    module: async (spec, outline, moduleIndex, revision) => builtinModule(spec, outline, moduleIndex, revision),
    lesson: async (spec, outline, moduleIndex, lessonIndex, revision) =>
      builtinLesson(spec, outline, moduleIndex, lessonIndex, revision),
    close() {},
  };
}
