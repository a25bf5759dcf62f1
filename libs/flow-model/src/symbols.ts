import type {
  ContentMagic,
  DetectionStatus,
  FlowSource,
  HandshakeProtocol,
  Severity,
  Transport,
  Verdict,
} from './types.js';

/**
 * A runtime list of every member of a string union. Leaving one out is a compile error, so a
 * symbol added to a union cannot be forgotten here, where the wire mapping and the tests
 * check values against it.
 */
function allOf<U extends string>() {
  return <const L extends readonly U[]>(
    list: L &
      ([Exclude<U, L[number]>] extends [never] ? unknown : { missing: Exclude<U, L[number]> }),
  ): ReadonlySet<U> => new Set<U>(list);
}

export const FLOW_SOURCES = allOf<FlowSource>()(['pcap', 'ipfix', 'netflow5', 'netflow9', 'sflow']);
export const TRANSPORTS = allOf<Transport>()(['tcp', 'udp', 'other']);
export const VERDICTS = allOf<Verdict>()([
  'opaque',
  'tls',
  'dtls',
  'quic',
  'ssh',
  'wireguard',
  'openvpn',
  'ike',
  'media',
  'plaintext',
  'compressed',
  'insufficient',
]);
export const HANDSHAKE_PROTOCOLS = allOf<HandshakeProtocol>()([
  'tls',
  'dtls',
  'quic',
  'gquic',
  'ssh',
  'wireguard',
  'openvpn',
  'ike',
  'starttls',
  'stun',
  'rtp',
  'rtcp',
  'http',
  'dns',
  'smb',
  'rdp',
  'bittorrent',
  'smtp',
  'imap',
  'pop3',
  'xmpp',
  'ntp',
  'snmp',
  'mpegts',
  'other-plaintext',
  'none',
]);
export const CONTENT_MAGICS = allOf<ContentMagic>()([
  'gzip',
  'zip',
  'zstd',
  'xz',
  'bzip2',
  'png',
  'jpeg',
  'gif',
  'webp',
  'mp4',
  'pdf',
  '7z',
  'rar',
  'brotli',
  'other',
]);
export const SEVERITIES = allOf<Severity>()(['info', 'low', 'medium', 'high', 'critical']);
export const DETECTION_STATUSES = allOf<DetectionStatus>()(['open', 'suppressed']);
