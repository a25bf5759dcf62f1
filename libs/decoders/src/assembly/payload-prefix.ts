/** What one segment did to a direction's prefix, for the stats. */
export const SegmentOutcome = {
  Appended: 0,
  OutOfOrder: 1,
  Duplicate: 2,
  BeyondWindow: 3,
  Dropped: 4,
} as const;
export type SegmentOutcome = (typeof SegmentOutcome)[keyof typeof SegmentOutcome];

import type { BufferPool } from './buffer-pool.js';

/**
 * The first `limit` payload bytes of one direction, in TCP sequence order.
 *
 * Bytes are written straight into one bounded buffer at their sequence offset, so
 * out-of-order segments need no separate queue: `ranges` remembers which stretches past the
 * in-order part are already filled. The first copy of any byte wins; retransmissions and
 * overlaps only fill gaps. Memory per direction is at most `limit` bytes.
 */
export class PayloadPrefix {
  private buffer: Uint8Array | null = null;
  /** Bytes [0, contiguous) are known and in order. */
  private contiguous = 0;
  /** Filled stretches beyond `contiguous`, sorted, disjoint: [start0, end0, start1, end1, …]. */
  private ranges: number[] = [];
  private baseSeq = 0;
  private baseKnown = false;

  /** Without a pool the buffer is allocated at `limit` bytes on first use. */
  constructor(
    private readonly limit: number,
    private readonly maxRanges: number,
    private readonly pool: BufferPool | null = null,
  ) {}

  get length(): number {
    return this.contiguous;
  }

  get capacity(): number {
    return this.buffer === null ? 0 : this.buffer.length;
  }

  get full(): boolean {
    return this.contiguous >= this.limit;
  }

  /** A SYN fixes where the byte stream starts (its sequence number plus one). */
  startAt(synSeq: number): void {
    if (this.baseKnown) return;
    this.baseSeq = (synSeq + 1) >>> 0;
    this.baseKnown = true;
  }

  /** A TCP segment's payload starting at sequence number `seq`. */
  addSegment(seq: number, payload: Uint8Array): SegmentOutcome {
    if (payload.length === 0) return SegmentOutcome.Appended;
    if (!this.baseKnown) {
      // Mid-stream capture: the first data seen starts the stream.
      this.baseSeq = seq;
      this.baseKnown = true;
    }
    // Sequence arithmetic is modulo 2^32; `| 0` makes data before the base negative.
    const start = (seq - this.baseSeq) | 0;
    return this.write(start, payload);
  }

  /** A datagram: appended after what is already held (UDP and other transports). */
  addDatagram(payload: Uint8Array): SegmentOutcome {
    if (payload.length === 0 || this.full) return SegmentOutcome.BeyondWindow;
    return this.write(this.contiguous, payload);
  }

  /** A copy of the in-order bytes, or null when there were none. */
  bytes(): Uint8Array | null {
    if (this.buffer === null || this.contiguous === 0) return null;
    return this.buffer.slice(0, this.contiguous);
  }

  private write(start: number, payload: Uint8Array): SegmentOutcome {
    const s = Math.max(start, 0);
    const e = Math.min(start + payload.length, this.limit);
    if (e <= s) return s >= this.limit ? SegmentOutcome.BeyondWindow : SegmentOutcome.Duplicate;
    if (e <= this.contiguous) return SegmentOutcome.Duplicate;
    const from = Math.max(s, this.contiguous);
    const ahead = from > this.contiguous;
    if (ahead && this.ranges.length >= this.maxRanges * 2 && !this.touchesRange(from, e)) {
      return SegmentOutcome.Dropped;
    }
    const buf = this.ensureCapacity();
    let wrote = false;
    // Copy only into the holes between stretches already filled: first copy wins.
    let cursor = from;
    const r = this.ranges;
    for (let i = 0; i < r.length && cursor < e; i += 2) {
      const rs = r[i]!;
      const re = r[i + 1]!;
      if (re <= cursor) continue;
      if (rs >= e) break;
      if (rs > cursor) {
        buf.set(payload.subarray(cursor - start, rs - start), cursor);
        wrote = true;
      }
      cursor = Math.max(cursor, re);
    }
    if (cursor < e) {
      buf.set(payload.subarray(cursor - start, e - start), cursor);
      wrote = true;
    }
    if (!wrote) return SegmentOutcome.Duplicate;
    this.mergeRange(from, e);
    return ahead ? SegmentOutcome.OutOfOrder : SegmentOutcome.Appended;
  }

  private touchesRange(s: number, e: number): boolean {
    const r = this.ranges;
    for (let i = 0; i < r.length; i += 2) if (r[i]! <= e && r[i + 1]! >= s) return true;
    return false;
  }

  private mergeRange(s: number, e: number): void {
    const r = this.ranges;
    let ns = s;
    let ne = e;
    const out: number[] = [];
    let placed = false;
    for (let i = 0; i < r.length; i += 2) {
      const rs = r[i]!;
      const re = r[i + 1]!;
      if (re < ns) out.push(rs, re);
      else if (rs > ne) {
        if (!placed) {
          out.push(ns, ne);
          placed = true;
        }
        out.push(rs, re);
      } else {
        ns = Math.min(ns, rs);
        ne = Math.max(ne, re);
      }
    }
    if (!placed) out.push(ns, ne);
    // Stretches that now touch the in-order part join it.
    while (out.length > 0 && out[0]! <= this.contiguous) {
      this.contiguous = Math.max(this.contiguous, out[1]!);
      out.splice(0, 2);
    }
    this.ranges = out;
  }

  private ensureCapacity(): Uint8Array {
    if (this.buffer === null) this.buffer = this.pool?.take() ?? new Uint8Array(this.limit);
    return this.buffer;
  }

  /** Hands the buffer back to the pool; call once the bytes have been copied out. */
  release(): void {
    if (this.buffer !== null) this.pool?.give(this.buffer);
    this.buffer = null;
    this.contiguous = 0;
    this.ranges = [];
  }
}
