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
import { recogniseRtpPair } from './rtp.js';
import { recogniseUpgrade } from './starttls.js';

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
  /** The flow uses a port where this protocol is standard. */
  readonly onPort: boolean;
}

/** `x` is a stronger recognition than `y`: more confident, on its standard port, or earlier in the registry. */
function beats(x: Found, y: Found | null): boolean {
  if (y === null) return true;
  if (x.rec.confidence !== y.rec.confidence) return x.rec.confidence > y.rec.confidence;
  if (x.onPort !== y.onPort) return x.onPort;
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
    const onPort = r.ports?.some((p) => p === ctx.srcPort || p === ctx.dstPort) ?? false;
    const f: Found = { rec, dir: ctx.direction, rank: i, onPort };
    if (beats(f, best)) best = f;
    if (rec.confidence === 3 && onPort) break;
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

/** Flow-level recognisers that need both directions: STARTTLS upgrades, two-way RTP. */
function recogniseFlow(
  fwd: Uint8Array | null,
  rev: Uint8Array | null,
  ctx: RecogniseContext,
): Found | null {
  let rec: Recognition | null = null;
  try {
    if (ctx.transport !== 'udp') rec = recogniseUpgrade(fwd, rev, ctx);
    if (rec === null && ctx.transport !== 'tcp' && fwd !== null && rev !== null)
      rec = recogniseRtpPair(fwd, rev);
  } catch {
    rec = null;
  }
  if (rec === null) return null;
  return { rec, dir: fwd !== null ? 'fwd' : 'rev', rank: -1, onPort: false };
}

function withConfidence(info: HandshakeInfo, confidence: 1 | 2 | 3): HandshakeInfo {
  return { ...info, details: { ...info.details, confidence: CONFIDENCE[confidence] } };
}

const CONFIDENCE = { 1: 'low', 2: 'medium', 3: 'high' } as const;

/** Recognises the key exchange or protocol of a flow from its first payload bytes. */
export function recogniseHandshake(input: HandshakeInput): HandshakeInfo {
  const { transport, srcPort, dstPort } = input;
  const initiator = isBytes(input.initiator) ? input.initiator : null;
  const responder = isBytes(input.responder) ? input.responder : null;
  const base = { transport, srcPort, dstPort };
  const fwdCtx: RecogniseContext = {
    ...base,
    direction: 'fwd',
    ownPort: srcPort,
    peerPort: dstPort,
  };
  const revCtx: RecogniseContext = {
    ...base,
    direction: 'rev',
    ownPort: dstPort,
    peerPort: srcPort,
  };
  const flow =
    initiator !== null || responder !== null ? recogniseFlow(initiator, responder, fwdCtx) : null;
  if (flow !== null && flow.rec.confidence === 3) return withConfidence(toInfo(flow, null), 3);
  const fwd = initiator !== null ? recogniseDirection(initiator, fwdCtx) : null;
  const rev = responder !== null ? recogniseDirection(responder, revCtx) : null;
  // On a tie the earlier candidate wins: the flow-level view, then the initiator's bytes (it
  // chose the protocol), then the responder's.
  let primary: Found | null = null;
  const candidates = [flow, fwd, rev].filter((c): c is Found => c !== null);
  for (const c of candidates) if (beats(c, primary)) primary = c;
  if (primary === null) return NONE;
  const p = primary;
  const other = candidates.find((c) => c !== p && c.rec.protocol === p.rec.protocol) ?? null;
  return withConfidence(toInfo(p, other), p.rec.confidence);
}

/** Compressed or media content recognised by its file-format magic. */
export function detectContentMagic(bytes: Uint8Array): ContentMagic | null {
  try {
    return detectMagic(bytes);
  } catch {
    return null;
  }
}
