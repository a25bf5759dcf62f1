import { constants, inflateRawSync } from 'node:zlib';
import type { ContentMagic } from '@opaqueflow/flow-model';

/**
 * Whether the bytes after a gzip or zip magic really are a deflate stream. Two magic bytes are
 * cheap to prepend to ciphertext; a deflate stream is not: decoding random bits fails within a
 * few hundred bits (an invalid block type, inconsistent stored-block lengths, code lengths that
 * do not form a code, a distance reaching before the output), or ends early on a random
 * end-of-block code — and then what follows is not the container's trailer. The prefix is
 * usually a truncated stream, so it is decoded with a sync flush, which accepts a clean cut.
 *
 * Returns true (a valid stream as far as the bytes go), false (not deflate: the magic is
 * borrowed), or null when the format is not checked here (zstd, xz, bzip2, media formats, zip
 * entries that are not deflated) or there are too few bytes to tell.
 */
export function contentStreamValid(magic: ContentMagic, bytes: Uint8Array): boolean | null {
  if (magic === 'gzip') return gzipValid(bytes);
  if (magic === 'zip') return zipEntryValid(bytes);
  return null;
}

const GZIP_FLAGS = { hcrc: 2, extra: 4, name: 8, comment: 16 } as const;
const MIN_DEFLATE_BYTES = 16;
/** A 1 KiB prefix can inflate to ~1 MiB; the check needs far less to be sure. */
const MAX_OUTPUT = 64 * 1024;

function u32le(b: Uint8Array, at: number): number {
  return (
    ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16)) +
    (b[at + 3] as number) * 0x1000000
  );
}

function gzipValid(b: Uint8Array): boolean | null {
  // RFC 1952: ID1 ID2 CM FLG MTIME(4) XFL OS, then optional fields by FLG.
  if (b.length < 10) return null;
  const flags = b[3] as number;
  if (b[2] !== 8 || (flags & 0xe0) !== 0) return false;
  let at = 10;
  if ((flags & GZIP_FLAGS.extra) !== 0) {
    if (b.length < at + 2) return null;
    at += 2 + ((b[at] as number) | ((b[at + 1] as number) << 8));
  }
  for (const flag of [GZIP_FLAGS.name, GZIP_FLAGS.comment]) {
    if ((flags & flag) === 0) continue;
    const end = b.indexOf(0, at);
    if (end < 0) return null;
    at = end + 1;
  }
  if ((flags & GZIP_FLAGS.hcrc) !== 0) at += 2;
  // After the deflate stream: CRC-32 and ISIZE, the uncompressed length modulo 2^32.
  return deflateValid(b.subarray(at), (rest, output) =>
    rest.length < 8 ? true : u32le(rest, 4) === output % 0x100000000,
  );
}

function zipEntryValid(b: Uint8Array): boolean | null {
  // A local file header (PK\3\4): method at 8, name and extra lengths at 26 and 28.
  if (b.length < 30 || b[2] !== 3 || b[3] !== 4) return null;
  const method = (b[8] as number) | ((b[9] as number) << 8);
  if (method !== 8) return null;
  const nameLength = (b[26] as number) | ((b[27] as number) << 8);
  const extraLength = (b[28] as number) | ((b[29] as number) << 8);
  // After the entry's data: the next record ("PK…") or a data descriptor with the sizes.
  return deflateValid(b.subarray(30 + nameLength + extraLength), (rest, output, consumed) => {
    if (rest.length < 4 || (rest[0] === 0x50 && rest[1] === 0x4b)) return true;
    return rest.length >= 12 && u32le(rest, 4) === consumed && u32le(rest, 8) === output;
  });
}

/** `trailerOk(rest, outputLength, consumed)` judges what follows a stream that ended early. */
function deflateValid(
  stream: Uint8Array,
  trailerOk: (rest: Uint8Array, output: number, consumed: number) => boolean,
): boolean | null {
  if (stream.length < MIN_DEFLATE_BYTES) return null;
  try {
    const { buffer, engine } = inflateRawSync(stream, {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: MAX_OUTPUT,
      info: true,
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    const consumed = engine.bytesWritten;
    if (consumed >= stream.length) return true;
    return trailerOk(stream.subarray(consumed), buffer.length, consumed);
  } catch (error) {
    // Hitting the output bound means it decoded that far: highly compressible, valid data.
    return (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
  }
}
