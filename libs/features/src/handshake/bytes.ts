// Bounds-checked reads over untrusted payload prefixes. Every reader returns -1 past the end
// instead of throwing, so recognisers can test plausibility without try/catch on the hot path.

export function u8(b: Uint8Array, i: number): number {
  return i >= 0 && i < b.length ? (b[i] ?? -1) : -1;
}

export function u16(b: Uint8Array, i: number): number {
  if (i < 0 || i + 2 > b.length) return -1;
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

export function u24(b: Uint8Array, i: number): number {
  if (i < 0 || i + 3 > b.length) return -1;
  return ((b[i] ?? 0) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
}

export function u32(b: Uint8Array, i: number): number {
  if (i < 0 || i + 4 > b.length) return -1;
  return (
    ((b[i] ?? 0) * 0x1000000 +
      (((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0))) >>>
    0
  );
}

export function u16le(b: Uint8Array, i: number): number {
  if (i < 0 || i + 2 > b.length) return -1;
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
}

export function u32le(b: Uint8Array, i: number): number {
  if (i < 0 || i + 4 > b.length) return -1;
  return (
    ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16)) + (b[i + 3] ?? 0) * 0x1000000
  );
}

/** Whether `b` starts with the ASCII string `s` at `offset` (case-sensitive). */
export function startsWithAscii(b: Uint8Array, s: string, offset = 0): boolean {
  if (offset + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[offset + i] !== s.charCodeAt(i)) return false;
  return true;
}

/**
 * Whether the available bytes agree with a prefix of `s`: true when `b` is a truncated
 * copy of it. Lets a 3-byte first segment "SSH" count as the start of "SSH-".
 */
export function prefixOfAscii(b: Uint8Array, s: string, offset = 0): boolean {
  const n = Math.min(s.length, b.length - offset);
  if (n <= 0) return false;
  for (let i = 0; i < n; i++) if (b[offset + i] !== s.charCodeAt(i)) return false;
  return true;
}

export function startsWithBytes(b: Uint8Array, sig: readonly number[], offset = 0): boolean {
  if (offset + sig.length > b.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[offset + i] !== sig[i]) return false;
  return true;
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Latin-1 decode of a bounded slice: one char per byte, never throws. */
export function ascii(b: Uint8Array, start: number, end: number): string {
  const s = Math.max(0, start);
  const e = Math.min(b.length, end);
  return e > s ? asBuffer(b).toString('latin1', s, e) : '';
}

/** Index of the first CRLF or LF at or after `from` within `limit` bytes; -1 when absent. */
export function lineEnd(b: Uint8Array, from = 0, limit = b.length): number {
  const end = Math.min(b.length, from + limit);
  for (let i = from; i < end; i++)
    if (b[i] === 0x0a) return i > from && b[i - 1] === 0x0d ? i - 1 : i;
  return -1;
}

/** Index of `needle` (ASCII) in `b` within [from, from+limit); -1 when absent. */
export function indexOfAscii(b: Uint8Array, needle: string, from = 0, limit = b.length): number {
  const start = Math.max(0, from);
  const end = Math.min(b.length, start + limit);
  if (end - start < needle.length) return -1;
  // Native search over a view bounded to the window (no copy).
  const at = asBuffer(b).subarray(start, end).indexOf(needle, 0, 'latin1');
  return at < 0 ? -1 : start + at;
}

export function isPrintable(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

/** Printable ASCII plus TAB/CR/LF: what a text protocol line may contain. */
export function isTextByte(c: number): boolean {
  return (c >= 0x20 && c <= 0x7e) || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** All bytes in [start, end) are text bytes (bounded by the buffer). */
export function allText(b: Uint8Array, start: number, end: number): boolean {
  const e = Math.min(b.length, end);
  for (let i = Math.max(0, start); i < e; i++) if (!isTextByte(b[i] ?? 0)) return false;
  return true;
}

export function hex(b: Uint8Array, start = 0, end = b.length): string {
  let out = '';
  for (let i = Math.max(0, start); i < Math.min(end, b.length); i++) {
    out += (b[i] ?? 0).toString(16).padStart(2, '0');
  }
  return out;
}
