import { Op as OpTable, isByteOp as isByteOpShared } from './elements.js';
import { VARIABLE_LENGTH, type CompiledTemplate } from './template.js';

// Module-local aliases: under the tsx loader every import binding read is a call;
// hot paths read plain locals instead.
const Op = OpTable;
const isByteOp = isByteOpShared;

/**
 * The fields of one data record, reused for every record so decoding allocates nothing
 * until the FlowRecord itself is built. Byte-valued fields are kept as offset/length.
 */
export class RecordScratch {
  bytesFwd = 0;
  packetsFwd = 0;
  bytesRev = 0;
  packetsRev = 0;
  hasReverse = false;
  protocol = 0;
  tcpFlagsFwd = 0;
  tcpFlagsRev = 0;
  srcPort = 0;
  dstPort = 0;
  src4 = -1;
  dst4 = -1;
  src6 = -1;
  dst6 = -1;
  ipVersion = 0;
  startUptime = -1;
  endUptime = -1;
  startMs = -1;
  endMs = -1;
  startDeltaUs = -1;
  endDeltaUs = -1;
  systemInitMs = -1;
  samplingInterval = -1;
  samplerId = -1;
  samplerRandomInterval = -1;
  packetInterval = -1;
  packetSpace = -1;
  samplingSize = -1;
  samplingPopulation = -1;
  biflowDirection = -1;
  /** Some packet section or payload field was read (the arrays below are in use). */
  hasSections = false;
  /** Offsets (start, length) of byte fields indexed by op - Op.ipPayloadSection. */
  readonly sectionStart = new Int32Array(8);
  readonly sectionLength = new Int32Array(8);
  entropyFwd = -1;
  entropyRev = -1;

  reset(): void {
    this.bytesFwd = 0;
    this.packetsFwd = 0;
    this.bytesRev = 0;
    this.packetsRev = 0;
    this.hasReverse = false;
    this.protocol = 0;
    this.tcpFlagsFwd = 0;
    this.tcpFlagsRev = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.src4 = -1;
    this.dst4 = -1;
    this.src6 = -1;
    this.dst6 = -1;
    this.ipVersion = 0;
    this.startUptime = -1;
    this.endUptime = -1;
    this.startMs = -1;
    this.endMs = -1;
    this.startDeltaUs = -1;
    this.endDeltaUs = -1;
    this.systemInitMs = -1;
    this.samplingInterval = -1;
    this.samplerId = -1;
    this.samplerRandomInterval = -1;
    this.packetInterval = -1;
    this.packetSpace = -1;
    this.samplingSize = -1;
    this.samplingPopulation = -1;
    this.biflowDirection = -1;
    if (this.hasSections) {
      this.sectionStart.fill(-1);
      this.sectionLength.fill(0);
      this.hasSections = false;
    }
    this.entropyFwd = -1;
    this.entropyRev = -1;
  }
}

/** Unsigned big-endian integer of 1–8 bytes (reduced-size encoding, RFC 7011 §6.2). */
export function readUnsigned(b: Uint8Array, off: number, len: number): number {
  switch (len) {
    case 1:
      return b[off]!;
    case 2:
      return (b[off]! << 8) | b[off + 1]!;
    case 4:
      return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
    case 8:
      return (
        (((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0) *
          4294967296 +
        (((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0)
      );
    default: {
      let v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + b[off + i]!;
      return v;
    }
  }
}

const NTP_UNIX_OFFSET_S = 2208988800;

function ntpMillis(b: Uint8Array, off: number): number {
  const seconds = readUnsigned(b, off, 4);
  const fraction = readUnsigned(b, off + 4, 4);
  return (seconds - NTP_UNIX_OFFSET_S) * 1000 + Math.floor((fraction / 4294967296) * 1000);
}

/**
 * Decode one record of `tpl` at `off` into `s`. Returns the offset after the record, or -1
 * when the record does not fit before `end`.
 */
export function readRecord(
  b: Uint8Array,
  off: number,
  end: number,
  tpl: CompiledTemplate,
  s: RecordScratch,
): number {
  s.reset();
  const ops = tpl.ops;
  const lengths = tpl.lengths;
  const n = ops.length;
  for (let i = 0; i < n; i++) {
    let len = lengths[i]!;
    if (len === VARIABLE_LENGTH) {
      if (off >= end) return -1;
      len = b[off]!;
      off += 1;
      if (len === 255) {
        if (off + 2 > end) return -1;
        len = (b[off]! << 8) | b[off + 1]!;
        off += 2;
      }
    }
    if (off + len > end) return -1;
    const op = ops[i]!;
    if (op !== Op.skip) applyField(b, off, len, op, s);
    off += len;
  }
  return off;
}

function applyField(b: Uint8Array, off: number, len: number, op: number, s: RecordScratch): void {
  if (isByteOp(op)) {
    if (op === Op.src6) s.src6 = off;
    else if (op === Op.dst6) s.dst6 = off;
    else {
      const k = op - Op.ipPayloadSection;
      s.hasSections = true;
      s.sectionStart[k] = off;
      s.sectionLength[k] = len;
      if (
        op === Op.yafReversePayload ||
        (op >= Op.revIpPayloadSection && op <= Op.revDataLinkSection)
      )
        s.hasReverse = true;
    }
    return;
  }
  switch (op) {
    case Op.startMicrosNtp:
    case Op.startNanosNtp:
      s.startMs = ntpMillis(b, off);
      return;
    case Op.endMicrosNtp:
    case Op.endNanosNtp:
      s.endMs = ntpMillis(b, off);
      return;
  }
  const v = readUnsigned(b, off, len);
  switch (op) {
    case Op.bytesFwd:
      s.bytesFwd += v;
      return;
    case Op.packetsFwd:
      s.packetsFwd += v;
      return;
    case Op.bytesRev:
      s.bytesRev += v;
      s.hasReverse = true;
      return;
    case Op.packetsRev:
      s.packetsRev += v;
      s.hasReverse = true;
      return;
    case Op.protocol:
      s.protocol = v & 255;
      return;
    case Op.tcpFlagsFwd:
      s.tcpFlagsFwd |= v & 0xff;
      return;
    case Op.tcpFlagsRev:
      s.tcpFlagsRev |= v & 0xff;
      s.hasReverse = true;
      return;
    case Op.srcPort:
      s.srcPort = v & 0xffff;
      return;
    case Op.dstPort:
      s.dstPort = v & 0xffff;
      return;
    case Op.src4:
      s.src4 = v;
      return;
    case Op.dst4:
      s.dst4 = v;
      return;
    case Op.ipVersion:
      s.ipVersion = v;
      return;
    case Op.startUptime:
      s.startUptime = v;
      return;
    case Op.endUptime:
      s.endUptime = v;
      return;
    case Op.startSeconds:
      s.startMs = v * 1000;
      return;
    case Op.endSeconds:
      s.endMs = v * 1000;
      return;
    case Op.startMillis:
      s.startMs = v;
      return;
    case Op.endMillis:
      s.endMs = v;
      return;
    case Op.startDeltaMicros:
      s.startDeltaUs = v;
      return;
    case Op.endDeltaMicros:
      s.endDeltaUs = v;
      return;
    case Op.systemInitMillis:
      s.systemInitMs = v;
      return;
    case Op.samplingInterval:
      s.samplingInterval = v;
      return;
    case Op.samplerId:
    case Op.selectorId:
      s.samplerId = v;
      return;
    case Op.samplerRandomInterval:
      s.samplerRandomInterval = v;
      return;
    case Op.packetInterval:
      s.packetInterval = v;
      return;
    case Op.packetSpace:
      s.packetSpace = v;
      return;
    case Op.samplingSize:
      s.samplingSize = v;
      return;
    case Op.samplingPopulation:
      s.samplingPopulation = v;
      return;
    case Op.biflowDirection:
      s.biflowDirection = v;
      return;
    case Op.yafEntropy:
      s.entropyFwd = v & 255;
      return;
    case Op.yafReverseEntropy:
      s.entropyRev = v & 255;
      s.hasReverse = true;
      return;
  }
}

/** The 1-in-N rate an options (or flow) record announces, or 0 when it announces none. */
export function announcedSamplingRate(s: RecordScratch): number {
  if (s.samplerRandomInterval > 0) return s.samplerRandomInterval;
  if (s.samplingInterval > 0) return s.samplingInterval;
  if (s.packetInterval > 0) {
    const space = s.packetSpace > 0 ? s.packetSpace : 0;
    return (s.packetInterval + space) / s.packetInterval;
  }
  if (s.samplingSize > 0 && s.samplingPopulation > 0) {
    return s.samplingPopulation / s.samplingSize;
  }
  return 0;
}
