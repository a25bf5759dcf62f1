import {
  flowIdOf as flowIdOfImport,
  transportOf as transportOfImport,
} from '@opaqueflow/flow-model';
import type { ExporterEvidence, FlowRecord, FlowSource } from '@opaqueflow/flow-model';
import { ipv4String as ipv4StringImport, ipv6At as ipv6AtImport } from './address.js';
import {
  readEthernet as readEthernetImport,
  readIp as readIpImport,
  readTransport as readTransportImport,
  type PacketView,
} from './packet-section.js';
import type { RecordScratch } from './record-reader.js';

// Module-local aliases: under the tsx loader every import binding read is a call;
// hot paths read plain locals instead.
const readEthernet = readEthernetImport;
const readIp = readIpImport;
const readTransport = readTransportImport;
const ipv4String = ipv4StringImport;
const ipv6At = ipv6AtImport;
const flowIdOf = flowIdOfImport;
const transportOf = transportOfImport;

/** Per-message facts every record of the message shares; reused, mutated per packet. */
export interface FlowContext {
  source: FlowSource;
  exporter: string;
  observationDomain: number | null;
  samplingRate: number;
  /** Export time of the message, Unix milliseconds. */
  exportMs: number;
  /** NetFlow v9 header sysUptime (ms); -1 for IPFIX. */
  sysUptimeMs: number;
  /** IPFIX systemInitTimeMilliseconds known for the domain; -1 when unknown. */
  systemInitMs: number;
  maxPayloadBytes: number;
}

const EMPTY: readonly never[] = Object.freeze([]);

// Section slots in RecordScratch, by Op - Op.ipPayloadSection.
const IP_PAYLOAD = 0;
const IP_HEADER = 1;
const DATA_LINK = 2;
const REVERSE = 3;
const YAF_PAYLOAD = 6;
const YAF_REVERSE_PAYLOAD = 7;

/** YAF scales Shannon entropy (0–8 bits/byte) to an 8-bit integer: value = bits × 256 / 8. */
export function yafEntropyBits(value: number): number {
  return value / 32;
}

function resolveTime(
  s: RecordScratch,
  ctx: FlowContext,
  explicitMs: number,
  deltaUs: number,
  uptime: number,
): number {
  if (explicitMs >= 0) return explicitMs;
  if (deltaUs >= 0) return ctx.exportMs - Math.floor(deltaUs / 1000);
  if (uptime >= 0) {
    // Signed 32-bit difference: sysUptime wraps after ~49.7 days.
    if (ctx.sysUptimeMs >= 0) return ctx.exportMs - ((ctx.sysUptimeMs - uptime) | 0);
    const init = s.systemInitMs >= 0 ? s.systemInitMs : ctx.systemInitMs;
    if (init >= 0) return init + uptime;
  }
  return -1;
}

function payloadOf(
  b: Uint8Array,
  s: RecordScratch,
  slotBase: number,
  yafSlot: number,
  view: PacketView,
  max: number,
): Uint8Array | null {
  const yafLen = s.sectionLength[yafSlot]!;
  if (yafLen > 0) {
    const start = s.sectionStart[yafSlot]!;
    return b.slice(start, start + Math.min(yafLen, max));
  }
  let found = false;
  for (let slot = slotBase; slot <= slotBase + DATA_LINK && !found; slot++) {
    const len = s.sectionLength[slot]!;
    if (len <= 0) continue;
    const start = s.sectionStart[slot]!;
    const kind = slot - slotBase;
    if (kind === IP_PAYLOAD) found = readTransport(b, start, start + len, s.protocol, view);
    else if (kind === IP_HEADER) found = readIp(b, start, start + len, view) && view.hasTransport;
    else found = readEthernet(b, start, start + len, view) && view.hasTransport;
  }
  if (!found || view.payloadEnd <= view.payloadStart) return null;
  return b.slice(view.payloadStart, Math.min(view.payloadEnd, view.payloadStart + max));
}

/**
 * The FlowRecord of one decoded data record, or null when it describes no flow (no
 * addresses: options data, MPLS-only records). Bytes are copied out of the packet.
 */
export function buildFlow(
  b: Uint8Array,
  s: RecordScratch,
  ctx: FlowContext,
  view: PacketView,
): FlowRecord | null {
  let ipVersion: 4 | 6;
  let a: string;
  let z: string;
  if (s.src4 >= 0 && s.dst4 >= 0 && s.ipVersion !== 6) {
    ipVersion = 4;
    a = ipv4String(s.src4);
    z = ipv4String(s.dst4);
  } else if (s.src6 >= 0 && s.dst6 >= 0) {
    ipVersion = 6;
    a = ipv6At(b, s.src6);
    z = ipv6At(b, s.dst6);
  } else return null;

  let start = resolveTime(s, ctx, s.startMs, s.startDeltaUs, s.startUptime);
  let end = resolveTime(s, ctx, s.endMs, s.endDeltaUs, s.endUptime);
  if (start < 0) start = end >= 0 ? end : ctx.exportMs;
  if (end < start) end = start;

  const max = ctx.maxPayloadBytes;
  let fwdPayload = s.hasSections ? payloadOf(b, s, IP_PAYLOAD, YAF_PAYLOAD, view, max) : null;
  let revPayload = s.hasSections ? payloadOf(b, s, REVERSE, YAF_REVERSE_PAYLOAD, view, max) : null;
  let entropyFwd = s.entropyFwd;
  let entropyRev = s.entropyRev;
  let srcPort = s.srcPort;
  let dstPort = s.dstPort;
  let packetsFwd = s.packetsFwd;
  let bytesFwd = s.bytesFwd;
  let packetsRev = s.packetsRev;
  let bytesRev = s.bytesRev;
  let flagsFwd = s.tcpFlagsFwd;
  let flagsRev = s.tcpFlagsRev;
  // RFC 5103 biflowDirection 2 (reverseInitiator): the record's destination initiated.
  if (s.biflowDirection === 2) {
    [a, z] = [z, a];
    [srcPort, dstPort] = [dstPort, srcPort];
    [packetsFwd, packetsRev] = [packetsRev, packetsFwd];
    [bytesFwd, bytesRev] = [bytesRev, bytesFwd];
    [flagsFwd, flagsRev] = [flagsRev, flagsFwd];
    [fwdPayload, revPayload] = [revPayload, fwdPayload];
    [entropyFwd, entropyRev] = [entropyRev, entropyFwd];
  }
  // RFC 5103: a biflow's forward direction is its initiator unless the exporter says the
  // direction is arbitrary (0) or set by a perimeter (3).
  const initiatorKnown =
    s.biflowDirection === 1 ||
    s.biflowDirection === 2 ||
    (s.hasReverse && s.biflowDirection !== 0 && s.biflowDirection !== 3);

  let evidence: ExporterEvidence | null = null;
  if (entropyFwd >= 0 || entropyRev >= 0) {
    evidence = {
      initiatorEntropy: entropyFwd >= 0 ? yafEntropyBits(entropyFwd) : null,
      responderEntropy: entropyRev >= 0 ? yafEntropyBits(entropyRev) : null,
      initiatorByteDistribution: null,
      element: 'yaf:payloadEntropy',
    };
  }

  const protocol = s.protocol;
  return {
    flowId: flowIdOf(
      ctx.source,
      ctx.exporter,
      ctx.observationDomain,
      { srcAddr: a, srcPort, dstAddr: z, dstPort, protocol },
      start,
    ),
    source: ctx.source,
    exporter: ctx.exporter,
    observationDomain: ctx.observationDomain,
    samplingRate: ctx.samplingRate,
    startMs: start,
    endMs: end,
    ipVersion,
    srcAddr: a,
    srcPort,
    dstAddr: z,
    dstPort,
    transport: transportOf(protocol),
    protocol,
    initiatorKnown,
    packetsFwd,
    bytesFwd,
    packetsRev,
    bytesRev,
    tcpFlagsFwd: flagsFwd,
    tcpFlagsRev: flagsRev,
    initiatorPayload: fwdPayload,
    responderPayload: revPayload,
    packets: EMPTY,
    exporterEvidence: evidence,
  };
}
