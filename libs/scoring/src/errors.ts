/** Error codes of @opaqueflow/scoring. Each names what went wrong, never how it was found. */
export type ScoringErrorCode =
  /** A configuration field is missing, of the wrong type, out of range, or inconsistent. */
  | 'SCORING_CONFIG_INVALID'
  /** The state store could not be reached or did not answer in time: retry the batch. */
  | 'SCORING_STORE_UNAVAILABLE'
  /** The store answered with an error that retrying will not fix (a script bug, wrong type). */
  | 'SCORING_STORE_FAILED'
  /** Another writer applied part of this batch's offsets first (a rebalance zombie): re-read. */
  | 'SCORING_STORE_CONFLICT'
  /** The exception source could not be read; the previous exceptions stay in force. */
  | 'SCORING_EXCEPTIONS_UNAVAILABLE'
  /** An exception record is malformed. */
  | 'SCORING_EXCEPTION_INVALID';

export class ScoringError extends Error {
  readonly code: ScoringErrorCode;
  /** True when the same operation may succeed later: the caller backs off and retries. */
  readonly retriable: boolean;
  /** The configuration or record field at fault, when there is one. */
  readonly field: string | null;

  constructor(
    code: ScoringErrorCode,
    message: string,
    options: { retriable?: boolean; field?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScoringError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.field = options.field ?? null;
  }
}

export function configError(field: string, problem: string): ScoringError {
  return new ScoringError('SCORING_CONFIG_INVALID', `scoring config: ${field} ${problem}`, {
    field,
  });
}

export function storeUnavailable(message: string, cause?: unknown): ScoringError {
  return new ScoringError('SCORING_STORE_UNAVAILABLE', message, { retriable: true, cause });
}

/** Whether an error says "try again later" (used by the retry helper and callers). */
export function isRetriable(err: unknown): boolean {
  return err instanceof ScoringError
    ? err.retriable
    : typeof err === 'object' &&
        err !== null &&
        (err as { retriable?: unknown }).retriable === true;
}
