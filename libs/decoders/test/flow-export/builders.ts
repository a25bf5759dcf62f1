// Encoders for test, fuzz and bench inputs: NetFlow v5/v9, IPFIX and sFlow v5 written
// field by field from the RFCs, independent of the decoder's code.
import { isIPv4 } from 'node:net';

export type FieldValue = number | bigint | string | Uint8Array;

export interface FieldSpec {
  readonly id: number;
  readonly length: number;
  readonly enterprise?: number;
}

export class Writer {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v & 255;
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(Math.floor(v / 65536) & 0xffff).u16(v & 0xffff);
  }
  uint(v: number | bigint, len: number): this {
    let x = BigInt(v);
    const bytes: number[] = [];
    for (let i = 0; i < len; i++) {
      bytes.unshift(Number(x & 255n));
      x >>= 8n;
    }
    return this.bytes(Uint8Array.from(bytes));
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export function ip(text: string): Uint8Array {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head === '' || head === undefined ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const words = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    const v = parseInt(w, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 255;
  });
  return out;
}

/** One data record: values in template order; variable-length fields get a length prefix. */
export function record(fields: readonly FieldSpec[], values: readonly FieldValue[]): Uint8Array {
  const w = new Writer();
  fields.forEach((f, i) => {
    const v = values[i] ?? 0;
    const raw = typeof v === 'string' ? ip(v) : v;
    if (f.length === 65535) {
      const b = raw instanceof Uint8Array ? raw : new Uint8Array(0);
      if (b.length < 255) w.u8(b.length);
      else w.u8(255).u16(b.length);
      w.bytes(b);
    } else if (raw instanceof Uint8Array) {
      const padded = new Uint8Array(f.length);
      padded.set(raw.subarray(0, f.length));
      w.bytes(padded);
    } else w.uint(raw, f.length);
  });
  return w.finish();
}

// ---- IPFIX (RFC 7011) ----

export function ipfixTemplateSet(
  templates: readonly { id: number; fields: readonly FieldSpec[]; scopeCount?: number }[],
  options = false,
): Uint8Array {
  const body = new Writer();
  for (const t of templates) {
    body.u16(t.id).u16(t.fields.length);
    if (options) body.u16(t.scopeCount ?? 1);
    for (const f of t.fields) {
      const e = f.enterprise ?? 0;
      body.u16(e !== 0 ? f.id | 0x8000 : f.id).u16(f.length);
      if (e !== 0) body.u32(e);
    }
  }
  return set(options ? 3 : 2, body.finish());
}

export function ipfixWithdrawal(templateId: number, options = false): Uint8Array {
  return set(options ? 3 : 2, new Writer().u16(templateId).u16(0).finish());
}

export function set(id: number, body: Uint8Array, padding = 0): Uint8Array {
  return new Writer()
    .u16(id)
    .u16(4 + body.length + padding)
    .bytes(body)
    .bytes(new Uint8Array(padding))
    .finish();
}

export function dataSet(
  templateId: number,
  records: readonly Uint8Array[],
  padding = 0,
): Uint8Array {
  const w = new Writer();
  for (const r of records) w.bytes(r);
  return set(templateId, w.finish(), padding);
}

export function ipfixMessage(
  domain: number,
  exportSeconds: number,
  sets: readonly Uint8Array[],
  sequence = 0,
): Uint8Array {
  const body = new Writer();
  for (const s of sets) body.bytes(s);
  const b = body.finish();
  return new Writer()
    .u16(10)
    .u16(16 + b.length)
    .u32(exportSeconds)
    .u32(sequence)
    .u32(domain)
    .bytes(b)
    .finish();
}

// ---- NetFlow v9 (RFC 3954) ----

export function v9TemplateFlowSet(
  templates: readonly { id: number; fields: readonly FieldSpec[] }[],
) {
  const body = new Writer();
  for (const t of templates) {
    body.u16(t.id).u16(t.fields.length);
    for (const f of t.fields) body.u16(f.id).u16(f.length);
  }
  return set(0, body.finish());
}

export function v9OptionsTemplateFlowSet(
  id: number,
  scope: readonly FieldSpec[],
  options: readonly FieldSpec[],
): Uint8Array {
  const body = new Writer()
    .u16(id)
    .u16(scope.length * 4)
    .u16(options.length * 4);
  for (const f of [...scope, ...options]) body.u16(f.id).u16(f.length);
  return set(1, body.finish(), 2);
}

export function v9Packet(
  sourceId: number,
  unixSeconds: number,
  sysUptimeMs: number,
  flowSets: readonly Uint8Array[],
  sequence = 0,
): Uint8Array {
  const w = new Writer().u16(9).u16(flowSets.length).u32(sysUptimeMs).u32(unixSeconds);
  w.u32(sequence).u32(sourceId);
  for (const s of flowSets) w.bytes(s);
  return w.finish();
}

// ---- NetFlow v5 ----

export interface V5Flow {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  packets: number;
  bytes: number;
  firstUptime: number;
  lastUptime: number;
  tcpFlags?: number;
}

export function v5Packet(
  flows: readonly V5Flow[],
  unixSeconds: number,
  sysUptimeMs: number,
  opts: { engineType?: number; engineId?: number; samplingInterval?: number } = {},
): Uint8Array {
  const w = new Writer().u16(5).u16(flows.length).u32(sysUptimeMs).u32(unixSeconds).u32(0);
  w.u32(0)
    .u8(opts.engineType ?? 0)
    .u8(opts.engineId ?? 0);
  w.u16(opts.samplingInterval === undefined ? 0 : 0x4000 | opts.samplingInterval);
  for (const f of flows) {
    w.bytes(ip(f.src)).bytes(ip(f.dst)).u32(0).u16(1).u16(2);
    w.u32(f.packets).u32(f.bytes).u32(f.firstUptime).u32(f.lastUptime);
    w.u16(f.srcPort)
      .u16(f.dstPort)
      .u8(0)
      .u8(f.tcpFlags ?? 0)
      .u8(f.protocol)
      .u8(0);
    w.u16(0).u16(0).u8(24).u8(24).u16(0);
  }
  return w.finish();
}

// ---- Raw packets (for packet sections and sFlow headers) ----

export function ipv4Packet(
  src: string,
  dst: string,
  protocol: number,
  transport: Uint8Array,
): Uint8Array {
  const w = new Writer()
    .u8(0x45)
    .u8(0)
    .u16(20 + transport.length)
    .u16(1)
    .u16(0x4000);
  w.u8(64).u8(protocol).u16(0).bytes(ip(src)).bytes(ip(dst));
  return w.bytes(transport).finish();
}

export function ipv6Packet(
  src: string,
  dst: string,
  protocol: number,
  transport: Uint8Array,
): Uint8Array {
  const w = new Writer().u32(0x60000000).u16(transport.length).u8(protocol).u8(64);
  return w.bytes(ip(src)).bytes(ip(dst)).bytes(transport).finish();
}

export function tcpSegment(
  srcPort: number,
  dstPort: number,
  flags: number,
  payload: Uint8Array,
  seq = 1000,
): Uint8Array {
  const w = new Writer().u16(srcPort).u16(dstPort).u32(seq).u32(0).u8(0x50).u8(flags);
  return w.u16(65535).u16(0).u16(0).bytes(payload).finish();
}

export function udpDatagram(srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  return new Writer()
    .u16(srcPort)
    .u16(dstPort)
    .u16(8 + payload.length)
    .u16(0)
    .bytes(payload)
    .finish();
}

export function ethernetFrame(ipPacket: Uint8Array, vlan?: number): Uint8Array {
  const w = new Writer().bytes(new Uint8Array(12).fill(2));
  if (vlan !== undefined) w.u16(0x8100).u16(vlan);
  const v6 = ipPacket[0]! >> 4 === 6;
  return w
    .u16(v6 ? 0x86dd : 0x0800)
    .bytes(ipPacket)
    .finish();
}

// ---- sFlow v5 ----

export interface SflowPacketSample {
  samplingRate: number;
  frame: Uint8Array;
  frameLength?: number;
  expanded?: boolean;
  /** 1 Ethernet (default), 11 IPv4, 12 IPv6. */
  headerProtocol?: number;
}

export function sflowDatagram(
  agent: string,
  subAgent: number,
  samples: readonly SflowPacketSample[],
  extraSamples: readonly Uint8Array[] = [],
): Uint8Array {
  const w = new Writer().u32(5).u32(1).bytes(ip(agent)).u32(subAgent).u32(1).u32(12345);
  w.u32(samples.length + extraSamples.length);
  for (const s of samples) {
    const header = s.frame;
    const pad = (4 - (header.length % 4)) % 4;
    const rec = new Writer().u32(s.headerProtocol ?? 1).u32(s.frameLength ?? header.length + 4);
    rec.u32(4).u32(header.length);
    rec.bytes(header).bytes(new Uint8Array(pad));
    const recBytes = rec.finish();
    const body = new Writer();
    if (s.expanded === true) {
      body.u32(1).u32(0).u32(3).u32(s.samplingRate).u32(1000).u32(0).u32(0).u32(1).u32(0).u32(2);
    } else {
      body.u32(1).u32(3).u32(s.samplingRate).u32(1000).u32(0).u32(1).u32(2);
    }
    body.u32(1).u32(1).u32(recBytes.length).bytes(recBytes);
    const b = body.finish();
    w.u32(s.expanded === true ? 3 : 1)
      .u32(b.length)
      .bytes(b);
  }
  for (const x of extraSamples) w.bytes(x);
  return w.finish();
}

/** A counters sample (format 2) the decoder must skip by its length. */
export function sflowCountersSample(): Uint8Array {
  const body = new Writer().u32(1).u32(3).u32(1).u32(1).u32(88).bytes(new Uint8Array(88));
  const b = body.finish();
  return new Writer().u32(2).u32(b.length).bytes(b).finish();
}
