import type {
  DirectionRandomness,
  ExporterEvidence,
  FlowFeatures,
  FlowRecord,
  FlowSummary,
  HandshakeInfo,
  PacketDirection,
  Transport,
} from '@opaqueflow/flow-model';
import { detectContentMagic, recogniseHandshake } from './handshake/index.js';
import { compileOptions, type CompiledOptions, type FeatureExtractorOptions } from './options.js';
import { classifyPort } from './ports/classify.js';
import {
  analyseRandomness,
  toDirectionRandomness,
  type RandomnessDetail,
} from './randomness/analyse.js';
import { decideVerdict } from './verdict/decide.js';
import { borrowedFraming } from './verdict/framing.js';
import { contentStreamValid } from './verdict/content-check.js';

export type FeatureExtractor = (flow: FlowRecord) => FlowFeatures;

const NO_HANDSHAKE: HandshakeInfo = Object.freeze({
  protocol: 'none',
  seenIn: null,
  keyExchange: false,
  version: null,
  sni: null,
  alpn: Object.freeze([]),
  ja4: null,
  details: Object.freeze({}),
});

function bytesOf(value: unknown, limit: number): Uint8Array | null {
  if (!(value instanceof Uint8Array) || value.length === 0) return null;
  return value.length > limit ? value.subarray(0, limit) : value;
}

const num = (value: unknown, fallback = 0): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

function transportOf(value: unknown): Transport {
  return value === 'tcp' || value === 'udp' ? value : 'other';
}

/** The identity part of a record, copied field by field so payload bytes never ride along. */
function summaryOf(flow: FlowRecord): FlowSummary {
  return {
    flowId: flow.flowId,
    source: flow.source,
    exporter: flow.exporter,
    observationDomain: flow.observationDomain,
    samplingRate: flow.samplingRate,
    startMs: flow.startMs,
    endMs: flow.endMs,
    ipVersion: flow.ipVersion,
    srcAddr: flow.srcAddr,
    srcPort: flow.srcPort,
    dstAddr: flow.dstAddr,
    dstPort: flow.dstPort,
    transport: flow.transport,
    protocol: flow.protocol,
    initiatorKnown: flow.initiatorKnown,
    packetsFwd: flow.packetsFwd,
    bytesFwd: flow.bytesFwd,
    packetsRev: flow.packetsRev,
    bytesRev: flow.bytesRev,
    tcpFlagsFwd: flow.tcpFlagsFwd,
    tcpFlagsRev: flow.tcpFlagsRev,
  };
}

/** The exporter's evidence with every field checked: what the record carries downstream. */
function exporterEvidenceOf(value: unknown): ExporterEvidence | null {
  if (typeof value !== 'object' || value === null) return null;
  const e = value as Partial<ExporterEvidence>;
  return {
    initiatorEntropy: typeof e.initiatorEntropy === 'number' ? e.initiatorEntropy : null,
    responderEntropy: typeof e.responderEntropy === 'number' ? e.responderEntropy : null,
    initiatorByteDistribution: Array.isArray(e.initiatorByteDistribution)
      ? e.initiatorByteDistribution
      : null,
    element: typeof e.element === 'string' ? e.element : 'unknown',
  };
}

function extractWith(flow: FlowRecord, options: CompiledOptions): FlowFeatures {
  const transport = transportOf(flow.transport);
  const srcPort = num(flow.srcPort, -1);
  const dstPort = num(flow.dstPort, -1);
  const initiatorBytes = bytesOf(flow.initiatorPayload, options.prefixBytes);
  const responderBytes = bytesOf(flow.responderPayload, options.prefixBytes);

  const initiator: RandomnessDetail | null =
    initiatorBytes === null ? null : analyseRandomness(initiatorBytes, options.randomness);
  const responder: RandomnessDetail | null =
    responderBytes === null ? null : analyseRandomness(responderBytes, options.randomness);
  const handshake =
    initiatorBytes === null && responderBytes === null
      ? NO_HANDSHAKE
      : recogniseHandshake({
          initiator: initiatorBytes,
          responder: responderBytes,
          transport,
          srcPort,
          dstPort,
        });

  let content = null;
  let contentIn: PacketDirection | null = null;
  if (initiatorBytes !== null) {
    content = detectContentMagic(initiatorBytes);
    if (content !== null) contentIn = 'fwd';
  }
  if (content === null && responderBytes !== null) {
    content = detectContentMagic(responderBytes);
    if (content !== null) contentIn = 'rev';
  }
  const contentBytes = contentIn === 'fwd' ? initiatorBytes : responderBytes;
  const contentValid =
    content === null || contentBytes === null ? null : contentStreamValid(content, contentBytes);

  const exporterEvidence = exporterEvidenceOf(flow.exporterEvidence);
  const framing = borrowedFraming(flow, handshake, initiatorBytes, initiator, options);
  const { verdict, evidence } = decideVerdict(
    {
      handshake,
      content,
      contentIn,
      contentValid,
      initiator,
      responder,
      exporterEvidence,
      borrowedFraming: framing,
    },
    options,
  );
  const seenProtocol =
    verdict === 'opaque' || handshake.protocol === 'none' ? null : handshake.protocol;
  return {
    flow: summaryOf(flow),
    initiator: initiator === null ? null : toDirectionRandomness(initiator),
    responder: responder === null ? null : toDirectionRandomness(responder),
    exporterEvidence,
    handshake,
    content,
    port: classifyPort(dstPort, transport, seenProtocol, options.ports),
    verdict,
    evidence,
  };
}

/**
 * Builds the feature stage's function. Options are validated once here (a FeaturesError names
 * every bad one); the returned function never throws: a record it cannot make sense of comes
 * back as `insufficient` with the reason in its evidence.
 */
export function createFeatureExtractor(options?: FeatureExtractorOptions): FeatureExtractor {
  const compiled = compileOptions(options);
  return (flow: FlowRecord): FlowFeatures => {
    try {
      return extractWith(flow, compiled);
    } catch (error) {
      return failedFeatures(flow, compiled, error);
    }
  };
}

function failedFeatures(flow: FlowRecord, options: CompiledOptions, error: unknown): FlowFeatures {
  const reason = error instanceof Error ? error.name : typeof error;
  const record = (typeof flow === 'object' && flow !== null ? flow : {}) as Partial<FlowRecord>;
  const transport = transportOf(record.transport);
  const dstPort = num(record.dstPort, -1);
  let summary: FlowSummary;
  try {
    summary = summaryOf(record as FlowRecord);
  } catch {
    summary = summaryOf({} as FlowRecord);
  }
  const initiator: DirectionRandomness | null = null;
  return {
    flow: summary,
    initiator,
    responder: null,
    exporterEvidence: null,
    handshake: NO_HANDSHAKE,
    content: null,
    port: classifyPort(dstPort, transport, null, options.ports),
    verdict: 'insufficient',
    evidence: [`malformed-record:${reason}`],
  };
}
