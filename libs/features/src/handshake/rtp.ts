// RTP and RTCP (RFC 3550 §5.1, §6.4; RFC 5761 §4 for telling them apart on one port). SRTP and
// SRTCP (RFC 3711 §3.1) keep these headers in clear: WebRTC and VoIP media are encrypted
// payloads behind a recognisable header. A bare 12-byte RTP header is too loose to trust
// from one direction (about 1 in 400 random datagrams fits), so it needs a header extension
// (RFC 8285), or both directions agreeing.
import { u16, u32, u8 } from './bytes.js';
import type { Recognition } from './result.js';

const RTCP_TYPES: Record<number, string> = {
  200: 'SR',
  201: 'RR',
  202: 'SDES',
  203: 'BYE',
  204: 'APP',
  205: 'RTPFB',
  206: 'PSFB',
  207: 'XR',
};

/** SRTCP trailer: E flag + 31-bit index (4 bytes) and an auth tag (RFC 3711 §3.4, 80 or 32 bits). */
const SRTCP_TRAILERS = [14, 8, 4];

export function recogniseRtcp(b: Uint8Array): Recognition | null {
  const first = u8(b, 0);
  const pt = u8(b, 1);
  if (first < 0 || (first & 0xc0) !== 0x80 || pt < 200 || pt > 207) return null;
  // §6.1: a compound packet starts with SR or RR (a lone BYE/APP/feedback is allowed by RFC 5506).
  let p = 0;
  let count = 0;
  const types: string[] = [];
  while (p + 4 <= b.length && count < 32) {
    const f = u8(b, p);
    const t = u8(b, p + 1);
    const name = RTCP_TYPES[t];
    if ((f & 0xc0) !== 0x80 || name === undefined) break;
    const words = u16(b, p + 2);
    types.push(name);
    p += (words + 1) * 4;
    count++;
  }
  const rest = b.length - p;
  const details: Record<string, string> = { packets: types.join(',') };
  if (rest === 0) return rtcp(details, count >= 2 || pt === 200 || pt === 201 ? 3 : 2);
  if (rest < 0) {
    // Cut inside a later packet of a compound: at least one whole packet chained into a
    // second valid header. A lone header cut short is too loose (1 in 128 random datagrams).
    if (count < 2) return null;
    details.truncated = 'true';
    return rtcp(details, 2);
  }
  if (SRTCP_TRAILERS.includes(rest)) return rtcp({ ...details, srtcp: 'true' }, 2);
  return null;
}

function rtcp(details: Record<string, string>, confidence: 1 | 2 | 3): Recognition {
  return { protocol: 'rtcp', keyExchange: false, version: '2', details, confidence };
}

export interface RtpHeader {
  readonly payloadType: number;
  readonly ssrc: number;
  readonly headerLength: number;
  readonly extension: string | null;
}

/** Parses an RTP v2 header; null when it cannot be one (RTCP types, overflowing lengths). */
export function parseRtpHeader(b: Uint8Array): RtpHeader | null {
  const first = u8(b, 0);
  const second = u8(b, 1);
  if (first < 0 || second < 0 || (first & 0xc0) !== 0x80) return null;
  const pt = second & 0x7f;
  // RFC 5761 §4: payload types 64–95 would collide with RTCP 192–223.
  if (pt >= 64 && pt <= 95) return null;
  const cc = first & 0x0f;
  let len = 12 + cc * 4;
  if (b.length < len) return null;
  const ssrc = u32(b, 8);
  if (ssrc === 0) return null;
  let extension: string | null = null;
  if ((first & 0x10) !== 0) {
    const profile = u16(b, len);
    const words = u16(b, len + 2);
    if (profile < 0 || words < 0) return null;
    // RFC 8285 §4.2/4.3: 0xBEDE one-byte form, 0x100X two-byte form.
    if (profile === 0xbede) extension = 'one-byte';
    else if ((profile & 0xfff0) === 0x1000) extension = 'two-byte';
    else extension = 'profile-specific';
    len += 4 + words * 4;
    if (len > b.length) return null;
  }
  if ((first & 0x20) !== 0) {
    const pad = u8(b, b.length - 1);
    if (pad === 0 || len + pad > b.length) return null;
  }
  return { payloadType: pt, ssrc, headerLength: len, extension };
}

export function recogniseRtp(b: Uint8Array): Recognition | null {
  const h = parseRtpHeader(b);
  if (h === null || h.extension === null || h.extension === 'profile-specific') return null;
  return {
    protocol: 'rtp',
    keyExchange: false,
    version: '2',
    details: { payloadType: String(h.payloadType), extension: h.extension },
    confidence: 3,
  };
}

/**
 * Both directions start with RTP headers (different SSRCs, payload types agree or are both
 * the same): a call or WebRTC session. Random bytes match this about once in 10^8 flows.
 */
export function recogniseRtpPair(fwd: Uint8Array, rev: Uint8Array): Recognition | null {
  const a = parseRtpHeader(fwd);
  const b = parseRtpHeader(rev);
  if (a === null || b === null || a.ssrc === b.ssrc) return null;
  // Plain headers (no CSRC, no padding) with the same payload type both ways.
  if ((u8(fwd, 0) & 0x2f) !== 0 || (u8(rev, 0) & 0x2f) !== 0) return null;
  if (a.payloadType !== b.payloadType) return null;
  if (fwd.length <= a.headerLength || rev.length <= b.headerLength) return null;
  return {
    protocol: 'rtp',
    keyExchange: false,
    version: '2',
    details: { payloadType: String(a.payloadType), evidence: 'both-directions' },
    confidence: 2,
  };
}
