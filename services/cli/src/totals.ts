import type { ListenerStats } from '@opaqueflow/svc-ingest';

/** What `start` reports while running and on stop. */
export interface PipelineTotals {
  readonly listeners: ListenerStats;
  readonly flows: number;
  readonly detections: number;
  /** Entries the embedded pipeline holds (bounded: expired ones are swept). */
  readonly state: { readonly ports: number; readonly aggregates: number; readonly hosts: number };
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

/** A kernel counter, or "n/a" where the platform has none (not Linux). */
function kernel(x: number | null): string {
  return x === null ? 'n/a' : n(x);
}

/**
 * One line: what came in (datagrams and TCP messages, records, flows), what came out, and
 * every drop by stage and reason, so loss is visible without reading the logs.
 */
export function totalsLine(t: PipelineTotals): string {
  const s = t.listeners;
  const reasons = Object.entries(s.dropReasons)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${n(count)}`);
  const stages = Object.entries(s.drops).map(([stage, count]) => `${stage} ${n(count)}`);
  const drops = `${stages.join(', ')}${reasons.length > 0 ? `; by reason: ${reasons.join(', ')}` : ''}`;
  return (
    `${n(s.packetsReceived)} datagrams/messages received, ${n(s.decoder.records)} records decoded, ` +
    `${n(t.flows)} flows, ${n(t.detections)} detections, ${n(s.queued)} queued; ` +
    `drops: ${drops}; ` +
    `state: ${n(t.state.aggregates)} aggregates, ${n(t.state.hosts)} hosts, ${n(t.state.ports)} ports; ` +
    `kernel: ${kernel(s.kernel.socketDrops)} receive-buffer drops on our sockets, ` +
    `${kernel(s.kernel.udpRcvbufErrors)} UDP RcvbufErrors and ${kernel(s.kernel.udpInErrors)} InErrors host-wide`
  );
}
