/** Error codes of the query service; the HTTP layer maps each to a status (http/errors.ts). */
export type QueryErrorCode =
  /** The view's store (Redis) failed or did not answer: 503 to the client, retry later. */
  | 'QUERY_STORE_FAILED'
  /** A cursor that is not one of ours, or that was made for another query. */
  | 'QUERY_CURSOR_INVALID'
  /** A request value the schema could not express a rule for (e.g. a CIDR). */
  | 'QUERY_INVALID'
  | 'QUERY_NOT_FOUND';

export class QueryError extends Error {
  readonly code: QueryErrorCode;
  /** The request field at fault, when there is one. */
  readonly field: string | null;

  constructor(
    code: QueryErrorCode,
    message: string,
    options: { field?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'QueryError';
    this.code = code;
    this.field = options.field ?? null;
  }
}
