import type { CaptureRejectReason } from '../errors.js';
import type { CapturedPacket, CaptureStats, FrameSink } from './types.js';
import { countRejected, newCaptureStats } from './types.js';
import { isPcapMagic, PcapParser } from './pcap.js';
import type { ParseStep } from './pcap.js';
import { isPcapngMagic, PcapngParser } from './pcapng.js';

interface Parser {
  parse(buf: Uint8Array, start: number): ParseStep;
  finish(leftover: number): void;
}

/**
 * Incremental capture-file reader: push chunks in any size (a file read at once, or a
 * stream), packets come out through the callback as soon as their record is complete.
 * The format (pcap or pcapng) is told from the first four bytes.
 *
 * A packet's `data` is a view valid only during the callback; copy what you keep.
 * Never throws on bad bytes: after an unrecoverable error it ignores the rest and the
 * reason is in stats.rejected.
 */
export class CaptureReader {
  readonly stats: CaptureStats;
  private parser: Parser | null = null;
  private pending: Uint8Array = new Uint8Array(0);
  /** Chunks received while `pending` is still short of `need` bytes. */
  private waiting: Uint8Array[] = [];
  private waitingBytes = 0;
  private need = 0;
  /** Input bytes before `pending`: the absolute offset of what the parser sees next. */
  private consumed = 0;
  private stopped = false;
  private readonly onFrame: FrameSink;

  constructor(onPacket: (packet: CapturedPacket) => void, stats: CaptureStats = newCaptureStats()) {
    this.stats = stats;
    this.onFrame = (interfaceId, linkType, timestampMs, originalLength, buf, start, end) =>
      onPacket({
        interfaceId,
        linkType,
        timestampMs,
        originalLength,
        data: buf.subarray(start, end),
      });
  }

  /** A reader that hands frames over as ranges of its buffer (the allocation-free path). */
  static ofFrames(onFrame: FrameSink, stats: CaptureStats = newCaptureStats()): CaptureReader {
    const reader = new CaptureReader(() => undefined, stats);
    (reader as unknown as { onFrame: FrameSink }).onFrame = onFrame;
    return reader;
  }

  get failed(): boolean {
    return this.stopped;
  }

  push(chunk: Uint8Array): void {
    this.stats.bytesRead += chunk.length;
    if (this.stopped || chunk.length === 0) return;
    // A plain view: Buffer's own subarray is several times slower per packet.
    const plain =
      Object.getPrototypeOf(chunk) === Uint8Array.prototype
        ? chunk
        : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pending.length > 0 && this.pendingBytes() + plain.length < this.need) {
      // Still short of the record in progress: keep a copy, join once it is complete, so a
      // large block arriving in small chunks is copied once rather than once per chunk.
      this.waiting.push(plain.slice());
      this.waitingBytes += plain.length;
      return;
    }
    const buf = this.pending.length === 0 ? plain : concat([this.pending, ...this.waiting, plain]);
    this.waiting = [];
    this.waitingBytes = 0;
    if (this.parser === null) {
      if (buf.length < 4) {
        this.pending = buf.slice();
        return;
      }
      this.parser = this.pickParser(buf);
      if (this.parser === null) {
        this.stop(0, 'unknown-capture-format');
        return;
      }
    }
    const counts = { ...this.stats.rejected };
    const step = this.parser.parse(buf, 0);
    if (step.fatal) {
      this.stop(this.consumed + step.offset, newestReason(counts, this.stats.rejected));
      return;
    }
    this.consumed += step.offset;
    this.need = step.need;
    // Keep only the unparsed tail, copied, so the caller may reuse its chunk.
    this.pending = step.offset < buf.length ? buf.slice(step.offset) : new Uint8Array(0);
  }

  /** Gives up at `byte` (absolute): everything from there on is counted unread at end(). */
  private stop(byte: number, reason: CaptureRejectReason): void {
    this.stopped = true;
    this.stats.stoppedAt = { byte, reason };
    this.consumed = byte;
    this.pending = new Uint8Array(0);
    this.waiting = [];
    this.waitingBytes = 0;
  }

  private pendingBytes(): number {
    return this.pending.length + this.waitingBytes;
  }

  /** No more input: whatever is left is a truncated record or block. */
  end(): CaptureStats {
    if (!this.stopped) {
      const left = this.pendingBytes();
      if (this.parser === null) {
        if (this.pending.length > 0) {
          countRejected(this.stats, 'unknown-capture-format');
          this.stats.stoppedAt = { byte: this.consumed, reason: 'unknown-capture-format' };
        }
      } else if (left > 0) {
        const counts = { ...this.stats.rejected };
        this.parser.finish(left);
        this.stats.stoppedAt = {
          byte: this.consumed,
          reason: newestReason(counts, this.stats.rejected),
        };
      }
    }
    this.stats.bytesUnread = this.stats.bytesRead - this.consumed;
    this.pending = new Uint8Array(0);
    this.waiting = [];
    this.waitingBytes = 0;
    this.stopped = true;
    return this.stats;
  }

  private pickParser(buf: Uint8Array): Parser | null {
    const first4 = new DataView(buf.buffer, buf.byteOffset, 4);
    if (isPcapMagic(first4)) {
      this.stats.format = 'pcap';
      return new PcapParser(this.stats, this.onFrame);
    }
    if (isPcapngMagic(first4)) {
      this.stats.format = 'pcapng';
      return new PcapngParser(this.stats, this.onFrame);
    }
    countRejected(this.stats, 'unknown-capture-format');
    return null;
  }
}

/** The reason whose count went up between two snapshots of stats.rejected. */
function newestReason(
  before: Partial<Record<CaptureRejectReason, number>>,
  after: Partial<Record<CaptureRejectReason, number>>,
): CaptureRejectReason {
  for (const [reason, n] of Object.entries(after) as [CaptureRejectReason, number][])
    if (n !== (before[reason] ?? 0)) return reason;
  return 'unknown-capture-format';
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Every packet of a whole capture held in memory, with its data copied out. */
export function readCapture(bytes: Uint8Array): {
  packets: CapturedPacket[];
  stats: CaptureStats;
} {
  const packets: CapturedPacket[] = [];
  const reader = new CaptureReader((p) => packets.push({ ...p, data: p.data.slice() }));
  reader.push(bytes);
  return { packets, stats: reader.end() };
}
