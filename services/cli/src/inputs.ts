import { readFile } from 'node:fs/promises';
import { flowsFromCapture, flowsFromIpfixFile } from '@opaqueflow/decoders';
import type { FlowRecord } from '@opaqueflow/flow-model';

export type InputFormat = 'pcap' | 'pcapng' | 'ipfix';

export class InputError extends Error {
  override readonly name = 'InputError';
}

export interface LoadedInput {
  readonly file: string;
  readonly format: InputFormat;
  readonly flows: FlowRecord[];
  /** Frames, messages or records the decoder refused, by reason. */
  readonly rejected: Readonly<Record<string, number>>;
}

/** Tells a capture or export file by its magic number, not its name. */
export function formatOf(bytes: Uint8Array): InputFormat | null {
  if (bytes.length < 4) return null;
  const be = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  if (be === 0x0a0d0d0a) return 'pcapng';
  if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(be)) return 'pcap';
  if (bytes[0] === 0x00 && bytes[1] === 0x0a && bytes.length >= 16) {
    const length = (bytes[2]! << 8) | bytes[3]!;
    if (length >= 16 && length <= bytes.length) return 'ipfix';
  }
  return null;
}

export async function loadInput(file: string): Promise<LoadedInput> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new InputError(
      `${file}: cannot read (${code === 'ENOENT' ? 'no such file' : (code ?? String(cause))})`,
    );
  }
  const format = formatOf(bytes);
  if (format === null)
    throw new InputError(`${file}: not a pcap, pcapng or IPFIX file (unrecognised magic number)`);
  if (format === 'ipfix') {
    const r = flowsFromIpfixFile(bytes);
    if (r.messages === 0) throw new InputError(`${file}: no complete IPFIX message`);
    const rejected: Record<string, number> = {};
    for (const [reason, n] of Object.entries(r.stats.rejects)) if (n > 0) rejected[reason] = n;
    if (r.trailingBytes > 0) rejected['truncated-message'] = 1;
    return { file, format, flows: r.flows, rejected };
  }
  const { flows, stats } = flowsFromCapture(bytes);
  if (stats.packetsRead === 0 && Object.keys(stats.rejected).length > 0)
    throw new InputError(
      `${file}: unreadable ${format} (${Object.keys(stats.rejected).join(', ')})`,
    );
  const rejected: Record<string, number> = {};
  for (const [reason, n] of Object.entries(stats.rejected))
    if (n !== undefined) rejected[reason] = n;
  return { file, format, flows, rejected };
}
