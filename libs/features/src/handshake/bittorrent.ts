// BitTorrent: the peer handshake (BEP 3: 19, "BitTorrent protocol", 8 reserved bytes, info
// hash, peer id), DHT KRPC messages as bencoded dictionaries (BEP 5), and the uTP SYN
// (BEP 29: type ST_SYN in the high nibble, version 1, 20-byte header).
import { indexOfAscii, prefixOfAscii, startsWithAscii, u32, u8 } from './bytes.js';
import type { Recognition } from './result.js';

const HANDSHAKE = '\x13BitTorrent protocol';

function bt(details: Record<string, string>, confidence: 1 | 2 | 3): Recognition {
  return { protocol: 'bittorrent', keyExchange: false, version: null, details, confidence };
}

export function recogniseBittorrentTcp(b: Uint8Array): Recognition | null {
  if (b.length >= 4 && prefixOfAscii(b, HANDSHAKE)) {
    const whole = b.length >= HANDSHAKE.length;
    return bt(
      whole ? { message: 'handshake' } : { message: 'handshake', truncated: 'true' },
      whole ? 3 : 2,
    );
  }
  return null;
}

export function recogniseBittorrentUdp(b: Uint8Array): Recognition | null {
  // KRPC: "d1:ad2:id20:" (query args), "d1:rd2:id20:" (response), or any dict with "1:y1:q|r|e".
  if (startsWithAscii(b, 'd1:ad2:id20:') || startsWithAscii(b, 'd1:rd2:id20:')) {
    return bt({ message: 'dht' }, 3);
  }
  if (startsWithAscii(b, 'd1:') || startsWithAscii(b, 'd2:')) {
    const y = indexOfAscii(b, '1:y1:', 0, 512);
    const kind = u8(b, y + 5);
    if (y >= 0 && (kind === 0x71 || kind === 0x72 || kind === 0x65))
      return bt({ message: 'dht' }, 3);
  }
  // uTP SYN: 0x41 (ST_SYN << 4 | version 1), timestamp_difference 0, and no payload: the
  // 20-byte header and its extension chain (next type, length, data) end the datagram.
  const synEnd = u8(b, 0) === 0x41 && u32(b, 8) === 0 ? utpExtensionsEnd(b) : -1;
  if (synEnd > 0 && (synEnd === b.length || nextUtpPacket(b, synEnd))) {
    return bt({ message: 'utp_syn' }, 2);
  }
  return null;
}

function utpExtensionsEnd(b: Uint8Array): number {
  let next = u8(b, 1);
  let p = 20;
  for (let n = 0; next !== 0 && n < 8; n++) {
    if (next < 0 || next > 4) return -1;
    const len = u8(b, p + 1);
    if (len < 0) return -1;
    next = u8(b, p);
    p += 2 + len;
  }
  return next === 0 ? p : -1;
}

/**
 * The initiator's next datagram after its SYN (BEP 29): ST_DATA/ST_STATE/ST_FIN/ST_RESET,
 * version 1, sent with connection_id = SYN's connection_id + 1.
 */
function nextUtpPacket(b: Uint8Array, at: number): boolean {
  const t = u8(b, at);
  if (t !== 0x01 && t !== 0x11 && t !== 0x21 && t !== 0x31) return false;
  const synId = (u8(b, 2) << 8) | u8(b, 3);
  const id = (u8(b, at + 2) << 8) | u8(b, at + 3);
  return u8(b, at + 3) >= 0 && id === ((synId + 1) & 0xffff);
}
