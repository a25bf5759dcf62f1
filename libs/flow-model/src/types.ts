/** Where a flow was observed. */
export type FlowSource = 'pcap' | 'ipfix' | 'netflow5' | 'netflow9' | 'sflow';

export type Transport = 'tcp' | 'udp' | 'other';

/** fwd: initiator → responder; rev: responder → initiator. */
export type PacketDirection = 'fwd' | 'rev';

/** One of the first N packets of a flow, in arrival order. */
export interface PacketSample {
  /** IP payload length (transport header plus payload) in bytes. */
  readonly size: number;
  /** Transport payload length in bytes (0 for a bare ACK). */
  readonly payloadSize: number;
  readonly direction: PacketDirection;
  /** Milliseconds since the previous sampled packet of the flow (0 for the first). */
  readonly gapMs: number;
}

/**
 * Evidence computed by an exporter (IPFIX/YAF payloadEntropy, vendor byte distributions).
 * Present only when the exporter sent it; never fabricated.
 */
export interface ExporterEvidence {
  /** Entropy of the initiator's payload as the exporter reported it, in bits/byte. */
  readonly initiatorEntropy: number | null;
  readonly responderEntropy: number | null;
  /** 256 counts (or a vendor's coarser histogram) of the initiator's payload bytes. */
  readonly initiatorByteDistribution: readonly number[] | null;
  /** The element the evidence came from, e.g. "yaf:payloadEntropy". */
  readonly element: string;
}

/** Identity, time, five-tuple and counters: what every record about a flow carries. */
export interface FlowSummary {
  /** Stable hash of source, exporter, five-tuple and start time (see flowIdOf). */
  readonly flowId: string;
  readonly source: FlowSource;
  /** Exporter address for flow exports; null for captures. */
  readonly exporter: string | null;
  /** IPFIX observation domain / NetFlow v9 source id; null where there is none. */
  readonly observationDomain: number | null;
  /** 1 in N packets sampled; 1 when unsampled or unknown. */
  readonly samplingRate: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly ipVersion: 4 | 6;
  /** The initiator where it can be told (SYN, first packet, biflow direction). */
  readonly srcAddr: string;
  readonly srcPort: number;
  readonly dstAddr: string;
  readonly dstPort: number;
  readonly transport: Transport;
  /** IP protocol number (6, 17, …). */
  readonly protocol: number;
  /** Whether src is known to be the initiator (false: a guess, e.g. a mid-stream capture). */
  readonly initiatorKnown: boolean;
  readonly packetsFwd: number;
  readonly bytesFwd: number;
  readonly packetsRev: number;
  readonly bytesRev: number;
  /** OR of TCP flags seen initiator → responder and responder → initiator. */
  readonly tcpFlagsFwd: number;
  readonly tcpFlagsRev: number;
}

/** One flow as seen by ingest. */
export interface FlowRecord extends FlowSummary {
  /** First payload bytes initiator → responder in TCP sequence order (bounded); null when none were seen. */
  readonly initiatorPayload: Uint8Array | null;
  readonly responderPayload: Uint8Array | null;
  /** First N packets: sizes, directions, gaps. Empty for flow exports without per-packet data. */
  readonly packets: readonly PacketSample[];
  readonly exporterEvidence: ExporterEvidence | null;
}

/** Randomness of one direction's payload prefix. */
export interface DirectionRandomness {
  /** Bytes the figures were computed on. */
  readonly length: number;
  /** Shannon entropy in bits/byte. */
  readonly entropy: number;
  /** Expected entropy of uniformly random bytes of this length, bits/byte. */
  readonly expectedRandomEntropy: number;
  /** (entropy - expected) / standard deviation of random entropy at this length. */
  readonly entropyZScore: number;
  /** Chi-square statistic of the byte histogram against uniform (255 degrees of freedom). */
  readonly chiSquare: number;
  /** Upper-tail p-value of chiSquare: small means not uniform. */
  readonly chiSquarePValue: number;
  readonly meanPopcount: number;
  /** Fraction of bytes in 0x20–0x7e. */
  readonly printableFraction: number;
  readonly longestPrintableRun: number;
  readonly firstSixPrintable: boolean;
  /** The length-aware randomness test passed: indistinguishable from random bytes. */
  readonly looksRandom: boolean;
}

export type HandshakeProtocol =
  | 'tls'
  | 'dtls'
  | 'quic'
  | 'gquic'
  | 'ssh'
  | 'wireguard'
  | 'openvpn'
  | 'ike'
  | 'starttls'
  | 'stun'
  | 'rtp'
  | 'rtcp'
  | 'http'
  | 'dns'
  | 'smb'
  | 'rdp'
  | 'bittorrent'
  | 'smtp'
  | 'imap'
  | 'pop3'
  | 'xmpp'
  | 'ntp'
  | 'snmp'
  | 'mpegts'
  | 'other-plaintext'
  | 'none';

/** Key exchange or protocol recognised from the first bytes. */
export interface HandshakeInfo {
  readonly protocol: HandshakeProtocol;
  /** Which direction's bytes told it; null when none did. */
  readonly seenIn: PacketDirection | null;
  /** The recogniser considers this protocol an encrypted channel with a key exchange. */
  readonly keyExchange: boolean;
  /** TLS/DTLS version as negotiated or offered, e.g. "TLS1.3". */
  readonly version: string | null;
  readonly sni: string | null;
  readonly alpn: readonly string[];
  readonly ja4: string | null;
  /** Free-form details (QUIC version, SSH banner, OpenVPN opcode, …). */
  readonly details: Readonly<Record<string, string>>;
}

/** Compressed or media content recognised by its file-format magic. */
export type ContentMagic =
  | 'gzip'
  | 'zip'
  | 'zstd'
  | 'xz'
  | 'bzip2'
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'webp'
  | 'mp4'
  | 'pdf'
  | '7z'
  | 'rar'
  | 'brotli'
  | 'other';

export interface PortClass {
  readonly port: number;
  readonly transport: Transport;
  /** IANA service name registered for this port and transport, if any. */
  readonly ianaService: string | null;
  /** Encrypted services are expected on this port (443, 22, 993, 51820, …). */
  readonly encryptedExpected: boolean;
  /** Protocols expected here, e.g. ["tls","quic"] for 443. */
  readonly expectedProtocols: readonly string[];
  /** What was seen is standard for this port (false: non-standard port for the protocol). */
  readonly standardForSeen: boolean;
}

export type Verdict =
  | 'opaque'
  | 'tls'
  | 'dtls'
  | 'quic'
  | 'ssh'
  | 'wireguard'
  | 'openvpn'
  | 'ike'
  | 'media'
  | 'plaintext'
  | 'compressed'
  | 'insufficient';

/** FlowRecord identity plus what the feature stage computed. */
export interface FlowFeatures {
  readonly flow: FlowSummary;
  readonly initiator: DirectionRandomness | null;
  readonly responder: DirectionRandomness | null;
  readonly exporterEvidence: ExporterEvidence | null;
  readonly handshake: HandshakeInfo;
  readonly content: ContentMagic | null;
  readonly port: PortClass;
  readonly verdict: Verdict;
  /** Short machine-readable reasons for the verdict, e.g. "initiator-random", "no-handshake". */
  readonly evidence: readonly string[];
}

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export type DetectionStatus = 'open' | 'suppressed';

/** One contribution to a detection's score, with the value that caused it. */
export interface ScoreReason {
  /** e.g. "randomness", "no-key-exchange", "non-standard-port", "rare-on-port", "new-port". */
  readonly code: string;
  /** Points this reason added (may be negative). */
  readonly points: number;
  /** The measured value behind it, as a number or short text. */
  readonly value: number | string;
  readonly detail: string;
}

export interface PortBaselineSnapshot {
  readonly port: number;
  readonly transport: Transport;
  readonly flows: number;
  readonly opaqueFlows: number;
  readonly distinctSources: number;
  readonly distinctDestinations: number;
  readonly meanEntropy: number | null;
  /** Still learning: not enough history to judge rarity. */
  readonly learning: boolean;
  readonly windowMs: number;
}

/** What the scorer emits: one aggregate of flows (src, dst, dstPort, transport, window). */
export interface Detection {
  /** Stable for the aggregate: hash of src, dst, dstPort, transport and window start. */
  readonly id: string;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly windowStartMs: number;
  readonly flowCount: number;
  readonly bytes: number;
  readonly score: number;
  readonly severity: Severity;
  readonly verdict: Verdict;
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly dstPort: number;
  readonly transport: Transport;
  readonly reasons: readonly ScoreReason[];
  readonly baseline: PortBaselineSnapshot;
  /** Accumulated evidence for the source host across flows and ports (0–100). */
  readonly hostScore: number;
  readonly attack: { readonly analytic: 'AN0404'; readonly techniques: readonly string[] };
  readonly exceptionId: string | null;
  readonly status: DetectionStatus;
  /** A sample of flowIds that contributed (bounded). */
  readonly sampleFlowIds: readonly string[];
  readonly updatedMs: number;
}
