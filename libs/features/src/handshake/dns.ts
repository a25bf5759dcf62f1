// DNS messages (RFC 1035 §4.1): a 12-byte header and a question section whose name is a
// sequence of length-prefixed labels. Over TCP each message has a 2-byte length (§4.2.2).
// mDNS (RFC 6762) and LLMNR (RFC 4795) share the format on 5353 and 5355.
import { u16, u8 } from './bytes.js';
import type { Recognition, RecogniseContext } from './result.js';
import { hasPort } from './result.js';

const DNS_PORTS = [53, 5353, 5355, 853];
const OPCODES = new Set([0, 1, 2, 4, 5, 6]);

/** Parses a question name at `p`; returns the offset after it, -1 if malformed, -2 if cut. */
function skipName(b: Uint8Array, p: number, end: number): number {
  let total = 0;
  for (let i = 0; i < 128; i++) {
    const len = u8(b, p);
    if (len < 0 || p >= end) return -2;
    if (len === 0) return p + 1;
    // A compression pointer ends the name (RFC 1035 §4.1.4).
    if ((len & 0xc0) === 0xc0) return u8(b, p + 1) < 0 ? -2 : p + 2;
    if (len > 63) return -1;
    total += len + 1;
    if (total > 255) return -1;
    for (let j = 1; j <= len; j++) {
      const c = u8(b, p + j);
      if (c < 0) return -2;
      // Hostnames are letters, digits, hyphen, underscore (SRV), and mDNS allows UTF-8.
      if (c < 0x21 || c === 0x7f) return -1;
    }
    p += 1 + len;
  }
  return -1;
}

function parseMessage(
  b: Uint8Array,
  start: number,
  end: number,
  ctx: RecogniseContext,
): Recognition | null {
  if (end - start < 12 || b.length - start < 12) return null;
  const flags = u16(b, start + 2);
  const qr = flags >> 15;
  const opcode = (flags >> 11) & 0x0f;
  const rcode = flags & 0x0f;
  const qd = u16(b, start + 4);
  const an = u16(b, start + 6);
  const ns = u16(b, start + 8);
  const ar = u16(b, start + 10);
  if (!OPCODES.has(opcode) || rcode > 11) return null;
  // Z bit (RFC 1035 §4.1.1, bit 6) must be zero.
  if ((flags & 0x40) !== 0) return null;
  if (qd > 16 || an > 256 || ns > 64 || ar > 64) return null;
  if (qr === 0 && opcode === 0 && (qd !== 1 || ns !== 0 || ar > 2 || an > 16)) return null;
  const onPort = hasPort(ctx, ...DNS_PORTS);
  const details: Record<string, string> = { message: qr === 1 ? 'response' : 'query' };
  if (qd === 0) {
    return onPort && qr === 1
      ? { protocol: 'dns', keyExchange: false, version: null, details, confidence: 1 }
      : null;
  }
  const after = skipName(b, start + 12, end);
  if (after === -1) return null;
  if (after === -2 || after + 4 > Math.min(end, b.length)) {
    return onPort
      ? {
          protocol: 'dns',
          keyExchange: false,
          version: null,
          details: { ...details, truncated: 'true' },
          confidence: 2,
        }
      : null;
  }
  const qtype = u16(b, after);
  const qclass = u16(b, after + 2) & 0x7fff; // mDNS QU bit (RFC 6762 §5.4).
  if (qtype === 0 || (qtype > 260 && qtype < 32768 && qtype !== 65)) return null;
  if (qclass !== 1 && qclass !== 3 && qclass !== 4 && qclass !== 254 && qclass !== 255) return null;
  details.qtype = String(qtype);
  return {
    protocol: 'dns',
    keyExchange: false,
    version: null,
    details,
    confidence: onPort ? 3 : 2,
  };
}

export function recogniseDnsUdp(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  return parseMessage(b, 0, b.length, ctx);
}

export function recogniseDnsTcp(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  const len = u16(b, 0);
  if (len < 12) return null;
  const r = parseMessage(b, 2, 2 + len, ctx);
  return r === null ? null : { ...r, details: { ...r.details, transport: 'tcp' } };
}
