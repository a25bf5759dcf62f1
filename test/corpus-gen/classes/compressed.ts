// File transfers of compressed data over raw TCP on high ports, as netcat-style uploads and
// downloads do: high-entropy bytes behind a file-format magic number.
import { brotliCompressSync, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { scriptedTcp, type ScriptStep } from '../scripted.js';
import type { Rng } from '../rng.js';
import { textBody } from './http.js';
import type { FlowClass, FlowContext, FlowOutcome } from './types.js';

/** A one-entry zip archive (PKWARE APPNOTE 4.3: local header, data, central directory, end). */
export function zipArchive(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content);
  const nameBytes = Buffer.from(name);
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed: deflate
  local.writeUInt16LE(8, 8); // method: deflate
  local.writeUInt16LE(0x5a00, 10); // 11:16:00
  local.writeUInt16LE(0x5c21, 12); // 2026-01-01
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(0x5a00, 12);
  central.writeUInt16LE(0x5c21, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE(0o100644 * 0x10000, 38);
  central.writeUInt32LE(0, 42); // local header offset
  const centralStart = local.length + nameBytes.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralStart, 16);
  return Buffer.concat([local, nameBytes, data, central, nameBytes, end]);
}

/**
 * A zstd frame (RFC 8878) holding `content` in raw blocks: what a zstd encoder emits for
 * input it cannot compress further, here a brotli stream, so the payload is genuinely
 * high-entropy compressed data inside a valid zstd frame.
 */
export function zstdFrame(content: Buffer): Buffer {
  if (content.length < 256 || content.length > 65535 + 256)
    throw new Error('zstdFrame supports 256..65791 bytes');
  const header = Buffer.alloc(7);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = 0x60; // 2-byte Frame_Content_Size, Single_Segment, no checksum, no dictionary
  header.writeUInt16LE(content.length - 256, 5);
  const blocks: Buffer[] = [header];
  const maxBlock = 128 * 1024;
  for (let off = 0; off < content.length; off += maxBlock) {
    const part = content.subarray(off, off + maxBlock);
    const last = off + maxBlock >= content.length ? 1 : 0;
    const bh = Buffer.alloc(3);
    bh.writeUIntLE((part.length << 3) | (0 << 1) | last, 0, 3);
    blocks.push(bh, part);
  }
  return Buffer.concat(blocks);
}

function logLines(rng: Rng, size: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  while (n < size) {
    const line = `2026-01-01T00:${String(rng.int(0, 59)).padStart(2, '0')}:00Z host${rng.int(1, 9)} sshd[${rng.int(100, 9999)}]: ${textBody(rng, 40)}`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join(''));
}

type Format = 'gzip' | 'zip' | 'zstd';

function payload(rng: Rng, format: Format): Buffer {
  const raw = logLines(rng, rng.int(8_000, 30_000));
  if (format === 'gzip') return gzipSync(raw);
  if (format === 'zip') return zipArchive(`logs-${rng.int(1, 999)}.txt`, raw);
  let brotli = brotliCompressSync(raw);
  while (brotli.length < 256) brotli = Buffer.concat([brotli, brotliCompressSync(raw)]);
  return zstdFrame(brotli);
}

async function transfer(ctx: FlowContext, format: Format): Promise<FlowOutcome> {
  const file = payload(ctx.rng, format);
  // Uploads push the file at once (nc host port < file); downloads ask for it first.
  const download = ctx.index % 2 === 1;
  const steps: ScriptStep[] = download
    ? [
        { from: 'client', data: Buffer.from(`GET archive.${format}\n`) },
        { from: 'server', data: file },
      ]
    : [{ from: 'client', data: file }];
  const transcript = await scriptedTcp(steps);
  return {
    transcript,
    detail: `${download ? 'download' : 'upload'} of ${file.length} bytes of ${format}`,
  };
}

const HIGH_PORTS = [9000, 31400, 50505, 12345, 60001];

export const compressedClasses: readonly FlowClass[] = [
  {
    name: 'gzip-transfer',
    label: 'compressed',
    transport: 'tcp',
    ports: HIGH_PORTS,
    ipv6: true,
    // Node's bundled zlib may pick different matches on CPUs with other SIMD support.
    reproducible: false,
    description: 'gzip stream (node:zlib) of log text over raw TCP on a high port',
    make: (ctx) => transfer(ctx, 'gzip'),
  },
  {
    name: 'zip-transfer',
    label: 'compressed',
    transport: 'tcp',
    ports: HIGH_PORTS,
    ipv6: true,
    reproducible: false,
    description: 'zip archive (deflate entry) over raw TCP on a high port',
    make: (ctx) => transfer(ctx, 'zip'),
  },
  {
    name: 'zstd-transfer',
    label: 'compressed',
    transport: 'tcp',
    ports: HIGH_PORTS,
    ipv6: true,
    reproducible: true,
    description: 'zstd frame (raw blocks of brotli-compressed text) over raw TCP on a high port',
    make: (ctx) => transfer(ctx, 'zstd'),
  },
];
