import { FeaturesError, type FeaturesIssue } from './errors.js';
import { createPortTable, type PortOverrides, type PortTable } from './ports/classify.js';
import { DEFAULT_RANDOMNESS_TEST, type RandomnessTest } from './randomness/analyse.js';

/** What a caller may set; everything is optional and validated once by compileOptions. */
export interface FeatureExtractorOptions {
  /** Payload bytes considered per direction (default 1024, 16–65536). */
  readonly prefixBytes?: number;
  /** Fewest payload bytes in a direction for a randomness judgement (default 16, ≥ 8). */
  readonly minBytes?: number;
  /** Two-sided z-score bound of the randomness test (default 4, 2–20). */
  readonly zThreshold?: number;
  /** Significance of the chi-square and printable-run tests (default 1e-4, (0, 0.1]). */
  readonly alpha?: number;
  /** Exporter-reported entropy at or above which a flow without payload is opaque (default 7.0). */
  readonly exporterEntropyThreshold?: number;
  /** Site changes to the table of ports where encrypted services are expected. */
  readonly ports?: PortOverrides;
}

/** The validated, frozen form the extractor runs on. */
export interface CompiledOptions {
  readonly prefixBytes: number;
  readonly minBytes: number;
  readonly randomness: RandomnessTest;
  readonly exporterEntropyThreshold: number;
  readonly ports: PortTable;
}

const KNOWN = new Set([
  'prefixBytes',
  'minBytes',
  'zThreshold',
  'alpha',
  'exporterEntropyThreshold',
  'ports',
]);

function numberIn(
  issues: FeaturesIssue[],
  path: string,
  value: unknown,
  fallback: number,
  check: (x: number) => boolean,
  expectation: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    issues.push({ path, reason: `must be ${expectation} (got ${JSON.stringify(value)})` });
    return fallback;
  }
  return value;
}

export function compileOptions(options: FeatureExtractorOptions = {}): CompiledOptions {
  const issues: FeaturesIssue[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new FeaturesError('FEATURES_OPTIONS_INVALID', [
      { path: '', reason: 'must be an object' },
    ]);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) issues.push({ path: key, reason: 'unknown option' });
  }
  const isInt = Number.isInteger;
  const prefixBytes = numberIn(
    issues,
    'prefixBytes',
    options.prefixBytes,
    1024,
    (x) => isInt(x) && x >= 16 && x <= 65_536,
    'an integer 16–65536',
  );
  const minBytes = numberIn(
    issues,
    'minBytes',
    options.minBytes,
    16,
    (x) => isInt(x) && x >= 8,
    'an integer ≥ 8',
  );
  if (minBytes > prefixBytes) {
    issues.push({ path: 'minBytes', reason: `must not exceed prefixBytes (${prefixBytes})` });
  }
  const zThreshold = numberIn(
    issues,
    'zThreshold',
    options.zThreshold,
    DEFAULT_RANDOMNESS_TEST.zThreshold,
    (x) => x >= 2 && x <= 20,
    'a number 2–20',
  );
  const alpha = numberIn(
    issues,
    'alpha',
    options.alpha,
    DEFAULT_RANDOMNESS_TEST.chiSquareAlpha,
    (x) => x > 0 && x <= 0.1,
    'a number in (0, 0.1]',
  );
  const exporterEntropyThreshold = numberIn(
    issues,
    'exporterEntropyThreshold',
    options.exporterEntropyThreshold,
    7.0,
    (x) => x > 0 && x <= 8,
    'bits/byte in (0, 8]',
  );
  let ports: PortTable | null = null;
  try {
    ports = createPortTable(options.ports ?? {});
  } catch (error) {
    if (error instanceof FeaturesError) issues.push(...error.issues);
    else throw error;
  }
  if (issues.length > 0 || ports === null)
    throw new FeaturesError('FEATURES_OPTIONS_INVALID', issues);
  return Object.freeze({
    prefixBytes,
    minBytes,
    randomness: Object.freeze({
      minLength: minBytes,
      zThreshold,
      chiSquareAlpha: alpha,
      chiSquareMinLength: DEFAULT_RANDOMNESS_TEST.chiSquareMinLength,
      runAlpha: alpha,
    }),
    exporterEntropyThreshold,
    ports,
  });
}
