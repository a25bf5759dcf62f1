// Deterministic synthetic capture for the decode benchmark and the tshark cross-check:
// many interleaved TCP conversations (handshake, data both ways with some segments
// reordered and retransmitted, FIN close) and UDP exchanges, over IPv4 and IPv6, written
// as a little-endian microsecond pcap with Ethernet framing.

export interface SyntheticCaptureOptions {
  /** Stop once this many packets are written. */
  packets: number;
  /** Conversations open at once (interleaving). */
  concurrentFlows?: number;
  seed?: number;
  /** Fraction of conversations that are UDP. */
  udpShare?: number;
  /** Fraction of conversations over IPv6. */
  ipv6Share?: number;
  startMs?: number;
}

/** xorshift32: small, fast, reproducible. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

interface Step {
  fromClient: boolean;
  flags: number;
  len: number;
  offset: number;
  advance: number;
}

function step(fromClient: boolean, flags: number, len: number, offset = 0, advance?: number): Step {
  return {
    fromClient,
    flags,
    len,
    offset,
    advance: advance ?? len + (flags & (0x02 | 0x01) ? 1 : 0),
  };
}

interface Conversation {
  tcp: boolean;
  v6: boolean;
  client: Uint8Array;
  server: Uint8Array;
  cport: number;
  sport: number;
  cseq: number;
  sseq: number;
  /** Packets still to send; `offset` is from the stream position, which then moves by `advance`. */
  script: Step[];
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

export function generateCapture(options: SyntheticCaptureOptions): Uint8Array {
  const random = rng(options.seed ?? 0x5eed);
  const concurrent = options.concurrentFlows ?? 64;
  const udpShare = options.udpShare ?? 0.3;
  const v6Share = options.ipv6Share ?? 0.2;
  let ms = options.startMs ?? 1_700_000_000_000;
  let flowCounter = 0;

  const chunks: Uint8Array[] = [];
  let chunk = Buffer.alloc(1 << 22);
  let pos = 0;
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  chunks.push(header);

  const newConversation = (): Conversation => {
    const n = flowCounter++;
    const tcp = random() >= udpShare;
    const v6 = random() < v6Share;
    const client = v6 ? new Uint8Array(16) : new Uint8Array(4);
    const server = v6 ? new Uint8Array(16) : new Uint8Array(4);
    if (v6) {
      client.set([0x20, 0x01, 0x0d, 0xb8], 0);
      server.set([0x20, 0x01, 0x0d, 0xb8, 0, 1], 0);
      client[14] = (n >> 8) & 0xff;
      client[15] = n & 0xff;
      server[15] = 1 + (n % 200);
    } else {
      client.set([10, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
      server.set([192, 0, 2, 1 + (n % 200)]);
    }
    const conv: Conversation = {
      tcp,
      v6,
      client,
      server,
      cport: 1024 + (n % 60000),
      sport: tcp ? [443, 22, 8443, 4444, 80][n % 5]! : [53, 123, 51820, 5060][n % 4]!,
      cseq: Math.floor(random() * 0xffffffff),
      sseq: Math.floor(random() * 0xffffffff),
      script: [],
    };
    const exchanges = 1 + Math.floor(random() * 6);
    if (tcp) {
      conv.script.push(step(true, SYN, 0), step(false, SYN | ACK, 0), step(true, ACK, 0));
      for (let i = 0; i < exchanges; i++) {
        const req = 2 + Math.floor(random() * 600);
        const resp = 1 + Math.floor(random() * 1400);
        if (random() < 0.1) {
          // The second half overtakes the first, the first is then sent twice.
          const a = Math.floor(req / 2);
          conv.script.push(
            step(true, PSH | ACK, req - a, a, 0),
            step(true, PSH | ACK, a, 0, 0),
            step(true, PSH | ACK, a, 0, 0),
            step(true, ACK, 0, req, req),
          );
        } else conv.script.push(step(true, PSH | ACK, req));
        conv.script.push(step(false, PSH | ACK, resp), step(true, ACK, 0));
      }
      conv.script.push(step(true, FIN | ACK, 0), step(false, FIN | ACK, 0), step(true, ACK, 0));
    } else {
      for (let i = 0; i < exchanges; i++) {
        conv.script.push(step(true, 0, 20 + Math.floor(random() * 200)));
        conv.script.push(step(false, 0, 20 + Math.floor(random() * 900)));
      }
    }
    return conv;
  };

  const open: Conversation[] = [];
  for (let i = 0; i < concurrent; i++) open.push(newConversation());

  const write = (conv: Conversation, step: Step): void => {
    const l4Header = conv.tcp ? 20 : 8;
    const ipHeader = conv.v6 ? 40 : 20;
    const frameLen = Math.max(60, 14 + ipHeader + l4Header + step.len);
    if (pos + 16 + frameLen > chunk.length) {
      chunks.push(chunk.subarray(0, pos));
      chunk = Buffer.alloc(Math.max(1 << 22, frameLen + 16));
      pos = 0;
    }
    ms += 0.01 + random() * 0.2;
    const sec = Math.floor(ms / 1000);
    chunk.writeUInt32LE(sec, pos);
    chunk.writeUInt32LE(Math.floor((ms - sec * 1000) * 1000), pos + 4);
    chunk.writeUInt32LE(frameLen, pos + 8);
    chunk.writeUInt32LE(frameLen, pos + 12);
    let p = pos + 16;
    chunk.fill(0, p, p + frameLen);
    chunk[p] = 2;
    chunk[p + 6] = 2;
    chunk[p + 11] = 1;
    chunk.writeUInt16BE(conv.v6 ? 0x86dd : 0x0800, p + 12);
    p += 14;
    const src = step.fromClient ? conv.client : conv.server;
    const dst = step.fromClient ? conv.server : conv.client;
    const l4Len = l4Header + step.len;
    if (conv.v6) {
      chunk[p] = 0x60;
      chunk.writeUInt16BE(l4Len, p + 4);
      chunk[p + 6] = conv.tcp ? 6 : 17;
      chunk[p + 7] = 64;
      chunk.set(src, p + 8);
      chunk.set(dst, p + 24);
      p += 40;
    } else {
      chunk[p] = 0x45;
      chunk.writeUInt16BE(20 + l4Len, p + 2);
      chunk[p + 8] = 64;
      chunk[p + 9] = conv.tcp ? 6 : 17;
      chunk.set(src, p + 12);
      chunk.set(dst, p + 16);
      p += 20;
    }
    chunk.writeUInt16BE(step.fromClient ? conv.cport : conv.sport, p);
    chunk.writeUInt16BE(step.fromClient ? conv.sport : conv.cport, p + 2);
    if (conv.tcp) {
      const position = step.fromClient ? conv.cseq : conv.sseq;
      chunk.writeUInt32BE((position + step.offset) >>> 0, p + 4);
      chunk[p + 12] = 5 << 4;
      chunk[p + 13] = step.flags;
      chunk.writeUInt16BE(65535, p + 14);
      p += 20;
    } else {
      chunk.writeUInt16BE(8 + step.len, p + 4);
      p += 8;
    }
    for (let i = 0; i < step.len; i++) chunk[p + i] = (random() * 256) | 0;
    pos += 16 + frameLen;
  };

  for (let written = 0; written < options.packets; written++) {
    const i = Math.floor(random() * open.length);
    const conv = open[i]!;
    const next = conv.script.shift()!;
    write(conv, next);
    if (next.fromClient) conv.cseq = (conv.cseq + next.advance) >>> 0;
    else conv.sseq = (conv.sseq + next.advance) >>> 0;
    if (conv.script.length === 0) open[i] = newConversation();
  }
  chunks.push(chunk.subarray(0, pos));
  return Buffer.concat(chunks);
}
