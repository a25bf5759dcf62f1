import type { CaptureIgnoreReason, CaptureRejectReason } from '../errors.js';

/** Link-layer header types (tcpdump.org LINKTYPE_* values) this package decodes. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW_BSD12: 12,
  RAW_BSD14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** One frame as a capture file or a live interface handed it over. */
export interface CapturedPacket {
  /** pcapng interface id (0 for pcap and live capture). */
  readonly interfaceId: number;
  readonly linkType: number;
  /** Milliseconds since the Unix epoch, with sub-millisecond precision. */
  readonly timestampMs: number;
  /** Length on the wire; may exceed data.length when the snap length cut the frame. */
  readonly originalLength: number;
  /** Captured bytes (a view into the input; copy before keeping it). */
  readonly data: Uint8Array;
}

/**
 * Low-level packet callback: the frame is buf[start, end), valid only during the call.
 * Saves the per-packet view and object the CapturedPacket form costs.
 */
export type FrameSink = (
  interfaceId: number,
  linkType: number,
  timestampMs: number,
  originalLength: number,
  buf: Uint8Array,
  start: number,
  end: number,
) => void;

export type CaptureFormat = 'pcap' | 'pcapng' | 'unknown';

/** Where the counts of a decode run go; shared by the readers and the flow table. */
export interface CaptureStats {
  format: CaptureFormat;
  bytesRead: number;
  /**
   * Where reading stopped early and why: an unrecoverable record or block (a bad length,
   * no way to find the next boundary) or the input ending inside one. Null when every byte
   * was read. `bytesUnread` counts the bytes from that point to the end of the input.
   */
  stoppedAt: { readonly byte: number; readonly reason: CaptureRejectReason } | null;
  bytesUnread: number;
  /** Frames the reader produced (pcap records, pcapng packet blocks). */
  packetsRead: number;
  /** Frames that reached the flow table as IPv4/IPv6 packets. */
  packetsDecoded: number;
  blocksSkipped: number;
  /** Frames, records or blocks refused as malformed, by reason. */
  rejected: Partial<Record<CaptureRejectReason, number>>;
  /** Well-formed frames that make no flow (ARP, …), by reason. */
  ignored: Partial<Record<CaptureIgnoreReason, number>>;
  /** IP fragments seen; they reach their flow as reassembled datagrams, in any order. */
  ipFragments: number;
  /** Datagrams reassembled whole from their fragments. */
  ipDatagramsReassembled: number;
  /**
   * Datagrams given up with fragments missing (timeout, bounds, end of capture) whose start
   * still reached its flow; fragments without a start are ignored as unattributed.
   */
  ipDatagramsIncomplete: number;
  flowsEmitted: number;
  /** Records that continue a flow the table cut short (flow/memory limit, active timeout). */
  flowsSplit: number;
  /** Flows that left the table, by why. */
  evictions: Partial<Record<string, number>>;
  /** TCP segments whose bytes fell inside the prefix window but were already held. */
  tcpRetransmittedSegments: number;
  /** TCP segments that arrived ahead of a gap and were held for in-order delivery. */
  tcpOutOfOrderSegments: number;
  /** Out-of-order TCP segments dropped because a direction held too many gaps. */
  tcpSegmentsDropped: number;
}

export function newCaptureStats(): CaptureStats {
  return {
    format: 'unknown',
    bytesRead: 0,
    stoppedAt: null,
    bytesUnread: 0,
    packetsRead: 0,
    packetsDecoded: 0,
    blocksSkipped: 0,
    rejected: {},
    ignored: {},
    ipFragments: 0,
    ipDatagramsReassembled: 0,
    ipDatagramsIncomplete: 0,
    flowsEmitted: 0,
    flowsSplit: 0,
    evictions: {},
    tcpRetransmittedSegments: 0,
    tcpOutOfOrderSegments: 0,
    tcpSegmentsDropped: 0,
  };
}

export function countRejected(stats: CaptureStats, reason: CaptureRejectReason): void {
  stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1;
}

export function countIgnored(stats: CaptureStats, reason: CaptureIgnoreReason): void {
  stats.ignored[reason] = (stats.ignored[reason] ?? 0) + 1;
}

/** Sum of all rejections, for a quick health check. */
export function totalRejected(stats: CaptureStats): number {
  let n = 0;
  for (const v of Object.values(stats.rejected)) n += v ?? 0;
  return n;
}
