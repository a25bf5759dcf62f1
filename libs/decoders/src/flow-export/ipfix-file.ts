import type { FlowRecord } from '@opaqueflow/flow-model';
import { FlowExportDecoder } from './decoder.js';
import { IPFIX_HEADER_LENGTH, IPFIX_VERSION } from './ipfix.js';
import type { FlowExportDecoderOptions, FlowExportStats } from './types.js';

export interface IpfixFileResult {
  readonly flows: FlowRecord[];
  readonly messages: number;
  /** Bytes after the last whole message (a truncated file); 0 for a clean file. */
  readonly trailingBytes: number;
  readonly stats: FlowExportStats;
}

/**
 * Every flow of an IPFIX file (RFC 5655: a file is IPFIX messages back to back). The
 * exporter is named `file` since a file carries no transport address.
 */
export function flowsFromIpfixFile(
  bytes: Uint8Array,
  options: FlowExportDecoderOptions & { readonly exporter?: string } = {},
): IpfixFileResult {
  const decoder = new FlowExportDecoder(options);
  const exporter = options.exporter ?? 'file';
  const flows: FlowRecord[] = [];
  let off = 0;
  let messages = 0;
  while (bytes.length - off >= IPFIX_HEADER_LENGTH) {
    const version = (bytes[off]! << 8) | bytes[off + 1]!;
    const length = (bytes[off + 2]! << 8) | bytes[off + 3]!;
    if (version !== IPFIX_VERSION || length < IPFIX_HEADER_LENGTH || off + length > bytes.length)
      break;
    const result = decoder.decode(bytes.subarray(off, off + length), exporter);
    for (const f of result.records) flows.push(f);
    messages++;
    off += length;
  }
  return { flows, messages, trailingBytes: bytes.length - off, stats: decoder.stats() };
}
