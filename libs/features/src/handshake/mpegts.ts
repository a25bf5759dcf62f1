// MPEG transport stream (ISO/IEC 13818-1 §2.4.3.2): 188-byte packets each starting with the
// sync byte 0x47, sent raw over UDP (usually 7 per datagram) or behind a 12-byte RTP header
// (RFC 2250 §2).
import { u8 } from './bytes.js';
import type { Recognition } from './result.js';

const PACKET = 188;

function syncsFrom(b: Uint8Array, start: number): number {
  let n = 0;
  for (let p = start; p < b.length; p += PACKET) {
    if (u8(b, p) !== 0x47) return -1;
    n++;
  }
  return n;
}

export function recogniseMpegts(b: Uint8Array): Recognition | null {
  for (const start of [0, 12]) {
    if (u8(b, start) !== 0x47) continue;
    if (start === 12 && (u8(b, 0) & 0xc0) !== 0x80) continue;
    const n = syncsFrom(b, start);
    if (n < 0) continue;
    const details: Record<string, string> = { packets: String(n) };
    if (start === 12) details.encapsulation = 'rtp';
    if (n >= 3 || (n === 2 && samePid(b, start, start + PACKET))) {
      return { protocol: 'mpegts', keyExchange: false, version: null, details, confidence: 3 };
    }
    // One raw packet: exactly 188 bytes carrying the PAT (PID 0, §2.4.4.3), TEI clear.
    if (start === 0 && b.length === PACKET && (u8(b, 1) & 0x9f) === 0 && u8(b, 2) === 0) {
      return { protocol: 'mpegts', keyExchange: false, version: null, details, confidence: 2 };
    }
  }
  return null;
}

/** Two packets: both with transport_error_indicator clear and the same 13-bit PID. */
function samePid(b: Uint8Array, a: number, c: number): boolean {
  const pid = (p: number) => ((u8(b, p + 1) & 0x1f) << 8) | u8(b, p + 2);
  return (u8(b, a + 1) & 0x80) === 0 && (u8(b, c + 1) & 0x80) === 0 && pid(a) === pid(c);
}
