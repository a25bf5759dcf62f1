/**
 * Why a capture block or packet was rejected or ignored. Malformed input on the decode path
 * is never thrown: each case is counted under one of these codes in CaptureStats, so an
 * operator can tell a truncated file from a hostile one from traffic we do not model.
 */
export const CAPTURE_REJECT_REASONS = {
  'unknown-capture-format': 'the file starts with neither a pcap nor a pcapng magic number',
  'truncated-pcap-header': 'fewer than 24 bytes where the pcap global header should be',
  'unsupported-pcap-version': 'pcap major version is not 2',
  'truncated-pcap-record': 'the capture ends inside a pcap record header or its data',
  'bad-pcap-record-length': 'a pcap record claims more captured bytes than any snap length allows',
  'truncated-pcapng-block': 'the capture ends inside a pcapng block',
  'bad-pcapng-block-length': 'a pcapng block length is below 12, not a multiple of 4, or too large',
  'bad-pcapng-block-trailer': 'the trailing length of a pcapng block differs from the leading one',
  'bad-pcapng-byte-order-magic': 'a section header block has no valid byte-order magic',
  'unsupported-pcapng-version': 'a section header block has a major version other than 1',
  'pcapng-block-before-section': 'a block appears before any section header block',
  'truncated-pcapng-interface': 'an interface description block is too short for its fields',
  'truncated-pcapng-packet': 'a packet block is too short for its fields or its captured length',
  'unknown-pcapng-interface': 'a packet block names an interface that was never described',
  'bad-pcapng-option': 'an option runs past the end of its block',
  'unsupported-link-type': 'the link type is none of Ethernet, cooked v1/v2, raw IP, loopback',
  'truncated-link-header': 'the frame is shorter than its link-layer header',
  'too-many-vlan-tags': 'more stacked VLAN tags than any sane network uses',
  'truncated-ipv4-header': 'the frame ends inside the IPv4 header',
  'bad-ipv4-header-length': 'IPv4 IHL below 5 or total length below the header length',
  'bad-ip-version': 'the IP version nibble matches neither the link type nor 4/6',
  'truncated-ipv6-header': 'the frame ends inside the fixed IPv6 header',
  'truncated-ipv6-extension': 'the frame ends inside an IPv6 extension header',
  'too-many-ipv6-extensions': 'an IPv6 extension header chain longer than any sane packet',
  'truncated-tcp-header': 'the frame ends inside the TCP header',
  'bad-tcp-header-length': 'TCP data offset below 5 or past the IP payload',
  'truncated-udp-header': 'the frame ends inside the UDP header',
} as const;

export type CaptureRejectReason = keyof typeof CAPTURE_REJECT_REASONS;

/** Packets that are well formed but carry nothing a flow is made of. */
export const CAPTURE_IGNORE_REASONS = {
  'non-ip-frame': 'an Ethernet or cooked frame whose protocol is not IPv4/IPv6 (ARP, LLDP, …)',
  'ip-fragment-unattributed':
    'an IP fragment of a datagram whose first fragment never arrived (no ports to tie it to a flow)',
} as const;

export type CaptureIgnoreReason = keyof typeof CAPTURE_IGNORE_REASONS;

/** Why a flow left the flow table. */
export type FlowEvictionReason =
  | 'idle-timeout'
  | 'active-timeout'
  | 'tcp-closed'
  | 'tcp-port-reuse'
  | 'flow-limit'
  | 'memory-limit'
  | 'end-of-capture';

export const FLOW_EVICTION_REASONS: readonly FlowEvictionReason[] = [
  'idle-timeout',
  'active-timeout',
  'tcp-closed',
  'tcp-port-reuse',
  'flow-limit',
  'memory-limit',
  'end-of-capture',
];

/** Coded error for misuse by a caller (bad options), never for bad input bytes. */
export class DecoderError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecoderError';
    this.code = code;
  }
}
