import type { DirectionRandomness } from '@opaqueflow/flow-model';
import { randomEntropyMoments } from './expected.js';
import { chiSquareUpperTail } from './gamma.js';
import {
  PRINTABLE,
  PRINTABLE_PROBABILITY,
  POPCOUNT,
  X_LOG2_X,
  X_LOG2_X_TABLE_SIZE,
  xLog2x,
} from './tables.js';

/** Thresholds of the length-aware randomness test. */
export interface RandomnessTest {
  /** Below this many bytes no judgement is made: looksRandom is false. */
  readonly minLength: number;
  /** Two-sided bound on each z-score (entropy, mean popcount, printable fraction). */
  readonly zThreshold: number;
  /** Chi-square p-values below this reject randomness. */
  readonly chiSquareAlpha: number;
  /** The chi-square law needs expected counts near 1 per bin; shorter payloads skip it. */
  readonly chiSquareMinLength: number;
  /** Probability bound for the longest printable run under randomness. */
  readonly runAlpha: number;
}

export const DEFAULT_RANDOMNESS_TEST: RandomnessTest = Object.freeze({
  minLength: 16,
  zThreshold: 4,
  chiSquareAlpha: 1e-4,
  chiSquareMinLength: 256,
  runAlpha: 1e-4,
});

/** Everything the test uses, including the figures DirectionRandomness does not carry. */
export interface RandomnessDetail extends DirectionRandomness {
  readonly popcountZScore: number;
  readonly printableZScore: number;
  /** Upper bound on P(longest printable run ≥ observed) for random bytes of this length. */
  readonly runPValue: number;
  /** Which sub-tests rejected randomness (empty when looksRandom or too short). */
  readonly rejectedBy: readonly string[];
}

// Reused across calls: one allocation for the life of the process. Safe because analysis is
// synchronous and never re-entered. Every function leaves it all zero again, so none pays for a
// fill. Int32 rather than Uint32: V8 keeps int32 element arithmetic in integer registers.
const histogram = new Int32Array(256);

/**
 * One pass over the bytes: histogram plus the printable run (branch-free: random payloads make
 * a printable/non-printable branch unpredictable), then a 256-step pass over the histogram for
 * everything else.
 */
export function analyseRandomness(
  bytes: Uint8Array,
  test: RandomnessTest = DEFAULT_RANDOMNESS_TEST,
): RandomnessDetail {
  const n = bytes.length;
  const hist = histogram;
  const printable = PRINTABLE;
  let run = 0;
  let longest = 0;
  // Unrolled by four, like shannonEntropy.
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1] as number;
    const b2 = bytes[i + 2] as number;
    const b3 = bytes[i + 3] as number;
    hist[b0] = (hist[b0] as number) + 1;
    hist[b1] = (hist[b1] as number) + 1;
    hist[b2] = (hist[b2] as number) + 1;
    hist[b3] = (hist[b3] as number) + 1;
    run = (run + 1) * (printable[b0] as number);
    longest = run > longest ? run : longest;
    run = (run + 1) * (printable[b1] as number);
    longest = run > longest ? run : longest;
    run = (run + 1) * (printable[b2] as number);
    longest = run > longest ? run : longest;
    run = (run + 1) * (printable[b3] as number);
    longest = run > longest ? run : longest;
  }
  for (; i < n; i++) {
    const b = bytes[i] as number;
    hist[b] = (hist[b] as number) + 1;
    run = (run + 1) * (printable[b] as number);
    longest = run > longest ? run : longest;
  }
  let firstSixPrintable = n >= 6;
  for (let i = 0; i < 6 && i < n; i++) {
    if (PRINTABLE[bytes[i] as number] !== 1) firstSixPrintable = false;
  }
  return fromHistogram(hist, n, longest, firstSixPrintable, test);
}

/**
 * The same statistics from a byte histogram alone (an exporter's byte distribution): no order,
 * so the printable run is reported as 0 and the first bytes as not printable.
 */
export function analyseHistogram(
  counts: ArrayLike<number>,
  test: RandomnessTest = DEFAULT_RANDOMNESS_TEST,
): RandomnessDetail | null {
  if (counts.length !== 256) return null;
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const c = counts[b] as number;
    if (!Number.isInteger(c) || c < 0 || c > 0x7fffffff) {
      histogram.fill(0);
      return null;
    }
    histogram[b] = c;
    n += c;
  }
  return fromHistogram(histogram, n, 0, false, test, true);
}

/** Reads and clears the histogram. */
function fromHistogram(
  hist: Int32Array,
  n: number,
  longestRun: number,
  firstSixPrintable: boolean,
  test: RandomnessTest,
  orderUnknown = false,
): RandomnessDetail {
  let sumXLogX = 0;
  let sumSquares = 0;
  let bits = 0;
  let printable = 0;
  // No branch on empty bins: with short payloads most bins are empty in no predictable order,
  // and adding zeros is cheaper than mispredicting.
  // Imported tables are copied to locals: V8 re-checks an imported binding on every access.
  const direct = n <= X_LOG2_X_TABLE_SIZE;
  const table = X_LOG2_X;
  const popcount = POPCOUNT;
  const printableByte = PRINTABLE;
  for (let b = 0; b < 256; b++) {
    const c = hist[b] as number;
    hist[b] = 0;
    sumXLogX += direct ? (table[c] as number) : xLog2x(c);
    sumSquares += c * c;
    bits += c * (popcount[b] as number);
    printable += c * (printableByte[b] as number);
  }
  if (n === 0) return emptyDetail();

  const entropy = clamp(Math.log2(n) - sumXLogX / n, 0, 8);
  const moments = randomEntropyMoments(n);
  const entropyZScore = moments.sd > 0 ? (entropy - moments.mean) / moments.sd : 0;
  const chiSquare = (256 / n) * sumSquares - n;
  const chiSquarePValue = chiSquareUpperTail(chiSquare, 255);
  const meanPopcount = bits / n;
  // Per byte, a uniform popcount has mean 4 and variance 2.
  const popcountZScore = (meanPopcount - 4) / Math.sqrt(2 / n);
  const printableFraction = printable / n;
  const q = PRINTABLE_PROBABILITY;
  const printableZScore = (printableFraction - q) / Math.sqrt((q * (1 - q)) / n);
  // A run of length r starts at offset 0 or right after a non-printable byte: a union bound.
  const runPValue =
    longestRun === 0 ? 1 : Math.min(1, q ** longestRun * (1 + (n - longestRun) * (1 - q)));

  const rejectedBy: string[] = [];
  if (n >= test.minLength) {
    if (Math.abs(entropyZScore) > test.zThreshold) rejectedBy.push('entropy');
    if (Math.abs(popcountZScore) > test.zThreshold) rejectedBy.push('popcount');
    if (Math.abs(printableZScore) > test.zThreshold) rejectedBy.push('printable');
    if (n >= test.chiSquareMinLength && chiSquarePValue < test.chiSquareAlpha) {
      rejectedBy.push('chi-square');
    }
    if (!orderUnknown && runPValue < test.runAlpha) rejectedBy.push('printable-run');
  }
  return {
    length: n,
    entropy,
    expectedRandomEntropy: moments.mean,
    entropyZScore,
    chiSquare,
    chiSquarePValue,
    meanPopcount,
    printableFraction,
    longestPrintableRun: longestRun,
    firstSixPrintable,
    looksRandom: n >= test.minLength && rejectedBy.length === 0,
    popcountZScore,
    printableZScore,
    runPValue,
    rejectedBy,
  };
}

function emptyDetail(): RandomnessDetail {
  return {
    length: 0,
    entropy: 0,
    expectedRandomEntropy: 0,
    entropyZScore: 0,
    chiSquare: 0,
    chiSquarePValue: 1,
    meanPopcount: 0,
    printableFraction: 0,
    longestPrintableRun: 0,
    firstSixPrintable: false,
    looksRandom: false,
    popcountZScore: 0,
    printableZScore: 0,
    runPValue: 1,
    rejectedBy: [],
  };
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Strips the test-only fields: the record type the pipeline carries. */
export function toDirectionRandomness(detail: RandomnessDetail): DirectionRandomness {
  return {
    length: detail.length,
    entropy: detail.entropy,
    expectedRandomEntropy: detail.expectedRandomEntropy,
    entropyZScore: detail.entropyZScore,
    chiSquare: detail.chiSquare,
    chiSquarePValue: detail.chiSquarePValue,
    meanPopcount: detail.meanPopcount,
    printableFraction: detail.printableFraction,
    longestPrintableRun: detail.longestPrintableRun,
    firstSixPrintable: detail.firstSixPrintable,
    looksRandom: detail.looksRandom,
  };
}

/**
 * Shannon entropy alone, bits/byte: the loop the benchmark compares with C (bench/entropy.c
 * mirrors it) and the figure the entropy-threshold baseline uses. Short inputs touch fewer bins
 * than 256, so they are summed and cleared by revisiting their own bytes.
 */
export function shannonEntropy(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n === 0) return 0;
  if (n > X_LOG2_X_TABLE_SIZE) return shannonEntropyLong(bytes);
  const hist = histogram;
  const table = X_LOG2_X;
  // Four bytes per iteration: V8 pays a fixed cost per loop iteration that unrolling halves
  // (measured 2–2.5× on 1–16 KiB); entropy.c is unrolled the same way.
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1] as number;
    const b2 = bytes[i + 2] as number;
    const b3 = bytes[i + 3] as number;
    hist[b0] = (hist[b0] as number) + 1;
    hist[b1] = (hist[b1] as number) + 1;
    hist[b2] = (hist[b2] as number) + 1;
    hist[b3] = (hist[b3] as number) + 1;
  }
  for (; i < n; i++) {
    const b = bytes[i] as number;
    hist[b] = (hist[b] as number) + 1;
  }
  let sum = 0;
  if (n < 256) {
    for (let i = 0; i < n; i++) {
      const b = bytes[i] as number;
      // A value seen k times is met k times here; the first meeting adds it and zeroes the bin.
      sum += table[hist[b] as number] as number;
      hist[b] = 0;
    }
  } else {
    for (let b = 0; b < 256; b++) {
      sum += table[hist[b] as number] as number;
      hist[b] = 0;
    }
  }
  return clamp(Math.log2(n) - sum / n, 0, 8);
}

function shannonEntropyLong(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i] as number;
    histogram[b] = (histogram[b] as number) + 1;
  }
  let sum = 0;
  for (let b = 0; b < 256; b++) {
    sum += xLog2x(histogram[b] as number);
    histogram[b] = 0;
  }
  return clamp(Math.log2(n) - sum / n, 0, 8);
}
