import type { CaptureStats, FrameSink } from './types.js';
import { countRejected } from './types.js';
import type { ParseStep } from './pcap.js';

const SECTION_HEADER = 0x0a0d0d0a;
const INTERFACE_DESCRIPTION = 1;
const OBSOLETE_PACKET = 2;
const SIMPLE_PACKET = 3;
const ENHANCED_PACKET = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** Blocks larger than this are treated as corrupt rather than buffered (hostile lengths). */
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
/** Interfaces per section; a real capture has a handful. */
const MAX_INTERFACES = 4096;

interface Interface {
  readonly linkType: number;
  /** Milliseconds per timestamp unit, and per 2^32 units (the high word). */
  readonly unitMs: number;
  readonly highUnitMs: number;
  readonly offsetMs: number;
}

export function isPcapngMagic(first4: DataView): boolean {
  return first4.getUint32(0, false) === SECTION_HEADER;
}

function unitMsOf(tsresol: number): number {
  const exponent = tsresol & 0x7f;
  return (tsresol & 0x80 ? Math.pow(2, -exponent) : Math.pow(10, -exponent)) * 1000;
}

/**
 * pcapng: sections in either byte order, several interfaces each with its own link type and
 * timestamp resolution, enhanced, simple and obsolete packet blocks; other blocks skipped.
 */
export class PcapngParser {
  private inSection = false;
  private littleEndian = true;
  private interfaces: Interface[] = [];
  private lastTimestampMs = 0;

  constructor(
    private readonly stats: CaptureStats,
    private readonly onFrame: FrameSink,
  ) {}

  parse(buf: Uint8Array, start: number): ParseStep {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = start;
    let need = 12;
    while (buf.length - off >= 12) {
      const beType = view.getUint32(off, false);
      if (beType === SECTION_HEADER) {
        const bom = view.getUint32(off + 8, false);
        if (bom === BYTE_ORDER_MAGIC) this.littleEndian = false;
        else if (bom === 0x4d3c2b1a) this.littleEndian = true;
        else {
          countRejected(this.stats, 'bad-pcapng-byte-order-magic');
          return { offset: off, fatal: true, need: 0 };
        }
      }
      const le = this.littleEndian;
      const type = view.getUint32(off, le);
      const length = view.getUint32(off + 4, le);
      if (length < 12 || length % 4 !== 0 || length > MAX_BLOCK_BYTES) {
        countRejected(this.stats, 'bad-pcapng-block-length');
        return { offset: off, fatal: true, need: 0 };
      }
      if (buf.length - off < length) {
        need = length;
        break;
      }
      if (view.getUint32(off + length - 4, le) !== length) {
        countRejected(this.stats, 'bad-pcapng-block-trailer');
      } else if (type === SECTION_HEADER) {
        if (!this.startSection(view, off, length)) return { offset: off, fatal: true, need: 0 };
      } else if (!this.inSection) {
        countRejected(this.stats, 'pcapng-block-before-section');
      } else if (type === ENHANCED_PACKET) this.timedPacket(buf, view, off, length, false);
      else if (type === SIMPLE_PACKET) this.simplePacket(buf, view, off, length);
      else if (type === OBSOLETE_PACKET) this.timedPacket(buf, view, off, length, true);
      else if (type === INTERFACE_DESCRIPTION) this.interfaceDescription(view, off, length);
      else this.stats.blocksSkipped++;
      off += length;
    }
    return { offset: off, fatal: false, need };
  }

  finish(leftover: number): void {
    if (leftover > 0) countRejected(this.stats, 'truncated-pcapng-block');
  }

  private startSection(view: DataView, off: number, length: number): boolean {
    if (length < 28) {
      countRejected(this.stats, 'bad-pcapng-block-length');
      return false;
    }
    if (view.getUint16(off + 12, this.littleEndian) !== 1) {
      countRejected(this.stats, 'unsupported-pcapng-version');
      return false;
    }
    this.inSection = true;
    this.interfaces = [];
    return true;
  }

  private interfaceDescription(view: DataView, off: number, length: number): void {
    const le = this.littleEndian;
    if (length < 20) {
      countRejected(this.stats, 'truncated-pcapng-interface');
      return;
    }
    if (this.interfaces.length >= MAX_INTERFACES) {
      countRejected(this.stats, 'truncated-pcapng-interface');
      return;
    }
    const linkType = view.getUint16(off + 8, le);
    let tsresol = 6;
    let offsetSeconds = 0;
    const end = off + length - 4;
    let p = off + 16;
    while (p + 4 <= end) {
      const code = view.getUint16(p, le);
      const len = view.getUint16(p + 2, le);
      if (code === OPT_END) break;
      const valueEnd = p + 4 + len;
      if (valueEnd > end) {
        countRejected(this.stats, 'bad-pcapng-option');
        break;
      }
      if (code === IF_TSRESOL && len >= 1) tsresol = view.getUint8(p + 4);
      else if (code === IF_TSOFFSET && len >= 8) {
        offsetSeconds = Number(view.getBigInt64(p + 4, le));
      }
      p = p + 4 + ((len + 3) & ~3);
    }
    const unitMs = unitMsOf(tsresol);
    this.interfaces.push({
      linkType,
      unitMs,
      highUnitMs: unitMs * 4294967296,
      offsetMs: offsetSeconds * 1000,
    });
  }

  private emit(
    buf: Uint8Array,
    iface: Interface,
    interfaceId: number,
    timestampMs: number,
    dataStart: number,
    capLen: number,
    origLen: number,
  ): void {
    this.stats.packetsRead++;
    this.lastTimestampMs = timestampMs;
    this.onFrame(
      interfaceId,
      iface.linkType,
      timestampMs,
      Math.max(origLen, capLen),
      buf,
      dataStart,
      dataStart + capLen,
    );
  }

  /**
   * Enhanced packet blocks and the obsolete packet blocks they replaced share one layout but
   * for the interface id: 32 bits in the first, 16 (followed by a drop count) in the second.
   */
  private timedPacket(
    buf: Uint8Array,
    view: DataView,
    off: number,
    length: number,
    obsolete: boolean,
  ): void {
    const le = this.littleEndian;
    if (length < 32) {
      countRejected(this.stats, 'truncated-pcapng-packet');
      return;
    }
    const interfaceId = obsolete ? view.getUint16(off + 8, le) : view.getUint32(off + 8, le);
    const capLen = view.getUint32(off + 20, le);
    if (28 + capLen + 4 > length) {
      countRejected(this.stats, 'truncated-pcapng-packet');
      return;
    }
    const iface = this.interfaces[interfaceId];
    if (iface === undefined) {
      countRejected(this.stats, 'unknown-pcapng-interface');
      return;
    }
    const high = view.getUint32(off + 12, le);
    const low = view.getUint32(off + 16, le);
    const ts = high * iface.highUnitMs + low * iface.unitMs + iface.offsetMs;
    this.emit(buf, iface, interfaceId, ts, off + 28, capLen, view.getUint32(off + 24, le));
  }

  /** Simple packet blocks carry no timestamp: the previous packet's time is the best guess. */
  private simplePacket(buf: Uint8Array, view: DataView, off: number, length: number): void {
    if (length < 16) {
      countRejected(this.stats, 'truncated-pcapng-packet');
      return;
    }
    const iface = this.interfaces[0];
    if (iface === undefined) {
      countRejected(this.stats, 'unknown-pcapng-interface');
      return;
    }
    const origLen = view.getUint32(off + 8, this.littleEndian);
    const capLen = Math.min(origLen, length - 16);
    this.emit(buf, iface, 0, this.lastTimestampMs, off + 12, capLen, origLen);
  }
}
