/** Coded errors of live capture; `cause` keeps what libpcap or the loader said. */
export type LiveCaptureErrorCode =
  | 'LIVE_CAPTURE_UNAVAILABLE'
  | 'LIVE_CAPTURE_OPTION_INVALID'
  | 'LIVE_CAPTURE_OPEN_FAILED'
  | 'LIVE_CAPTURE_LINK_TYPE_UNSUPPORTED'
  | 'LIVE_CAPTURE_STATE';

export class LiveCaptureError extends Error {
  readonly code: LiveCaptureErrorCode;
  constructor(code: LiveCaptureErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LiveCaptureError';
    this.code = code;
  }
}
