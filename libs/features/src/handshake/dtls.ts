// DTLS 1.0/1.2 records (RFC 6347 §4.1) and DTLS 1.3 (RFC 9147 §4): a 13-byte record header
// with epoch and sequence number, handshake messages with a 12-byte header carrying
// fragment offsets, and a cookie in the ClientHello. DTLS-SRTP (RFC 5764) is DTLS whose
// ClientHello offers use_srtp, the key exchange behind WebRTC media.
import { u16, u24, u8 } from './bytes.js';
import type { Recognition, RecogniseContext } from './result.js';
import { clientHelloRecognition } from './tls.js';
import { parseClientHelloBody, parseServerHelloBody, tlsVersionName } from './tls-hello.js';

const EXT_USE_SRTP = 0x000e;

function isDtlsRecordVersion(v: number): boolean {
  // DTLS 1.3 keeps 0xfefd on the wire (RFC 9147 §4); 0x0100 is OpenSSL's pre-RFC DTLS 1.0.
  return v === 0xfeff || v === 0xfefd || v === 0xfefc || v === 0x0100;
}

/** RFC 7983 §7: RTP media ports are where WebRTC multiplexes DTLS with STUN and SRTP. */
function onMediaPort(ctx: RecogniseContext): boolean {
  return ctx.srcPort >= 10000 && ctx.dstPort >= 10000;
}

export function recogniseDtls(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  const type = u8(b, 0);
  // RFC 9147 §4: 0b001xxxxx is the DTLS 1.3 unified (encrypted) header; too loose to tell alone.
  if (type < 20 || type > 26) return null;
  const version = u16(b, 1);
  if (version < 0 || !isDtlsRecordVersion(version)) return null;
  const epoch = u16(b, 3);
  const len = u16(b, 11);
  if (len === 0 || len > 16384 + 2048) return null;
  const details: Record<string, string> = {};
  if (onMediaPort(ctx)) details.media = 'dtls-srtp-candidate';
  if (type === 22 && epoch === 0 && b.length >= 13 + 12) {
    const hsType = u8(b, 13);
    const hsLen = u24(b, 14);
    const fragOff = u24(b, 19);
    const fragLen = u24(b, 22);
    if (hsType === 1 && fragOff === 0) {
      const ch = parseClientHelloBody(b, 25, 25 + Math.min(hsLen, fragLen), true);
      if (ch !== null) {
        if (ch.extensions.includes(EXT_USE_SRTP)) details.srtp = 'true';
        return clientHelloRecognition('dtls', ch, 'd', details);
      }
      // Cut before the session id: the record and handshake headers already agree.
      if (b.length < 25 + fragLen && fragLen === hsLen) {
        return { ...weak(version, { ...details, message: 'client_hello' }), confidence: 2 };
      }
      return null;
    }
    if (hsType === 2 && fragOff === 0) {
      const sh = parseServerHelloBody(b, 25, 25 + Math.min(hsLen, fragLen));
      if (sh !== null) {
        return {
          protocol: 'dtls',
          keyExchange: true,
          version: tlsVersionName(sh.selectedVersion),
          details: { ...details, message: 'server_hello' },
          confidence: 3,
        };
      }
      return null;
    }
    // HelloVerifyRequest (3) carries a cookie: RFC 6347 §4.2.1.
    if (hsType === 3) {
      return {
        protocol: 'dtls',
        keyExchange: true,
        version: tlsVersionName(version),
        details: { ...details, message: 'hello_verify_request' },
        confidence: 2,
      };
    }
  }
  // A bare header: the 13 bytes still agree on type, version and a bounded length.
  if (b.length < 13) return b.length >= 3 && type === 22 ? weak(version, details) : null;
  // Past the handshake (epoch > 0), records must chain exactly to the end of the prefix.
  const exact = chainsToEnd(b);
  if (epoch !== 0 && !exact) return null;
  return {
    protocol: 'dtls',
    keyExchange: true,
    version: tlsVersionName(version),
    details: { ...details, message: type === 22 ? 'handshake' : `record_${type}` },
    confidence: exact ? 2 : 1,
  };
}

function chainsToEnd(b: Uint8Array): boolean {
  let p = 0;
  for (let n = 0; n < 32 && p + 13 <= b.length; n++) {
    const t = u8(b, p);
    if (t < 20 || t > 26 || !isDtlsRecordVersion(u16(b, p + 1))) return false;
    p += 13 + u16(b, p + 11);
    if (p === b.length) return true;
  }
  return false;
}

function weak(version: number, details: Record<string, string>): Recognition {
  return {
    protocol: 'dtls',
    keyExchange: true,
    version: tlsVersionName(version),
    details: { ...details, truncated: 'true' },
    confidence: 1,
  };
}
