// collectd network protocol ("Binary protocol" in the collectd wiki, src/network.c): a
// datagram is a chain of parts, each a 16-bit type and a 16-bit length that includes the
// 4-byte part header. Signed (0x0200) and encrypted (0x0210) parts wrap the rest.
import { isPrintable, u16, u8 } from './bytes.js';
import type { Recognition, RecogniseContext } from './result.js';
import { hasPort } from './result.js';

const PART_TYPES = new Set([
  0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009, 0x0100, 0x0101,
  0x0200, 0x0210,
]);

export function recogniseCollectd(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  let p = 0;
  let parts = 0;
  const first = u16(b, 0);
  if (!PART_TYPES.has(first)) return null;
  while (p + 4 <= b.length && parts < 64) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    if (!PART_TYPES.has(type) || len < 4 || len > 1452) return null;
    parts++;
    p += len;
  }
  const exact = p === b.length;
  // One encrypted part alone (0x0210: username length, username, IV, ciphertext) is enough
  // when its username is printable; otherwise a single part needs the collectd port.
  const enough = parts >= 2 || (parts === 1 && (hasPort(ctx, 25826) || encryptedUser(b)));
  if (!enough || (!exact && p + 4 <= b.length)) return null;
  const details: Record<string, string> = { protocol: 'collectd' };
  if (first === 0x0210) details.encrypted = 'true';
  if (first === 0x0200) details.signed = 'true';
  if (!exact) details.truncated = 'true';
  return {
    protocol: 'other-plaintext',
    keyExchange: false,
    version: null,
    details,
    confidence: exact && parts >= 2 ? 3 : 2,
  };
}

function encryptedUser(b: Uint8Array): boolean {
  if (u16(b, 0) !== 0x0210) return false;
  const n = u16(b, 4);
  if (n < 1 || n > 64 || 6 + n + 16 > b.length) return false;
  for (let i = 0; i < n; i++) if (!isPrintable(u8(b, 6 + i))) return false;
  return true;
}
