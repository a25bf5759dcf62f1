/**
 * Reads the headers of a (possibly truncated) packet section as exporters send it: IPFIX
 * dataLinkFrameSection / ipHeaderPacketSection / ipPayloadPacketSection and sFlow sampled
 * headers. It finds where the transport payload starts so the payload prefix can be kept;
 * a section cut short inside the headers yields no payload rather than a guess.
 */
export interface PacketView {
  ok: boolean;
  ipVersion: 4 | 6;
  protocol: number;
  /** Offsets of the addresses in the buffer (4 or 16 bytes by ipVersion). */
  srcAddrOffset: number;
  dstAddrOffset: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  /** TCP sequence number (0 for other transports). */
  tcpSeq: number;
  /** IP total length from the header (header + payload), 0 when unknown. */
  ipLength: number;
  payloadStart: number;
  /** End of the bytes present in the section (the payload may continue beyond it). */
  payloadEnd: number;
  /** True when the transport header was read, so payloadStart..payloadEnd is payload. */
  hasTransport: boolean;
}

export function newPacketView(): PacketView {
  return {
    ok: false,
    ipVersion: 4,
    protocol: 0,
    srcAddrOffset: 0,
    dstAddrOffset: 0,
    srcPort: 0,
    dstPort: 0,
    tcpFlags: 0,
    tcpSeq: 0,
    ipLength: 0,
    payloadStart: 0,
    payloadEnd: 0,
    hasTransport: false,
  };
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;

/** Ethernet II frame (with VLAN / QinQ tags) starting at `start`. */
export function readEthernet(b: Uint8Array, start: number, end: number, out: PacketView): boolean {
  out.ok = false;
  out.hasTransport = false;
  let off = start + 12;
  if (off + 2 > end) return false;
  let type = (b[off]! << 8) | b[off + 1]!;
  off += 2;
  for (let tags = 0; tags < 4; tags++) {
    if (type !== ETHERTYPE_VLAN && type !== ETHERTYPE_QINQ && type !== ETHERTYPE_QINQ_OLD) break;
    if (off + 4 > end) return false;
    type = (b[off + 2]! << 8) | b[off + 3]!;
    off += 4;
  }
  if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) return false;
  return readIp(b, off, end, out);
}

/** An IPv4 or IPv6 packet starting at `start` (the version nibble decides). */
export function readIp(b: Uint8Array, start: number, end: number, out: PacketView): boolean {
  out.ok = false;
  out.hasTransport = false;
  if (start >= end) return false;
  const version = b[start]! >> 4;
  if (version === 4) return readIpv4(b, start, end, out);
  if (version === 6) return readIpv6(b, start, end, out);
  return false;
}

function readIpv4(b: Uint8Array, start: number, end: number, out: PacketView): boolean {
  if (start + 20 > end) return false;
  const ihl = (b[start]! & 0x0f) * 4;
  if (ihl < 20 || start + ihl > end) return false;
  out.ipVersion = 4;
  out.protocol = b[start + 9]!;
  out.ipLength = (b[start + 2]! << 8) | b[start + 3]!;
  out.srcAddrOffset = start + 12;
  out.dstAddrOffset = start + 16;
  out.srcPort = 0;
  out.dstPort = 0;
  out.tcpFlags = 0;
  out.tcpSeq = 0;
  out.ok = true;
  // Only the first fragment carries the transport header.
  const fragOffset = ((b[start + 6]! & 0x1f) << 8) | b[start + 7]!;
  if (fragOffset !== 0) return true;
  let transportEnd = end;
  if (out.ipLength >= ihl && start + out.ipLength < end) transportEnd = start + out.ipLength;
  readTransport(b, start + ihl, transportEnd, out.protocol, out);
  return true;
}

function readIpv6(b: Uint8Array, start: number, end: number, out: PacketView): boolean {
  if (start + 40 > end) return false;
  out.ipVersion = 6;
  out.srcAddrOffset = start + 8;
  out.dstAddrOffset = start + 24;
  out.ipLength = ((b[start + 4]! << 8) | b[start + 5]!) + 40;
  out.srcPort = 0;
  out.dstPort = 0;
  out.tcpFlags = 0;
  out.tcpSeq = 0;
  out.ok = true;
  let next = b[start + 6]!;
  let off = start + 40;
  // Walk extension headers: hop-by-hop, routing, fragment, destination options, AH.
  for (let hops = 0; hops < 8; hops++) {
    if (next === 0 || next === 43 || next === 60) {
      if (off + 2 > end) return true;
      const len = (b[off + 1]! + 1) * 8;
      next = b[off]!;
      off += len;
    } else if (next === 44) {
      if (off + 8 > end) return true;
      const fragOffset = ((b[off + 2]! << 8) | b[off + 3]!) >> 3;
      next = b[off]!;
      off += 8;
      if (fragOffset !== 0) {
        out.protocol = next;
        return true;
      }
    } else if (next === 51) {
      if (off + 2 > end) return true;
      const len = (b[off + 1]! + 2) * 4;
      next = b[off]!;
      off += len;
    } else break;
  }
  out.protocol = next;
  if (off > end) return true;
  let transportEnd = end;
  if (start + out.ipLength < end) transportEnd = start + out.ipLength;
  readTransport(b, off, transportEnd, next, out);
  return true;
}

/** Transport header of `protocol` starting at `start` (an IP payload section starts here). */
export function readTransport(
  b: Uint8Array,
  start: number,
  end: number,
  protocol: number,
  out: PacketView,
): boolean {
  out.hasTransport = false;
  if (protocol === 6) {
    if (start + 20 > end) return false;
    const dataOffset = (b[start + 12]! >> 4) * 4;
    if (dataOffset < 20 || start + dataOffset > end) return false;
    out.srcPort = (b[start]! << 8) | b[start + 1]!;
    out.dstPort = (b[start + 2]! << 8) | b[start + 3]!;
    out.tcpSeq =
      ((b[start + 4]! << 24) | (b[start + 5]! << 16) | (b[start + 6]! << 8) | b[start + 7]!) >>> 0;
    out.tcpFlags = b[start + 13]!;
    out.payloadStart = start + dataOffset;
  } else if (protocol === 17 || protocol === 136) {
    if (start + 8 > end) return false;
    out.srcPort = (b[start]! << 8) | b[start + 1]!;
    out.dstPort = (b[start + 2]! << 8) | b[start + 3]!;
    out.payloadStart = start + 8;
  } else {
    return false;
  }
  out.payloadEnd = end;
  out.hasTransport = true;
  return true;
}
