import { logGamma } from './gamma.js';

/**
 * Mean and standard deviation of the plug-in (maximum-likelihood) Shannon entropy of n bytes
 * drawn uniformly at random, in bits/byte.
 *
 * Why: a short random payload cannot reach 8 bits/byte (40 random bytes give about 5.2), so a
 * fixed threshold either misses short encrypted payloads or flags long structured ones.
 * Dorfinger et al. (TMA 2011) compare a payload's entropy with that of uniform data of the same
 * length; they estimate the spread by simulation. Here both moments are computed exactly from
 * the multinomial law of the byte counts, which needs no simulation and no table:
 *
 *   Ĥ = log2 n − (1/n) Σᵢ f(Xᵢ),  f(x) = x log2 x,  Xᵢ ~ Binomial(n, 1/256)
 *   E[Ĥ]   = log2 n − (256/n) E[f(X₁)]
 *   Var[Ĥ] = (256 Var[f(X₁)] + 256·255 Cov[f(X₁), f(X₂)]) / n²
 *
 * where, given X₁ = a, X₂ ~ Binomial(n − a, 1/255). The sums run over the binomial mass that
 * is not negligible (relative weight above 1e-18), so a length costs a few thousand
 * operations; results are cached per length.
 */
export interface RandomEntropyMoments {
  readonly mean: number;
  readonly sd: number;
}

const BINS = 256;
/** Lengths up to this are computed exactly and cached; longer ones use the asymptotic form. */
export const EXACT_MOMENTS_MAX_LENGTH = 65_536;
const RELATIVE_CUTOFF = 1e-18;

const meanCache = new Float64Array(EXACT_MOMENTS_MAX_LENGTH + 1).fill(Number.NaN);
const sdCache = new Float64Array(EXACT_MOMENTS_MAX_LENGTH + 1).fill(Number.NaN);

function xLog2x(x: number): number {
  return x <= 1 ? 0 : x * Math.log2(x);
}

/**
 * Visits the non-negligible probability mass of Binomial(n, p), from its mode outwards, by the
 * ratio recurrence (one log-gamma evaluation per call, not per term).
 */
function forEachBinomial(n: number, p: number, visit: (k: number, mass: number) => void): void {
  if (n === 0) {
    visit(0, 1);
    return;
  }
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const logMode =
    logGamma(n + 1) -
    logGamma(mode + 1) -
    logGamma(n - mode + 1) +
    mode * Math.log(p) +
    (n - mode) * Math.log1p(-p);
  const modeMass = Math.exp(logMode);
  const odds = p / (1 - p);
  visit(mode, modeMass);
  let mass = modeMass;
  for (let k = mode; k < n; k++) {
    mass *= ((n - k) / (k + 1)) * odds;
    if (mass < modeMass * RELATIVE_CUTOFF) break;
    visit(k + 1, mass);
  }
  mass = modeMass;
  for (let k = mode; k > 0; k--) {
    mass *= k / (n - k + 1) / odds;
    if (mass < modeMass * RELATIVE_CUTOFF) break;
    visit(k - 1, mass);
  }
}

function expectedXLog2x(n: number, p: number): number {
  let sum = 0;
  forEachBinomial(n, p, (k, mass) => {
    sum += mass * xLog2x(k);
  });
  return sum;
}

function exactMoments(n: number): RandomEntropyMoments {
  const p = 1 / BINS;
  const muF = expectedXLog2x(n, p);
  let varF = 0;
  let cov = 0;
  forEachBinomial(n, p, (a, mass) => {
    const dev = xLog2x(a) - muF;
    varF += mass * dev * dev;
    // Centring both factors on μ before multiplying avoids cancelling two large products.
    const conditional = expectedXLog2x(n - a, 1 / (BINS - 1));
    cov += mass * dev * (conditional - muF);
  });
  const mean = Math.log2(n) - (BINS / n) * muF;
  const variance = (BINS * varF + BINS * (BINS - 1) * cov) / (n * n);
  return { mean, sd: Math.sqrt(Math.max(variance, 0)) };
}

/**
 * Large-n expansion (Miller–Madow bias; the chi-square limit of the spread):
 * E[Ĥ] ≈ 8 − 255/(2n ln 2), sd ≈ √(255/2)/(n ln 2).
 */
export function asymptoticMoments(n: number): RandomEntropyMoments {
  return {
    mean: Math.log2(BINS) - (BINS - 1) / (2 * n * Math.LN2),
    sd: Math.sqrt((BINS - 1) / 2) / (n * Math.LN2),
  };
}

export function randomEntropyMoments(length: number): RandomEntropyMoments {
  const n = Math.floor(length);
  if (!(n >= 2)) return { mean: 0, sd: 0 };
  if (n > EXACT_MOMENTS_MAX_LENGTH) return asymptoticMoments(n);
  const cachedMean = meanCache[n] as number;
  if (!Number.isNaN(cachedMean)) return { mean: cachedMean, sd: sdCache[n] as number };
  const moments = exactMoments(n);
  meanCache[n] = moments.mean;
  sdCache[n] = moments.sd;
  return moments;
}
