/**
 * Information elements the decoder reads, mapped to small integer operations so a
 * compiled template is an array walk with a switch, not a lookup per field.
 * IANA ids from the IPFIX registry (RFC 7012); NetFlow v9 field types share them below 128.
 */
export const Op = {
  skip: 0,
  bytesFwd: 1,
  packetsFwd: 2,
  bytesRev: 3,
  packetsRev: 4,
  protocol: 5,
  tcpFlagsFwd: 6,
  tcpFlagsRev: 7,
  srcPort: 8,
  dstPort: 9,
  src4: 10,
  dst4: 11,
  src6: 12,
  dst6: 13,
  startUptime: 14,
  endUptime: 15,
  startSeconds: 16,
  endSeconds: 17,
  startMillis: 18,
  endMillis: 19,
  startMicrosNtp: 20,
  endMicrosNtp: 21,
  startNanosNtp: 22,
  endNanosNtp: 23,
  startDeltaMicros: 24,
  endDeltaMicros: 25,
  systemInitMillis: 26,
  samplingInterval: 27,
  samplerId: 28,
  samplerRandomInterval: 29,
  packetInterval: 30,
  packetSpace: 31,
  samplingSize: 32,
  samplingPopulation: 33,
  selectorId: 34,
  biflowDirection: 35,
  ipPayloadSection: 36,
  ipHeaderSection: 37,
  dataLinkSection: 38,
  revIpPayloadSection: 39,
  revIpHeaderSection: 40,
  revDataLinkSection: 41,
  yafPayload: 42,
  yafReversePayload: 43,
  yafEntropy: 44,
  yafReverseEntropy: 45,
  ipVersion: 46,
} as const;

/** RFC 5103 reverse information element private enterprise number. */
export const REVERSE_PEN = 29305;
/** CERT (YAF) private enterprise number. */
export const CERT_PEN = 6871;

/**
 * The IANA abstract data type a decoder operation reads its element as (RFC 7012 section 3.1):
 * what the element table is refereed on against the registry snapshot.
 */
export type ElementType =
  | 'unsigned8'
  | 'unsigned16'
  | 'unsigned32'
  | 'unsigned64'
  | 'ipv4Address'
  | 'ipv6Address'
  | 'dateTimeSeconds'
  | 'dateTimeMilliseconds'
  | 'dateTimeMicroseconds'
  | 'dateTimeNanoseconds'
  | 'octetArray';

/** One information element the decoder reads: registry id, name and type, and its operation. */
export interface ElementSpec {
  readonly id: number;
  readonly name: string;
  readonly type: ElementType;
  readonly op: number;
}

const el = (id: number, name: string, type: ElementType, op: number): ElementSpec =>
  Object.freeze({ id, name, type, op });

/** IANA elements (enterprise 0), named as in the IANA IPFIX registry. */
export const IANA_ELEMENTS: readonly ElementSpec[] = Object.freeze([
  el(1, 'octetDeltaCount', 'unsigned64', Op.bytesFwd), // v9 IN_BYTES
  el(2, 'packetDeltaCount', 'unsigned64', Op.packetsFwd), // v9 IN_PKTS
  el(85, 'octetTotalCount', 'unsigned64', Op.bytesFwd),
  el(86, 'packetTotalCount', 'unsigned64', Op.packetsFwd),
  el(231, 'initiatorOctets', 'unsigned64', Op.bytesFwd),
  el(298, 'initiatorPackets', 'unsigned64', Op.packetsFwd),
  el(232, 'responderOctets', 'unsigned64', Op.bytesRev),
  el(299, 'responderPackets', 'unsigned64', Op.packetsRev),
  el(4, 'protocolIdentifier', 'unsigned8', Op.protocol),
  el(6, 'tcpControlBits', 'unsigned16', Op.tcpFlagsFwd),
  el(7, 'sourceTransportPort', 'unsigned16', Op.srcPort),
  el(11, 'destinationTransportPort', 'unsigned16', Op.dstPort),
  el(8, 'sourceIPv4Address', 'ipv4Address', Op.src4),
  el(12, 'destinationIPv4Address', 'ipv4Address', Op.dst4),
  el(27, 'sourceIPv6Address', 'ipv6Address', Op.src6),
  el(28, 'destinationIPv6Address', 'ipv6Address', Op.dst6),
  el(60, 'ipVersion', 'unsigned8', Op.ipVersion),
  el(22, 'flowStartSysUpTime', 'unsigned32', Op.startUptime), // v9 FIRST_SWITCHED
  el(21, 'flowEndSysUpTime', 'unsigned32', Op.endUptime), // v9 LAST_SWITCHED
  el(150, 'flowStartSeconds', 'dateTimeSeconds', Op.startSeconds),
  el(151, 'flowEndSeconds', 'dateTimeSeconds', Op.endSeconds),
  el(152, 'flowStartMilliseconds', 'dateTimeMilliseconds', Op.startMillis),
  el(153, 'flowEndMilliseconds', 'dateTimeMilliseconds', Op.endMillis),
  el(154, 'flowStartMicroseconds', 'dateTimeMicroseconds', Op.startMicrosNtp),
  el(155, 'flowEndMicroseconds', 'dateTimeMicroseconds', Op.endMicrosNtp),
  el(156, 'flowStartNanoseconds', 'dateTimeNanoseconds', Op.startNanosNtp),
  el(157, 'flowEndNanoseconds', 'dateTimeNanoseconds', Op.endNanosNtp),
  el(158, 'flowStartDeltaMicroseconds', 'unsigned32', Op.startDeltaMicros),
  el(159, 'flowEndDeltaMicroseconds', 'unsigned32', Op.endDeltaMicros),
  el(160, 'systemInitTimeMilliseconds', 'dateTimeMilliseconds', Op.systemInitMillis),
  el(34, 'samplingInterval', 'unsigned32', Op.samplingInterval), // v9 SAMPLING_INTERVAL
  el(48, 'samplerId', 'unsigned8', Op.samplerId), // v9 FLOW_SAMPLER_ID
  el(50, 'samplerRandomInterval', 'unsigned32', Op.samplerRandomInterval),
  el(302, 'selectorId', 'unsigned64', Op.selectorId),
  el(305, 'samplingPacketInterval', 'unsigned32', Op.packetInterval),
  el(306, 'samplingPacketSpace', 'unsigned32', Op.packetSpace),
  el(309, 'samplingSize', 'unsigned32', Op.samplingSize),
  el(310, 'samplingPopulation', 'unsigned32', Op.samplingPopulation),
  el(239, 'biflowDirection', 'unsigned8', Op.biflowDirection),
  // RFC 5477: 313 is the IP header and what follows it; 314 starts after the IP header.
  el(313, 'ipHeaderPacketSection', 'octetArray', Op.ipHeaderSection),
  el(314, 'ipPayloadPacketSection', 'octetArray', Op.ipPayloadSection),
  el(315, 'dataLinkFrameSection', 'octetArray', Op.dataLinkSection),
]);

/**
 * RFC 5103 reverse elements (PEN 29305): the forward element's id, the reverse direction's
 * value, named `reverse` + the forward name.
 */
export const REVERSE_ELEMENTS: readonly ElementSpec[] = Object.freeze([
  el(1, 'reverseOctetDeltaCount', 'unsigned64', Op.bytesRev),
  el(2, 'reversePacketDeltaCount', 'unsigned64', Op.packetsRev),
  el(85, 'reverseOctetTotalCount', 'unsigned64', Op.bytesRev),
  el(86, 'reversePacketTotalCount', 'unsigned64', Op.packetsRev),
  el(6, 'reverseTcpControlBits', 'unsigned16', Op.tcpFlagsRev),
  el(313, 'reverseIpHeaderPacketSection', 'octetArray', Op.revIpHeaderSection),
  el(314, 'reverseIpPayloadPacketSection', 'octetArray', Op.revIpPayloadSection),
  el(315, 'reverseDataLinkFrameSection', 'octetArray', Op.revDataLinkSection),
]);

/**
 * CERT (YAF, PEN 6871) elements, named as in CERT's IPFIX registry; CERT marks a reversible
 * element's reverse with bit 14 of the element id (RFC 5103 section 6.1).
 */
export const CERT_ELEMENTS: readonly ElementSpec[] = Object.freeze([
  el(18, 'payload', 'octetArray', Op.yafPayload),
  el(16402, 'reversePayload', 'octetArray', Op.yafReversePayload),
  el(35, 'payloadEntropy', 'unsigned8', Op.yafEntropy),
  el(16419, 'reversePayloadEntropy', 'unsigned8', Op.yafReverseEntropy),
  el(14, 'initialTCPFlags', 'unsigned16', Op.tcpFlagsFwd),
  el(15, 'unionTCPFlags', 'unsigned16', Op.tcpFlagsFwd),
  el(16398, 'reverseInitialTCPFlags', 'unsigned16', Op.tcpFlagsRev),
  el(16399, 'reverseUnionTCPFlags', 'unsigned16', Op.tcpFlagsRev),
]);

const byId = (table: readonly ElementSpec[]): ReadonlyMap<number, number> =>
  new Map(table.map((e) => [e.id, e.op]));
const iana = byId(IANA_ELEMENTS);
const reverse = byId(REVERSE_ELEMENTS);
const cert = byId(CERT_ELEMENTS);

/** The operation for one field specifier; Op.skip for elements the decoder does not use. */
export function opFor(id: number, enterprise: number): number {
  if (enterprise === 0) return iana.get(id) ?? Op.skip;
  if (enterprise === REVERSE_PEN) return reverse.get(id) ?? Op.skip;
  if (enterprise === CERT_PEN) return cert.get(id) ?? Op.skip;
  return Op.skip;
}

/** Ops whose value is a byte string (kept as offset and length, never read as a number). */
export function isByteOp(op: number): boolean {
  return (
    op === Op.src6 || op === Op.dst6 || (op >= Op.ipPayloadSection && op <= Op.yafReversePayload)
  );
}
