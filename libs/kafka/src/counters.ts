import type { Meter } from '@opentelemetry/api';
import type { SafeCounter } from '@opaqueflow/telemetry';
import { createCounter } from '@opaqueflow/telemetry';

/** The per-stage record counters the Kafka plumbing keeps; no-ops without a meter. */
export interface RecordCounters {
  consumed(topic: string, count?: number): void;
  deadLettered(topic: string, code: string, count?: number): void;
  produced(topic: string, count?: number): void;
  unencodable(topic: string, count?: number): void;
}

const NOOP: RecordCounters = Object.freeze({
  consumed: () => undefined,
  deadLettered: () => undefined,
  produced: () => undefined,
  unencodable: () => undefined,
});

/** Stage names use dashes in headers ("it-batch"); Prometheus names need underscores. */
export function metricStage(stage: string): string {
  return stage.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

export function recordCounters(meter: Meter | undefined, stage: string): RecordCounters {
  if (meter === undefined) return NOOP;
  const s = metricStage(stage);
  const make = (name: string, description: string, labels: string[]): SafeCounter =>
    createCounter(meter, { stage: s, name, description, labels });
  const consumed = make('records_consumed', 'records read and decoded', ['topic']);
  const dead = make('records_dead_lettered', 'records sent to the DLQ', ['topic', 'code']);
  const produced = make('records_produced', 'records acknowledged by Kafka', ['topic']);
  const unencodable = make('records_unencodable', 'records that did not fit the schema', ['topic']);
  return Object.freeze({
    consumed: (topic: string, count = 1) => consumed.add(count, { topic }),
    deadLettered: (topic: string, code: string, count = 1) => dead.add(count, { topic, code }),
    produced: (topic: string, count = 1) => produced.add(count, { topic }),
    unencodable: (topic: string, count = 1) => unencodable.add(count, { topic }),
  });
}
