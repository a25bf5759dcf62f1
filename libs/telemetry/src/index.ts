export { TelemetryError } from './errors.js';
export type { TelemetryErrorCode } from './errors.js';
export { DEFAULT_REDACT_PATHS, createLogger } from './logger.js';
export type { LogLevel, Logger, LoggerOptions } from './logger.js';
export {
  TRACE_HEADERS,
  extractTraceContext,
  headerText,
  injectTraceContext,
} from './propagation.js';
export type { KafkaHeaderValue, KafkaHeaders } from './propagation.js';
export { assertLabelsAllowed, counterName, createCounter } from './metrics.js';
export type { CounterOptions, SafeCounter } from './metrics.js';
export { startTelemetry } from './sdk.js';
export type { MetricsEndpointOptions, Telemetry, TelemetryOptions } from './sdk.js';
export {
  LATENCY_BUCKETS_SECONDS,
  createGauge,
  createHistogram,
  instrumentName,
} from './instruments.js';
export type {
  BaseUnit,
  HistogramOptions,
  InstrumentOptions,
  SafeGauge,
  SafeHistogram,
} from './instruments.js';
