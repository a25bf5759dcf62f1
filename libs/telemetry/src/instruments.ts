import type { Attributes, Meter } from '@opentelemetry/api';
import { TelemetryError } from './errors.js';
import { assertLabelsAllowed } from './metrics.js';

const SNAKE = /^[a-z][a-z0-9_]*$/;

/** Prometheus base units: the unit is the name's last word, as the naming guide asks. */
export type BaseUnit = 'seconds' | 'bytes' | 'records' | 'messages' | 'ratio';

export interface InstrumentOptions {
  readonly stage: string;
  /** Without the unit: "batch_duration" with unit "seconds" → opaqueflow_<stage>_batch_duration_seconds. */
  readonly name: string;
  readonly unit: BaseUnit;
  readonly description: string;
  /** The only attribute keys kept (bounded cardinality; addresses, ports and keys refused). */
  readonly labels?: readonly string[];
}

export interface HistogramOptions extends InstrumentOptions {
  /** Bucket upper bounds, in the unit; the default suits batch latencies in seconds. */
  readonly buckets?: readonly number[];
}

export interface SafeHistogram {
  readonly name: string;
  /** Records a finite non-negative value; anything else is ignored. Never throws. */
  record(value: number, attributes?: Attributes): void;
}

export interface SafeGauge {
  readonly name: string;
  /** Sets the current value for these attributes. Never throws. */
  set(value: number, attributes?: Attributes): void;
}

/** Seconds, from 1 ms to 30 s: a batch that takes longer is an incident, not a bucket. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

export function instrumentName(stage: string, name: string, unit: BaseUnit): string {
  if (!SNAKE.test(stage) || !SNAKE.test(name) || name.endsWith('_'))
    throw new TelemetryError(
      'TELEMETRY_INVALID_METRIC_NAME',
      `stage "${stage}" and metric "${name}" must be snake_case`,
    );
  if (name.endsWith(`_${unit}`) || name.endsWith('_total'))
    throw new TelemetryError(
      'TELEMETRY_INVALID_METRIC_NAME',
      `metric "${name}" must not carry its unit or _total: they are appended`,
    );
  return `opaqueflow_${stage}_${name}_${unit}`;
}

function filter(labels: readonly string[]): (a: Attributes | undefined) => Attributes | undefined {
  assertLabelsAllowed(labels);
  const allowed = new Set(labels);
  return (attributes) => {
    if (attributes === undefined) return undefined;
    const out: Attributes = {};
    for (const [k, v] of Object.entries(attributes)) if (allowed.has(k)) out[k] = v;
    return out;
  };
}

export function createHistogram(meter: Meter, options: HistogramOptions): SafeHistogram {
  const name = instrumentName(options.stage, options.name, options.unit);
  const keep = filter(options.labels ?? []);
  // The unit is already in the name; an OpenTelemetry unit would make the exporter append it again.
  const histogram = meter.createHistogram(name, {
    description: options.description,
    advice: { explicitBucketBoundaries: [...(options.buckets ?? LATENCY_BUCKETS_SECONDS)] },
  });
  return Object.freeze({
    name,
    record(value: number, attributes?: Attributes) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return;
      try {
        histogram.record(value, keep(attributes));
      } catch {
        // Metrics are best effort.
      }
    },
  });
}

export function createGauge(meter: Meter, options: InstrumentOptions): SafeGauge {
  const name = instrumentName(options.stage, options.name, options.unit);
  const keep = filter(options.labels ?? []);
  const gauge = meter.createGauge(name, { description: options.description });
  return Object.freeze({
    name,
    set(value: number, attributes?: Attributes) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return;
      try {
        gauge.record(value, keep(attributes));
      } catch {
        // Metrics are best effort.
      }
    },
  });
}
