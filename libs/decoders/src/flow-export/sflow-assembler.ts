import { flowIdOf, transportOf } from '@opaqueflow/flow-model';
import type { FlowRecord } from '@opaqueflow/flow-model';

/** One sampled packet as the sFlow decoder hands it over. */
export interface SflowSample {
  exporter: string;
  observationDomain: number;
  samplingRate: number;
  timeMs: number;
  ipVersion: 4 | 6;
  protocol: number;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  /** IP bytes of the packet (before sampling truncated its header). */
  bytes: number;
  tcpFlags: number;
  tcpSeq: number;
  /** Transport payload prefix present in the sample, already copied and bounded. */
  payload: Uint8Array | null;
}

interface OpenFlow {
  readonly key: string;
  readonly exporter: string;
  readonly observationDomain: number;
  samplingRate: number;
  readonly ipVersion: 4 | 6;
  readonly protocol: number;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  readonly startMs: number;
  endMs: number;
  packetsFwd: number;
  bytesFwd: number;
  packetsRev: number;
  bytesRev: number;
  flagsFwd: number;
  flagsRev: number;
  initiatorKnown: boolean;
  payloadFwd: Uint8Array | null;
  seqFwd: number;
  payloadRev: Uint8Array | null;
  seqRev: number;
}

const SYN = 0x02;
const ACK = 0x10;
const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Turns sampled packets into flows. Counters are scaled by the sampling rate (each sample
 * stands for N packets); the payload prefix per direction is the one of the sample with the
 * lowest TCP sequence number seen (the first one for UDP). Memory is bounded by maxFlows.
 */
export class SflowAssembler {
  private readonly flows = new Map<string, OpenFlow>();

  constructor(
    private readonly idleMs: number,
    private readonly activeMs: number,
    private readonly maxFlows: number,
  ) {}

  get size(): number {
    return this.flows.size;
  }

  add(p: SflowSample, out: FlowRecord[]): void {
    const a = `${p.srcAddr}|${p.srcPort}`;
    const z = `${p.dstAddr}|${p.dstPort}`;
    const key = `${p.exporter}|${p.observationDomain}|${p.protocol}|${a < z ? a + '|' + z : z + '|' + a}`;
    let f = this.flows.get(key);
    if (f === undefined) {
      if (this.flows.size >= this.maxFlows) {
        const oldest = this.flows.values().next();
        if (oldest.done !== true) this.emit(oldest.value, out);
      }
      f = this.open(key, p);
      this.flows.set(key, f);
    }
    let forward = p.srcAddr === f.srcAddr && p.srcPort === f.srcPort;
    // A bare SYN tells the initiator even when another sample opened the flow first.
    if (!f.initiatorKnown && p.protocol === 6 && (p.tcpFlags & (SYN | ACK)) === SYN) {
      if (!forward) {
        reverse(f);
        forward = true;
      }
      f.initiatorKnown = true;
    }
    const rate = p.samplingRate > 0 ? p.samplingRate : 1;
    f.samplingRate = rate;
    if (p.timeMs > f.endMs) f.endMs = p.timeMs;
    if (forward) {
      f.packetsFwd += rate;
      f.bytesFwd += p.bytes * rate;
      f.flagsFwd |= p.tcpFlags;
      if (p.payload !== null && (f.payloadFwd === null || ((p.tcpSeq - f.seqFwd) | 0) < 0)) {
        f.payloadFwd = p.payload;
        f.seqFwd = p.tcpSeq;
      }
    } else {
      f.packetsRev += rate;
      f.bytesRev += p.bytes * rate;
      f.flagsRev |= p.tcpFlags;
      if (p.payload !== null && (f.payloadRev === null || ((p.tcpSeq - f.seqRev) | 0) < 0)) {
        f.payloadRev = p.payload;
        f.seqRev = p.tcpSeq;
      }
    }
  }

  /** Emit flows idle past the idle timeout or open past the active timeout. */
  expire(nowMs: number, out: FlowRecord[]): void {
    for (const f of this.flows.values()) {
      if (nowMs - f.endMs >= this.idleMs || nowMs - f.startMs >= this.activeMs) this.emit(f, out);
    }
  }

  flushAll(out: FlowRecord[]): void {
    for (const f of this.flows.values()) this.emit(f, out);
  }

  private open(key: string, p: SflowSample): OpenFlow {
    const f: OpenFlow = {
      key,
      exporter: p.exporter,
      observationDomain: p.observationDomain,
      samplingRate: p.samplingRate,
      ipVersion: p.ipVersion,
      protocol: p.protocol,
      srcAddr: p.srcAddr,
      srcPort: p.srcPort,
      dstAddr: p.dstAddr,
      dstPort: p.dstPort,
      startMs: p.timeMs,
      endMs: p.timeMs,
      packetsFwd: 0,
      bytesFwd: 0,
      packetsRev: 0,
      bytesRev: 0,
      flagsFwd: 0,
      flagsRev: 0,
      initiatorKnown: false,
      payloadFwd: null,
      seqFwd: 0,
      payloadRev: null,
      seqRev: 0,
    };
    // A SYN-ACK's sender is the responder.
    if (p.protocol === 6 && (p.tcpFlags & (SYN | ACK)) === (SYN | ACK)) {
      f.srcAddr = p.dstAddr;
      f.srcPort = p.dstPort;
      f.dstAddr = p.srcAddr;
      f.dstPort = p.srcPort;
      f.initiatorKnown = true;
    }
    return f;
  }

  private emit(f: OpenFlow, out: FlowRecord[]): void {
    this.flows.delete(f.key);
    out.push({
      flowId: flowIdOf(
        'sflow',
        f.exporter,
        f.observationDomain,
        {
          srcAddr: f.srcAddr,
          srcPort: f.srcPort,
          dstAddr: f.dstAddr,
          dstPort: f.dstPort,
          protocol: f.protocol,
        },
        f.startMs,
      ),
      source: 'sflow',
      exporter: f.exporter,
      observationDomain: f.observationDomain,
      samplingRate: f.samplingRate,
      startMs: f.startMs,
      endMs: f.endMs,
      ipVersion: f.ipVersion,
      srcAddr: f.srcAddr,
      srcPort: f.srcPort,
      dstAddr: f.dstAddr,
      dstPort: f.dstPort,
      transport: transportOf(f.protocol),
      protocol: f.protocol,
      initiatorKnown: f.initiatorKnown,
      packetsFwd: f.packetsFwd,
      bytesFwd: f.bytesFwd,
      packetsRev: f.packetsRev,
      bytesRev: f.bytesRev,
      tcpFlagsFwd: f.flagsFwd,
      tcpFlagsRev: f.flagsRev,
      initiatorPayload: f.payloadFwd,
      responderPayload: f.payloadRev,
      packets: EMPTY,
      exporterEvidence: null,
    });
  }
}

function reverse(f: OpenFlow): void {
  [f.srcAddr, f.dstAddr] = [f.dstAddr, f.srcAddr];
  [f.srcPort, f.dstPort] = [f.dstPort, f.srcPort];
  [f.packetsFwd, f.packetsRev] = [f.packetsRev, f.packetsFwd];
  [f.bytesFwd, f.bytesRev] = [f.bytesRev, f.bytesFwd];
  [f.flagsFwd, f.flagsRev] = [f.flagsRev, f.flagsFwd];
  [f.payloadFwd, f.payloadRev] = [f.payloadRev, f.payloadFwd];
  [f.seqFwd, f.seqRev] = [f.seqRev, f.seqFwd];
}
