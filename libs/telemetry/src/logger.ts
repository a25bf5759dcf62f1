import { context, trace } from '@opentelemetry/api';
import type { DestinationStream, Logger, LoggerOptions as PinoOptions } from 'pino';
import { pino, stdTimeFunctions } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Paths pino censors wherever they appear one level deep in a log object: credentials that
 * reach a log through a config dump, request headers or a client's options.
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = Object.freeze([
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'sasl',
  '*.sasl',
]);

export interface LoggerOptions {
  /** Becomes the `service` field of every line. */
  readonly service: string;
  readonly level?: LogLevel;
  /** Added to DEFAULT_REDACT_PATHS. */
  readonly redactPaths?: readonly string[];
  /** Fields on every line besides service (e.g. version, instance). */
  readonly base?: Readonly<Record<string, unknown>>;
  /** Defaults to stdout; tests pass a stream to read lines back. */
  readonly destination?: DestinationStream;
}

/**
 * JSON lines to stdout. Every line carries the active span's trace_id/span_id, so a log line
 * can be joined to the trace of the flow it was about.
 */
export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions: PinoOptions = {
    level: options.level ?? 'info',
    base: { service: options.service, ...options.base },
    timestamp: stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [...DEFAULT_REDACT_PATHS, ...(options.redactPaths ?? [])],
      censor: '[redacted]',
    },
    mixin: traceFields,
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const ctx = span.spanContext();
  return trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}
