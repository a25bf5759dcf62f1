// RDP: TPKT (RFC 1006 §6: version 3, reserved 0, 16-bit length) carrying an X.224 connection
// request or confirm (MS-RDPBCGR §2.2.1.1, 2.2.1.2) with an optional routing cookie and
// RDP_NEG_REQ naming the security protocols. RDP over UDP (MS-RDPEUDP §2.2.2.1/2.2.2.5)
// opens with a SYN datagram: snSourceAck 0xFFFFFFFF, RDPUDP_FLAG_SYN, and MTUs 1132–1232.
import { indexOfAscii, u16, u32, u32le, u8 } from './bytes.js';
import type { Recognition, RecogniseContext } from './result.js';
import { hasPort } from './result.js';

const TPDU: Record<number, string> = {
  0xe0: 'connection_request',
  0xd0: 'connection_confirm',
  0xf0: 'data',
};

function securityNames(flags: number): string {
  const out: string[] = [];
  if (flags === 0) return 'rdp';
  if (flags & 0x1) out.push('tls');
  if (flags & 0x2) out.push('credssp');
  if (flags & 0x4) out.push('rdstls');
  if (flags & 0x8) out.push('credssp-ex');
  if (flags & 0x10) out.push('aad');
  return out.join(',') || 'unknown';
}

export function recogniseRdpTcp(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  if (u8(b, 0) !== 3 || u8(b, 1) !== 0) return null;
  const len = u16(b, 2);
  if (len < 0) return b.length >= 2 && hasPort(ctx, 3389) ? weak() : null;
  if (len < 11 || len > 8192) return null;
  const li = u8(b, 4);
  const code = u8(b, 5);
  if (li < 0) return null;
  // X.224 length indicator counts the TPDU header minus itself: len - 5 for CR/CC.
  const name = TPDU[code & 0xf0];
  if (name === undefined) return code < 0 && hasPort(ctx, 3389) ? weak() : null;
  if (name !== 'data' && li !== len - 5) return null;
  const details: Record<string, string> = { message: name };
  const cookieAt = indexOfAscii(b, 'Cookie: mstshash=', 11, 64);
  if (cookieAt >= 0) details.cookie = 'mstshash';
  // RDP_NEG_REQ/RSP is the last 8 bytes of the TPDU: type 1/2, flags, length 8, protocols.
  const negAt = len - 8;
  const negType = u8(b, negAt);
  if ((negType === 1 || negType === 2) && u16(b, negAt + 2) === 0x0800) {
    details.security = securityNames(u32le(b, negAt + 4));
  }
  return {
    protocol: 'rdp',
    keyExchange: false,
    version: null,
    details,
    confidence: name === 'data' ? 2 : 3,
  };
}

function weak(): Recognition {
  return {
    protocol: 'rdp',
    keyExchange: false,
    version: null,
    details: { truncated: 'true' },
    confidence: 1,
  };
}

export function recogniseRdpUdp(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  if (u32(b, 0) !== 0xffffffff) return null;
  const flags = u16(b, 6);
  if (flags < 0 || (flags & 0x0001) === 0) return null;
  const up = u16(b, 12);
  const down = u16(b, 14);
  const mtusOk = up >= 1132 && up <= 1232 && down >= 1132 && down <= 1232;
  if (!mtusOk && !(up < 0 && hasPort(ctx, 3389))) return null;
  const details: Record<string, string> = {
    message: (flags & 0x0004) !== 0 ? 'syn_ack' : 'syn',
    transport: 'udp',
  };
  return {
    protocol: 'rdp',
    keyExchange: false,
    version: null,
    details,
    confidence: mtusOk ? 3 : 1,
  };
}
