import type { CaptureRejectReason } from '../errors.js';
import type { DecodedPacket } from '../capture/packet.js';
import { decodeReassembled, newDecodedPacket } from '../capture/packet.js';

/** Bounds of the reassembly buffer; past them the oldest datagram is given up first. */
export interface ReassemblyBounds {
  /** Capture time a datagram may wait for its missing fragments (Linux waits 30 s). */
  readonly timeoutMs: number;
  readonly maxDatagrams: number;
  readonly maxBytes: number;
  /** Fragments one datagram may have (a hostile stream of tiny ones is given up). */
  readonly maxFragments: number;
}

export const DEFAULT_REASSEMBLY_BOUNDS: ReassemblyBounds = Object.freeze({
  timeoutMs: 30_000,
  maxDatagrams: 4096,
  maxBytes: 8 * 1024 * 1024,
  maxFragments: 64,
});

interface Piece {
  readonly offset: number;
  /** Length on the wire; `bytes` may be shorter when the snap length cut the frame. */
  readonly length: number;
  readonly bytes: Uint8Array;
}

interface Datagram {
  readonly key: string;
  readonly ipVersion: 4 | 6;
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly protocol: number;
  readonly firstMs: number;
  /** Length of the fragmentable part, once the last fragment (no more-fragments flag) came. */
  total: number | null;
  /** IP lengths of the fragments summed: the bytes the flow counts. */
  ipBytes: number;
  held: number;
  readonly pieces: Piece[];
}

/** Why fragments were lost: no fragment at offset 0 (no ports), or a malformed datagram. */
export type FragmentLoss = 'ip-fragment-unattributed' | CaptureRejectReason;

/**
 * IP fragment reassembly (RFC 791 / RFC 8200), in any arrival order: fragments are held per
 * (version, protocol, source, destination, id) until they cover the datagram, which then
 * comes out as one decoded packet with its transport header and whole payload. A datagram
 * whose fragments never all arrive is given up after a timeout or under the bounds: what
 * starts at offset 0 still reaches its flow (ports, first bytes), the rest is counted.
 */
export class FragmentReassembler {
  private readonly pending = new Map<string, Datagram>();
  private heldBytes = 0;
  private readonly out = newDecodedPacket();

  constructor(
    /** A (re)assembled datagram, or the start of one given up. */
    private readonly onDatagram: (p: DecodedPacket, complete: boolean) => void,
    /** Fragments that reach no flow: their datagram had no first fragment, or was malformed. */
    private readonly onLost: (fragments: number, reason: FragmentLoss) => void,
    private readonly bounds: ReassemblyBounds = DEFAULT_REASSEMBLY_BOUNDS,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** One fragment (p.isFragment): its bytes are copied, `p` may be reused at once. */
  add(p: DecodedPacket): void {
    const key = `${p.ipVersion} ${p.protocol} ${p.srcAddr} ${p.dstAddr} ${p.fragmentId}`;
    let d = this.pending.get(key);
    if (d === undefined) {
      d = {
        key,
        ipVersion: p.ipVersion,
        srcAddr: p.srcAddr,
        dstAddr: p.dstAddr,
        protocol: p.protocol,
        firstMs: p.timestampMs,
        total: null,
        ipBytes: 0,
        held: 0,
        pieces: [],
      };
      this.pending.set(key, d);
    }
    const bytes = p.frame.slice(p.fragmentStart, p.fragmentEnd);
    d.pieces.push({ offset: p.fragmentOffset, length: p.fragmentLength, bytes });
    d.ipBytes += p.ipLength;
    d.held += bytes.length;
    this.heldBytes += bytes.length;
    if (!p.moreFragments) d.total = p.fragmentOffset + p.fragmentLength;
    if (this.complete(d)) this.finish(d, true);
    else if (d.pieces.length > this.bounds.maxFragments) this.giveUp(d);
    this.enforceBounds();
  }

  /** Gives up datagrams older than the timeout at capture time `nowMs`. */
  expire(nowMs: number): void {
    // Insertion order is arrival order of each datagram's first fragment.
    for (const d of this.pending.values()) {
      if (nowMs - d.firstMs < this.bounds.timeoutMs) break;
      this.giveUp(d);
    }
  }

  /** Gives up everything still waiting (end of capture). */
  flush(): void {
    for (const d of this.pending.values()) this.giveUp(d);
  }

  private enforceBounds(): void {
    for (const d of this.pending.values()) {
      if (this.pending.size <= this.bounds.maxDatagrams && this.heldBytes <= this.bounds.maxBytes)
        return;
      this.giveUp(d);
    }
  }

  /** Whether the pieces cover [0, total) with no hole (overlaps allowed). */
  private complete(d: Datagram): boolean {
    if (d.total === null) return false;
    d.pieces.sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const piece of d.pieces) {
      if (piece.offset > covered) return false;
      covered = Math.max(covered, piece.offset + piece.length);
    }
    return covered >= d.total;
  }

  private remove(d: Datagram): void {
    this.pending.delete(d.key);
    this.heldBytes -= d.held;
  }

  private giveUp(d: Datagram): void {
    this.remove(d);
    d.pieces.sort((a, b) => a.offset - b.offset);
    if (d.pieces[0]?.offset !== 0) {
      this.onLost(d.pieces.length, 'ip-fragment-unattributed');
      return;
    }
    this.finish(d, false);
  }

  /**
   * The datagram as one packet: the captured bytes contiguous from offset 0 (a snap length
   * or a missing fragment ends them), the wire length from the fragments.
   */
  private finish(d: Datagram, complete: boolean): void {
    if (complete) this.remove(d);
    const wire = d.total ?? d.pieces.reduce((m, x) => Math.max(m, x.offset + x.length), 0);
    const buf = new Uint8Array(wire);
    let captured = 0;
    for (const piece of d.pieces) {
      if (piece.offset > captured) break;
      const end = Math.min(wire, piece.offset + piece.bytes.length);
      if (end > captured) {
        buf.set(piece.bytes.subarray(captured - piece.offset, end - piece.offset), captured);
        captured = end;
      }
      // A piece cut by the snap length leaves a hole after it: stop there.
      if (piece.bytes.length < piece.length) break;
    }
    const p = this.out;
    p.timestampMs = d.firstMs;
    p.ipVersion = d.ipVersion;
    p.srcAddr = d.srcAddr;
    p.dstAddr = d.dstAddr;
    p.protocol = d.protocol;
    p.ipLength = d.ipBytes;
    p.wirePackets = d.pieces.length;
    const error = decodeReassembled(buf, captured, wire, p);
    if (error !== null) {
      this.onLost(d.pieces.length, error);
      return;
    }
    this.onDatagram(p, complete);
  }
}
