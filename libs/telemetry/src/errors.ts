export type TelemetryErrorCode =
  'TELEMETRY_INVALID_METRIC_NAME' | 'TELEMETRY_FORBIDDEN_LABEL' | 'TELEMETRY_METRICS_SERVER_FAILED';

/** Raised only at set-up time (instrument creation, start-up); the hot path never throws. */
export class TelemetryError extends Error {
  readonly code: TelemetryErrorCode;

  constructor(code: TelemetryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TelemetryError';
    this.code = code;
  }
}
