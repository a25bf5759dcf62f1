import type { ContentMagic, HandshakeProtocol, Verdict } from '@opaqueflow/flow-model';

/**
 * The verdict a recognised protocol implies. Listed exhaustively so that a protocol added to
 * HandshakeProtocol fails the type check here until someone decides what it means.
 */
export const PROTOCOL_VERDICT: Readonly<Record<HandshakeProtocol, Verdict | null>> = Object.freeze({
  tls: 'tls',
  starttls: 'tls',
  dtls: 'dtls',
  quic: 'quic',
  gquic: 'quic',
  ssh: 'ssh',
  wireguard: 'wireguard',
  openvpn: 'openvpn',
  ike: 'ike',
  // WebRTC and streaming media: encrypted or compressed payload behind a plaintext header.
  stun: 'media',
  rtp: 'media',
  rtcp: 'media',
  mpegts: 'media',
  http: 'plaintext',
  dns: 'plaintext',
  smb: 'plaintext',
  rdp: 'plaintext',
  bittorrent: 'plaintext',
  smtp: 'plaintext',
  imap: 'plaintext',
  pop3: 'plaintext',
  xmpp: 'plaintext',
  ntp: 'plaintext',
  snmp: 'plaintext',
  'other-plaintext': 'plaintext',
  none: null,
});

/** Image and video formats are media; archives and compressed streams are compressed. */
export const CONTENT_VERDICT: Readonly<Record<ContentMagic, Verdict>> = Object.freeze({
  gzip: 'compressed',
  zip: 'compressed',
  zstd: 'compressed',
  xz: 'compressed',
  bzip2: 'compressed',
  brotli: 'compressed',
  '7z': 'compressed',
  rar: 'compressed',
  pdf: 'compressed',
  other: 'compressed',
  png: 'media',
  jpeg: 'media',
  gif: 'media',
  webp: 'media',
  mp4: 'media',
});
