import type { CaptureStats, FrameSink } from './types.js';
import { countRejected } from './types.js';

const MAGIC_MICROS = 0xa1b2c3d4;
const MAGIC_NANOS = 0xa1b23c4d;
/** Alexey Kuznetzov's patched libpcap: 24-byte record headers (editcap -F modpcap). */
const MAGIC_MODIFIED = 0xa1b2cd34;

/** Largest record we buffer: libpcap's own maximum snap length, whatever the header claims. */
const MAX_RECORD_BYTES = 262144;

export function isPcapMagic(first4: DataView): boolean {
  const be = first4.getUint32(0, false);
  const le = first4.getUint32(0, true);
  return [MAGIC_MICROS, MAGIC_NANOS, MAGIC_MODIFIED].some((m) => m === be || m === le);
}

/** Parse result of one call: how far the input was consumed and whether parsing can go on. */
export interface ParseStep {
  offset: number;
  /** Unrecoverable: there is no way to find the next record boundary. */
  fatal: boolean;
  /** Bytes needed from `offset` before another call can make progress. */
  need: number;
}

/**
 * Classic pcap, either byte order, micro- or nanosecond timestamps. Records are parsed
 * from a caller-owned window; an incomplete record at the end is left for the next chunk.
 */
export class PcapParser {
  private headerDone = false;
  private littleEndian = true;
  private tickMs = 0.001;
  private recordHeaderBytes = 16;
  private linkType = 0;

  constructor(
    private readonly stats: CaptureStats,
    private readonly onFrame: FrameSink,
  ) {}

  parse(buf: Uint8Array, start: number): ParseStep {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = start;
    if (!this.headerDone) {
      if (buf.length - off < 24) return { offset: off, fatal: false, need: 24 };
      const beMagic = view.getUint32(off, false);
      this.littleEndian =
        beMagic !== MAGIC_MICROS && beMagic !== MAGIC_NANOS && beMagic !== MAGIC_MODIFIED;
      const magic = view.getUint32(off, this.littleEndian);
      this.tickMs = magic === MAGIC_NANOS ? 0.000001 : 0.001;
      this.recordHeaderBytes = magic === MAGIC_MODIFIED ? 24 : 16;
      const major = view.getUint16(off + 4, this.littleEndian);
      if (major !== 2) {
        countRejected(this.stats, 'unsupported-pcap-version');
        return { offset: off, fatal: true, need: 0 };
      }
      // The upper bits of the link type field carry FCS information (pcap spec).
      this.linkType = view.getUint32(off + 20, this.littleEndian) & 0x0fffffff;
      this.headerDone = true;
      off += 24;
    }
    const le = this.littleEndian;
    const hdr = this.recordHeaderBytes;
    let need = hdr;
    while (buf.length - off >= hdr) {
      const seconds = view.getUint32(off, le);
      const fraction = view.getUint32(off + 4, le);
      const capLen = view.getUint32(off + 8, le);
      const origLen = view.getUint32(off + 12, le);
      if (capLen > MAX_RECORD_BYTES) {
        countRejected(this.stats, 'bad-pcap-record-length');
        return { offset: off, fatal: true, need: 0 };
      }
      if (buf.length - off - hdr < capLen) {
        need = hdr + capLen;
        break;
      }
      const dataStart = off + hdr;
      off = dataStart + capLen;
      this.stats.packetsRead++;
      this.onFrame(
        0,
        this.linkType,
        seconds * 1000 + fraction * this.tickMs,
        Math.max(origLen, capLen),
        buf,
        dataStart,
        off,
      );
    }
    return { offset: off, fatal: false, need };
  }

  /** Called when no more input will come and `leftover` bytes were never consumed. */
  finish(leftover: number): void {
    if (!this.headerDone) {
      if (leftover > 0) countRejected(this.stats, 'truncated-pcap-header');
    } else if (leftover > 0) countRejected(this.stats, 'truncated-pcap-record');
  }
}
