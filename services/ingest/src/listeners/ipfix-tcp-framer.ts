const IPFIX_VERSION = 10;
const IPFIX_HEADER_LENGTH = 16;

/**
 * Splits an IPFIX-over-TCP byte stream into messages by the header's length field
 * (RFC 7011 §10.4). A header that cannot start a message means framing is lost: the
 * caller closes the connection, since no later byte can be trusted as a boundary.
 */
export class IpfixTcpFramer {
  private pending: Uint8Array = new Uint8Array(0);
  private broken = false;

  /** Messages completed by `chunk`; null once framing is lost. */
  push(chunk: Uint8Array): Uint8Array[] | null {
    if (this.broken) return null;
    const buf = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    const out: Uint8Array[] = [];
    let off = 0;
    while (buf.length - off >= 4) {
      const version = (buf[off]! << 8) | buf[off + 1]!;
      const length = (buf[off + 2]! << 8) | buf[off + 3]!;
      if (version !== IPFIX_VERSION || length < IPFIX_HEADER_LENGTH) {
        this.broken = true;
        this.pending = new Uint8Array(0);
        return null;
      }
      if (buf.length - off < length) break;
      // Copied: the socket may reuse its chunk buffers.
      out.push(buf.slice(off, off + length));
      off += length;
    }
    this.pending = off === buf.length ? new Uint8Array(0) : buf.slice(off);
    return out;
  }

  /** Bytes of an incomplete message still waiting for the rest. */
  get buffered(): number {
    return this.pending.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
