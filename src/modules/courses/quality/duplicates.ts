// Duplicate and near-duplicate lessons. Exact duplicates share the hash of their normalised text.
// Near duplicates: each lesson's set of 5-word shingles is summarised by a MinHash signature
// (32 values), signatures are bucketed in 8 bands of 4 (locality-sensitive hashing), and only
// lessons sharing a band are compared, by the exact Jaccard similarity of their shingle sets. So a
// course of 1,000 lessons costs about 1,000 signatures, not 500,000 comparisons of 12 KB texts.
import { createHash } from 'node:crypto';

export type DuplicatePair = { a: number; b: number; similarity: number; exact: boolean };

const K = 32;
const BANDS = 8;
const ROWS = K / BANDS;
const SHINGLE = 5;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// K hash functions h_i(x) = (a_i · x + b_i) mod 2^32 with fixed odd multipliers.
const A = Array.from({ length: K }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) | 1) >>> 0);
const B = Array.from({ length: K }, (_, i) => Math.imul(i + 7, 0x85ebca6b) >>> 0);

// Words hash once each: a course repeats its vocabulary.
const wordHashes = new Map<string, number>();
const WORD = /[\p{L}\p{N}]+/gu;

/** The lesson's words (lower case, letters and digits only) as hashes. */
export function wordsOf(body: string): Uint32Array {
  const out: number[] = [];
  for (const [word] of body.toLowerCase().matchAll(WORD)) {
    let h = wordHashes.get(word);
    if (h === undefined) {
      h = fnv1a(word);
      if (wordHashes.size < 500_000) wordHashes.set(word, h);
    }
    out.push(h);
  }
  return Uint32Array.from(out);
}

/** Sorted, distinct hashes of the 5-word windows (one window for shorter texts). */
function shingles(words: Uint32Array): Uint32Array {
  const count = Math.max(1, words.length - SHINGLE + 1);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    let h = 17;
    for (let j = i; j < Math.min(words.length, i + SHINGLE); j++) h = (Math.imul(h, 0x01000193) ^ words[j]) >>> 0;
    out[i] = h;
  }
  out.sort();
  let n = 0;
  for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[i - 1]) out[n++] = out[i];
  return out.subarray(0, n);
}

function signature(set: Uint32Array): Uint32Array {
  const sig = new Uint32Array(K).fill(0xffffffff);
  for (let k = 0; k < K; k++) {
    const a = A[k];
    const b = B[k];
    let min = 0xffffffff;
    for (let i = 0; i < set.length; i++) {
      const v = (Math.imul(a, set[i]) + b) >>> 0;
      if (v < min) min = v;
    }
    sig[k] = min;
  }
  return sig;
}

/** Jaccard similarity of two sorted sets of distinct values (a merge). */
function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared || 1);
}

/**
 * Pairs of lessons (by index into `bodies`) that are identical after normalisation, or whose
 * shingle sets are at least `threshold` similar. Empty bodies are left out (they are their own finding).
 */
export function findDuplicates(bodies: readonly string[], threshold = 0.8): DuplicatePair[] {
  const pairs: DuplicatePair[] = [];
  const byHash = new Map<string, number>();
  const exactOf = new Map<number, number>();
  const sets: (Uint32Array | null)[] = [];
  const buckets = new Map<string, number[]>();
  bodies.forEach((body, i) => {
    const words = wordsOf(body);
    if (!words.length) {
      sets.push(null);
      return;
    }
    const digest = createHash('sha1').update(words).digest('base64');
    const first = byHash.get(digest);
    if (first !== undefined) {
      pairs.push({ a: first, b: i, similarity: 1, exact: true });
      exactOf.set(i, first);
      sets.push(null);
      return;
    }
    byHash.set(digest, i);
    const set = shingles(words);
    sets.push(set);
    const sig = signature(set);
    for (let band = 0; band < BANDS; band++) {
      const key = `${band}:${Array.from(sig.subarray(band * ROWS, (band + 1) * ROWS)).join(',')}`;
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    }
  });
  const compared = new Set<string>();
  for (const members of buckets.values()) {
    if (members.length < 2) continue;
    for (let x = 0; x < members.length; x++) {
      // A bucket of many near-identical lessons is bounded: each is compared with the next 50 in it.
      for (let y = x + 1; y < Math.min(members.length, x + 51); y++) {
        const [a, b] = [members[x], members[y]];
        const key = `${a}:${b}`;
        if (compared.has(key)) continue;
        compared.add(key);
        const similarity = jaccard(sets[a]!, sets[b]!);
        if (similarity >= threshold) pairs.push({ a, b, similarity: Math.round(similarity * 100) / 100, exact: false });
      }
    }
  }
  return pairs.sort((p, q) => p.a - q.a || p.b - q.b);
}
