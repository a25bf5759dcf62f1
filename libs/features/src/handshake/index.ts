// Handshake and protocol recognition from the first payload bytes of each direction.
// Each recogniser looks at one direction; flow-level recognisers (STARTTLS) look at both.
// The strongest recognition wins; when both directions name the same protocol their details
// are merged (the ClientHello gives SNI/ALPN/JA4, the ServerHello the negotiated version).
import type {
  ContentMagic,
  HandshakeInfo,
  PacketDirection,
  Transport,
} from '@opaqueflow/flow-model';
import { detectContentMagic as detectMagic } from './magic.js';
import { RECOGNISERS } from './registry.js';
import type { Recognition, RecogniseContext } from './result.js';

export interface HandshakeInput {
  readonly initiator: Uint8Array | null;
  readonly responder: Uint8Array | null;
  readonly transport: Transport;
  readonly srcPort: number;
  readonly dstPort: number;
}

const NONE: HandshakeInfo = Object.freeze({
  protocol: 'none',
  seenIn: null,
  keyExchange: false,
  version: null,
  sni: null,
  alpn: Object.freeze<string[]>([]),
  ja4: null,
  details: Object.freeze({}),
});

interface Found {
  readonly rec: Recognition;
  readonly dir: PacketDirection;
  /** Index in RECOGNISERS: lower wins ties. */
  readonly rank: number;
}

/** `x` is a stronger recognition than `y`: more confident, or earlier in the registry. */
function beats(x: Found, y: Found | null): boolean {
  if (y === null) return true;
  if (x.rec.confidence !== y.rec.confidence) return x.rec.confidence > y.rec.confidence;
  return x.rank < y.rank;
}

function recogniseDirection(bytes: Uint8Array, ctx: RecogniseContext): Found | null {
  let best: Found | null = null;
  for (let i = 0; i < RECOGNISERS.length; i++) {
    const r = RECOGNISERS[i];
    if (r === undefined || !r.transports.includes(ctx.transport)) continue;
    let rec: Recognition | null = null;
    try {
      rec = r.run(bytes, ctx);
    } catch {
      // A recogniser bug must not take the feature stage down: the bytes simply stay unrecognised.
      rec = null;
    }
    if (rec === null) continue;
    const f: Found = { rec, dir: ctx.direction, rank: i };
    if (beats(f, best)) best = f;
    if (rec.confidence === 3) break;
  }
  return best;
}

function toInfo(primary: Found, other: Found | null): HandshakeInfo {
  const r = primary.rec;
  const same = other !== null && other.rec.protocol === r.protocol ? other : null;
  const fwd = primary.dir === 'fwd' ? r : (same?.rec ?? null);
  const rev = primary.dir === 'rev' ? r : (same?.rec ?? null);
  const details: Record<string, string> = { ...(r.details ?? {}) };
  if (same !== null) {
    const prefix = same.dir === 'rev' ? 'responder.' : 'initiator.';
    for (const [k, v] of Object.entries(same.rec.details ?? {})) details[prefix + k] = v;
  }
  // The responder's choice (ServerHello) is the negotiated version; the initiator's an offer.
  const version = rev?.version ?? fwd?.version ?? null;
  const revAlpn = rev?.alpn ?? [];
  return {
    protocol: r.protocol,
    seenIn: primary.dir,
    keyExchange: r.keyExchange,
    version,
    sni: fwd?.sni ?? rev?.sni ?? null,
    alpn: revAlpn.length > 0 ? revAlpn : (fwd?.alpn ?? []),
    ja4: fwd?.ja4 ?? rev?.ja4 ?? null,
    details,
  };
}

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length > 0;
}

/** Recognises the key exchange or protocol of a flow from its first payload bytes. */
export function recogniseHandshake(input: HandshakeInput): HandshakeInfo {
  const { transport, srcPort, dstPort } = input;
  const base = { transport, srcPort, dstPort };
  const fwd = isBytes(input.initiator)
    ? recogniseDirection(input.initiator, {
        ...base,
        direction: 'fwd',
        ownPort: srcPort,
        peerPort: dstPort,
      })
    : null;
  const rev = isBytes(input.responder)
    ? recogniseDirection(input.responder, {
        ...base,
        direction: 'rev',
        ownPort: dstPort,
        peerPort: srcPort,
      })
    : null;
  if (fwd === null && rev === null) return NONE;
  // On a tie the initiator's bytes decide: it chose the protocol.
  if (fwd !== null && (rev === null || !beats(rev, fwd))) return toInfo(fwd, rev);
  return toInfo(rev as Found, fwd);
}

/** Compressed or media content recognised by its file-format magic. */
export function detectContentMagic(bytes: Uint8Array): ContentMagic | null {
  try {
    return detectMagic(bytes);
  } catch {
    return null;
  }
}

export type { Recognition } from './result.js';
