import type {
  Detection,
  DirectionRandomness,
  ExporterEvidence,
  PortBaselineSnapshot,
  PortClass,
  ScoreReason,
  FlowFeatures,
  FlowRecord,
  FlowSummary,
} from '@opaqueflow/flow-model';
import type {
  AvroDetection,
  AvroExporterEvidence,
  AvroFlowFeatures,
  AvroFlowRecord,
  AvroFlowSummary,
} from './avro-types.js';
import type { Result } from './errors.js';
import { KafkaError } from './errors.js';
import {
  CONTENT_MAGICS,
  DETECTION_STATUSES,
  FLOW_SOURCES,
  HANDSHAKE_PROTOCOLS,
  SEVERITIES,
  TRANSPORTS,
  VERDICTS,
} from '@opaqueflow/flow-model';

/** Zero-copy: the Buffer shares the Uint8Array's memory. */
function toBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null) return null;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** A plain Uint8Array view (not a Buffer), as flow-model's stages expect. */
function toBytes(buffer: Buffer | null): Uint8Array | null {
  return buffer === null ? null : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

class Invalid extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function member<U extends string>(set: ReadonlySet<U>, value: string, path: string): U {
  if (!(set as ReadonlySet<string>).has(value))
    throw new Invalid(path, `unknown ${path} "${value.slice(0, 40)}"`);
  return value as U;
}

function ipVersion(value: number, path: string): 4 | 6 {
  if (value !== 4 && value !== 6) throw new Invalid(path, `ipVersion ${value} is neither 4 nor 6`);
  return value;
}

/** Runs a mapping; a validation failure or an unexpected shape becomes a RECORD_INVALID result. */
function guard<T>(what: string, map: () => T): Result<T> {
  try {
    return { ok: true, value: map() };
  } catch (e) {
    if (e instanceof Invalid)
      return {
        ok: false,
        error: new KafkaError('RECORD_INVALID', `${what}: ${e.reason}`, { path: e.path }),
      };
    return {
      ok: false,
      error: new KafkaError('RECORD_INVALID', `${what}: malformed value`, { cause: e }),
    };
  }
}

function evidenceToAvro(
  e: ExporterEvidence | AvroExporterEvidence | null,
): AvroExporterEvidence | null {
  return e === null
    ? null
    : {
        initiatorEntropy: e.initiatorEntropy,
        responderEntropy: e.responderEntropy,
        initiatorByteDistribution:
          e.initiatorByteDistribution === null ? null : [...e.initiatorByteDistribution],
        element: e.element,
      };
}

function evidenceFromAvro(e: AvroExporterEvidence | null): ExporterEvidence | null {
  return e === null ? null : evidenceToAvro(e);
}

// Readers copy field by field rather than spreading: a field a newer schema added (and this
// reader's flow-model does not know yet) must not leak into the typed value.
function randomnessOf(r: DirectionRandomness | null): DirectionRandomness | null {
  return r === null
    ? null
    : {
        length: r.length,
        entropy: r.entropy,
        expectedRandomEntropy: r.expectedRandomEntropy,
        entropyZScore: r.entropyZScore,
        chiSquare: r.chiSquare,
        chiSquarePValue: r.chiSquarePValue,
        meanPopcount: r.meanPopcount,
        printableFraction: r.printableFraction,
        longestPrintableRun: r.longestPrintableRun,
        firstSixPrintable: r.firstSixPrintable,
        looksRandom: r.looksRandom,
      };
}

function summaryToAvro(f: FlowSummary | AvroFlowSummary): AvroFlowSummary {
  return {
    flowId: f.flowId,
    source: f.source,
    exporter: f.exporter,
    observationDomain: f.observationDomain,
    samplingRate: f.samplingRate,
    startMs: f.startMs,
    endMs: f.endMs,
    ipVersion: f.ipVersion,
    srcAddr: f.srcAddr,
    srcPort: f.srcPort,
    dstAddr: f.dstAddr,
    dstPort: f.dstPort,
    transport: f.transport,
    protocol: f.protocol,
    initiatorKnown: f.initiatorKnown,
    packetsFwd: f.packetsFwd,
    bytesFwd: f.bytesFwd,
    packetsRev: f.packetsRev,
    bytesRev: f.bytesRev,
    tcpFlagsFwd: f.tcpFlagsFwd,
    tcpFlagsRev: f.tcpFlagsRev,
  };
}

function summaryFromAvro(a: AvroFlowSummary, prefix: string): FlowSummary {
  return {
    ...summaryToAvro(a),
    source: member(FLOW_SOURCES, a.source, `${prefix}source`),
    ipVersion: ipVersion(a.ipVersion, `${prefix}ipVersion`),
    transport: member(TRANSPORTS, a.transport, `${prefix}transport`),
  };
}

export function flowRecordToAvro(r: FlowRecord): AvroFlowRecord {
  return {
    ...summaryToAvro(r),
    initiatorPayload: toBuffer(r.initiatorPayload),
    responderPayload: toBuffer(r.responderPayload),
    packets: r.packets.map((p) => ({
      size: p.size,
      payloadSize: p.payloadSize,
      direction: p.direction,
      gapMs: p.gapMs,
    })),
    exporterEvidence: evidenceToAvro(r.exporterEvidence),
  };
}

export function flowRecordFromAvro(a: AvroFlowRecord): Result<FlowRecord> {
  return guard('FlowRecord', () => ({
    ...summaryFromAvro(a, ''),
    initiatorPayload: toBytes(a.initiatorPayload),
    responderPayload: toBytes(a.responderPayload),
    packets: a.packets.map((p) => ({
      size: p.size,
      payloadSize: p.payloadSize,
      direction: p.direction,
      gapMs: p.gapMs,
    })),
    exporterEvidence: evidenceFromAvro(a.exporterEvidence),
  }));
}

function portClassOf(p: PortClass | AvroFlowFeatures['port']): AvroFlowFeatures['port'] {
  return {
    port: p.port,
    transport: p.transport,
    ianaService: p.ianaService,
    encryptedExpected: p.encryptedExpected,
    expectedProtocols: [...p.expectedProtocols],
    standardForSeen: p.standardForSeen,
  };
}

export function flowFeaturesToAvro(f: FlowFeatures): AvroFlowFeatures {
  return {
    flow: summaryToAvro(f.flow),
    initiator: randomnessOf(f.initiator),
    responder: randomnessOf(f.responder),
    exporterEvidence: evidenceToAvro(f.exporterEvidence),
    handshake: {
      protocol: f.handshake.protocol,
      seenIn: f.handshake.seenIn,
      keyExchange: f.handshake.keyExchange,
      version: f.handshake.version,
      sni: f.handshake.sni,
      alpn: [...f.handshake.alpn],
      ja4: f.handshake.ja4,
      details: { ...f.handshake.details },
    },
    content: f.content,
    port: portClassOf(f.port),
    verdict: f.verdict,
    evidence: [...f.evidence],
  };
}

export function flowFeaturesFromAvro(a: AvroFlowFeatures): Result<FlowFeatures> {
  return guard('FlowFeatures', () => ({
    flow: summaryFromAvro(a.flow, 'flow.'),
    initiator: randomnessOf(a.initiator),
    responder: randomnessOf(a.responder),
    exporterEvidence: evidenceFromAvro(a.exporterEvidence),
    handshake: {
      protocol: member(HANDSHAKE_PROTOCOLS, a.handshake.protocol, 'handshake.protocol'),
      seenIn: a.handshake.seenIn,
      keyExchange: a.handshake.keyExchange,
      version: a.handshake.version,
      sni: a.handshake.sni,
      alpn: [...a.handshake.alpn],
      ja4: a.handshake.ja4,
      details: { ...a.handshake.details },
    },
    // Magic a newer writer recognises is still compressed/media content to an older reader.
    content:
      a.content === null
        ? null
        : (CONTENT_MAGICS as ReadonlySet<string>).has(a.content)
          ? member(CONTENT_MAGICS, a.content, 'content')
          : 'other',
    port: {
      ...portClassOf(a.port),
      transport: member(TRANSPORTS, a.port.transport, 'port.transport'),
    },
    verdict: member(VERDICTS, a.verdict, 'verdict'),
    evidence: [...a.evidence],
  }));
}

function reasonOf(r: ScoreReason): AvroDetection['reasons'][number] {
  return { code: r.code, points: r.points, value: r.value, detail: r.detail };
}

function baselineOf(
  b: PortBaselineSnapshot | AvroDetection['baseline'],
): AvroDetection['baseline'] {
  return {
    port: b.port,
    transport: b.transport,
    flows: b.flows,
    opaqueFlows: b.opaqueFlows,
    distinctSources: b.distinctSources,
    distinctDestinations: b.distinctDestinations,
    meanEntropy: b.meanEntropy,
    learning: b.learning,
    windowMs: b.windowMs,
  };
}

export function detectionToAvro(d: Detection): AvroDetection {
  return {
    id: d.id,
    firstSeenMs: d.firstSeenMs,
    lastSeenMs: d.lastSeenMs,
    windowStartMs: d.windowStartMs,
    flowCount: d.flowCount,
    bytes: d.bytes,
    score: d.score,
    severity: d.severity,
    verdict: d.verdict,
    srcAddr: d.srcAddr,
    dstAddr: d.dstAddr,
    dstPort: d.dstPort,
    transport: d.transport,
    reasons: d.reasons.map(reasonOf),
    baseline: baselineOf(d.baseline),
    hostScore: d.hostScore,
    attack: { analytic: d.attack.analytic, techniques: [...d.attack.techniques] },
    exceptionId: d.exceptionId,
    status: d.status,
    sampleFlowIds: [...d.sampleFlowIds],
    updatedMs: d.updatedMs,
  };
}

export function detectionFromAvro(a: AvroDetection): Result<Detection> {
  return guard('Detection', () => {
    if (a.attack.analytic !== 'AN0404')
      throw new Invalid('attack.analytic', `unknown analytic "${a.attack.analytic.slice(0, 40)}"`);
    return {
      id: a.id,
      firstSeenMs: a.firstSeenMs,
      lastSeenMs: a.lastSeenMs,
      windowStartMs: a.windowStartMs,
      flowCount: a.flowCount,
      bytes: a.bytes,
      score: a.score,
      severity: member(SEVERITIES, a.severity, 'severity'),
      verdict: member(VERDICTS, a.verdict, 'verdict'),
      srcAddr: a.srcAddr,
      dstAddr: a.dstAddr,
      dstPort: a.dstPort,
      transport: member(TRANSPORTS, a.transport, 'transport'),
      reasons: a.reasons.map(reasonOf),
      baseline: {
        ...baselineOf(a.baseline),
        transport: member(TRANSPORTS, a.baseline.transport, 'baseline.transport'),
      },
      hostScore: a.hostScore,
      attack: { analytic: 'AN0404' as const, techniques: [...a.attack.techniques] },
      exceptionId: a.exceptionId,
      status: member(DETECTION_STATUSES, a.status, 'status'),
      sampleFlowIds: [...a.sampleFlowIds],
      updatedMs: a.updatedMs,
    };
  });
}
