// NTP (RFC 5905 §7.3): a 48-byte header (LI, VN, mode, stratum, poll, precision, …) optionally
// followed by extension fields and a MAC (§7.5). Mode 6 control and mode 7 private messages
// (RFC 9327; ntpd's monlist) have their own small headers. The shape is loose, so outside
// port 123 only the SNTP client request (RFC 4330 §5: all zero but the transmit time) counts.
import { u16, u8 } from './bytes.js';
import type { Recognition, RecogniseContext } from './result.js';
import { hasPort } from './result.js';

const MODES = [
  'reserved',
  'symmetric_active',
  'symmetric_passive',
  'client',
  'server',
  'broadcast',
  'control',
  'private',
];

function zeroRange(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < Math.min(to, b.length); i++) if (b[i] !== 0) return false;
  return true;
}

export function recogniseNtp(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  const first = u8(b, 0);
  if (first < 0) return null;
  const vn = (first >> 3) & 0x07;
  const mode = first & 0x07;
  if (vn < 1 || vn > 4 || mode === 0) return null;
  const onPort = hasPort(ctx, 123);
  const details: Record<string, string> = { mode: MODES[mode] ?? String(mode) };
  if (mode === 6 || mode === 7) {
    if (!onPort || b.length < 8) return null;
    if (mode === 6) {
      // RFC 9327 §2: 12-byte header, opcode 1–7, data count, data padded to 4 bytes.
      const count = u16(b, 10);
      if ((u8(b, 1) & 0x1f) < 1 || (u8(b, 1) & 0x1f) > 7 || count < 0) return null;
      if (b.length !== 12 + ((count + 3) & ~3) && b.length !== 12 + count) return null;
    } else {
      // ntpd mode 7: implementation 0, 2 or 3, request code below 64, and a size that the
      // item count and item size explain (8-byte header; requests are padded to 48).
      const impl = u8(b, 2);
      if ((impl !== 0 && impl !== 2 && impl !== 3) || u8(b, 3) >= 64) return null;
      const items = u16(b, 4) & 0x0fff;
      const size = u16(b, 6) & 0x0fff;
      if (b.length !== 8 && b.length !== 48 && b.length !== 8 + items * size) return null;
    }
    return { protocol: 'ntp', keyExchange: false, version: String(vn), details, confidence: 2 };
  }
  const stratum = u8(b, 1);
  const poll = u8(b, 2);
  const precision = u8(b, 3);
  const sntpClient =
    mode === 3 &&
    (b.length === 48 || (b.length > 48 && b[48] === first)) &&
    zeroRange(b, 1, 40) &&
    !zeroRange(b, 40, 48);
  if (sntpClient)
    return { protocol: 'ntp', keyExchange: false, version: String(vn), details, confidence: 3 };
  if (!onPort || !sizeOk(b)) return null;
  // §7.3: stratum 0–16, poll log2 seconds 0–17, precision a small negative log2 (or 0 from
  // simple clients), root delay and dispersion (NTP short format) well under 16 seconds.
  if (stratum > 16 || poll > 17 || (precision !== 0 && precision < 0xe0)) return null;
  if (u16(b, 4) >= 16 || u16(b, 8) >= 16) return null;
  return { protocol: 'ntp', keyExchange: false, version: String(vn), details, confidence: 3 };
}

/**
 * 48 bytes, plus a MAC (RFC 5905 §7.3: key id + MD5 = 20, or SHA-1 = 24), or extension fields.
 * A prefix may hold several datagrams back to back: then the first 48 bytes are followed by
 * another header with the same LI/VN/mode byte.
 */
function sizeOk(b: Uint8Array): boolean {
  const len = b.length;
  if (len > 48 && (b[48] ?? -1) === b[0] && (len % 48 === 0 || len >= 96)) return true;
  if (len === 48 || len === 68 || len === 72) return true;
  // RFC 7822 §3: extension fields of ≥ 16 bytes, 4-byte aligned, chained to the end or a MAC.
  let p = 48;
  while (p + 4 <= len) {
    const fl = u16(b, p + 2);
    if (fl < 16 || fl % 4 !== 0) return false;
    p += fl;
    if (p === len || len - p === 20 || len - p === 24) return true;
  }
  return false;
}
