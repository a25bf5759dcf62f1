import type {
  DirectionRandomness,
  FlowFeatures,
  HandshakeInfo,
  HandshakeProtocol,
  Transport,
  Verdict,
} from '@opaqueflow/flow-model';
import { flowIdOf } from '@opaqueflow/flow-model';
import type { BatchItem } from '../prepare.js';

/** Randomness figures as the feature stage computes them for random bytes of this length. */
export function randomDirection(length: number): DirectionRandomness {
  // Expected entropy of n uniform bytes ≈ 8 - 255/(2·n·ln 2) (Miller–Madow bias), capped.
  const expected = Math.max(0, 8 - 255 / (2 * length * Math.LN2));
  return {
    length,
    entropy: expected - 0.01,
    expectedRandomEntropy: expected,
    entropyZScore: -0.4,
    chiSquare: 250,
    chiSquarePValue: 0.55,
    meanPopcount: 4.0,
    printableFraction: 95 / 256,
    longestPrintableRun: 6,
    firstSixPrintable: false,
    looksRandom: true,
  };
}

/** Text-like payload: an HTTP request or a banner. */
export function textDirection(length: number): DirectionRandomness {
  return {
    length,
    entropy: 4.9,
    expectedRandomEntropy: Math.max(0, 8 - 255 / (2 * length * Math.LN2)),
    entropyZScore: -60,
    chiSquare: 40_000,
    chiSquarePValue: 0,
    meanPopcount: 3.6,
    printableFraction: 0.97,
    longestPrintableRun: Math.min(length, 80),
    firstSixPrintable: true,
    looksRandom: false,
  };
}

const ENCRYPTED_PORTS: Record<string, string[]> = {
  'tcp/443': ['tls'],
  'udp/443': ['quic', 'dtls'],
  'tcp/22': ['ssh'],
  'tcp/993': ['tls'],
  'udp/51820': ['wireguard'],
  'udp/500': ['ike'],
  'udp/4500': ['ike'],
  'udp/1194': ['openvpn'],
};

export interface FlowSpec {
  readonly src?: string;
  readonly dst?: string;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly transport?: Transport;
  readonly startMs?: number;
  readonly durationMs?: number;
  readonly bytesFwd?: number;
  readonly bytesRev?: number;
  /** opaque (default), tls, ssh, quic, wireguard, plaintext. */
  readonly kind?: 'opaque' | 'tls' | 'ssh' | 'quic' | 'wireguard' | 'plaintext';
}

function handshakeOf(kind: NonNullable<FlowSpec['kind']>): HandshakeInfo {
  const protocol: HandshakeProtocol =
    kind === 'opaque' ? 'none' : kind === 'plaintext' ? 'http' : kind;
  return {
    protocol,
    seenIn: kind === 'opaque' ? null : 'fwd',
    keyExchange: kind !== 'opaque' && kind !== 'plaintext',
    version: kind === 'tls' ? 'TLS1.3' : kind === 'quic' ? '1' : null,
    sni: kind === 'tls' || kind === 'quic' ? 'www.example.com' : null,
    alpn: kind === 'tls' ? ['h2', 'http/1.1'] : kind === 'quic' ? ['h3'] : [],
    ja4: kind === 'tls' ? 't13d1516h2_8daaf6152771_02713d6af862' : null,
    details: kind === 'ssh' ? { banner: 'SSH-2.0-OpenSSH_9.6' } : {},
  };
}

/** Hand-built FlowFeatures with realistic figures, until the feature stage feeds the tests. */
export function makeFeatures(spec: FlowSpec = {}): FlowFeatures {
  const kind = spec.kind ?? 'opaque';
  const transport = spec.transport ?? (kind === 'quic' || kind === 'wireguard' ? 'udp' : 'tcp');
  const dstPort =
    spec.dstPort ??
    (kind === 'ssh'
      ? 22
      : kind === 'wireguard'
        ? 51820
        : kind === 'plaintext'
          ? 80
          : kind === 'opaque'
            ? 8443 + 1
            : 443);
  const startMs = spec.startMs ?? Date.UTC(2026, 10, 27, 12, 0, 0);
  const endMs = startMs + (spec.durationMs ?? 2_000);
  const src = spec.src ?? '10.1.2.3';
  const dst = spec.dst ?? '203.0.113.50';
  const srcPort = spec.srcPort ?? 40_000 + (startMs % 20_000);
  const protocol = transport === 'tcp' ? 6 : transport === 'udp' ? 17 : 47;
  const expected = ENCRYPTED_PORTS[`${transport}/${dstPort}`] ?? [];
  const verdict: Verdict = kind === 'plaintext' ? 'plaintext' : kind;
  const random = kind !== 'plaintext';
  return {
    flow: {
      flowId: flowIdOf(
        'pcap',
        null,
        null,
        { srcAddr: src, srcPort, dstAddr: dst, dstPort, protocol },
        startMs,
      ),
      source: 'pcap',
      exporter: null,
      observationDomain: null,
      samplingRate: 1,
      startMs,
      endMs,
      ipVersion: src.includes(':') ? 6 : 4,
      srcAddr: src,
      srcPort,
      dstAddr: dst,
      dstPort,
      transport,
      protocol,
      initiatorKnown: true,
      packetsFwd: 12,
      bytesFwd: spec.bytesFwd ?? 2_400,
      packetsRev: 10,
      bytesRev: spec.bytesRev ?? 5_800,
      tcpFlagsFwd: transport === 'tcp' ? 0x1b : 0,
      tcpFlagsRev: transport === 'tcp' ? 0x1b : 0,
    },
    initiator: random ? randomDirection(512) : textDirection(300),
    responder: random ? randomDirection(1024) : textDirection(1024),
    exporterEvidence: null,
    handshake: handshakeOf(kind),
    content: null,
    port: {
      port: dstPort,
      transport,
      ianaService:
        dstPort === 443 ? 'https' : dstPort === 22 ? 'ssh' : dstPort === 80 ? 'http' : null,
      encryptedExpected: expected.length > 0,
      expectedProtocols: expected,
      standardForSeen:
        kind === 'opaque'
          ? false
          : expected.includes(kind) || (kind === 'plaintext' && dstPort === 80),
    },
    verdict,
    evidence:
      kind === 'opaque'
        ? ['initiator-random', 'responder-random', 'no-handshake']
        : [`${kind}-handshake`],
  };
}

/** Wrap features as batch items of one partition, offsets counting up from `from`. */
export function itemsOf(
  features: readonly FlowFeatures[],
  partition = 0,
  from = 0,
  topic = 'opaqueflow.features.v1',
): BatchItem[] {
  return features.map((f, i) => ({
    features: f,
    source: { topic, partition, offset: String(from + i) },
  }));
}
