export type ServiceErrorCode =
  /** The ops HTTP server could not listen (port taken, address not local). */
  | 'SERVICE_OPS_LISTEN_FAILED'
  /** The service's own start-up failed (a dependency unreachable, a topic misconfigured). */
  | 'SERVICE_START_FAILED'
  /** A lifecycle call out of order (start twice, run after stop). */
  | 'SERVICE_STATE_INVALID';

export class ServiceError extends Error {
  readonly code: ServiceErrorCode;

  constructor(code: ServiceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceError';
    this.code = code;
  }
}
