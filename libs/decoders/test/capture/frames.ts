// Test-only builders of real packet and capture-file bytes (the layouts tools write).

export function ipv4Bytes(addr: string): number[] {
  return addr.split('.').map(Number);
}

export function ipv6Bytes(addr: string): number[] {
  const [head = '', tail] = addr.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

export interface TcpSpec {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags?: number;
  payload?: Uint8Array | string;
  options?: number[];
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

function bytesOf(p: Uint8Array | string | undefined): number[] {
  if (p === undefined) return [];
  return typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : [...p];
}

export function tcp(spec: TcpSpec): number[] {
  const opts = spec.options ?? [];
  const hl = 20 + opts.length;
  return [
    ...u16(spec.sport),
    ...u16(spec.dport),
    ...u32(spec.seq ?? 0),
    ...u32(spec.ack ?? 0),
    (hl / 4) << 4,
    spec.flags ?? ACK,
    ...u16(65535),
    0,
    0,
    0,
    0,
    ...opts,
    ...bytesOf(spec.payload),
  ];
}

export function udp(sport: number, dport: number, payload?: Uint8Array | string): number[] {
  const body = bytesOf(payload);
  return [...u16(sport), ...u16(dport), ...u16(8 + body.length), 0, 0, ...body];
}

export interface Ipv4Spec {
  src: string;
  dst: string;
  protocol: number;
  id?: number;
  /** Fragment offset in bytes (multiple of 8) and more-fragments flag. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  options?: number[];
  /** Override the total length field. */
  totalLength?: number;
}

export function ipv4(spec: Ipv4Spec, l4: number[]): number[] {
  const opts = spec.options ?? [];
  const hl = 20 + opts.length;
  const frag = ((spec.fragmentOffset ?? 0) / 8) | (spec.moreFragments === true ? 0x2000 : 0);
  return [
    0x40 | (hl / 4),
    0,
    ...u16(spec.totalLength ?? hl + l4.length),
    ...u16(spec.id ?? 1),
    ...u16(frag),
    64,
    spec.protocol,
    0,
    0,
    ...ipv4Bytes(spec.src),
    ...ipv4Bytes(spec.dst),
    ...opts,
    ...l4,
  ];
}

/** IPv6 with a chain of extension headers given as [type, body-without-next-header-byte]. */
export function ipv6(
  src: string,
  dst: string,
  protocol: number,
  l4: number[],
  extensions: { type: number; bytes: number[] }[] = [],
): number[] {
  const chain: number[] = [];
  const types = extensions.map((e) => e.type);
  for (let i = 0; i < extensions.length; i++) {
    const next = i + 1 < extensions.length ? types[i + 1]! : protocol;
    chain.push(next, ...extensions[i]!.bytes);
  }
  const payload = [...chain, ...l4];
  return [
    0x60,
    0,
    0,
    0,
    ...u16(payload.length),
    types[0] ?? protocol,
    64,
    ...ipv6Bytes(src),
    ...ipv6Bytes(dst),
    ...payload,
  ];
}

/** Extension bodies (after the next-header byte) of the right lengths. */
export const ext = {
  hopByHop: (): { type: number; bytes: number[] } => ({ type: 0, bytes: [0, 1, 4, 0, 0, 0, 0] }),
  destination: (): { type: number; bytes: number[] } => ({
    type: 60,
    bytes: [1, 1, 12, ...new Array<number>(12).fill(0)],
  }),
  routing: (): { type: number; bytes: number[] } => ({
    type: 43,
    bytes: [2, 0, 0, 0, 0, 0, 0, ...ipv6Bytes('2001:db8::99')],
  }),
  fragment: (offset: number, more: boolean, id: number): { type: number; bytes: number[] } => ({
    type: 44,
    bytes: [0, ...u16(offset | (more ? 1 : 0)), ...u32(id)],
  }),
  ah: (): { type: number; bytes: number[] } => ({
    type: 51,
    bytes: [4, 0, 0, ...u32(0x100), ...u32(1), ...new Array<number>(12).fill(0)],
  }),
};

export function ethernet(etherType: number, payload: number[], vlans: number[] = []): number[] {
  const tags = vlans.flatMap((tpid, i) => [...u16(tpid), ...u16(100 + i)]);
  const frame = [
    ...[0x02, 0, 0, 0, 0, 2],
    ...[0x02, 0, 0, 0, 0, 1],
    ...tags,
    ...u16(etherType),
    ...payload,
  ];
  while (frame.length < 60) frame.push(0);
  return frame;
}

export function sll(etherType: number, payload: number[]): number[] {
  return [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...u16(etherType), ...payload];
}

export function sll2(etherType: number, payload: number[]): number[] {
  return [...u16(etherType), 0, 0, ...u32(1), 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...payload];
}

export function nullLink(af: number, payload: number[], littleEndian: boolean): number[] {
  const b = u32(af);
  return [...(littleEndian ? b.reverse() : b), ...payload];
}

export interface Frame {
  timestampMs: number;
  data: number[] | Uint8Array;
  originalLength?: number;
}

export interface PcapSpec {
  linkType: number;
  littleEndian?: boolean;
  nanos?: boolean;
  snaplen?: number;
}

export function pcapFile(spec: PcapSpec, frames: Frame[]): Uint8Array {
  const le = spec.littleEndian ?? true;
  const out: number[] = [];
  const w32 = (n: number): void => {
    const b = u32(n >>> 0);
    out.push(...(le ? b.reverse() : b));
  };
  const w16 = (n: number): void => {
    const b = u16(n);
    out.push(...(le ? b.reverse() : b));
  };
  w32(spec.nanos === true ? 0xa1b23c4d : 0xa1b2c3d4);
  w16(2);
  w16(4);
  w32(0);
  w32(0);
  w32(spec.snaplen ?? 262144);
  w32(spec.linkType);
  for (const f of frames) {
    const sec = Math.floor(f.timestampMs / 1000);
    const frac =
      spec.nanos === true
        ? Math.round((f.timestampMs - sec * 1000) * 1e6)
        : Math.round((f.timestampMs - sec * 1000) * 1e3);
    w32(sec);
    w32(frac);
    w32(f.data.length);
    w32(f.originalLength ?? f.data.length);
    out.push(...f.data);
  }
  return Uint8Array.from(out);
}

export interface PcapngInterface {
  linkType: number;
  /** if_tsresol byte; omitted means microseconds. */
  tsresol?: number;
}

export interface PcapngFrame extends Frame {
  interfaceId?: number;
  simple?: boolean;
}

export function pcapngFile(
  interfaces: PcapngInterface[],
  frames: PcapngFrame[],
  littleEndian = true,
  extraBlocks: { type: number; body: number[] }[] = [],
): Uint8Array {
  const le = littleEndian;
  const out: number[] = [];
  const enc32 = (n: number): number[] => {
    const b = u32(n >>> 0);
    return le ? b.reverse() : b;
  };
  const enc16 = (n: number): number[] => {
    const b = u16(n);
    return le ? b.reverse() : b;
  };
  const block = (type: number, body: number[]): void => {
    while (body.length % 4 !== 0) body.push(0);
    const len = 12 + body.length;
    out.push(...enc32(type), ...enc32(len), ...body, ...enc32(len));
  };
  block(0x0a0d0d0a, [
    ...enc32(0x1a2b3c4d),
    ...enc16(1),
    ...enc16(0),
    ...new Array<number>(8).fill(0xff),
  ]);
  for (const b of extraBlocks) block(b.type, [...b.body]);
  for (const i of interfaces) {
    const opts =
      i.tsresol === undefined
        ? []
        : [...enc16(9), ...enc16(1), i.tsresol, 0, 0, 0, ...enc16(0), ...enc16(0)];
    block(1, [...enc16(i.linkType), ...enc16(0), ...enc32(262144), ...opts]);
  }
  for (const f of frames) {
    const data = [...f.data];
    if (f.simple === true) {
      block(3, [...enc32(f.originalLength ?? data.length), ...data]);
      continue;
    }
    const iface = interfaces[f.interfaceId ?? 0]!;
    const res = iface.tsresol ?? 6;
    const unitsPerMs = res & 0x80 ? Math.pow(2, res & 0x7f) / 1000 : Math.pow(10, res) / 1000;
    // Whole milliseconds and the rest apart, so nanosecond stamps stay exact past 2^53.
    const wholeMs = Math.floor(f.timestampMs);
    const ts = Number.isInteger(unitsPerMs)
      ? BigInt(wholeMs) * BigInt(unitsPerMs) +
        BigInt(Math.round((f.timestampMs - wholeMs) * unitsPerMs))
      : BigInt(Math.round(f.timestampMs * unitsPerMs));
    const high = Number(ts >> 32n);
    const low = Number(ts & 0xffffffffn);
    block(6, [
      ...enc32(f.interfaceId ?? 0),
      ...enc32(high),
      ...enc32(low),
      ...enc32(data.length),
      ...enc32(f.originalLength ?? data.length),
      ...data,
    ]);
  }
  return Uint8Array.from(out);
}
