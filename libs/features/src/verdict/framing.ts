import type { FlowRecord, HandshakeInfo } from '@opaqueflow/flow-model';
import type { CompiledOptions } from '../options.js';
import { analyseRandomness, type RandomnessDetail } from '../randomness/analyse.js';

/**
 * Key exchanges whose first client message is structured cleartext: a TLS ClientHello (zero
 * bytes, lengths, extension codes) or an SSH banner followed by KEXINIT (ASCII name-lists).
 * Neither ever passes the randomness test. A flow that shows their framing — a TLS record
 * header, an SSH banner — around bytes that do pass it has borrowed the framing: it carries no
 * key exchange, which is what makes a channel opaque. QUIC, WireGuard, OpenVPN and IKE are not
 * listed: their first messages are partly encrypted by design, and their recognisers check
 * structure (QUIC Initial decryption, exact message sizes) instead.
 */
const LF = 0x0a;
const BANNER_WINDOW = 256;

/** Returns the evidence string when the recognised key exchange is only framing, else null. */
export function borrowedFraming(
  flow: FlowRecord,
  handshake: HandshakeInfo,
  initiatorBytes: Uint8Array | null,
  initiator: RandomnessDetail | null,
  options: CompiledOptions,
): string | null {
  if (flow.transport !== 'tcp' || initiatorBytes === null || initiator === null) return null;
  const enough = initiator.length >= options.minBytes;
  if (handshake.protocol === 'tls' || handshake.protocol === 'starttls') {
    // Mid-stream captures legitimately start with application-data records: only a flow whose
    // SYN was seen must open with a handshake.
    if (flow.initiatorKnown === true && enough && initiator.looksRandom) {
      return 'tls-framing-around-random-bytes';
    }
    return null;
  }
  if (handshake.protocol === 'ssh') {
    if (flow.initiatorKnown === true && enough && initiator.looksRandom) {
      return 'ssh-framing-around-random-bytes';
    }
    const end = initiatorBytes.subarray(0, BANNER_WINDOW).indexOf(LF);
    if (end < 0) return null;
    const rest = initiatorBytes.subarray(end + 1);
    if (rest.length < options.minBytes) return null;
    return analyseRandomness(rest, options.randomness).looksRandom
      ? 'ssh-banner-then-random-bytes'
      : null;
  }
  return null;
}
