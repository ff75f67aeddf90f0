// Reading level of a lesson: Flesch reading ease and the Flesch-Kincaid grade, from the counts of
// sentences, words and syllables of its prose (code, link targets and Markdown marks removed).
// The formulas come from `flesch` and `flesch-kincaid`, syllables from `syllable` (English),
// memoised per word: a course repeats its vocabulary, and a 2-million-word course has only
// thousands of distinct words.
import { flesch } from 'flesch';
import { fleschKincaid } from 'flesch-kincaid';
import { syllable } from 'syllable';

export type Readability = {
  words: number;
  sentences: number;
  syllables: number;
  readingEase: number | null;
  gradeLevel: number | null;
};

const syllables = new Map<string, number>();
const MAX_MEMO = 200_000;

function syllablesOf(word: string): number {
  let n = syllables.get(word);
  if (n === undefined) {
    n = Math.max(1, syllable(word));
    if (syllables.size < MAX_MEMO) syllables.set(word, n);
  }
  return n;
}

/** Markdown to the prose a reader reads: no code, no URLs, no heading or list marks, no tables' pipes. */
export function proseOf(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/`[^`\n]*`/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>\n]+>/g, ' ')
    .replace(/^\s{0,3}(#{1,6}|[-*+]|\d+[.)]|>)\s+/gm, '')
    .replace(/[|*_~]/g, ' ');
}

const WORD = /[A-Za-z\u00C0-\u024F]+(?:['’][A-Za-z]+)*/g;

export function readability(markdown: string): Readability {
  const prose = proseOf(markdown);
  let words = 0;
  let syl = 0;
  for (const match of prose.matchAll(WORD)) {
    words++;
    syl += syllablesOf(match[0].toLowerCase());
  }
  // A sentence ends at . ! ? (once per run of them), and so does a line of its own (a heading or a list item).
  const sentences = Math.max(words ? 1 : 0, (prose.match(/[.!?]+(?=\s|$)|\n\s*\n/g) ?? []).length);
  if (!words) return { words, sentences, syllables: 0, readingEase: null, gradeLevel: null };
  const counts = { sentence: sentences, word: words, syllable: syl };
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    words,
    sentences,
    syllables: syl,
    readingEase: round(flesch(counts)),
    gradeLevel: round(fleschKincaid(counts)),
  };
}
