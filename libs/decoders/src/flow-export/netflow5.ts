import { buildFlow as buildFlowImport } from './flow-builder.js';
import type { DecodeEnv, Sink } from './env.js';
import { readUnsigned as readUnsignedImport } from './record-reader.js';
import type { RejectReason } from './types.js';

// Module-local aliases: under the tsx loader every import binding read is a call;
// hot paths read plain locals instead.
const readUnsigned = readUnsignedImport;
const buildFlow = buildFlowImport;

export const NETFLOW5_HEADER_LENGTH = 24;
export const NETFLOW5_RECORD_LENGTH = 48;
const MAX_RECORDS = 30;

/**
 * Decode one NetFlow v5 export packet (fixed 24-byte header, 48-byte records). The
 * observation domain is engine type << 8 | engine id, the closest v5 has to one; the
 * sampling rate comes from the header's 14-bit interval.
 */
export function decodeNetflow5(
  env: DecodeEnv,
  exporter: string,
  b: Uint8Array,
  sink: Sink,
): RejectReason | null {
  if (b.length < NETFLOW5_HEADER_LENGTH) return 'truncated-header';
  const count = (b[2]! << 8) | b[3]!;
  if (count === 0 || count > MAX_RECORDS) return 'bad-record-count';
  if (b.length < NETFLOW5_HEADER_LENGTH + count * NETFLOW5_RECORD_LENGTH) return 'truncated-record';
  const sysUptime = readUnsigned(b, 4, 4);
  const unixSeconds = readUnsigned(b, 8, 4);
  const unixNanos = readUnsigned(b, 12, 4);
  const engine = (b[20]! << 8) | b[21]!;
  const interval = ((b[22]! << 8) | b[23]!) & 0x3fff;
  const override = env.samplingOverride(exporter);
  const ctx = env.ctx;
  ctx.source = 'netflow5';
  ctx.exporter = exporter;
  ctx.observationDomain = engine;
  ctx.samplingRate = override > 0 ? override : interval > 0 ? interval : 1;
  ctx.exportMs = unixSeconds * 1000 + Math.floor(unixNanos / 1e6);
  ctx.sysUptimeMs = sysUptime;
  ctx.systemInitMs = -1;
  ctx.maxPayloadBytes = env.maxPayloadBytes;
  const s = env.scratch;
  for (let i = 0; i < count; i++) {
    const o = NETFLOW5_HEADER_LENGTH + i * NETFLOW5_RECORD_LENGTH;
    s.reset();
    s.src4 = readUnsigned(b, o, 4);
    s.dst4 = readUnsigned(b, o + 4, 4);
    s.packetsFwd = readUnsigned(b, o + 16, 4);
    s.bytesFwd = readUnsigned(b, o + 20, 4);
    s.startUptime = readUnsigned(b, o + 24, 4);
    s.endUptime = readUnsigned(b, o + 28, 4);
    s.srcPort = (b[o + 32]! << 8) | b[o + 33]!;
    s.dstPort = (b[o + 34]! << 8) | b[o + 35]!;
    s.tcpFlagsFwd = b[o + 37]!;
    s.protocol = b[o + 38]!;
    const flow = buildFlow(b, s, ctx, env.view);
    if (flow !== null) sink.records.push(flow);
  }
  return null;
}
