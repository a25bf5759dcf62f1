// ClientHello / ServerHello body parsing shared by TLS, DTLS and QUIC (RFC 8446 §4.1.2–4.1.3,
// RFC 6347 §4.2.1 for the DTLS cookie, RFC 9001 §4.1.3 for QUIC's CRYPTO frames). Parsing
// stops at the first inconsistency and reports how far it got: a payload prefix is often cut
// in the middle of a large (post-quantum key share) ClientHello.
import { ascii, u16, u8 } from './bytes.js';

export interface ClientHelloInfo {
  readonly legacyVersion: number;
  /** supported_versions (RFC 8446 §4.2.1) in offered order, GREASE included. */
  readonly supportedVersions: readonly number[];
  readonly ciphers: readonly number[];
  /** Extension types in wire order, GREASE included. */
  readonly extensions: readonly number[];
  readonly sni: string | null;
  readonly alpn: readonly string[];
  /** signature_algorithms (RFC 8446 §4.2.3) in offered order. */
  readonly signatureAlgorithms: readonly number[];
  /** Every field up to the end of the extensions was present and consistent. */
  readonly complete: boolean;
}

export interface ServerHelloInfo {
  readonly legacyVersion: number;
  /** From supported_versions when present (TLS 1.3), else the legacy version. */
  readonly selectedVersion: number;
  readonly cipher: number;
  readonly alpn: readonly string[];
  readonly helloRetryRequest: boolean;
  readonly complete: boolean;
}

/** RFC 8701: 0x0a0a, 0x1a1a, … 0xfafa. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

export function tlsVersionName(v: number): string | null {
  switch (v) {
    case 0x0002:
      return 'SSL2.0';
    case 0x0300:
      return 'SSL3.0';
    case 0x0301:
      return 'TLS1.0';
    case 0x0302:
      return 'TLS1.1';
    case 0x0303:
      return 'TLS1.2';
    case 0x0304:
      return 'TLS1.3';
    case 0xfeff:
      return 'DTLS1.0';
    case 0xfefd:
      return 'DTLS1.2';
    case 0xfefc:
      return 'DTLS1.3';
    default:
      // TLS 1.3 drafts advertised 0x7fNN (draft-ietf-tls-tls13 §4.2.1 of the drafts).
      if (v >> 8 === 0x7f) return `TLS1.3-draft${v & 0xff}`;
      return null;
  }
}

/** Highest non-GREASE version in supported_versions, else the legacy version. */
export function offeredVersion(ch: ClientHelloInfo): number {
  let best = -1;
  for (const v of ch.supportedVersions) {
    if (isGrease(v)) continue;
    if (best < 0 || versionRank(v) > versionRank(best)) best = v;
  }
  return best >= 0 ? best : ch.legacyVersion;
}

/** Orders TLS and DTLS versions (DTLS numbers count down; 0x7fNN are TLS 1.3 drafts). */
export function versionRank(v: number): number {
  if (v >> 8 === 0xfe) return 0x0300 + (0x100 - (v & 0xff));
  if (v >> 8 === 0x7f) return 0x0303 + 0.5;
  return v;
}

const EXT_SNI = 0x0000;
const EXT_ALPN = 0x0010;
const EXT_SIG_ALGS = 0x000d;
const EXT_SUPPORTED_VERSIONS = 0x002b;

// RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

/**
 * Parses a ClientHello body starting at `start` (after the handshake header) up to `end`.
 * `dtls` adds the cookie field (RFC 6347 §4.2.1). Returns null when not even the version,
 * random and session id are plausible.
 */
export function parseClientHelloBody(
  b: Uint8Array,
  start: number,
  end: number,
  dtls = false,
): ClientHelloInfo | null {
  const lim = Math.min(end, b.length);
  let p = start;
  const legacyVersion = u16(b, p);
  if (legacyVersion < 0 || p + 2 > lim) return null;
  p += 2 + 32;
  const sidLen = u8(b, p);
  if (sidLen < 0 || p >= lim || sidLen > 32) return null;
  p += 1 + sidLen;
  const out = {
    legacyVersion,
    supportedVersions: [] as number[],
    ciphers: [] as number[],
    extensions: [] as number[],
    sni: null as string | null,
    alpn: [] as string[],
    signatureAlgorithms: [] as number[],
    complete: false,
  };
  if (dtls) {
    const cookieLen = u8(b, p);
    if (cookieLen < 0 || p >= lim) return out;
    p += 1 + cookieLen;
  }
  const csLen = u16(b, p);
  if (csLen < 0 || p + 2 > lim) return out;
  if (csLen % 2 !== 0 || csLen === 0) return null;
  p += 2;
  const csEnd = p + csLen;
  for (; p + 2 <= Math.min(csEnd, lim); p += 2) out.ciphers.push(u16(b, p));
  if (csEnd > lim) return out;
  p = csEnd;
  const compLen = u8(b, p);
  if (compLen < 0 || p >= lim) return out;
  if (compLen === 0) return null;
  p += 1 + compLen;
  // A hello without extensions is legal before TLS 1.3 (RFC 5246 §7.4.1.2).
  if (p >= lim && p === end) return { ...out, complete: true };
  const extTotal = u16(b, p);
  if (extTotal < 0 || p + 2 > lim) return out;
  p += 2;
  const extEnd = p + extTotal;
  while (p + 4 <= Math.min(extEnd, lim)) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    p += 4;
    out.extensions.push(type);
    const body = p;
    p += len;
    if (p > lim) break;
    if (type === EXT_SNI) out.sni = parseSni(b, body, p);
    else if (type === EXT_ALPN) out.alpn = parseAlpn(b, body, p);
    else if (type === EXT_SIG_ALGS)
      out.signatureAlgorithms = parseU16List(b, body + 2, body + 2 + u16(b, body), p);
    else if (type === EXT_SUPPORTED_VERSIONS) {
      const n = u8(b, body);
      out.supportedVersions = parseU16List(b, body + 1, body + 1 + n, p);
    }
  }
  out.complete = p === extEnd && extEnd <= lim;
  return out;
}

function parseU16List(b: Uint8Array, start: number, end: number, limit: number): number[] {
  const out: number[] = [];
  if (end < start) return out;
  for (let p = start; p + 2 <= Math.min(end, limit); p += 2) out.push(u16(b, p));
  return out;
}

// RFC 6066 §3: server_name_list of (name_type u8, host_name opaque<1..2^16-1>).
function parseSni(b: Uint8Array, start: number, end: number): string | null {
  let p = start + 2;
  while (p + 3 <= end) {
    const nameType = u8(b, p);
    const len = u16(b, p + 1);
    p += 3;
    if (p + len > end) return null;
    // A DNS name is at most 253 characters (RFC 1035 §2.3.4); longer is not a host name.
    if (nameType === 0) return len > 0 && len <= 255 ? ascii(b, p, p + len) : null;
    p += len;
  }
  return null;
}

// RFC 7301 §3.1: ProtocolNameList of opaque<1..255> names.
export function parseAlpn(b: Uint8Array, start: number, end: number): string[] {
  const out: string[] = [];
  let p = start + 2;
  // Bounded: browsers offer 2–3 protocols; a hostile list stops at 16.
  while (p < end && out.length < 16) {
    const len = u8(b, p);
    if (len <= 0 || p + 1 + len > end) break;
    out.push(ascii(b, p + 1, p + 1 + len));
    p += 1 + len;
  }
  return out;
}

/** Parses a ServerHello body (after the handshake header). */
export function parseServerHelloBody(
  b: Uint8Array,
  start: number,
  end: number,
): ServerHelloInfo | null {
  const lim = Math.min(end, b.length);
  let p = start;
  const legacyVersion = u16(b, p);
  if (legacyVersion < 0 || p + 2 > lim) return null;
  if (tlsVersionName(legacyVersion) === null) return null;
  const random = p + 2;
  p += 2 + 32;
  const sidLen = u8(b, p);
  if (sidLen < 0 || p >= lim || sidLen > 32) return null;
  let hrr = true;
  for (let i = 0; i < 32; i++) {
    if (u8(b, random + i) !== parseInt(HRR_RANDOM.slice(i * 2, i * 2 + 2), 16)) {
      hrr = false;
      break;
    }
  }
  p += 1 + sidLen;
  const cipher = u16(b, p);
  const base = {
    legacyVersion,
    selectedVersion: legacyVersion,
    cipher,
    alpn: [] as string[],
    helloRetryRequest: hrr,
    complete: false,
  };
  if (cipher < 0 || p + 2 > lim) return base;
  p += 2;
  if (u8(b, p) < 0 || p >= lim) return base;
  p += 1;
  if (p >= lim && p === end) return { ...base, complete: true };
  const extTotal = u16(b, p);
  if (extTotal < 0) return base;
  p += 2;
  const extEnd = p + extTotal;
  while (p + 4 <= Math.min(extEnd, lim)) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    p += 4;
    const body = p;
    p += len;
    if (p > lim) break;
    if (type === EXT_SUPPORTED_VERSIONS && len === 2) base.selectedVersion = u16(b, body);
    else if (type === EXT_ALPN) base.alpn = parseAlpn(b, body, p);
  }
  base.complete = p === extEnd && extEnd <= lim;
  return base;
}
