import type { CaptureRejectReason } from '../errors.js';
import { formatIpv4, formatIpv6 } from './address.js';
import type { LinkResult } from './link.js';
import {
  decodeLink,
  ETHERTYPE_BY_VERSION,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_NOT_IP,
} from './link.js';

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;
const IPV6_DEST_OPTIONS = 60;
const IPV6_MOBILITY = 135;
const MAX_IPV6_EXTENSIONS = 16;

/**
 * One IP packet as the flow table needs it. Decoders fill a caller-owned instance so the
 * hot path allocates nothing but the address strings.
 */
export interface DecodedPacket {
  timestampMs: number;
  ipVersion: 4 | 6;
  srcAddr: string;
  dstAddr: string;
  protocol: number;
  srcPort: number;
  dstPort: number;
  /** IP header plus payload, from the header's length fields (bytes on the wire). */
  ipLength: number;
  /** Transport header plus payload (IP payload length). */
  l4Length: number;
  /** Transport payload length on the wire. */
  payloadLength: number;
  /**
   * The frame, and where in it the captured transport payload lies (may be shorter than
   * payloadLength after a snap length). Kept as offsets so the hot path makes no views.
   */
  frame: Uint8Array;
  payloadOffset: number;
  capturedPayloadLength: number;
  tcpFlags: number;
  tcpSeq: number;
  /** Set for IP fragments: id within (src, dst, protocol), and whether it is the first. */
  fragmentId: number;
  isFragment: boolean;
  isFirstFragment: boolean;
  /**
   * For a fragment, where its share of the datagram lies: byte offset in the fragmentable
   * part, whether more follow, and the frame range [fragmentStart, fragmentEnd) of its
   * captured bytes; fragmentLength is its length on the wire. No transport header is decoded
   * from a fragment: the reassembled datagram's is (see decodeReassembled).
   */
  fragmentOffset: number;
  moreFragments: boolean;
  fragmentStart: number;
  fragmentEnd: number;
  fragmentLength: number;
  /** Packets on the wire this one stands for: 1, or the fragments of a reassembled datagram. */
  wirePackets: number;
}

export function newDecodedPacket(): DecodedPacket {
  return {
    timestampMs: 0,
    ipVersion: 4,
    srcAddr: '',
    dstAddr: '',
    protocol: 0,
    srcPort: 0,
    dstPort: 0,
    ipLength: 0,
    l4Length: 0,
    payloadLength: 0,
    frame: new Uint8Array(0),
    payloadOffset: 0,
    capturedPayloadLength: 0,
    tcpFlags: 0,
    tcpSeq: 0,
    fragmentId: 0,
    isFragment: false,
    isFirstFragment: false,
    fragmentOffset: 0,
    moreFragments: false,
    fragmentStart: 0,
    fragmentEnd: 0,
    fragmentLength: 0,
    wirePackets: 1,
  };
}

const link: LinkResult = { offset: 0, etherType: 0, vlanTags: 0 };

/**
 * Decodes one frame, data[start, end), down to its transport header. Returns null on
 * success, 'not-ip' for a well-formed frame that is not IP, or the reason it was rejected.
 */
export function decodePacket(
  linkType: number,
  data: Uint8Array,
  out: DecodedPacket,
  start = 0,
  end = data.length,
): CaptureRejectReason | 'not-ip' | null {
  const linkError = decodeLink(linkType, data, start, end, link);
  if (linkError !== null) return linkError;
  let type = link.etherType;
  if (type === ETHERTYPE_NOT_IP) return 'not-ip';
  const off = link.offset;
  if (type === ETHERTYPE_BY_VERSION) {
    if (end <= off) return 'truncated-ipv4-header';
    const version = data[off]! >> 4;
    if (version === 4) type = ETHERTYPE_IPV4;
    else if (version === 6) type = ETHERTYPE_IPV6;
    else return 'bad-ip-version';
  }
  out.frame = data;
  out.isFragment = false;
  out.isFirstFragment = false;
  out.fragmentId = 0;
  out.wirePackets = 1;
  out.tcpFlags = 0;
  out.tcpSeq = 0;
  out.srcPort = 0;
  out.dstPort = 0;
  return type === ETHERTYPE_IPV4
    ? decodeIpv4(data, off, end, out)
    : decodeIpv6(data, off, end, out);
}

function decodeIpv4(
  data: Uint8Array,
  off: number,
  frameEnd: number,
  out: DecodedPacket,
): CaptureRejectReason | null {
  if (frameEnd < off + 20) return 'truncated-ipv4-header';
  const b0 = data[off]!;
  if (b0 >> 4 !== 4) return 'bad-ip-version';
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < 20) return 'bad-ipv4-header-length';
  if (frameEnd < off + headerLength) return 'truncated-ipv4-header';
  let totalLength = (data[off + 2]! << 8) | data[off + 3]!;
  // TCP segmentation offload on the capturing host leaves 0 here: trust the frame instead.
  if (totalLength === 0) totalLength = frameEnd - off;
  if (totalLength < headerLength) return 'bad-ipv4-header-length';
  const flagsFragment = (data[off + 6]! << 8) | data[off + 7]!;
  const fragmentOffset = (flagsFragment & 0x1fff) * 8;
  const moreFragments = (flagsFragment & 0x2000) !== 0;
  out.ipVersion = 4;
  out.protocol = data[off + 9]!;
  out.srcAddr = formatIpv4(data, off + 12);
  out.dstAddr = formatIpv4(data, off + 16);
  out.ipLength = totalLength;
  const l4Start = off + headerLength;
  // Ethernet pads short frames: the IP length, not the frame, says where the packet ends.
  const l4End = Math.min(frameEnd, off + totalLength);
  if (fragmentOffset !== 0 || moreFragments) {
    out.fragmentId = (data[off + 4]! << 8) | data[off + 5]!;
    markFragment(out, fragmentOffset, moreFragments, l4Start, l4End, totalLength - headerLength);
    return null;
  }
  return decodeTransport(data, l4Start, l4End, totalLength - headerLength, out);
}

function decodeIpv6(
  data: Uint8Array,
  off: number,
  frameEnd: number,
  out: DecodedPacket,
): CaptureRejectReason | null {
  if (frameEnd < off + 40) return 'truncated-ipv6-header';
  if (data[off]! >> 4 !== 6) return 'bad-ip-version';
  let payloadLength = (data[off + 4]! << 8) | data[off + 5]!;
  // Jumbograms and offloaded segments say 0: the captured frame is all we know.
  if (payloadLength === 0) payloadLength = frameEnd - off - 40;
  out.ipVersion = 6;
  out.srcAddr = formatIpv6(data, off + 8);
  out.dstAddr = formatIpv6(data, off + 24);
  out.ipLength = payloadLength + 40;
  const end = Math.min(frameEnd, off + 40 + payloadLength);
  const wireEnd = off + 40 + payloadLength;
  const error = walkIpv6Extensions(data, off + 40, end, data[off + 6]!, out);
  if (error !== null) return error;
  const p = chain.offset;
  if (chain.fragment) {
    markFragment(out, chain.fragmentOffset, chain.moreFragments, p, end, wireEnd - p);
    return null;
  }
  return decodeTransport(data, p, end, wireEnd - p, out);
}

/** Where an IPv6 extension chain ended (a module-level result: no allocation per packet). */
const chain = { offset: 0, fragment: false, fragmentOffset: 0, moreFragments: false };

/**
 * Walks IPv6 extension headers from `p` with first header `next`, up to the transport
 * header or a fragment header (what follows one is the fragmentable part, decoded only
 * once reassembled). Sets out.protocol to the header after the chain.
 */
function walkIpv6Extensions(
  data: Uint8Array,
  p: number,
  end: number,
  next: number,
  out: DecodedPacket,
): CaptureRejectReason | null {
  chain.fragment = false;
  for (let n = 0; ; n++) {
    if (
      next !== IPV6_HOP_BY_HOP &&
      next !== IPV6_ROUTING &&
      next !== IPV6_FRAGMENT &&
      next !== IPV6_DEST_OPTIONS &&
      next !== IPV6_AH &&
      next !== IPV6_MOBILITY
    ) {
      break;
    }
    if (n >= MAX_IPV6_EXTENSIONS) return 'too-many-ipv6-extensions';
    if (end < p + 8) return 'truncated-ipv6-extension';
    const header = next;
    next = data[p]!;
    if (header === IPV6_FRAGMENT) {
      const offsetFlags = (data[p + 2]! << 8) | data[p + 3]!;
      chain.fragment = true;
      chain.fragmentOffset = offsetFlags & 0xfff8;
      chain.moreFragments = (offsetFlags & 1) !== 0;
      out.fragmentId =
        ((data[p + 4]! << 24) | (data[p + 5]! << 16) | (data[p + 6]! << 8) | data[p + 7]!) >>> 0;
      p += 8;
      break;
    }
    const length = header === IPV6_AH ? (data[p + 1]! + 2) * 4 : (data[p + 1]! + 1) * 8;
    if (end < p + length) return 'truncated-ipv6-extension';
    p += length;
  }
  out.protocol = next;
  chain.offset = p;
  return null;
}

function markFragment(
  out: DecodedPacket,
  offset: number,
  more: boolean,
  start: number,
  end: number,
  wireLength: number,
): void {
  out.isFragment = true;
  out.isFirstFragment = offset === 0;
  out.fragmentOffset = offset;
  out.moreFragments = more;
  out.fragmentStart = start;
  out.fragmentEnd = Math.max(start, end);
  out.fragmentLength = Math.max(0, wireLength);
  out.l4Length = out.fragmentLength;
  out.payloadLength = 0;
  out.payloadOffset = out.fragmentEnd;
  out.capturedPayloadLength = 0;
}

/**
 * A reassembled datagram's fragmentable part, `data[0, captured)` of `wireLength` bytes on
 * the wire, down to its transport header: `out` already holds the addresses and, in
 * out.protocol, the header that follows the fragment header (IPv4: the protocol).
 */
export function decodeReassembled(
  data: Uint8Array,
  captured: number,
  wireLength: number,
  out: DecodedPacket,
): CaptureRejectReason | null {
  out.frame = data;
  out.isFragment = false;
  out.isFirstFragment = false;
  out.tcpFlags = 0;
  out.tcpSeq = 0;
  out.srcPort = 0;
  out.dstPort = 0;
  let p = 0;
  if (out.ipVersion === 6) {
    const error = walkIpv6Extensions(data, 0, captured, out.protocol, out);
    if (error !== null) return error;
    // A second fragment header inside a reassembled datagram is nonsense: stop there.
    if (chain.fragment) return 'truncated-ipv6-extension';
    p = chain.offset;
  }
  return decodeTransport(data, p, captured, wireLength - p, out);
}

/** Transport header from l4Start; `l4Length` is the on-wire length from the IP header. */
function decodeTransport(
  data: Uint8Array,
  l4Start: number,
  l4End: number,
  l4Length: number,
  out: DecodedPacket,
): CaptureRejectReason | null {
  out.l4Length = Math.max(0, l4Length);
  if (out.protocol === PROTO_TCP) {
    if (l4End < l4Start + 20) return 'truncated-tcp-header';
    const dataOffset = (data[l4Start + 12]! >> 4) * 4;
    if (dataOffset < 20 || dataOffset > out.l4Length) return 'bad-tcp-header-length';
    if (l4End < l4Start + dataOffset) return 'truncated-tcp-header';
    out.srcPort = (data[l4Start]! << 8) | data[l4Start + 1]!;
    out.dstPort = (data[l4Start + 2]! << 8) | data[l4Start + 3]!;
    out.tcpSeq =
      ((data[l4Start + 4]! << 24) |
        (data[l4Start + 5]! << 16) |
        (data[l4Start + 6]! << 8) |
        data[l4Start + 7]!) >>>
      0;
    out.tcpFlags = data[l4Start + 13]! | ((data[l4Start + 12]! & 0x01) << 8);
    out.payloadLength = out.l4Length - dataOffset;
    out.payloadOffset = l4Start + dataOffset;
    out.capturedPayloadLength = l4End - out.payloadOffset;
    return null;
  }
  if (out.protocol === PROTO_UDP) {
    if (l4End < l4Start + 8) return 'truncated-udp-header';
    out.srcPort = (data[l4Start]! << 8) | data[l4Start + 1]!;
    out.dstPort = (data[l4Start + 2]! << 8) | data[l4Start + 3]!;
    out.payloadLength = Math.max(0, out.l4Length - 8);
    out.payloadOffset = l4Start + 8;
    out.capturedPayloadLength = Math.max(0, l4End - out.payloadOffset);
    return null;
  }
  out.payloadLength = out.l4Length;
  out.payloadOffset = l4Start;
  out.capturedPayloadLength = Math.max(0, l4End - l4Start);
  return null;
}

/** The captured transport payload of a decoded packet (a view into its frame). */
export function payloadOf(p: DecodedPacket): Uint8Array {
  return p.frame.subarray(p.payloadOffset, p.payloadOffset + p.capturedPayloadLength);
}
