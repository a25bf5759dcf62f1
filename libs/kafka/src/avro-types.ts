/**
 * The shapes avsc reads and writes for schemas/*.avsc: the flow-model types with Buffer for
 * bytes and mutable arrays. Kept next to the schemas' field lists so a mismatch is visible.
 */
import type {
  Detection,
  DirectionRandomness,
  ExporterEvidence,
  FlowFeatures,
  FlowRecord,
  FlowSummary,
  HandshakeInfo,
  PacketDirection,
  PacketSample,
  PortBaselineSnapshot,
  PortClass,
  ScoreReason,
} from '@opaqueflow/flow-model';

export type AvroTransport = 'tcp' | 'udp' | 'other';

export interface AvroExporterEvidence {
  initiatorEntropy: number | null;
  responderEntropy: number | null;
  initiatorByteDistribution: number[] | null;
  element: string;
}

export interface AvroFlowSummary {
  flowId: string;
  source: string;
  exporter: string | null;
  observationDomain: number | null;
  samplingRate: number;
  startMs: number;
  endMs: number;
  ipVersion: number;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  transport: AvroTransport;
  protocol: number;
  initiatorKnown: boolean;
  packetsFwd: number;
  bytesFwd: number;
  packetsRev: number;
  bytesRev: number;
  tcpFlagsFwd: number;
  tcpFlagsRev: number;
}

export interface AvroPacketSample {
  size: number;
  payloadSize: number;
  direction: PacketDirection;
  gapMs: number;
}

export interface AvroFlowRecord extends AvroFlowSummary {
  initiatorPayload: Buffer | null;
  responderPayload: Buffer | null;
  packets: AvroPacketSample[];
  exporterEvidence: AvroExporterEvidence | null;
}

export interface AvroDirectionRandomness {
  length: number;
  entropy: number;
  expectedRandomEntropy: number;
  entropyZScore: number;
  chiSquare: number;
  chiSquarePValue: number;
  meanPopcount: number;
  printableFraction: number;
  longestPrintableRun: number;
  firstSixPrintable: boolean;
  looksRandom: boolean;
}

export interface AvroFlowFeatures {
  flow: AvroFlowSummary;
  initiator: AvroDirectionRandomness | null;
  responder: AvroDirectionRandomness | null;
  exporterEvidence: AvroExporterEvidence | null;
  handshake: {
    protocol: string;
    seenIn: PacketDirection | null;
    keyExchange: boolean;
    version: string | null;
    sni: string | null;
    alpn: string[];
    ja4: string | null;
    details: Record<string, string>;
  };
  content: string | null;
  port: {
    port: number;
    transport: AvroTransport;
    ianaService: string | null;
    encryptedExpected: boolean;
    expectedProtocols: string[];
    standardForSeen: boolean;
  };
  verdict: string;
  evidence: string[];
}

export interface AvroDetection {
  id: string;
  firstSeenMs: number;
  lastSeenMs: number;
  windowStartMs: number;
  flowCount: number;
  bytes: number;
  score: number;
  severity: string;
  verdict: string;
  srcAddr: string;
  dstAddr: string;
  dstPort: number;
  transport: AvroTransport;
  reasons: { code: string; points: number; value: number | string; detail: string }[];
  baseline: {
    port: number;
    transport: AvroTransport;
    flows: number;
    opaqueFlows: number;
    distinctSources: number;
    distinctDestinations: number;
    meanEntropy: number | null;
    learning: boolean;
    windowMs: number;
  };
  hostScore: number;
  attack: { analytic: string; techniques: string[] };
  exceptionId: string | null;
  status: string;
  sampleFlowIds: string[];
  updatedMs: number;
}

type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : { onlyInAvro: Exclude<keyof A, keyof B>; onlyInFlowModel: Exclude<keyof B, keyof A> };
type Assert<T extends true> = T;

/**
 * Compile-time guard: each Avro shape has exactly the fields of its flow-model type, so a field
 * added to flow-model fails the build here until the schema and the mapping carry it too.
 */
export type AvroMirrorsFlowModel = [
  Assert<SameKeys<AvroFlowSummary, FlowSummary>>,
  Assert<SameKeys<AvroFlowRecord, FlowRecord>>,
  Assert<SameKeys<AvroPacketSample, PacketSample>>,
  Assert<SameKeys<AvroExporterEvidence, ExporterEvidence>>,
  Assert<SameKeys<AvroFlowFeatures, FlowFeatures>>,
  Assert<SameKeys<AvroDirectionRandomness, DirectionRandomness>>,
  Assert<SameKeys<AvroFlowFeatures['handshake'], HandshakeInfo>>,
  Assert<SameKeys<AvroFlowFeatures['port'], PortClass>>,
  Assert<SameKeys<AvroDetection, Detection>>,
  Assert<SameKeys<AvroDetection['reasons'][number], ScoreReason>>,
  Assert<SameKeys<AvroDetection['baseline'], PortBaselineSnapshot>>,
];
