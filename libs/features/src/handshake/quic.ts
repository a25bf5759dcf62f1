// QUIC long headers (RFC 8999 invariants, RFC 9000 §17.2): IETF v1 (0x00000001), v2
// (0x6b3343cf, RFC 9369), drafts (0xff0000NN), version negotiation (version 0), and Google
// QUIC: Q046 and later use the same long-header shape with an ASCII version ("Q046",
// "Q050", "T051"); Q043 and older put a flags byte, an 8-byte connection id and the version
// at offset 9. The client Initial is decrypted for its ClientHello (SNI, ALPN, JA4 "q").
import { ascii, u32, u8 } from './bytes.js';
import { decryptInitialClientHello } from './quic-initial.js';
import type { Recognition } from './result.js';
import { clientHelloRecognition } from './tls.js';

const V1 = 0x00000001;
const V2 = 0x6b3343cf;

export function quicVersionName(v: number): string | null {
  if (v === V1) return 'v1';
  if (v === V2) return 'v2';
  if (v >>> 8 === 0xff0000) return `draft-${v & 0xff}`;
  // RFC 9000 §15: 0x?a?a?a?a versions are reserved to exercise version negotiation.
  if ((v & 0x0f0f0f0f) === 0x0a0a0a0a) return 'grease';
  return null;
}

function gquicVersion(b: Uint8Array, at: number): string | null {
  const v = ascii(b, at, at + 4);
  return /^[QT]0[0-9]{2}$/.test(v) ? v : null;
}

/** Long-header packet type names: v2 rotates the codes (RFC 9369 §3.2). */
function packetType(first: number, version: number): string {
  const bits = (first >> 4) & 3;
  const v1 = ['initial', '0rtt', 'handshake', 'retry'];
  const v2 = ['retry', 'initial', '0rtt', 'handshake'];
  return (version === V2 ? v2 : v1)[bits] ?? 'unknown';
}

export function recogniseQuic(b: Uint8Array): Recognition | null {
  const first = u8(b, 0);
  if (first < 0) return null;
  if ((first & 0x80) === 0) return legacyGquic(b);
  const version = u32(b, 1);
  if (version < 0) return null;
  const g = gquicVersion(b, 1);
  if (g !== null) {
    return {
      protocol: 'gquic',
      keyExchange: true,
      version: g,
      details: { quicVersion: g },
      confidence: 2,
    };
  }
  const dcidLen = u8(b, 5);
  if (version === 0) return versionNegotiation(b, dcidLen);
  const name = quicVersionName(version);
  if (name === null) return null;
  // RFC 9000 §17.2: the fixed bit is 1 (RFC 9287 lets peers grease it once agreed; not
  // in a first Initial). v1/v2 connection ids are at most 20 bytes.
  if ((first & 0x40) === 0) return null;
  if (dcidLen > 20) return null;
  const scidLen = u8(b, 6 + Math.max(0, dcidLen));
  if (scidLen > 20) return null;
  const type = packetType(first, version);
  const details: Record<string, string> = { quicVersion: name, packet: type };
  if (dcidLen < 0 || scidLen < 0) details.truncated = 'true';
  if (type === 'initial' && (version === V1 || version === V2) && dcidLen >= 8) {
    const ch = decryptInitialClientHello(b, version);
    if (ch !== null) return clientHelloRecognition('quic', ch, 'q', details);
  }
  return {
    protocol: 'quic',
    keyExchange: true,
    // RFC 9001: IETF QUIC (v1, v2 and the drafts) always runs TLS 1.3; its own version is in details.
    version: name === 'grease' ? null : 'TLS1.3',
    details,
    confidence: scidLen >= 0 ? 3 : 2,
  };
}

function versionNegotiation(b: Uint8Array, dcidLen: number): Recognition | null {
  if (dcidLen < 0) return null;
  const scidAt = 6 + dcidLen;
  const scidLen = u8(b, scidAt);
  if (scidLen < 0) return null;
  const listAt = scidAt + 1 + scidLen;
  const versions: string[] = [];
  for (let p = listAt; p + 4 <= b.length && versions.length < 16; p += 4) {
    const v = u32(b, p);
    const name = quicVersionName(v) ?? gquicVersion(b, p);
    if (name === null) return null;
    versions.push(name);
  }
  if (versions.length === 0) return null;
  return {
    protocol: 'quic',
    keyExchange: true,
    version: null,
    details: { packet: 'version_negotiation', versions: versions.join(',') },
    confidence: (b.length - listAt) % 4 === 0 ? 3 : 2,
  };
}

/**
 * Google QUIC up to Q043 (the "public header"): flags with PUBLIC_FLAG_VERSION (0x01) and an
 * 8-byte connection id (0x08), then the ASCII version at offset 9. Only client packets
 * carry the version, which is what a first packet is.
 */
function legacyGquic(b: Uint8Array): Recognition | null {
  const flags = u8(b, 0);
  if ((flags & 0x01) === 0 || (flags & 0x08) === 0 || (flags & 0x80) !== 0) return null;
  const v = gquicVersion(b, 9);
  if (v === null) return null;
  return {
    protocol: 'gquic',
    keyExchange: true,
    version: v,
    details: { quicVersion: v, header: 'public' },
    confidence: 3,
  };
}
