import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { ROOT_CONTEXT, context as contextApi } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** kafkajs's IHeaders, structurally: values arrive as Buffer, and are sent as string or Buffer. */
export type KafkaHeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type KafkaHeaders = Record<string, KafkaHeaderValue>;

// A private instance, not the global propagator: the Kafka wire contract is W3C trace context
// whatever a host application registers globally.
const w3c = new W3CTraceContextPropagator();

/** First value of a header as text; undefined for absent or empty. Never throws. */
export function headerText(value: KafkaHeaderValue): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  if (typeof first === 'string') return first;
  return Buffer.isBuffer(first) ? first.toString('utf8') : undefined;
}

const getter: TextMapGetter<KafkaHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    // Header names are case-sensitive in Kafka but W3C asks for lower case; accept any case.
    const direct = carrier[key];
    if (direct !== undefined) return headerText(direct);
    const name = Object.keys(carrier).find((k) => k.toLowerCase() === key);
    return name === undefined ? undefined : headerText(carrier[name]);
  },
};

const setter: TextMapSetter<KafkaHeaders> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * Writes traceparent (and tracestate) for `ctx` into the headers, in place, and returns them.
 * Without a valid span in ctx nothing is written. Never throws.
 */
export function injectTraceContext(
  headers: KafkaHeaders,
  ctx: Context = contextApi.active(),
): KafkaHeaders {
  try {
    w3c.inject(ctx, headers, setter);
  } catch {
    // A broken context must not stop a record from being produced.
  }
  return headers;
}

/**
 * The remote span context carried by the headers, set on `base` (the root context by default).
 * Missing or malformed headers give `base` back unchanged. Never throws.
 */
export function extractTraceContext(
  headers: KafkaHeaders | null | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  if (headers === null || headers === undefined || typeof headers !== 'object') return base;
  try {
    return w3c.extract(base, headers, getter);
  } catch {
    return base;
  }
}

export const TRACE_HEADERS: readonly string[] = Object.freeze(w3c.fields());
