import type {
  ContentMagic,
  ExporterEvidence,
  HandshakeInfo,
  PacketDirection,
  Verdict,
} from '@opaqueflow/flow-model';
import type { CompiledOptions } from '../options.js';
import { analyseHistogram, type RandomnessDetail } from '../randomness/analyse.js';
import { CONTENT_VERDICT, PROTOCOL_VERDICT } from './protocols.js';

export interface VerdictInput {
  readonly handshake: HandshakeInfo;
  readonly content: ContentMagic | null;
  readonly contentIn: PacketDirection | null;
  readonly initiator: RandomnessDetail | null;
  readonly responder: RandomnessDetail | null;
  readonly exporterEvidence: ExporterEvidence | null;
  /** false when the bytes after a gzip/zip magic are not a deflate stream (content-check.ts). */
  readonly contentValid: boolean | null;
  /** Set when a recognised key exchange is only borrowed framing (see framing.ts). */
  readonly borrowedFraming: string | null;
}

export interface VerdictResult {
  readonly verdict: Verdict;
  readonly evidence: readonly string[];
}

const SIDE = { fwd: 'initiator', rev: 'responder' } as const;

/** Key exchanges whose client always opens with structured cleartext (ClientHello, banner). */
const CLIENT_SPEAKS_STRUCTURED: ReadonlySet<string> = new Set(['tls', 'starttls', 'ssh']);

function describeNotRandom(side: string, d: RandomnessDetail): string {
  return `${side}-not-random:${d.rejectedBy.join('+')}`;
}

/**
 * Decides what a flow is, in order of how much each kind of evidence can be trusted:
 * a recognised key exchange or protocol, then file-format magic, then the length-aware
 * randomness of the payload prefixes, then an exporter's figures, else insufficient.
 */
export function decideVerdict(input: VerdictInput, options: CompiledOptions): VerdictResult {
  const { handshake, initiator } = input;
  // Not a type guard on purpose: "too short" must not narrow the detail away to null.
  const enough = (d: RandomnessDetail): boolean => d.length >= options.minBytes;

  const protocolVerdict = PROTOCOL_VERDICT[handshake.protocol] ?? null;
  if (protocolVerdict !== null && handshake.seenIn !== null) {
    const seen = `handshake:${handshake.protocol}:${SIDE[handshake.seenIn]}`;
    if (input.borrowedFraming !== null) {
      const evidence = ['no-key-exchange', input.borrowedFraming, seen];
      if (initiator?.looksRandom === true) evidence.unshift('initiator-random');
      return { verdict: 'opaque', evidence };
    }
    // Random initiator bytes answered by a plaintext server (an HTTP 400, an SMTP banner), or
    // by a TLS/SSH server, are not that protocol: the initiator spoke something else. Other key
    // exchanges seen only from the responder are left alone (a QUIC or WireGuard initiator's
    // first message is itself partly random).
    if (
      (!handshake.keyExchange || CLIENT_SPEAKS_STRUCTURED.has(handshake.protocol)) &&
      handshake.seenIn === 'rev' &&
      initiator !== null &&
      enough(initiator) &&
      initiator.looksRandom
    ) {
      return { verdict: 'opaque', evidence: ['initiator-random', 'no-handshake', seen] };
    }
    return { verdict: protocolVerdict, evidence: [seen] };
  }

  if (input.content !== null && input.contentIn !== null && input.contentValid !== false) {
    return {
      verdict: CONTENT_VERDICT[input.content] ?? 'compressed',
      evidence: [`content:${input.content}:${SIDE[input.contentIn]}`],
    };
  }
  const result = judgeRandomness(input, options);
  if (input.content !== null && input.contentIn !== null) {
    // A magic number in front of bytes that do not decode: the format was borrowed.
    const borrowed = `content-magic-without-stream:${input.content}:${SIDE[input.contentIn]}`;
    return { verdict: result.verdict, evidence: [...result.evidence, borrowed] };
  }
  return result;
}

function judgeRandomness(input: VerdictInput, options: CompiledOptions): VerdictResult {
  const { initiator, responder } = input;
  const enough = (d: RandomnessDetail): boolean => d.length >= options.minBytes;

  // The initiator chose what to send: its bytes decide when there are enough of them. The
  // responder decides only when the initiator said too little (server-first protocols).
  if (initiator !== null && enough(initiator)) {
    if (initiator.looksRandom) {
      const evidence = ['initiator-random', 'no-handshake'];
      if (responder !== null && enough(responder)) {
        evidence.push(
          responder.looksRandom ? 'responder-random' : describeNotRandom('responder', responder),
        );
      }
      return { verdict: 'opaque', evidence };
    }
    return {
      verdict: 'plaintext',
      evidence: [describeNotRandom('initiator', initiator), 'no-handshake'],
    };
  }
  if (responder !== null && enough(responder)) {
    const short = initiator === null ? 'initiator-no-payload' : 'initiator-short';
    if (responder.looksRandom) {
      return { verdict: 'opaque', evidence: ['responder-random', 'no-handshake', short] };
    }
    return {
      verdict: 'plaintext',
      evidence: [describeNotRandom('responder', responder), 'no-handshake', short],
    };
  }

  const anyPayload = (initiator?.length ?? 0) > 0 || (responder?.length ?? 0) > 0;
  if (!anyPayload && input.exporterEvidence !== null) {
    const fromExporter = exporterVerdict(input.exporterEvidence, options);
    if (fromExporter !== null) return fromExporter;
  }
  return {
    verdict: 'insufficient',
    evidence: [anyPayload ? `payload-below-${options.minBytes}-bytes` : 'no-payload'],
  };
}

/**
 * Without payload bytes an exporter's own figures are the only evidence. They are marked as
 * such: the length behind an exporter's entropy is unknown, so a fixed threshold is all that
 * can be applied to it, while a full byte distribution gets the same test as a payload.
 */
function exporterVerdict(
  evidence: ExporterEvidence,
  options: CompiledOptions,
): VerdictResult | null {
  const element = `exporter-element:${evidence.element}`;
  const distribution = evidence.initiatorByteDistribution;
  if (distribution !== null) {
    const detail = analyseHistogram(distribution, options.randomness);
    if (detail !== null && detail.length >= options.minBytes) {
      return detail.looksRandom
        ? {
            verdict: 'opaque',
            evidence: ['exporter-evidence', 'exporter-distribution-random', element],
          }
        : {
            verdict: 'plaintext',
            evidence: [
              'exporter-evidence',
              `exporter-distribution-not-random:${detail.rejectedBy.join('+')}`,
              element,
            ],
          };
    }
  }
  const entropy = [evidence.initiatorEntropy, evidence.responderEntropy].find(
    (e): e is number => typeof e === 'number' && Number.isFinite(e) && e >= 0 && e <= 8,
  );
  if (entropy === undefined) return null;
  const figure = entropy.toFixed(2);
  return entropy >= options.exporterEntropyThreshold
    ? {
        verdict: 'opaque',
        evidence: ['exporter-evidence', `exporter-entropy-high:${figure}`, element],
      }
    : {
        verdict: 'plaintext',
        evidence: ['exporter-evidence', `exporter-entropy-low:${figure}`, element],
      };
}
