// Builds FlowRecords for tests: sensible identity and counters, payload bytes as given.
import type { FlowRecord, PacketSample } from '@opaqueflow/flow-model';

export interface FlowSpec {
  readonly initiator?: Uint8Array | null;
  readonly responder?: Uint8Array | null;
  readonly transport?: 'tcp' | 'udp';
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly packets?: readonly PacketSample[];
  readonly exporterEvidence?: FlowRecord['exporterEvidence'];
}

let counter = 0;

export function flowOf(spec: FlowSpec = {}): FlowRecord {
  counter++;
  const initiator = spec.initiator ?? null;
  const responder = spec.responder ?? null;
  const transport = spec.transport ?? 'tcp';
  return {
    flowId: `test-${counter}`,
    source: 'pcap',
    exporter: null,
    observationDomain: null,
    samplingRate: 1,
    startMs: 1_700_000_000_000,
    endMs: 1_700_000_001_000,
    ipVersion: 4,
    srcAddr: '10.0.0.1',
    srcPort: spec.srcPort ?? 50_000,
    dstAddr: '10.0.0.2',
    dstPort: spec.dstPort ?? 8081,
    transport,
    protocol: transport === 'tcp' ? 6 : 17,
    initiatorKnown: true,
    packetsFwd: 3,
    bytesFwd: (initiator?.length ?? 0) + 120,
    packetsRev: 3,
    bytesRev: (responder?.length ?? 0) + 120,
    tcpFlagsFwd: transport === 'tcp' ? 0x1b : 0,
    tcpFlagsRev: transport === 'tcp' ? 0x1b : 0,
    initiatorPayload: initiator,
    responderPayload: responder,
    packets: spec.packets ?? [],
    exporterEvidence: spec.exporterEvidence ?? null,
  };
}

/** Deterministic bytes (SplitMix32) so failures reproduce. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    out[i] = (z ^ (z >>> 16)) & 0xff;
  }
  return out;
}

export const ascii = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));
