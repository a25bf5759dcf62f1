import type { FlowRecord } from '@opaqueflow/flow-model';
import type { CapturedPacket, CaptureStats } from '../capture/types.js';
import { countIgnored, countRejected, newCaptureStats } from '../capture/types.js';
import { decodePacket, newDecodedPacket } from '../capture/packet.js';
import { CaptureReader } from '../capture/reader.js';
import { FlowTable } from './flow-table.js';
import type { FlowSink } from './flow-table.js';
import type { FlowTableOptions } from './options.js';

export type CaptureFlowOptions = FlowTableOptions;

/**
 * Frames in, flows out: decodes each frame (link layer to transport) and feeds the flow
 * table. The streaming core behind live capture and capture files alike.
 */
export class PacketFlowAssembler {
  readonly stats: CaptureStats;
  readonly table: FlowTable;
  private readonly packet = newDecodedPacket();

  constructor(
    onFlow: FlowSink,
    options: CaptureFlowOptions = {},
    stats: CaptureStats = newCaptureStats(),
  ) {
    this.stats = stats;
    this.table = new FlowTable(onFlow, options, stats);
  }

  /** One frame, data[start, end); `data` may be reused by the caller once this returns. */
  addFrame(
    linkType: number,
    timestampMs: number,
    data: Uint8Array,
    start = 0,
    end = data.length,
  ): void {
    const p = this.packet;
    const result = decodePacket(linkType, data, p, start, end);
    if (result === 'not-ip') countIgnored(this.stats, 'non-ip-frame');
    else if (result !== null) countRejected(this.stats, result);
    else {
      p.timestampMs = timestampMs;
      this.table.add(p);
    }
  }

  addPacket(packet: CapturedPacket): void {
    this.addFrame(packet.linkType, packet.timestampMs, packet.data);
  }

  /** Lets time pass without packets (live capture on a quiet link). */
  advanceTo(nowMs: number): void {
    this.table.advanceTo(nowMs);
  }

  /** Ends every open flow. */
  flush(): void {
    this.table.flush('end-of-capture');
  }
}

/**
 * Streaming capture file → flows: push chunks of a pcap or pcapng file as they are read,
 * flows come out through `onFlow` as they end; `end()` flushes the rest.
 */
export class CaptureFlowDecoder {
  readonly stats: CaptureStats;
  private readonly assembler: PacketFlowAssembler;
  private readonly reader: CaptureReader;

  constructor(onFlow: FlowSink, options: CaptureFlowOptions = {}) {
    this.stats = newCaptureStats();
    this.assembler = new PacketFlowAssembler(onFlow, options, this.stats);
    const assembler = this.assembler;
    this.reader = CaptureReader.ofFrames(
      (_interfaceId, linkType, timestampMs, _originalLength, buf, start, end) =>
        assembler.addFrame(linkType, timestampMs, buf, start, end),
      this.stats,
    );
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /** Flows held open now (a gauge for metrics; bounded by maxFlows). */
  get openFlows(): number {
    return this.assembler.table.size;
  }

  /** Payload buffer bytes held now (bounded by maxBufferedBytes). */
  get bufferedBytes(): number {
    return this.assembler.table.buffered;
  }

  end(): CaptureStats {
    this.reader.end();
    this.assembler.flush();
    return this.stats;
  }
}

/**
 * A whole pcap or pcapng capture in memory → its flows (ordered by start time) and the
 * decode statistics. Never throws on bad bytes; what was refused is in stats.rejected.
 */
export function flowsFromCapture(
  bytes: Uint8Array,
  options: CaptureFlowOptions = {},
): { flows: FlowRecord[]; stats: CaptureStats } {
  const flows: FlowRecord[] = [];
  const decoder = new CaptureFlowDecoder((f) => flows.push(f), options);
  decoder.push(bytes);
  const stats = decoder.end();
  flows.sort((x, y) => x.startMs - y.startMs);
  return { flows, stats };
}
