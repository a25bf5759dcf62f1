import { ipv4At, ipv6At } from './address.js';
import { rejectSet, type DecodeEnv, type Sink } from './env.js';
import type { PacketView } from './packet-section.js';
import { readEthernet, readIp } from './packet-section.js';
import { readUnsigned } from './record-reader.js';
import type { SflowAssembler, SflowSample } from './sflow-assembler.js';
import type { RejectReason } from './types.js';

export const SFLOW_VERSION = 5;
const FLOW_SAMPLE = 1;
const FLOW_SAMPLE_EXPANDED = 3;
const RAW_PACKET_HEADER = 1;
const SAMPLED_IPV4 = 3;
const SAMPLED_IPV6 = 4;
const HEADER_ETHERNET = 1;
const HEADER_IPV4 = 11;
const HEADER_IPV6 = 12;

const u32 = (b: Uint8Array, off: number): number => readUnsigned(b, off, 4);

/** Fill `p` from one flow record of a flow sample; false when it carries no 5-tuple. */
function readFlowRecord(
  b: Uint8Array,
  format: number,
  start: number,
  end: number,
  view: PacketView,
  maxPayload: number,
  p: SflowSample,
): boolean {
  if (format === RAW_PACKET_HEADER) {
    if (end - start < 16) return false;
    const headerProtocol = u32(b, start);
    const frameLength = u32(b, start + 4);
    const headerLength = u32(b, start + 12);
    const hStart = start + 16;
    if (headerLength > end - hStart) return false;
    const hEnd = hStart + headerLength;
    let ok = false;
    if (headerProtocol === HEADER_ETHERNET) ok = readEthernet(b, hStart, hEnd, view);
    else if (headerProtocol === HEADER_IPV4 || headerProtocol === HEADER_IPV6)
      ok = readIp(b, hStart, hEnd, view);
    if (!ok) return false;
    p.ipVersion = view.ipVersion;
    p.protocol = view.protocol;
    p.srcAddr =
      view.ipVersion === 4 ? ipv4At(b, view.srcAddrOffset) : ipv6At(b, view.srcAddrOffset);
    p.dstAddr =
      view.ipVersion === 4 ? ipv4At(b, view.dstAddrOffset) : ipv6At(b, view.dstAddrOffset);
    p.srcPort = view.srcPort;
    p.dstPort = view.dstPort;
    p.tcpFlags = view.tcpFlags;
    p.tcpSeq = view.tcpSeq;
    p.bytes = view.ipLength > 0 ? view.ipLength : frameLength;
    p.payload =
      view.hasTransport && view.payloadEnd > view.payloadStart
        ? b.slice(view.payloadStart, Math.min(view.payloadEnd, view.payloadStart + maxPayload))
        : null;
    return true;
  }
  if (format === SAMPLED_IPV4 || format === SAMPLED_IPV6) {
    const v6 = format === SAMPLED_IPV6;
    if (end - start < (v6 ? 56 : 32)) return false;
    const a = v6 ? 16 : 4;
    p.ipVersion = v6 ? 6 : 4;
    p.bytes = u32(b, start);
    p.protocol = u32(b, start + 4) & 255;
    p.srcAddr = v6 ? ipv6At(b, start + 8) : ipv4At(b, start + 8);
    p.dstAddr = v6 ? ipv6At(b, start + 8 + a) : ipv4At(b, start + 8 + a);
    p.srcPort = u32(b, start + 8 + 2 * a) & 0xffff;
    p.dstPort = u32(b, start + 12 + 2 * a) & 0xffff;
    p.tcpFlags = u32(b, start + 16 + 2 * a) & 0xff;
    p.tcpSeq = 0;
    p.payload = null;
    return true;
  }
  return false;
}

/**
 * Decode one sFlow v5 datagram (sFlow v5 spec, XDR). Flow samples feed the assembler;
 * counter samples and unknown formats are skipped by their length.
 */
export function decodeSflow(
  env: DecodeEnv,
  assembler: SflowAssembler,
  exporter: string,
  b: Uint8Array,
  receivedMs: number,
  sink: Sink,
): RejectReason | null {
  const end = b.length;
  if (end < 28) return 'truncated-header';
  if (u32(b, 0) !== SFLOW_VERSION) return 'unknown-version';
  const addressType = u32(b, 4);
  let off = 8;
  if (addressType === 1) off += 4;
  else if (addressType === 2) off += 16;
  else return 'unsupported-address-type';
  if (off + 16 > end) return 'truncated-header';
  const subAgent = u32(b, off);
  const sampleCount = u32(b, off + 12);
  off += 16;
  if (sampleCount > (end - off) / 8) return 'bad-record-count';
  const override = env.samplingOverride(exporter);
  for (let i = 0; i < sampleCount; i++) {
    if (end - off < 8) {
      rejectSet(env, sink, 'bad-sample');
      return null;
    }
    const format = u32(b, off);
    const length = u32(b, off + 4);
    const start = off + 8;
    if (length > end - start) {
      rejectSet(env, sink, 'bad-sample');
      return null;
    }
    off = start + length;
    if (format !== FLOW_SAMPLE && format !== FLOW_SAMPLE_EXPANDED) continue;
    const expanded = format === FLOW_SAMPLE_EXPANDED;
    const fixed = expanded ? 44 : 32;
    if (length < fixed) {
      rejectSet(env, sink, 'bad-sample');
      continue;
    }
    const rate = u32(b, start + (expanded ? 12 : 8));
    const recordCount = u32(b, start + fixed - 4);
    let r = start + fixed;
    const sampleEnd = start + length;
    const p: SflowSample = {
      exporter,
      observationDomain: subAgent,
      samplingRate: override > 0 ? override : rate > 0 ? rate : 1,
      timeMs: receivedMs,
      ipVersion: 4,
      protocol: 0,
      srcAddr: '',
      srcPort: 0,
      dstAddr: '',
      dstPort: 0,
      bytes: 0,
      tcpFlags: 0,
      tcpSeq: 0,
      payload: null,
    };
    let found = false;
    for (let k = 0; k < recordCount && !found; k++) {
      if (sampleEnd - r < 8) {
        rejectSet(env, sink, 'bad-sample');
        break;
      }
      const recordFormat = u32(b, r);
      const recordLength = u32(b, r + 4);
      const recordStart = r + 8;
      if (recordLength > sampleEnd - recordStart) {
        rejectSet(env, sink, 'bad-sample');
        break;
      }
      r = recordStart + recordLength;
      found = readFlowRecord(
        b,
        recordFormat,
        recordStart,
        recordStart + recordLength,
        env.view,
        env.maxPayloadBytes,
        p,
      );
    }
    if (found) assembler.add(p, sink.records);
    else env.counters.recordsSkipped++;
  }
  return null;
}
