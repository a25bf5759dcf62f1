import { createCounter, type SafeCounter } from '@opaqueflow/telemetry';

/** An OpenTelemetry Meter, as the telemetry lib takes it. */
export type ListenerMeter = Parameters<typeof createCounter>[0];

/**
 * Prometheus counters of the flow-export listeners. Labels are bounded sets (listener,
 * protocol, stage, reason); never an exporter address.
 */
export interface ListenerMetrics {
  readonly packets: SafeCounter;
  readonly records: SafeCounter;
  readonly drops: SafeCounter;
}

export function listenerMetrics(meter: ListenerMeter): ListenerMetrics {
  return {
    packets: createCounter(meter, {
      stage: 'ingest',
      name: 'flow_export_packets',
      description: 'Flow-export datagrams and IPFIX TCP messages received, by listener',
      labels: ['listener'],
    }),
    records: createCounter(meter, {
      stage: 'ingest',
      name: 'flow_export_records',
      description: 'Flow records decoded from flow exports, by protocol',
      labels: ['protocol'],
    }),
    drops: createCounter(meter, {
      stage: 'ingest',
      name: 'flow_export_drops',
      description:
        'Flow-export packets, sets or connections dropped, by stage (socket, decode, template-missing, queue-full) and reason',
      labels: ['stage', 'reason'],
    }),
  };
}
