// WireGuard (Donenfeld, "WireGuard: Next Generation Kernel Network Tunnel", §5.4): every
// message starts with a type byte and three reserved zero bytes, and the handshake messages
// have fixed sizes. A UDP payload prefix may hold one datagram or several back to back.
import { u32le, u8 } from './bytes.js';
import type { Recognition } from './result.js';

const SIZES: Record<number, number> = { 1: 148, 2: 92, 3: 64 };
const NAMES: Record<number, string> = {
  1: 'handshake_initiation',
  2: 'handshake_response',
  3: 'cookie_reply',
  4: 'transport_data',
};

function headerAt(b: Uint8Array, at: number): number {
  const t = u8(b, at);
  if (t < 1 || t > 4) return -1;
  if (u8(b, at + 1) !== 0 || u8(b, at + 2) !== 0 || u8(b, at + 3) !== 0) return -1;
  return t;
}

export function recogniseWireguard(b: Uint8Array): Recognition | null {
  const type = headerAt(b, 0);
  if (type < 0) return null;
  const name = NAMES[type] ?? 'unknown';
  const size = SIZES[type];
  // Sender/receiver indices are random 32-bit values; zero would be a sign of something else.
  const index = u32le(b, 4);
  if (index === 0) return null;
  let confidence: 1 | 2 | 3;
  const details: Record<string, string> = { message: name };
  if (size !== undefined) {
    if (b.length === size) confidence = 3;
    else if (b.length > size) {
      // Several datagrams in one prefix: the next must start with a WireGuard header too.
      if (headerAt(b, size) < 0) return null;
      confidence = 3;
    } else {
      details.truncated = 'true';
      confidence = b.length >= 8 ? 2 : 1;
    }
  } else {
    // §5.4.6: 16-byte header, then the padded (16-byte multiple) packet and a 16-byte tag.
    if (b.length >= 32 && (b.length - 32) % 16 === 0) confidence = 2;
    else if (b.length < 32) return null;
    else confidence = 1;
  }
  if (index < 0) details.truncated = 'true';
  return { protocol: 'wireguard', keyExchange: true, version: null, details, confidence };
}
