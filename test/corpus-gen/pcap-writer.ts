// A classic-pcap writer (Ethernet link type) with IPv4/IPv6, TCP and UDP framing and real
// checksums, so tshark and the project's own decoders read the files without complaint.
import { isIPv4, isIPv6 } from 'node:net';

const PCAP_MAGIC_US = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65535;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
  readonly mac: Buffer;
}

export interface TcpSegment {
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  /** Raw TCP options, padded by the caller to a multiple of 4 bytes. */
  readonly options?: Buffer;
  readonly payload: Buffer;
}

/** Parses a textual IPv4 or IPv6 address into its 4 or 16 network-order bytes. */
export function addressBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map((p) => Number(p)));
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  const all = [...h, ...fill, ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** One's-complement sum of 16-bit words, folded; callers complement the result. */
function onesSum(parts: readonly Buffer[]): number {
  let sum = 0;
  for (const part of parts) {
    const n = part.length;
    for (let i = 0; i + 1 < n; i += 2) sum += (part[i]! << 8) | part[i + 1]!;
    // Parts are concatenated in the sum, so only the last part may be odd-length.
    if (n % 2 === 1) sum += part[n - 1]! << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export function internetChecksum(parts: readonly Buffer[]): number {
  return ~onesSum(parts) & 0xffff;
}

function pseudoHeader(src: Buffer, dst: Buffer, protocol: number, length: number): Buffer {
  if (src.length === 4) {
    const p = Buffer.alloc(12);
    src.copy(p, 0);
    dst.copy(p, 4);
    p[9] = protocol;
    p.writeUInt16BE(length, 10);
    return p;
  }
  const p = Buffer.alloc(40);
  src.copy(p, 0);
  dst.copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = protocol;
  return p;
}

export function tcpHeaderAndPayload(src: Endpoint, dst: Endpoint, seg: TcpSegment): Buffer {
  const options = seg.options ?? Buffer.alloc(0);
  if (options.length % 4 !== 0) throw new Error('TCP options must be padded to 4 bytes');
  const headerLen = 20 + options.length;
  const tcp = Buffer.alloc(headerLen + seg.payload.length);
  tcp.writeUInt16BE(src.port, 0);
  tcp.writeUInt16BE(dst.port, 2);
  tcp.writeUInt32BE(seg.seq >>> 0, 4);
  tcp.writeUInt32BE(seg.flags & TCP_ACK ? seg.ack >>> 0 : 0, 8);
  tcp[12] = (headerLen / 4) << 4;
  tcp[13] = seg.flags;
  tcp.writeUInt16BE(seg.window, 14);
  options.copy(tcp, 20);
  seg.payload.copy(tcp, headerLen);
  const sum = internetChecksum([
    pseudoHeader(addressBytes(src.ip), addressBytes(dst.ip), 6, tcp.length),
    tcp,
  ]);
  tcp.writeUInt16BE(sum, 16);
  return tcp;
}

export function udpHeaderAndPayload(src: Endpoint, dst: Endpoint, payload: Buffer): Buffer {
  const udp = Buffer.alloc(8 + payload.length);
  udp.writeUInt16BE(src.port, 0);
  udp.writeUInt16BE(dst.port, 2);
  udp.writeUInt16BE(udp.length, 4);
  payload.copy(udp, 8);
  const sum = internetChecksum([
    pseudoHeader(addressBytes(src.ip), addressBytes(dst.ip), 17, udp.length),
    udp,
  ]);
  // RFC 768: a computed zero is sent as all ones, zero meaning "no checksum".
  udp.writeUInt16BE(sum === 0 ? 0xffff : sum, 6);
  return udp;
}

/** Wraps a transport segment in IPv4 or IPv6 (chosen by the address family) and Ethernet. */
export function ipFrame(
  src: Endpoint,
  dst: Endpoint,
  protocol: 6 | 17,
  transport: Buffer,
  ipId: number,
): Buffer {
  const s = addressBytes(src.ip);
  const d = addressBytes(dst.ip);
  let ip: Buffer;
  if (s.length === 4) {
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + transport.length, 2);
    ip.writeUInt16BE(ipId & 0xffff, 4);
    ip.writeUInt16BE(0x4000, 6); // DF, as Linux sets on TCP and most UDP
    ip[8] = 64;
    ip[9] = protocol;
    s.copy(ip, 12);
    d.copy(ip, 16);
    ip.writeUInt16BE(internetChecksum([ip]), 10);
  } else {
    ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(transport.length, 4);
    ip[6] = protocol;
    ip[7] = 64;
    s.copy(ip, 8);
    d.copy(ip, 24);
  }
  const eth = Buffer.alloc(14);
  dst.mac.copy(eth, 0);
  src.mac.copy(eth, 6);
  eth.writeUInt16BE(s.length === 4 ? 0x0800 : 0x86dd, 12);
  return Buffer.concat([eth, ip, transport]);
}

/** Accumulates packets in memory and renders one classic pcap file. */
export class PcapWriter {
  private readonly records: Buffer[] = [];
  private packetCount = 0;

  get packets(): number {
    return this.packetCount;
  }

  /** Adds one frame captured at `timeUs` microseconds since the Unix epoch. */
  add(timeUs: number, frame: Buffer): void {
    const rec = Buffer.alloc(16);
    const t = Math.floor(timeUs);
    const seconds = Math.floor(t / 1e6);
    rec.writeUInt32LE(seconds, 0);
    rec.writeUInt32LE(t - seconds * 1e6, 4);
    const captured = Math.min(frame.length, SNAPLEN);
    rec.writeUInt32LE(captured, 8);
    rec.writeUInt32LE(frame.length, 12);
    this.records.push(rec, frame.subarray(0, captured));
    this.packetCount++;
  }

  toBuffer(): Buffer {
    const header = Buffer.alloc(24);
    header.writeUInt32LE(PCAP_MAGIC_US, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeInt32LE(0, 8);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(SNAPLEN, 16);
    header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    return Buffer.concat([header, ...this.records]);
  }
}
