// OpenVPN (openvpn/src/openvpn/ssl_pkt.h and the "OpenVPN protocol" RFC draft,
// draft-ietf-... "openvpn-wire-protocol"): the first byte is opcode << 3 | key_id; control
// packets carry an 8-byte session id, an optional tls-auth HMAC (20 or 32 bytes) + packet id
// + net time, or a tls-crypt packet id + net time + tag, then an ACK array and a message
// packet id. Over TCP every packet has a 2-byte length prefix.
import { u16, u32, u8 } from './bytes.js';
import type { Recognition, RecogniseContext } from './result.js';

const OPCODES: Record<number, string> = {
  1: 'P_CONTROL_HARD_RESET_CLIENT_V1',
  2: 'P_CONTROL_HARD_RESET_SERVER_V1',
  3: 'P_CONTROL_SOFT_RESET_V1',
  4: 'P_CONTROL_V1',
  5: 'P_ACK_V1',
  6: 'P_DATA_V1',
  7: 'P_CONTROL_HARD_RESET_CLIENT_V2',
  8: 'P_CONTROL_HARD_RESET_SERVER_V2',
  9: 'P_DATA_V2',
  10: 'P_CONTROL_HARD_RESET_CLIENT_V3',
  11: 'P_CONTROL_WKC_V1',
};

const HARD_RESETS = new Set([1, 2, 7, 8, 10]);
/** ssl_pkt.h: TLVs in a hard reset start with this type (OpenVPN 2.6 early negotiation). */
const EARLY_NEG_START = 0x0f00;
const OPENVPN_PORTS = [1194, 1195, 1197, 1198];

/** Unix time a peer's clock plausibly sends as net_time (2015–2040, tls-auth/tls-crypt). */
function plausibleTime(t: number): boolean {
  return t >= 1420070400 && t <= 2208988800;
}

/**
 * An 8-byte session id is random: at least 6 distinct byte values. Random ids fail this about
 * once in 10^4; structured headers taken for one (a DNS header's counts) rarely pass.
 */
function plausibleSessionId(b: Uint8Array, at: number): boolean {
  if (at + 8 > b.length) return false;
  const seen = new Set<number>();
  for (let i = 0; i < 8; i++) seen.add(u8(b, at + i));
  return seen.size >= 6;
}

/** A MAC or AEAD tag looks random: at least 6 of its bytes have the high bit set. */
function randomTag(b: Uint8Array, at: number, len: number): boolean {
  let high = 0;
  for (let i = 0; i < len; i++) if (u8(b, at + i) >= 0x80) high++;
  return high >= 6;
}

interface Layout {
  readonly name: string;
  /** Offset of the ACK array length, relative to the session id end. */
  readonly ackAt: number;
  /** Offset of packet id + net time to check, or -1. */
  readonly timeAt: number;
}

const LAYOUTS: readonly Layout[] = [
  { name: 'plain', ackAt: 0, timeAt: -1 },
  { name: 'tls-auth-sha1', ackAt: 28, timeAt: 20 },
  { name: 'tls-auth-sha256', ackAt: 40, timeAt: 32 },
  { name: 'tls-auth-sha512', ackAt: 72, timeAt: 64 },
  // tls-crypt: packet id + net time in clear right after the session id, then a 32-byte tag.
  { name: 'tls-crypt', ackAt: -1, timeAt: 0 },
];

/** Finds the wrapping a control packet was sent with; null for none that fits. */
function controlLayout(b: Uint8Array, start: number, end: number, opcode: number): string | null {
  const sidEnd = start + 9;
  const reset = HARD_RESETS.has(opcode);
  for (const l of LAYOUTS) {
    if (l.timeAt >= 0) {
      // A flow's first control packet is among the first few of its replay counter.
      const pid = u32(b, sidEnd + l.timeAt);
      const time = u32(b, sidEnd + l.timeAt + 4);
      if (pid < 1 || pid > (reset ? 0xff : 0xffff) || !plausibleTime(time)) continue;
      if (l.ackAt < 0)
        return sidEnd + 8 + 32 <= end && randomTag(b, sidEnd + 8, 32) ? l.name : null;
      // tls-auth: the HMAC before the packet id is random too.
      if (!randomTag(b, sidEnd, l.timeAt)) continue;
    }
    // Without an HMAC or time stamp, only a reset's fixed shape is distinctive enough; a
    // plain P_CONTROL/P_ACK is 9 bytes of header and zeros that random data often matches.
    if (l.timeAt < 0 && !reset) continue;
    const ackAt = sidEnd + l.ackAt;
    const acks = u8(b, ackAt);
    if (acks < 0) return l.timeAt >= 0 ? l.name : null;
    if (acks > 8 || (opcode === 5 && acks === 0)) continue;
    // A client's first hard reset acknowledges nothing.
    if (reset && opcode !== 8 && opcode !== 2 && acks !== 0) continue;
    let ok = true;
    for (let i = 0; i < acks; i++) {
      const id = u32(b, ackAt + 1 + i * 4);
      if (id > 0xffff) ok = false;
    }
    if (!ok) continue;
    const idAt = ackAt + 1 + acks * 4 + (acks > 0 ? 8 : 0);
    if (opcode === 5) {
      if (idAt === end || (idAt > b.length && l.timeAt >= 0)) return l.name;
      continue;
    }
    const msgId = u32(b, idAt);
    if (msgId < 0) return idAt >= b.length && l.timeAt >= 0 ? l.name : null;
    if (reset ? msgId !== 0 : msgId > 0xffff) continue;
    // Without an HMAC or time stamp to check, a reset must end right after its message id
    // (or carry OpenVPN 2.6 early-negotiation TLVs): zero bytes after random ones are
    // otherwise common (an IKE header's zero responder SPI).
    if (l.timeAt < 0 && reset && idAt + 4 !== end && !nextFromSameSession(b, start, idAt + 4)) {
      if (u16(b, idAt + 4) !== EARLY_NEG_START) continue;
    }
    return l.name;
  }
  return null;
}

/**
 * A UDP payload prefix holds datagrams back to back: after a reset, the same peer's next packet
 * (P_CONTROL_V1 or P_ACK_V1 carrying the ClientHello) repeats its session id.
 */
function nextFromSameSession(b: Uint8Array, start: number, next: number): boolean {
  const op = u8(b, next) >> 3;
  if (OPCODES[op] === undefined || next + 9 > b.length) return false;
  for (let i = 1; i <= 8; i++) if (u8(b, start + i) !== u8(b, next + i)) return false;
  return true;
}

function parsePacket(
  b: Uint8Array,
  start: number,
  end: number,
  ctx: RecogniseContext,
): Recognition | null {
  const first = u8(b, start);
  if (first < 0) return null;
  const opcode = first >> 3;
  const keyId = first & 0x07;
  const name = OPCODES[opcode];
  if (name === undefined) return null;
  const details: Record<string, string> = { opcode: name, keyId: String(keyId) };
  if (opcode === 6 || opcode === 9) return dataPacket(b, start, end, opcode, ctx, details);
  if (HARD_RESETS.has(opcode) && keyId !== 0) return null;
  if (!plausibleSessionId(b, start + 1)) return null;
  const layout = controlLayout(b, start, end, opcode);
  if (layout === null) return null;
  details.wrapping = layout;
  if (end > b.length) details.truncated = 'true';
  const confidence = HARD_RESETS.has(opcode) ? 3 : 2;
  return { protocol: 'openvpn', keyExchange: true, version: null, details, confidence };
}

export function recogniseOpenvpnUdp(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  if (b.length < 10) return null;
  return parsePacket(b, 0, b.length, ctx);
}

export function recogniseOpenvpnTcp(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  const len = u16(b, 0);
  // Smallest control packet: opcode + session id + ack count + message id = 14 bytes.
  if (len < 14 || len > 1700) return null;
  if (b.length < 3) return null;
  const r = parsePacket(b, 2, 2 + len, ctx);
  if (r === null) return null;
  return { ...r, details: { ...r.details, transport: 'tcp' } };
}

/**
 * Data packets are ciphertext behind a short header; with AEAD ciphers a 32-bit packet id
 * counting from 1 follows it (P_DATA_V2 after a 24-bit peer id). A flow's first data packet
 * has a small id and a small peer id, which random bytes rarely do.
 */
function dataPacket(
  b: Uint8Array,
  start: number,
  end: number,
  opcode: number,
  ctx: RecogniseContext,
  details: Record<string, string>,
): Recognition | null {
  if (end - start < 28) return null;
  const v2 = opcode === 9;
  const pid = u32(b, start + (v2 ? 4 : 1));
  if (pid < 1 || pid >= 0x100000) return null;
  if (v2 && u8(b, start + 1) !== 0) return null;
  const onPort = OPENVPN_PORTS.includes(ctx.peerPort) || OPENVPN_PORTS.includes(ctx.ownPort);
  if (!v2 && !onPort) return null;
  return { protocol: 'openvpn', keyExchange: true, version: null, details, confidence: v2 ? 2 : 1 };
}
