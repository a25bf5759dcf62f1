// IKE/ISAKMP (RFC 2408 §3.1 for IKEv1, RFC 7296 §3.1 for IKEv2): a 28-byte header with two
// 8-byte SPIs, next payload, version (major.minor nibbles), exchange type, flags, message id
// and the total length. On UDP 4500 (RFC 3948 §2.2) IKE follows a 4-byte zero non-ESP
// marker, ESP starts with a non-zero SPI, and a single 0xff byte is a NAT-T keepalive.
import { hex, u32, u8 } from './bytes.js';
import type { Recognition, RecogniseContext } from './result.js';
import { hasPort } from './result.js';

const V1_EXCHANGES: Record<number, string> = {
  1: 'base',
  2: 'identity_protection',
  3: 'authentication_only',
  4: 'aggressive',
  5: 'informational',
  32: 'quick_mode',
  33: 'new_group_mode',
};
const V2_EXCHANGES: Record<number, string> = {
  34: 'IKE_SA_INIT',
  35: 'IKE_AUTH',
  36: 'CREATE_CHILD_SA',
  37: 'INFORMATIONAL',
  38: 'IKE_SESSION_RESUME',
  43: 'IKE_INTERMEDIATE',
  44: 'IKE_FOLLOWUP_KE',
};

function zero8(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 8; i++) if (u8(b, at + i) !== 0) return false;
  return true;
}

function header(b: Uint8Array, at: number): Recognition | null {
  if (b.length - at < 18) return null;
  if (zero8(b, at)) return null; // The initiator SPI is never zero.
  const nextPayload = u8(b, at + 16);
  const version = u8(b, at + 17);
  const major = version >> 4;
  const exchange = u8(b, at + 18);
  const details: Record<string, string> = {};
  let name: string | undefined;
  if (major === 1) {
    name = V1_EXCHANGES[exchange];
    // RFC 2408 §3.1: next payload types 0–13 (plus private use 128+).
    if (nextPayload > 13 && nextPayload < 128) return null;
  } else if (major === 2) {
    name = V2_EXCHANGES[exchange];
    // RFC 7296 §3.2: payload types 33–54 (0 = none).
    if (nextPayload !== 0 && (nextPayload < 33 || nextPayload > 54) && nextPayload < 128)
      return null;
  } else return null;
  if (exchange >= 0 && name === undefined) return null;
  if (name !== undefined) details.exchange = name;
  const length = u32(b, at + 24);
  let confidence: 1 | 2 | 3 = 2;
  if (length >= 0) {
    if (length < 28 || length > 65535) return null;
    if (length === b.length - at) confidence = 3;
    else if (length < b.length - at) {
      // Datagrams back to back in one prefix: the next one is the same exchange (same SPI),
      // possibly behind its own non-ESP marker on 4500.
      const next = at + length + (at === 4 ? 4 : 0);
      let same = true;
      for (let i = 0; i < 8; i++) if (u8(b, at + i) !== u8(b, next + i)) same = false;
      if (!same) return null;
      confidence = 3;
    } else details.truncated = 'true';
  } else details.truncated = 'true';
  details.initiatorSpi = hex(b, at, at + 8);
  // A first IKE_SA_INIT / main mode message has a zero responder SPI.
  if (zero8(b, at + 8) && confidence === 2) confidence = 3;
  return {
    protocol: 'ike',
    keyExchange: true,
    version: major === 1 ? 'IKEv1' : 'IKEv2',
    details,
    confidence,
  };
}

export function recogniseIke(b: Uint8Array, ctx: RecogniseContext): Recognition | null {
  const natT = hasPort(ctx, 4500);
  if (natT) {
    if (b.length === 1 && b[0] === 0xff) {
      return {
        protocol: 'ike',
        keyExchange: true,
        version: null,
        details: { message: 'nat_keepalive' },
        confidence: 2,
      };
    }
    if (u32(b, 0) === 0) {
      const r = header(b, 4);
      return r === null ? null : { ...r, details: { ...r.details, nonEspMarker: 'true' } };
    }
    // ESP in UDP (RFC 3948 §2.1): SPI ≥ 256 (1–255 reserved); a new SA counts from 1, so a
    // flow's first ESP packet has a small sequence number.
    const spi = u32(b, 0);
    const seq = u32(b, 4);
    if (spi >= 256 && seq >= 1 && seq <= 1024 && b.length >= 24) {
      return {
        protocol: 'ike',
        keyExchange: true,
        version: null,
        details: { message: 'esp', spi: spi.toString(16) },
        confidence: 1,
      };
    }
    return null;
  }
  return header(b, 0);
}
