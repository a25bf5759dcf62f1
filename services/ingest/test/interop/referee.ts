// The referee for interop tests: tshark reads the same capture the exporters replay and
// gives, per direction of each conversation, packets, IP bytes and the first payload bytes.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export interface DirectionTotals {
  packets: number;
  /** IP bytes (IPv4 total length, IPv6 payload length + 40), what flow exports count. */
  bytes: number;
  /** Transport payload of the first packet that had one (arrival order). */
  firstPayload: Buffer | null;
}

export interface Conversation {
  /** `proto|src|sport|dst|dport` of the conversation's first packet (its initiator). */
  readonly key: string;
  readonly ipVersion: 4 | 6;
  readonly forward: DirectionTotals;
  readonly reverse: DirectionTotals;
}

export function directedKey(p: number, a: string, ap: number, b: string, bp: number): string {
  return `${p}|${a}|${ap}|${b}|${bp}`;
}

export function reverseKey(key: string): string {
  const [p, a, ap, b, bp] = key.split('|');
  return `${p}|${b}|${bp}|${a}|${ap}`;
}

const FIELDS = [
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'ip.proto',
  'ipv6.nxt',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'ip.len',
  'ipv6.plen',
  'tcp.payload',
  'udp.payload',
];

/** Conversations of a capture keyed by their initiator's directed key. */
export function conversationsOf(pcap: string): Map<string, Conversation> {
  const out = execFileSync(
    'tshark',
    ['-r', pcap, '-n', '-T', 'fields', '-E', 'separator=,', ...FIELDS.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const conversations = new Map<string, Conversation>();
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const [s4, d4, s6, d6, p4, p6, ts, td, us, ud, len4, plen6, tpay, upay] = line.split(',');
    const v6 = (s6 ?? '') !== '';
    const src = v6 ? s6! : s4!;
    const dst = v6 ? d6! : d4!;
    if (src === '' || dst === '') continue;
    const proto = Number(v6 ? p6!.split(';').pop() : p4);
    const sport = Number(ts !== '' ? ts : us) || 0;
    const dport = Number(td !== '' ? td : ud) || 0;
    const bytes = v6 ? Number(plen6) + 40 : Number(len4);
    const payloadHex = (proto === 6 ? tpay : upay) ?? '';
    const key = directedKey(proto, src, sport, dst, dport);
    let c = conversations.get(key);
    let forward = true;
    if (c === undefined) {
      c = conversations.get(reverseKey(key));
      forward = false;
    }
    if (c === undefined) {
      c = {
        key,
        ipVersion: v6 ? 6 : 4,
        forward: { packets: 0, bytes: 0, firstPayload: null },
        reverse: { packets: 0, bytes: 0, firstPayload: null },
      };
      conversations.set(key, c);
      forward = true;
    }
    const d = forward ? c.forward : c.reverse;
    d.packets++;
    d.bytes += bytes;
    if (d.firstPayload === null && payloadHex !== '')
      d.firstPayload = Buffer.from(payloadHex, 'hex');
  }
  return conversations;
}

function undirected(a: string, ap: string, b: string, bp: string): string {
  const x = `${a}|${ap}`;
  const y = `${b}|${bp}`;
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}

/** tshark's own TCP and UDP conversation statistics, as a set of undirected endpoint pairs. */
export function tsharkConversationPairs(pcap: string): Set<string> {
  const out = execFileSync('tshark', ['-r', pcap, '-n', '-q', '-z', 'conv,tcp', '-z', 'conv,udp'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pairs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s/.exec(line);
    if (m !== null) pairs.add(undirected(m[1]!, m[2]!, m[3]!, m[4]!));
  }
  return pairs;
}

export function pairOf(c: Conversation): string {
  const [, a, ap, b, bp] = c.key.split('|');
  return undirected(a!, ap!, b!, bp!);
}

export function packetCount(pcap: string): number {
  const out = execFileSync('tshark', ['-r', pcap, '-n', '-T', 'fields', '-e', 'frame.number'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.split('\n').filter((l) => l.trim() !== '').length;
}

function pcapOfUdp(datagrams: readonly Buffer[], dstPort: number): Buffer {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // Ethernet
  parts.push(global);
  for (const d of datagrams) {
    const frame = Buffer.alloc(14 + 20 + 8 + d.length);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45;
    frame.writeUInt16BE(20 + 8 + d.length, 16);
    frame[22] = 64;
    frame[23] = 17;
    frame.set([127, 0, 0, 1, 127, 0, 0, 1], 26);
    frame.writeUInt16BE(40000, 34);
    frame.writeUInt16BE(dstPort, 36);
    frame.writeUInt16BE(8 + d.length, 38);
    frame.set(d, 42);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  }
  return Buffer.concat(parts);
}

/**
 * tshark as referee for an sFlow export: it dissects the sampled packet headers in the
 * datagrams; per directed address pair, how many were sampled and their IP bytes.
 */
export function sflowSampleTotals(
  datagrams: readonly Buffer[],
  dir: string,
): Map<string, { packets: number; bytes: number }> {
  const file = `${dir}/sflow-export.pcap`;
  writeFileSync(file, pcapOfUdp(datagrams, 6343));
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-n',
      '-d',
      'udp.port==6343,sflow',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=;',
      '-e',
      'ip.src',
      '-e',
      'ip.dst',
      '-e',
      'ip.len',
      '-e',
      'ipv6.src',
      '-e',
      'ipv6.dst',
      '-e',
      'ipv6.plen',
    ],
    { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const totals = new Map<string, { packets: number; bytes: number }>();
  const add = (key: string, bytes: number) => {
    const t = totals.get(key) ?? { packets: 0, bytes: 0 };
    t.packets++;
    t.bytes += bytes;
    totals.set(key, t);
  };
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const [s4, d4, l4, s6, d6, l6] = line.split('|').map((f) => (f === '' ? [] : f.split(';')));
    // The first IPv4 header is the datagram's own (written above); the rest are samples.
    for (let i = 1; i < (s4?.length ?? 0); i++) add(`${s4![i]}|${d4![i]}`, Number(l4![i]));
    for (let i = 0; i < (s6?.length ?? 0); i++) add(`${s6![i]}|${d6![i]}`, Number(l6![i]) + 40);
  }
  return totals;
}

/** First and last packet times of the capture, Unix milliseconds. */
export function captureTimeRange(pcap: string): { firstMs: number; lastMs: number } {
  const out = execFileSync('tshark', ['-r', pcap, '-n', '-T', 'fields', '-e', 'frame.time_epoch'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const ms = Number(line) * 1000;
    firstMs = Math.min(firstMs, ms);
    lastMs = Math.max(lastMs, ms);
  }
  return { firstMs, lastMs };
}
