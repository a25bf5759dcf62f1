/** Why the feature extractor refused its options. Codes are stable: callers match on them. */
export type FeaturesErrorCode = 'FEATURES_OPTIONS_INVALID' | 'FEATURES_PORTS_INVALID';

/** One refused option, named by its path in the options object (e.g. "ports.encrypted[2].port"). */
export interface FeaturesIssue {
  readonly path: string;
  readonly reason: string;
}

/**
 * Thrown once, when options are compiled, never on the hot path. Lists every refused option so
 * they are fixed in one go.
 */
export class FeaturesError extends Error {
  readonly code: FeaturesErrorCode;
  readonly issues: readonly FeaturesIssue[];

  constructor(code: FeaturesErrorCode, issues: readonly FeaturesIssue[]) {
    super(
      `invalid feature options: ${issues.map((i) => `${i.path}: ${i.reason}`).join('; ')} [${code}]`,
    );
    this.name = 'FeaturesError';
    this.code = code;
    this.issues = issues;
  }
}
