import type { Attributes, Meter } from '@opentelemetry/api';
import { TelemetryError } from './errors.js';

export interface CounterOptions {
  /** Pipeline stage: ingest, features, scorer, query, kafka, … */
  readonly stage: string;
  /** What is counted, plural, snake_case: "flows", "records_dead_lettered", "bytes_read". */
  readonly name: string;
  readonly description: string;
  /** UCUM unit in base units ("By" for bytes, "1" for counts). */
  readonly unit?: string;
  /** The only attribute keys kept; anything else is dropped (bounded cardinality). */
  readonly labels?: readonly string[];
}

export interface SafeCounter {
  /** The Prometheus name, e.g. opaqueflow_ingest_flows_total. */
  readonly name: string;
  /** Adds a non-negative finite amount; anything else is ignored. Never throws. */
  add(amount?: number, attributes?: Attributes): void;
}

const SNAKE = /^[a-z][a-z0-9_]*$/;
// Per-flow values explode series counts and leak addresses into dashboards.
const FORBIDDEN_LABEL =
  /(^|_)(ip|ips|addr|address|port|src|dst|source_ip|flow_id|flowid|flow_key|flowkey|host|peer|key)($|_)/;

/** opaqueflow_<stage>_<name>_total, checked against Prometheus naming. Throws at set-up only. */
export function counterName(stage: string, name: string): string {
  if (!SNAKE.test(stage))
    throw new TelemetryError(
      'TELEMETRY_INVALID_METRIC_NAME',
      `stage "${stage}" must be snake_case`,
    );
  const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
  if (!SNAKE.test(base) || base.endsWith('_'))
    throw new TelemetryError(
      'TELEMETRY_INVALID_METRIC_NAME',
      `metric "${name}" must be snake_case`,
    );
  return `opaqueflow_${stage}_${base}_total`;
}

export function assertLabelsAllowed(labels: readonly string[]): void {
  for (const label of labels) {
    if (!SNAKE.test(label))
      throw new TelemetryError('TELEMETRY_FORBIDDEN_LABEL', `label "${label}" must be snake_case`);
    if (FORBIDDEN_LABEL.test(label))
      throw new TelemetryError(
        'TELEMETRY_FORBIDDEN_LABEL',
        `label "${label}" would carry addresses, ports or flow keys: unbounded cardinality`,
      );
  }
}

export function createCounter(meter: Meter, options: CounterOptions): SafeCounter {
  const name = counterName(options.stage, options.name);
  const labels = options.labels ?? [];
  assertLabelsAllowed(labels);
  const allowed = new Set(labels);
  const counter = meter.createCounter(name, {
    description: options.description,
    unit: options.unit ?? '1',
  });
  return Object.freeze({
    name,
    add(amount = 1, attributes?: Attributes) {
      if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) return;
      try {
        counter.add(amount, attributes === undefined ? undefined : keep(attributes, allowed));
      } catch {
        // Metrics are best effort; a failing SDK must not take a record down with it.
      }
    },
  });
}

function keep(attributes: Attributes, allowed: ReadonlySet<string>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (allowed.has(k)) out[k] = v;
  return out;
}
