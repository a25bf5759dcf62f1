import type {
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

/**
 * Fields a record should not have carried, reported as evidence rather than thrown: the flow is
 * still judged on what is usable (a payload that is not bytes counts as absent).
 */
function malformedFields(flow: FlowRecord): string[] {
  const problems: string[] = [];
  const payloadOk = (v: unknown): boolean =>
    v === null || v === undefined || v instanceof Uint8Array;
  if (!payloadOk(flow.initiatorPayload)) problems.push('malformed:initiatorPayload');
  if (!payloadOk(flow.responderPayload)) problems.push('malformed:responderPayload');
  for (const field of ['srcPort', 'dstPort'] as const) {
    const port: unknown = flow[field];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
      problems.push(`malformed:${field}`);
    }
  }
  const transport: unknown = flow.transport;
  if (transport !== 'tcp' && transport !== 'udp' && transport !== 'other')
    problems.push('malformed:transport');
  return problems;
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
  // Only bytes that pass for random could be ciphertext behind a borrowed magic; structured
  // ones are what compressed text looks like and need no (costly, ~0.1 ms) inflate check.
  const contentBytes = contentIn === 'fwd' ? initiatorBytes : responderBytes;
  const contentDetail = contentIn === 'fwd' ? initiator : responder;
  const contentValid =
    content === null || contentBytes === null || contentDetail?.looksRandom !== true
      ? null
      : contentStreamValid(content, contentBytes);

  const exporterEvidence = exporterEvidenceOf(flow.exporterEvidence);
  const framing = borrowedFraming(flow, handshake, initiatorBytes, initiator, options);
  const decided = decideVerdict(
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
  const { verdict } = decided;
  const problems = malformedFields(flow);
  // A TCP capture that began mid-connection has lost the handshake of any protocol: opaque
  // bytes there are weaker evidence, and the scorer should be able to tell.
  if (verdict === 'opaque' && transport === 'tcp' && flow.initiatorKnown === false) {
    problems.unshift('flow-start-not-seen');
  }
  const evidence = problems.length === 0 ? decided.evidence : [...decided.evidence, ...problems];
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
      if (typeof flow !== 'object' || flow === null) return failedFeatures(flow, compiled, null);
      return extractWith(flow, compiled);
    } catch (error) {
      return failedFeatures(flow, compiled, error);
    }
  };
}

function failedFeatures(flow: FlowRecord, options: CompiledOptions, error: unknown): FlowFeatures {
  const isRecord = typeof flow === 'object' && flow !== null;
  const reason = !isRecord ? 'not-an-object' : error instanceof Error ? error.name : typeof error;
  const record = (isRecord ? flow : {}) as Partial<FlowRecord>;
  const transport = transportOf(record.transport);
  const dstPort = num(record.dstPort, -1);
  let summary: FlowSummary;
  try {
    summary = summaryOf(record as FlowRecord);
  } catch {
    summary = summaryOf({} as FlowRecord);
  }
  return {
    flow: summary,
    initiator: null,
    responder: null,
    exporterEvidence: null,
    handshake: NO_HANDSHAKE,
    content: null,
    port: classifyPort(dstPort, transport, null, options.ports),
    verdict: 'insufficient',
    evidence: [`malformed-record:${reason}`],
  };
}
