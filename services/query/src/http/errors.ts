/** The one error body every failure answers with: `{"error": {"code", "message", "field"?}}`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

export function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

/** An error a handler throws to answer with a status and a body (never a stack). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (field: string, message: string): HttpError =>
  new HttpError(400, 'BAD_REQUEST', message, field);

export const notFound = (what: string): HttpError =>
  new HttpError(404, 'NOT_FOUND', `${what} not found`);

/** The JSON schema of the error body, for the OpenAPI document. */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        field: { type: 'string' },
      },
    },
  },
} as const;
