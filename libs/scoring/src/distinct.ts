/**
 * Distinct sources and destinations per bucket by linear counting (Whang, Vander-Zanden and
 * Taylor 1990): each address sets one bit of a 128-bit map; the estimate is
 * -m·ln(zero bits / m).
 *
 * Why not HyperLogLog or bounded sets: a bitmap is 32 hex characters per bucket and direction,
 * fits inside the bucket's hash field without extra keys, and merges by OR — commutative,
 * associative and idempotent — so replays, replicas splitting partitions, and unions over a
 * window's buckets all give the same answer, in Lua and in JavaScript alike. Linear counting
 * is nearly exact for the small counts that matter here (one host on a port versus a few
 * dozen) and saturates near m·ln(m) ≈ 620, by which point "many" is all the score needs.
 * HyperLogLog needs ~16 K registers to beat it at these sizes and a Redis key per bucket;
 * bounded exact sets would cost hundreds of bytes per bucket and a union at read time.
 */
export const DISTINCT_BITS = 128;
const WORDS = DISTINCT_BITS / 32;
export const EMPTY_BITS = '0'.repeat(DISTINCT_BITS / 4);

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche so neighbouring addresses spread over the bitmap.
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

export function bitOf(value: string): number {
  return fnv1a(value) % DISTINCT_BITS;
}

export function wordsOf(hex: string): number[] {
  const words: number[] = [];
  for (let i = 0; i < WORDS; i++) {
    const w = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
    words.push(Number.isNaN(w) ? 0 : w >>> 0);
  }
  return words;
}

export function hexOf(words: readonly number[]): string {
  return words.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

export function setBit(words: number[], bit: number): void {
  const i = bit >>> 5;
  words[i] = ((words[i] ?? 0) | (1 << (bit & 31))) >>> 0;
}

/** The bitmap with one more bit set, as hex (the word it lands in is rewritten). */
export function setBitHex(hex: string, bit: number): string {
  const i = bit >>> 5;
  const old = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  const word = ((Number.isNaN(old) ? 0 : old) | (1 << (bit & 31))) >>> 0;
  if (word === old) return hex;
  return hex.slice(0, i * 8) + word.toString(16).padStart(8, '0') + hex.slice(i * 8 + 8);
}

export function orHex(a: string, b: string): string {
  const wa = wordsOf(a);
  const wb = wordsOf(b);
  return hexOf(wa.map((w, i) => (w | (wb[i] ?? 0)) >>> 0));
}

function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Estimated number of distinct values behind a bitmap. */
export function estimateDistinct(hex: string): number {
  return estimateDistinctWords(wordsOf(hex));
}

export function estimateDistinctWords(words: readonly number[]): number {
  const set = words.reduce((n, w) => n + popcount32(w), 0);
  if (set === 0) return 0;
  const zeros = DISTINCT_BITS - set;
  if (zeros === 0) return Math.round(DISTINCT_BITS * Math.log(DISTINCT_BITS));
  return Math.round(-DISTINCT_BITS * Math.log(zeros / DISTINCT_BITS));
}
