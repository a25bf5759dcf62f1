// STUN (RFC 8489 §5): two zero bits, a 14-bit message type, a length that is a multiple of 4,
// the magic cookie 0x2112A442 and a 96-bit transaction id. TURN ChannelData (RFC 8656 §12.4):
// channel number 0x4000–0x4FFF and a length, padded to 4 bytes over TCP.
import { u16, u32 } from './bytes.js';
import type { Recognition, RecogniseContext } from './result.js';
import { hasPort } from './result.js';

const MAGIC = 0x2112a442;
const CLASSES = ['request', 'indication', 'success_response', 'error_response'];
/** Binding, Allocate, Refresh, Send, Data, CreatePermission, ChannelBind requests/responses. */
const KNOWN_TYPES = new Set([
  0x0001, 0x0101, 0x0111, 0x0003, 0x0103, 0x0113, 0x0004, 0x0104, 0x0016, 0x0017, 0x0008, 0x0108,
  0x0009, 0x0109,
]);

export function recogniseStun(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  const type = u16(b, 0);
  if (type < 0) return null;
  if ((type & 0xc000) === 0) {
    const len = u16(b, 2);
    if (len < 0 || len % 4 !== 0) return null;
    const cookie = u32(b, 4);
    if (cookie !== MAGIC) {
      // Cut before the cookie: only the STUN port makes the first 4 bytes credible.
      return cookie < 0 && KNOWN_TYPES.has(type) && hasPort(ctx, 3478, 5349)
        ? stun({ truncated: 'true' }, 1)
        : null;
    }
    const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
    const cls = ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7);
    const details: Record<string, string> = {
      method: method === 1 ? 'binding' : method >= 3 && method <= 10 ? 'turn' : String(method),
      class: CLASSES[cls] ?? 'unknown',
    };
    if (20 + len > b.length) details.truncated = 'true';
    return stun(details, 3);
  }
  // TURN ChannelData: the declared length must fit what was captured.
  if (type >= 0x4000 && type <= 0x4fff) {
    const len = u16(b, 2);
    if (len < 0) return null;
    // UDP: the datagram is the message (padding optional). TCP: padded to 4 bytes and
    // followed by the end of the prefix or more data on the same channel.
    const padded = ((len + 3) & ~3) + 4;
    const next = u16(b, padded);
    const fits =
      ctx.transport === 'tcp'
        ? padded === b.length || next === type
        : b.length === len + 4 || b.length === padded;
    if (!fits || !hasPort(ctx, 3478, 5349, 443)) return null;
    return stun({ message: 'channel_data', channel: type.toString(16) }, 2);
  }
  return null;
}

function stun(details: Record<string, string>, confidence: 1 | 2 | 3): Recognition {
  return { protocol: 'stun', keyExchange: false, version: null, details, confidence };
}
