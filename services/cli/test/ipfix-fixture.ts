// An IPFIX template like a payload-exporting probe's (RFC 7011 IEs plus ipPayloadPacketSection,
// 314: the IP payload, transport header first), and one TCP flow record for it: what the CLI tests feed `analyze` and `start`.
import {
  record,
  tcpSegment,
  type FieldSpec,
} from '../../../libs/decoders/test/flow-export/builders.js';

export const PAYLOAD_FIELDS: FieldSpec[] = [
  { id: 8, length: 4 }, // sourceIPv4Address
  { id: 12, length: 4 }, // destinationIPv4Address
  { id: 7, length: 2 }, // sourceTransportPort
  { id: 11, length: 2 }, // destinationTransportPort
  { id: 4, length: 1 }, // protocolIdentifier
  { id: 6, length: 1 }, // tcpControlBits
  { id: 1, length: 8 }, // octetDeltaCount
  { id: 2, length: 4 }, // packetDeltaCount
  { id: 152, length: 8 }, // flowStartMilliseconds
  { id: 153, length: 8 }, // flowEndMilliseconds
  { id: 314, length: 65535 }, // ipPayloadPacketSection
];

/** The same template without the payload section: a plain flow exporter's. */
export const PLAIN_FIELDS: FieldSpec[] = PAYLOAD_FIELDS.slice(0, -1);

export interface TcpFlowSpec {
  readonly src: string;
  readonly dst?: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly startMs: number;
  readonly durationMs?: number;
  /** The initiator's first payload bytes; omit for a PLAIN_FIELDS record. */
  readonly payload?: Uint8Array;
}

export function tcpFlowRecord(spec: TcpFlowSpec): Uint8Array {
  const values = [
    spec.src,
    spec.dst ?? '198.51.100.7',
    spec.srcPort,
    spec.dstPort,
    6,
    0x1b,
    4000n,
    12,
    BigInt(spec.startMs),
    BigInt(spec.startMs + (spec.durationMs ?? 1500)),
  ];
  if (spec.payload === undefined) return record(PLAIN_FIELDS, values);
  const section = tcpSegment(spec.srcPort, spec.dstPort, 0x18, spec.payload);
  return record(PAYLOAD_FIELDS, [...values, section]);
}
