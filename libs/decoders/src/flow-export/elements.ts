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

const iana: ReadonlyMap<number, number> = new Map([
  [1, Op.bytesFwd], // octetDeltaCount (v9 IN_BYTES)
  [2, Op.packetsFwd], // packetDeltaCount (v9 IN_PKTS)
  [85, Op.bytesFwd], // octetTotalCount
  [86, Op.packetsFwd], // packetTotalCount
  [231, Op.bytesFwd], // initiatorOctets
  [298, Op.packetsFwd], // initiatorPackets
  [232, Op.bytesRev], // responderOctets
  [299, Op.packetsRev], // responderPackets
  [4, Op.protocol],
  [6, Op.tcpFlagsFwd],
  [7, Op.srcPort],
  [11, Op.dstPort],
  [8, Op.src4],
  [12, Op.dst4],
  [27, Op.src6],
  [28, Op.dst6],
  [60, Op.ipVersion],
  [22, Op.startUptime], // flowStartSysUpTime (v9 FIRST_SWITCHED)
  [21, Op.endUptime], // flowEndSysUpTime (v9 LAST_SWITCHED)
  [150, Op.startSeconds],
  [151, Op.endSeconds],
  [152, Op.startMillis],
  [153, Op.endMillis],
  [154, Op.startMicrosNtp],
  [155, Op.endMicrosNtp],
  [156, Op.startNanosNtp],
  [157, Op.endNanosNtp],
  [158, Op.startDeltaMicros],
  [159, Op.endDeltaMicros],
  [160, Op.systemInitMillis],
  [34, Op.samplingInterval], // samplingInterval (v9 SAMPLING_INTERVAL)
  [48, Op.samplerId], // samplerId (v9 FLOW_SAMPLER_ID)
  [50, Op.samplerRandomInterval], // samplerRandomInterval (v9 FLOW_SAMPLER_RANDOM_INTERVAL)
  [302, Op.selectorId],
  [305, Op.packetInterval], // samplingPacketInterval
  [306, Op.packetSpace], // samplingPacketSpace
  [309, Op.samplingSize],
  [310, Op.samplingPopulation],
  [239, Op.biflowDirection],
  [313, Op.ipPayloadSection],
  [314, Op.ipHeaderSection],
  [315, Op.dataLinkSection],
]);

const reverse: ReadonlyMap<number, number> = new Map([
  [1, Op.bytesRev],
  [2, Op.packetsRev],
  [85, Op.bytesRev],
  [86, Op.packetsRev],
  [6, Op.tcpFlagsRev],
  [313, Op.revIpPayloadSection],
  [314, Op.revIpHeaderSection],
  [315, Op.revDataLinkSection],
]);

// YAF (CERT PEN 6871) marks its own reverse elements with bit 14 of the element id.
const cert: ReadonlyMap<number, number> = new Map([
  [18, Op.yafPayload],
  [16402, Op.yafReversePayload],
  [35, Op.yafEntropy],
  [16419, Op.yafReverseEntropy],
  [14, Op.tcpFlagsFwd], // initialTCPFlags
  [15, Op.tcpFlagsFwd], // unionTCPFlags
  [16398, Op.tcpFlagsRev], // reverseInitialTCPFlags
  [16399, Op.tcpFlagsRev], // reverseUnionTCPFlags
]);

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
