// An independent reading of the files the generator writes, for its tests: parses classic
// pcap, Ethernet, IPv4/IPv6, TCP/UDP, verifies every checksum and groups packets by flow.
import { internetChecksum } from './pcap-writer.js';

export interface ParsedPacket {
  readonly timeUs: number;
  readonly transport: 'tcp' | 'udp';
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly flags: number;
  readonly seq: number;
  readonly ack: number;
  readonly payload: Buffer;
  /** Why the packet is malformed or a checksum is wrong; empty when it is sound. */
  readonly problems: readonly string[];
}

function ipString(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // RFC 5952: compress the longest run (length ≥ 2) of zero groups.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function pseudo(src: Buffer, dst: Buffer, proto: number, len: number): Buffer {
  const p = Buffer.alloc(src.length === 4 ? 12 : 40);
  if (src.length === 4) {
    src.copy(p, 0);
    dst.copy(p, 4);
    p[9] = proto;
    p.writeUInt16BE(len, 10);
  } else {
    src.copy(p, 0);
    dst.copy(p, 16);
    p.writeUInt32BE(len, 32);
    p[39] = proto;
  }
  return p;
}

export function readPcap(file: Buffer): ParsedPacket[] {
  if (file.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('not a little-endian microsecond pcap');
  if (file.readUInt32LE(20) !== 1) throw new Error('link type is not Ethernet');
  const out: ParsedPacket[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const timeUs = file.readUInt32LE(off) * 1e6 + file.readUInt32LE(off + 4);
    const incl = file.readUInt32LE(off + 8);
    const frame = file.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const problems: string[] = [];
    const etherType = frame.readUInt16BE(12);
    let src: Buffer;
    let dst: Buffer;
    let proto: number;
    let l4: Buffer;
    if (etherType === 0x0800) {
      const ihl = (frame[14]! & 0x0f) * 4;
      const ip = frame.subarray(14, 14 + ihl);
      if (internetChecksum([ip]) !== 0) problems.push('bad IPv4 header checksum');
      const total = ip.readUInt16BE(2);
      if (total !== frame.length - 14) problems.push('IPv4 total length mismatch');
      proto = ip[9]!;
      src = ip.subarray(12, 16);
      dst = ip.subarray(16, 20);
      l4 = frame.subarray(14 + ihl, 14 + total);
    } else if (etherType === 0x86dd) {
      const ip = frame.subarray(14, 54);
      const plen = ip.readUInt16BE(4);
      if (plen !== frame.length - 54) problems.push('IPv6 payload length mismatch');
      proto = ip[6]!;
      src = ip.subarray(8, 24);
      dst = ip.subarray(24, 40);
      l4 = frame.subarray(54, 54 + plen);
    } else {
      throw new Error(`unexpected EtherType 0x${etherType.toString(16)}`);
    }
    if (internetChecksum([pseudo(src, dst, proto, l4.length), l4]) !== 0)
      problems.push(`bad ${proto === 6 ? 'TCP' : 'UDP'} checksum`);
    const base = {
      timeUs,
      srcIp: ipString(src),
      dstIp: ipString(dst),
      srcPort: l4.readUInt16BE(0),
      dstPort: l4.readUInt16BE(2),
      problems,
    };
    if (proto === 6) {
      const hl = (l4[12]! >> 4) * 4;
      out.push({
        ...base,
        transport: 'tcp',
        flags: l4[13]!,
        seq: l4.readUInt32BE(4),
        ack: l4.readUInt32BE(8),
        payload: l4.subarray(hl),
      });
    } else if (proto === 17) {
      if (l4.readUInt16BE(4) !== l4.length) problems.push('UDP length mismatch');
      out.push({ ...base, transport: 'udp', flags: 0, seq: 0, ack: 0, payload: l4.subarray(8) });
    } else {
      throw new Error(`unexpected IP protocol ${proto}`);
    }
  }
  if (off !== file.length) throw new Error('trailing bytes after the last record');
  return out;
}

/** Key of the flow a packet belongs to, the same whichever direction it travels. */
export function flowKey(p: {
  transport: string;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
}): string {
  const a = `${p.srcIp}|${p.srcPort}`;
  const b = `${p.dstIp}|${p.dstPort}`;
  return `${p.transport}|${a < b ? `${a}|${b}` : `${b}|${a}`}`;
}
