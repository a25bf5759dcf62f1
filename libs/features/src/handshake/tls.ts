// TLS over a byte stream: SSL 2.0-compatible ClientHello (RFC 6101 App. E, RFC 5246 App. E.2)
// and SSL 3.0–TLS 1.3 records (RFC 8446 §5.1). A first packet may hold only part of a record,
// and a handshake message may span records: handshake fragments are joined before parsing,
// and a cut body still counts when the record header and handshake type agree.
import { u16, u24, u8 } from './bytes.js';
import { ja4Of, type Ja4Transport } from './ja4.js';
import type { Recognition } from './result.js';
import {
  offeredVersion,
  parseClientHelloBody,
  parseServerHelloBody,
  tlsVersionName,
  type ClientHelloInfo,
} from './tls-hello.js';

const CT_CCS = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_APPDATA = 23;
const CT_HEARTBEAT = 24;

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;

/** RFC 8446 §5.1/§5.2: plaintext ≤ 2^14, ciphertext ≤ 2^14 + 256 (TLS 1.2 allows +2048). */
const MAX_RECORD = 16384 + 2048;
const MAX_RECORDS = 64;

const CONTENT_NAMES: Record<number, string> = {
  [CT_CCS]: 'change_cipher_spec',
  [CT_ALERT]: 'alert',
  [CT_HANDSHAKE]: 'handshake',
  [CT_APPDATA]: 'application_data',
  [CT_HEARTBEAT]: 'heartbeat',
};

function isRecordVersion(major: number, minor: number): boolean {
  return major === 3 && minor >= 0 && minor <= 4;
}

/** A plausible TLS record header starts at `off` (needs 3 bytes; length checked when present). */
export function tlsRecordHeaderAt(b: Uint8Array, off: number): boolean {
  const type = u8(b, off);
  if (type < CT_CCS || type > CT_HEARTBEAT) return false;
  if (!isRecordVersion(u8(b, off + 1), u8(b, off + 2))) return false;
  const len = u16(b, off + 3);
  if (len === -1) return true;
  return len > 0 && len <= MAX_RECORD;
}

interface RecordWalk {
  /** Content types of the records seen, in order. */
  readonly types: number[];
  /** Concatenated handshake-record fragments (may be cut). */
  readonly handshake: Uint8Array;
  /** The walk stopped on bytes that are not a TLS record. */
  readonly garbage: boolean;
}

function walkRecords(b: Uint8Array, start: number): RecordWalk {
  const types: number[] = [];
  const parts: Uint8Array[] = [];
  let p = start;
  let garbage = false;
  let handshakeOpen = true;
  // Bounded: a first flight is a handful of records; a hostile prefix of tiny records is not.
  while (p < b.length && types.length < MAX_RECORDS) {
    if (!tlsRecordHeaderAt(b, p)) {
      garbage = true;
      break;
    }
    const type = u8(b, p);
    const len = u16(b, p + 3);
    types.push(type);
    if (len < 0) break;
    const bodyEnd = Math.min(b.length, p + 5 + len);
    // Only the leading run of handshake records is plaintext handshake: after
    // ChangeCipherSpec (or in TLS 1.3 after ServerHello) records are encrypted.
    if (type === CT_HANDSHAKE && handshakeOpen) parts.push(b.subarray(p + 5, bodyEnd));
    else if (type !== CT_HANDSHAKE) handshakeOpen = false;
    p += 5 + len;
  }
  let total = 0;
  for (const x of parts) total += x.length;
  const handshake = new Uint8Array(total);
  let o = 0;
  for (const x of parts) {
    handshake.set(x, o);
    o += x.length;
  }
  return { types, handshake, garbage };
}

/** Builds the recognition for a parsed ClientHello (shared with DTLS and QUIC). */
export function clientHelloRecognition(
  protocol: 'tls' | 'dtls' | 'quic',
  ch: ClientHelloInfo,
  ja4Transport: Ja4Transport,
  extra: Record<string, string> = {},
): Recognition {
  const version = offeredVersion(ch);
  const details: Record<string, string> = { message: 'client_hello', ...extra };
  if (!ch.complete) details.truncated = 'true';
  const legacy = tlsVersionName(ch.legacyVersion);
  if (legacy !== null) details.legacyVersion = legacy;
  return {
    protocol,
    keyExchange: true,
    version: tlsVersionName(version),
    sni: ch.sni,
    alpn: ch.alpn,
    ja4: ja4Of(ch, ja4Transport),
    details,
    confidence: 3,
  };
}

/** SSL 2.0 CLIENT-HELLO with a 2-byte header (RFC 6101 App. E.1; still sent for compatibility). */
function recogniseSsl2(b: Uint8Array): Recognition | null {
  const h0 = u8(b, 0);
  if (h0 < 0x80) return null;
  const recLen = ((h0 & 0x7f) << 8) | u8(b, 1);
  if (u8(b, 2) !== 1) return null;
  const version = u16(b, 3);
  if (version !== 0x0002 && !(version >> 8 === 3 && (version & 0xff) <= 3)) return null;
  const csLen = u16(b, 5);
  const sidLen = u16(b, 7);
  const chLen = u16(b, 9);
  if (csLen < 0 || sidLen < 0 || chLen < 0) {
    // Cut inside the fixed header: the message type and version already agree.
    return b.length >= 5 ? ssl2(version, true, 1) : null;
  }
  if (csLen === 0 || csLen % 3 !== 0) return null;
  if (sidLen !== 0 && sidLen !== 16) return null;
  if (chLen < 16 || chLen > 32) return null;
  if (recLen !== 9 + csLen + sidLen + chLen) return null;
  return ssl2(version, b.length < 2 + recLen, 2);
}

function ssl2(version: number, truncated: boolean, confidence: 1 | 2): Recognition {
  const details: Record<string, string> = { message: 'client_hello', record: 'sslv2' };
  if (truncated) details.truncated = 'true';
  return {
    protocol: 'tls',
    keyExchange: true,
    version: tlsVersionName(version),
    details,
    confidence,
  };
}

/**
 * Recognises TLS at `start` of a stream direction. `ja4Transport` is 't' for TLS over TCP.
 */
export function recogniseTlsStream(b: Uint8Array, start = 0): Recognition | null {
  if (b.length - start < 3) return null;
  if (start === 0 && u8(b, 0) >= 0x80) return recogniseSsl2(b);
  if (!tlsRecordHeaderAt(b, start)) return null;
  const walk = walkRecords(b, start);
  const first = walk.types[0] ?? -1;
  const hs = walk.handshake;
  const record = CONTENT_NAMES[first] ?? 'unknown';
  if (first === CT_HANDSHAKE && hs.length >= 1) {
    const hsType = u8(hs, 0);
    const hsLen = u24(hs, 1);
    if (hsType === HS_CLIENT_HELLO) {
      if (hsLen >= 0) {
        const ch = parseClientHelloBody(hs, 4, 4 + hsLen);
        if (ch !== null) return clientHelloRecognition('tls', ch, 't');
        if (hs.length >= 4 + hsLen) return null;
      }
      return headerOnly('client_hello', b, start, 2);
    }
    if (hsType === HS_SERVER_HELLO) {
      if (hsLen >= 0) {
        const sh = parseServerHelloBody(hs, 4, 4 + hsLen);
        if (sh !== null) {
          const details: Record<string, string> = {
            message: sh.helloRetryRequest ? 'hello_retry_request' : 'server_hello',
          };
          if (sh.cipher >= 0) details.cipher = sh.cipher.toString(16).padStart(4, '0');
          if (!sh.complete) details.truncated = 'true';
          return {
            protocol: 'tls',
            keyExchange: true,
            version: tlsVersionName(sh.selectedVersion),
            alpn: sh.alpn,
            details,
            confidence: 3,
          };
        }
        if (hs.length >= 4 + hsLen) return null;
      }
      return headerOnly('server_hello', b, start, 2);
    }
    // Other handshake messages open a flow only mid-stream; the record framing still tells.
    if (hsType > 24 || walk.garbage) return null;
    return headerOnly(`handshake_${hsType}`, b, start, 1);
  }
  if (first === CT_HANDSHAKE) return headerOnly('handshake', b, start, 1);
  // Mid-stream capture: application data / alerts in record framing. Needs two consecutive
  // records, or one whose header and length are whole, to tell it from random bytes.
  if (walk.garbage && walk.types.length < 2) return null;
  if (b.length - start < 5) return null;
  return headerOnly(record, b, start, walk.types.length >= 2 ? 2 : 1);
}

function headerOnly(message: string, b: Uint8Array, start: number, confidence: 1 | 2): Recognition {
  const recVer = u16(b, start + 1);
  const details: Record<string, string> = { message };
  if (b.length - start < 5 + Math.max(0, u16(b, start + 3))) details.truncated = 'true';
  return {
    protocol: 'tls',
    keyExchange: true,
    version: message === 'client_hello' ? null : tlsVersionName(recVer),
    details: { ...details, recordVersion: tlsVersionName(recVer) ?? 'unknown' },
    confidence,
  };
}
