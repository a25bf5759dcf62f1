import type { FlowRecord } from '@opaqueflow/flow-model';
import type { FlowEvictionReason } from '../errors.js';
import type { DecodedPacket } from '../capture/packet.js';
import { payloadOf, PROTO_TCP } from '../capture/packet.js';
import type { CaptureStats } from '../capture/types.js';
import { countRejected, newCaptureStats } from '../capture/types.js';
import { FlowState, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from './flow.js';
import type { CompiledFlowTableOptions, FlowTableOptions } from './options.js';
import { compileFlowTableOptions } from './options.js';
import { SegmentOutcome } from './payload-prefix.js';
import { BufferPool } from './buffer-pool.js';
import { FragmentReassembler } from './fragments.js';

/** Why a record ended, and whether it carries on a flow that a bound cut off earlier. */
export interface FlowEnding {
  readonly reason: FlowEvictionReason;
  /**
   * flowId of the earlier record of the same five-tuple that the table ended early (flow
   * limit, memory limit, active timeout): the two records are parts of one split flow.
   */
  readonly continues: string | null;
}

export type FlowSink = (flow: FlowRecord, ending: FlowEnding) => void;

/** Endings that cut a flow short: a later packet of its five-tuple continues it. */
const CUTS: ReadonlySet<FlowEvictionReason> = new Set([
  'flow-limit',
  'memory-limit',
  'active-timeout',
]);

/**
 * Bidirectional flow table: packets in (capture order), FlowRecords out through `onFlow`
 * when a flow ends (timeouts, TCP close, bounds) or on `flush()`. Time is capture time:
 * the largest packet timestamp seen, or what `advanceTo` is told by a live source.
 */
export class FlowTable {
  readonly options: CompiledFlowTableOptions;
  readonly stats: CaptureStats;
  private readonly flows = new Map<string, FlowState>();
  private readonly fragments: FragmentReassembler;
  /** Keys of flows cut short → the flowId of their last record (bounded by maxFlows). */
  private readonly cut = new Map<string, string>();
  private clockMs = -Infinity;
  private lastSweepMs = -Infinity;
  private bufferedBytes = 0;
  private readonly pool: BufferPool;

  constructor(
    private readonly onFlow: FlowSink,
    options: FlowTableOptions = {},
    stats: CaptureStats = newCaptureStats(),
  ) {
    this.options = compileFlowTableOptions(options);
    this.stats = stats;
    this.pool = new BufferPool(this.options.payloadPrefixBytes);
    this.fragments = new FragmentReassembler(
      (datagram, complete) => {
        if (complete) this.stats.ipDatagramsReassembled++;
        else this.stats.ipDatagramsIncomplete++;
        this.addPacket(datagram);
      },
      (fragments, reason) => {
        if (reason === 'ip-fragment-unattributed')
          this.stats.ignored[reason] = (this.stats.ignored[reason] ?? 0) + fragments;
        else countRejected(this.stats, reason);
      },
    );
  }

  /** IP datagrams waiting for missing fragments (bounded). */
  get fragmentsPending(): number {
    return this.fragments.size;
  }

  get size(): number {
    return this.flows.size;
  }

  get buffered(): number {
    return this.bufferedBytes;
  }

  /** Adds one decoded packet. Never throws on packet contents. */
  add(p: DecodedPacket): void {
    this.advanceTo(p.timestampMs);
    if (p.isFragment) {
      // Counted into its flow once its datagram is whole (or given up), in any order.
      this.stats.ipFragments++;
      this.fragments.add(p);
      return;
    }
    this.addPacket(p);
  }

  private addPacket(p: DecodedPacket): void {
    const key = flowKey(p);
    let flow = this.flows.get(key);
    if (flow !== undefined && this.endedBefore(flow, p)) flow = undefined;
    if (flow === undefined) flow = this.open(key, p);
    this.stats.packetsDecoded += p.wirePackets;
    const fromA = flow.isFromA(p);
    if (p.protocol === PROTO_TCP) this.trackTcp(flow, p, fromA);
    flow.count(p, fromA, this.options);
    if (p.capturedPayloadLength > 0) this.addPayload(flow, p, fromA);
  }

  /** Moves capture time on (a live source calls this on a timer when traffic is quiet). */
  advanceTo(nowMs: number): void {
    if (nowMs > this.clockMs) this.clockMs = nowMs;
    if (this.clockMs - this.lastSweepMs >= this.options.sweepIntervalMs) {
      this.lastSweepMs = this.clockMs;
      this.sweep();
    }
  }

  /** Ends every flow (end of a capture file, or shutdown). */
  flush(reason: FlowEvictionReason = 'end-of-capture'): void {
    this.fragments.flush();
    for (const flow of [...this.flows.values()]) this.end(flow, reason);
    this.cut.clear();
  }

  private sweep(): void {
    const o = this.options;
    const now = this.clockMs;
    this.fragments.expire(now);
    // Deleting the entry being visited is safe in Map iteration: no copy of the table.
    for (const flow of this.flows.values()) {
      const quiet = now - flow.lastMs;
      if (flow.closed && quiet >= o.tcpClosedTimeoutMs) this.end(flow, 'tcp-closed');
      else if (quiet >= o.idleTimeoutMs) this.end(flow, 'idle-timeout');
      else if (now - flow.firstMs >= o.activeTimeoutMs) this.end(flow, 'active-timeout');
    }
  }

  /** Whether `flow` should be ended before `p` is counted (expired, or a new connection). */
  private endedBefore(flow: FlowState, p: DecodedPacket): boolean {
    const o = this.options;
    const quiet = p.timestampMs - flow.lastMs;
    let reason: FlowEvictionReason | null = null;
    if (flow.closed && quiet >= o.tcpClosedTimeoutMs) reason = 'tcp-closed';
    else if (quiet >= o.idleTimeoutMs) reason = 'idle-timeout';
    else if (p.timestampMs - flow.firstMs >= o.activeTimeoutMs) reason = 'active-timeout';
    else if (
      p.protocol === PROTO_TCP &&
      flow.closed &&
      (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN
    ) {
      reason = 'tcp-port-reuse';
    }
    if (reason === null) return false;
    this.end(flow, reason);
    return true;
  }

  private open(key: string, p: DecodedPacket): FlowState {
    if (this.flows.size >= this.options.maxFlows) {
      const oldest = this.flows.values().next();
      if (oldest.done !== true) this.end(oldest.value, 'flow-limit');
    }
    const flow = new FlowState(
      key,
      p.ipVersion,
      p.protocol,
      p.srcAddr,
      p.srcPort,
      p.dstAddr,
      p.dstPort,
      p.timestampMs,
    );
    const continues = this.cut.get(key);
    if (continues !== undefined) {
      this.cut.delete(key);
      flow.continues = continues;
      this.stats.flowsSplit++;
    }
    this.flows.set(key, flow);
    return flow;
  }

  private trackTcp(flow: FlowState, p: DecodedPacket, fromA: boolean): void {
    const flags = p.tcpFlags;
    if (flags & TCP_SYN) {
      if (!flow.initiatorKnown) {
        // SYN names the initiator; a SYN-ACK seen first names its peer.
        flow.initiatorIsA = (flags & TCP_ACK) === 0 ? fromA : !fromA;
        flow.initiatorKnown = true;
      }
      flow.prefix(fromA, this.options, this.pool).startAt(p.tcpSeq);
    }
    if (flags & TCP_RST) flow.reset = true;
    if (flags & TCP_FIN) {
      if (fromA) flow.finA = true;
      else flow.finB = true;
    }
  }

  private addPayload(flow: FlowState, p: DecodedPacket, fromA: boolean): void {
    const prefix = flow.prefix(fromA, this.options, this.pool);
    // Once the window is full nothing can change it: most packets of a long flow stop here.
    if (prefix.full) return;
    const payload = payloadOf(p);
    const outcome =
      p.protocol === PROTO_TCP
        ? // A SYN's sequence number is the SYN itself; its data (TCP Fast Open) follows.
          prefix.addSegment(p.tcpFlags & TCP_SYN ? (p.tcpSeq + 1) >>> 0 : p.tcpSeq, payload)
        : prefix.addDatagram(payload);
    if (outcome === SegmentOutcome.OutOfOrder) this.stats.tcpOutOfOrderSegments++;
    else if (outcome === SegmentOutcome.Duplicate) this.stats.tcpRetransmittedSegments++;
    else if (outcome === SegmentOutcome.Dropped) this.stats.tcpSegmentsDropped++;
    const capacity = flow.capacity();
    if (capacity !== flow.buffered) {
      this.bufferedBytes += capacity - flow.buffered;
      flow.buffered = capacity;
      if (this.bufferedBytes > this.options.maxBufferedBytes) this.shedMemory(flow);
    }
  }

  /** Evicts the oldest flows until the buffered bytes fit again (never the one just fed). */
  private shedMemory(current: FlowState): void {
    // Deleting the entry being visited is safe in Map iteration: no copy of the table.
    for (const flow of this.flows.values()) {
      if (this.bufferedBytes <= this.options.maxBufferedBytes) return;
      if (flow !== current && flow.buffered > 0) this.end(flow, 'memory-limit');
    }
    if (this.bufferedBytes > this.options.maxBufferedBytes) this.end(current, 'memory-limit');
  }

  private end(flow: FlowState, reason: FlowEvictionReason): void {
    if (this.flows.get(flow.key) !== flow) return;
    this.flows.delete(flow.key);
    this.bufferedBytes -= flow.buffered;
    flow.buffered = 0;
    this.stats.evictions[reason] = (this.stats.evictions[reason] ?? 0) + 1;
    this.stats.flowsEmitted++;
    const record = flow.toRecord();
    flow.release();
    if (CUTS.has(reason)) this.rememberCut(flow.key, record.flowId);
    this.onFlow(record, { reason, continues: flow.continues });
  }

  private rememberCut(key: string, flowId: string): void {
    this.cut.delete(key);
    if (this.cut.size >= this.options.maxFlows) {
      const oldest = this.cut.keys().next();
      if (oldest.done !== true) this.cut.delete(oldest.value);
    }
    this.cut.set(key, flowId);
  }
}

/** Direction-independent: both halves of a conversation share one key. */
function flowKey(p: DecodedPacket): string {
  const srcFirst = p.srcAddr < p.dstAddr || (p.srcAddr === p.dstAddr && p.srcPort <= p.dstPort);
  return srcFirst
    ? `${p.protocol} ${p.srcAddr} ${p.srcPort} ${p.dstAddr} ${p.dstPort}`
    : `${p.protocol} ${p.dstAddr} ${p.dstPort} ${p.srcAddr} ${p.srcPort}`;
}
