import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  CaptureFlowDecoder,
  flowsFromIpfixFile,
  isPcapMagic,
  isPcapngMagic,
} from '@opaqueflow/decoders';
import type { FlowRecord } from '@opaqueflow/flow-model';
import { captureNotes, ipfixNotes, ipfixUnreadable, unreadableCapture } from './loss.js';

export type InputFormat = 'pcap' | 'pcapng' | 'ipfix';

/** An input that gives nothing to analyse: reported on one line, exit 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export interface LoadedInput {
  readonly file: string;
  readonly format: InputFormat;
  /** Read through gzip (a `.pcap.gz` and the like: told by its magic, not its name). */
  readonly gzip: boolean;
  readonly flows: FlowRecord[];
  /** Flow ids of records that hold only part of a flow the flow table had to split. */
  readonly splitFlowIds: ReadonlySet<string>;
  /** One line each: what was lost or skipped and why (never fatal, always said). */
  readonly notes: readonly string[];
}

/** IPFIX message header: version 10, then a 16-bit length that includes the header. */
const IPFIX_HEADER_BYTES = 16;
/** Bytes needed to tell every supported format apart. */
const SNIFF_BYTES = IPFIX_HEADER_BYTES;
const READ_CHUNK_BYTES = 1 << 20;

/** Tells a capture or export file by its magic number, not its name. */
export function formatOf(bytes: Uint8Array): InputFormat | null {
  if (bytes.length < 4) return null;
  const first4 = new DataView(bytes.buffer, bytes.byteOffset, 4);
  if (isPcapngMagic(first4)) return 'pcapng';
  if (isPcapMagic(first4)) return 'pcap';
  if (bytes[0] === 0x00 && bytes[1] === 0x0a) return 'ipfix';
  return null;
}

/** gzip's member header (RFC 1952): ID1 ID2. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function cannotRead(file: string, cause: unknown): InputError {
  const code = (cause as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : (code ?? String(cause));
  return new InputError(`${file}: cannot read (${why})`);
}

/** The file's bytes as a stream, decompressed on the fly when it is gzip. */
async function openInput(file: string): Promise<{ stream: Readable; gzip: boolean }> {
  let handle: FileHandle;
  const head = new Uint8Array(2);
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw cannotRead(file, cause);
  }
  try {
    await handle.read(head, 0, 2, 0);
  } catch (cause) {
    await handle.close();
    throw cannotRead(file, cause);
  }
  const raw = handle.createReadStream({ start: 0, highWaterMark: READ_CHUNK_BYTES });
  if (!isGzip(head)) return { stream: raw, gzip: false };
  // pipeline destroys the gunzip stream with the read error, so iteration sees it.
  return {
    stream: pipeline(raw, createGunzip({ chunkSize: 256 * 1024 }), () => undefined),
    gzip: true,
  };
}

/**
 * Reads one pcap, pcapng or IPFIX file (optionally gzip-compressed) and assembles its flows.
 * The bytes are streamed: a capture goes to the flow table chunk by chunk. Throws
 * InputError when the file gives nothing to analyse; partial loss is in `notes`.
 */
export async function loadInput(file: string): Promise<LoadedInput> {
  const { stream, gzip } = await openInput(file);
  const what = gzip ? 'gzip-compressed file' : 'file';
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let total = 0;
  // Set by next() when zlib gives up mid-stream (an object: closures' writes are not narrowed).
  const broken: { gzip: string | null } = { gzip: null };
  const next = async (): Promise<Uint8Array | null> => {
    if (broken.gzip !== null) return null;
    try {
      const r = await chunks.next();
      if (r.done === true) return null;
      total += r.value.length;
      return r.value;
    } catch (cause) {
      if (!gzip || (cause as NodeJS.ErrnoException).code?.startsWith('Z_') !== true)
        throw cannotRead(file, cause);
      broken.gzip = (cause as Error).message;
      return null;
    }
  };
  const gzipNote = (): string[] =>
    broken.gzip === null
      ? []
      : [
          `gzip stream broken after ${total} decompressed bytes (${broken.gzip}): the rest is unread`,
        ];

  // Enough of the start to tell the format (the whole file if it is shorter).
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < SNIFF_BYTES) {
    const chunk = await next();
    if (chunk === null) break;
    head.push(chunk);
    headBytes += chunk.length;
  }
  const first = Buffer.concat(head);
  if (first.length === 0) {
    stream.destroy();
    throw new InputError(
      broken.gzip !== null
        ? `${file}: not readable as gzip (${broken.gzip})`
        : gzip
          ? `${file}: empty (gzip-compressed, 0 bytes after decompression)`
          : `${file}: empty file (0 bytes)`,
    );
  }
  const format = formatOf(first);
  if (format === null) {
    stream.destroy();
    if (first.length < 4)
      throw new InputError(
        `${file}: ${first.length}-byte ${what}, too short for any capture or IPFIX header`,
      );
    throw new InputError(
      `${file}: not a pcap, pcapng or IPFIX ${what} (unrecognised magic number 0x${first.subarray(0, 4).toString('hex')})`,
    );
  }

  if (format === 'ipfix') {
    // IPFIX files are message after message; the decoder takes them whole.
    const parts: Uint8Array[] = [first];
    for (let c = await next(); c !== null; c = await next()) parts.push(c);
    const bytes = Buffer.concat(parts);
    const r = flowsFromIpfixFile(bytes);
    if (r.messages === 0) throw new InputError(`${file}: ${ipfixUnreadable(bytes, what)}`);
    return {
      file,
      format,
      gzip,
      flows: r.flows,
      splitFlowIds: new Set(),
      notes: [...ipfixNotes(bytes, r), ...gzipNote()],
    };
  }

  const flows: FlowRecord[] = [];
  const splitFlowIds = new Set<string>();
  const decoder = new CaptureFlowDecoder((flow, ending) => {
    flows.push(flow);
    if (ending.continues !== null) {
      splitFlowIds.add(ending.continues);
      splitFlowIds.add(flow.flowId);
    }
  });
  decoder.push(first);
  for (let c = await next(); c !== null; c = await next()) decoder.push(c);
  const stats = decoder.end();
  if (stats.packetsRead === 0 && stats.stoppedAt !== null)
    throw new InputError(`${file}: ${unreadableCapture(format, what, stats)}`);
  return {
    file,
    format,
    gzip,
    flows,
    splitFlowIds,
    notes: [...captureNotes(stats, gzip), ...gzipNote()],
  };
}
