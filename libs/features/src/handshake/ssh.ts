// SSH (RFC 4253): the identification string "SSH-protoversion-softwareversion SP comments
// CR LF" (§4.2), which a server may precede with other lines, and the binary packet
// (§6) carrying SSH_MSG_KEXINIT (§7.1) when the banner went in an earlier packet.
import { ascii, indexOfAscii, isTextByte, lineEnd, prefixOfAscii, u32, u8 } from './bytes.js';
import type { Recognition } from './result.js';

const MAX_PRE_BANNER = 1024;

function banner(b: Uint8Array, at: number): Recognition | null {
  const end = lineEnd(b, at, 255);
  const line = ascii(b, at, end < 0 ? Math.min(b.length, at + 255) : end);
  // RFC 4253 forbids '-' in softwareversion, but deployed servers (Cisco) use it.
  const m = /^SSH-(2\.0|1\.99|1\.\d+)-([\x21-\x7e]+)?(?: (.*))?$/.exec(line);
  if (m === null) {
    // Cut before the software version: the protocol version alone must be well-formed.
    if (end < 0 && /^SSH(-(2(\.0?)?|1(\.\d*)?)?-?)?$/.test(line)) return partial(line);
    return null;
  }
  const details: Record<string, string> = { banner: line.slice(0, 128) };
  if (m[2] !== undefined) details.software = m[2];
  if (end < 0) details.truncated = 'true';
  const kex = end >= 0 ? kexInit(b, end + (b[end] === 0x0d ? 2 : 1)) : null;
  if (kex !== null) Object.assign(details, kex);
  return {
    protocol: 'ssh',
    keyExchange: true,
    version: m[1] ?? null,
    details,
    confidence: end >= 0 || m[2] !== undefined ? 3 : 2,
  };
}

function partial(line: string): Recognition {
  return {
    protocol: 'ssh',
    keyExchange: true,
    version: null,
    details: { banner: line, truncated: 'true' },
    confidence: line.length >= 4 ? 2 : 1,
  };
}

/**
 * SSH_MSG_KEXINIT in a binary packet at `at`: uint32 packet_length, byte padding_length
 * (≥ 4), byte 20, 16-byte cookie, then name-lists; the first is kex_algorithms.
 */
function kexInit(b: Uint8Array, at: number): Record<string, string> | null {
  const len = u32(b, at);
  const pad = u8(b, at + 4);
  if (len < 0 || pad < 0) return null;
  // §6: total length is a multiple of the cipher block size (≥ 8) and padding is 4–255.
  if (len < 16 || len > 35000 || (len + 4) % 8 !== 0 || pad < 4 || pad >= len) return null;
  if (u8(b, at + 5) !== 20) return null;
  const listAt = at + 6 + 16;
  const listLen = u32(b, listAt);
  if (listLen < 0) return { message: 'kexinit', truncated: 'true' };
  if (listLen > len) return null;
  const names = ascii(b, listAt + 4, listAt + 4 + listLen);
  if (!/^[\x21-\x7e]*$/.test(names)) return null;
  const out: Record<string, string> = { message: 'kexinit', kex: names.slice(0, 256) };
  if (listAt + 4 + listLen > b.length) out.truncated = 'true';
  return out;
}

export function recogniseSsh(b: Uint8Array): Recognition | null {
  if (prefixOfAscii(b, 'SSH-')) return banner(b, 0);
  // RFC 4253 §4.2: the server MAY send other lines first; search a bounded window.
  if (isTextByte(u8(b, 0))) {
    const at = indexOfAscii(b, '\nSSH-', 0, MAX_PRE_BANNER);
    if (at >= 0) return banner(b, at + 1);
  }
  const kex = kexInit(b, 0);
  if (kex !== null) {
    return { protocol: 'ssh', keyExchange: true, version: '2.0', details: kex, confidence: 2 };
  }
  return null;
}
