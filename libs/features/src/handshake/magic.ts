// File-format magic of compressed or media content: high-entropy bytes that are not an
// encrypted channel. Signatures from each format's specification (cited inline). A body behind
// an HTTP/1.x response header is checked too, and the header's Content-Encoding counts when
// the body itself is not in the prefix.
import type { ContentMagic } from '@opaqueflow/flow-model';
import { ascii, indexOfAscii, lineEnd, startsWithAscii, startsWithBytes, u8 } from './bytes.js';

interface Signature {
  readonly magic: ContentMagic;
  readonly offset: number;
  readonly bytes: readonly number[];
}

const SIGNATURES: readonly Signature[] = [
  // RFC 1952 §2.3.1: ID1 ID2 CM(8 = deflate).
  { magic: 'gzip', offset: 0, bytes: [0x1f, 0x8b, 0x08] },
  // APPNOTE.TXT §4.3.7 local file header, §4.3.16 end of central directory, §8.5.3 spanning.
  { magic: 'zip', offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { magic: 'zip', offset: 0, bytes: [0x50, 0x4b, 0x05, 0x06] },
  { magic: 'zip', offset: 0, bytes: [0x50, 0x4b, 0x07, 0x08] },
  // RFC 8878 §3.1.1: frame magic 0xFD2FB528 little-endian.
  { magic: 'zstd', offset: 0, bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  // xz file format §2.1.1.1.
  { magic: 'xz', offset: 0, bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  // 7z format: signature header "7z\xBC\xAF\x27\x1C".
  { magic: '7z', offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  // RAR 4 and 5: "Rar!\x1A\x07".
  { magic: 'rar', offset: 0, bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  // PNG spec §5.2.
  { magic: 'png', offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  // JPEG (ITU T.81 Annex B): SOI marker then another marker.
  { magic: 'jpeg', offset: 0, bytes: [0xff, 0xd8, 0xff] },
  // ISO 32000 §7.5.2: "%PDF-".
  { magic: 'pdf', offset: 0, bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
];

function magicAt(b: Uint8Array, off: number): ContentMagic | null {
  for (const s of SIGNATURES) if (startsWithBytes(b, s.bytes, off + s.offset)) return s.magic;
  // bzip2: "BZh" + block size '1'–'9'.
  if (startsWithAscii(b, 'BZh', off)) {
    const level = u8(b, off + 3);
    if (level >= 0x31 && level <= 0x39) return 'bzip2';
  }
  if (startsWithAscii(b, 'GIF87a', off) || startsWithAscii(b, 'GIF89a', off)) return 'gif';
  // RIFF container (WebP container spec): "RIFF" size "WEBP".
  if (startsWithAscii(b, 'RIFF', off) && startsWithAscii(b, 'WEBP', off + 8)) return 'webp';
  // ISO/IEC 14496-12 §4.3: first box is "ftyp" with a printable major brand.
  if (startsWithAscii(b, 'ftyp', off + 4)) {
    const size =
      (u8(b, off) << 24) | (u8(b, off + 1) << 16) | (u8(b, off + 2) << 8) | u8(b, off + 3);
    if (size >= 8 && size <= 4096) return 'mp4';
  }
  return null;
}

/** Content-Encoding that compresses the body even when the body is past the prefix. */
function encodingMagic(value: string): ContentMagic | null {
  const v = value.trim().toLowerCase();
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  if (v === 'br') return 'brotli';
  if (v === 'zstd') return 'zstd';
  if (v === 'deflate' || v === 'compress') return 'other';
  return null;
}

const MAX_HEADER = 8192;

function httpBodyMagic(b: Uint8Array): ContentMagic | null {
  const headerEnd = indexOfAscii(b, '\r\n\r\n', 0, MAX_HEADER);
  const headerLimit = headerEnd < 0 ? Math.min(b.length, MAX_HEADER) : headerEnd;
  let encoded: ContentMagic | null = null;
  let chunked = false;
  let p = lineEnd(b, 0, headerLimit);
  while (p >= 0 && p < headerLimit) {
    p += b[p] === 0x0d ? 2 : 1;
    const e = lineEnd(b, p, headerLimit - p + 2);
    const line = ascii(b, p, e < 0 ? headerLimit : e);
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1);
      if (name === 'content-encoding') encoded = encodingMagic(value) ?? encoded;
      else if (name === 'transfer-encoding' && value.toLowerCase().includes('chunked'))
        chunked = true;
    }
    if (e < 0) break;
    p = e;
  }
  if (headerEnd >= 0) {
    let body = headerEnd + 4;
    if (chunked) {
      // RFC 9112 §7.1: chunk-size in hex, optional extensions, CRLF, then the data.
      const e = lineEnd(b, body, 32);
      if (e > body) body = e + 2;
    }
    const m = magicAt(b, body);
    if (m !== null) return m;
  }
  return encoded;
}

/** Compressed or media content recognised by its magic, at the start or behind an HTTP response header. */
export function detectContentMagic(bytes: Uint8Array): ContentMagic | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < 3) return null;
  const m = magicAt(bytes, 0);
  if (m !== null) return m;
  if (startsWithAscii(bytes, 'HTTP/1.') || startsWithAscii(bytes, 'HTTP/2 '))
    return httpBodyMagic(bytes);
  return null;
}
