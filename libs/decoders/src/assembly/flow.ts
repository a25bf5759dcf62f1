import type { FlowRecord, PacketSample } from '@opaqueflow/flow-model';
import { flowIdOf, transportOf } from '@opaqueflow/flow-model';
import type { DecodedPacket } from '../capture/packet.js';
import { PayloadPrefix } from './payload-prefix.js';
import type { BufferPool } from './buffer-pool.js';
import type { CompiledFlowTableOptions } from './options.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/**
 * State of one bidirectional flow. Endpoint A is the source of the first packet seen;
 * `initiatorIsA` says which endpoint opened it, settled by SYN / SYN-ACK when seen.
 */
export class FlowState {
  initiatorIsA = true;
  initiatorKnown = false;
  lastMs: number;
  packetsA = 0;
  packetsB = 0;
  bytesA = 0;
  bytesB = 0;
  flagsA = 0;
  flagsB = 0;
  finA = false;
  finB = false;
  reset = false;
  /**
   * Sampled packets, four numbers each (size, payload size, 1 if from A, timestamp): kept
   * relative to endpoint A until the initiator is settled, flat to spare an object each.
   */
  readonly samples: number[] = [];
  prefixA: PayloadPrefix | null = null;
  prefixB: PayloadPrefix | null = null;
  /** Buffer bytes this flow holds, as last reported to the table. */
  buffered = 0;
  /** flowId of the record this one continues after the table cut the flow short. */
  continues: string | null = null;

  constructor(
    readonly key: string,
    readonly ipVersion: 4 | 6,
    readonly protocol: number,
    readonly addrA: string,
    readonly portA: number,
    readonly addrB: string,
    readonly portB: number,
    readonly firstMs: number,
  ) {
    this.lastMs = firstMs;
  }

  get closed(): boolean {
    return this.reset || (this.finA && this.finB);
  }

  isFromA(p: DecodedPacket): boolean {
    return p.srcAddr === this.addrA && p.srcPort === this.portA;
  }

  /** Counts a packet and keeps its sample; payload handling is the table's job. */
  count(p: DecodedPacket, fromA: boolean, options: CompiledFlowTableOptions): void {
    if (p.timestampMs > this.lastMs) this.lastMs = p.timestampMs;
    if (fromA) {
      this.packetsA += p.wirePackets;
      this.bytesA += p.ipLength;
      this.flagsA |= p.tcpFlags;
    } else {
      this.packetsB += p.wirePackets;
      this.bytesB += p.ipLength;
      this.flagsB |= p.tcpFlags;
    }
    if (this.samples.length < options.packetSamples * 4) {
      this.samples.push(p.l4Length, p.payloadLength, fromA ? 1 : 0, p.timestampMs);
    }
  }

  prefix(fromA: boolean, options: CompiledFlowTableOptions, pool: BufferPool): PayloadPrefix {
    if (fromA) {
      this.prefixA ??= new PayloadPrefix(
        options.payloadPrefixBytes,
        options.maxOutOfOrderGaps,
        pool,
      );
      return this.prefixA;
    }
    this.prefixB ??= new PayloadPrefix(options.payloadPrefixBytes, options.maxOutOfOrderGaps, pool);
    return this.prefixB;
  }

  /** Returns the payload buffers to the pool once the record holds copies. */
  release(): void {
    this.prefixA?.release();
    this.prefixB?.release();
  }

  capacity(): number {
    return (this.prefixA?.capacity ?? 0) + (this.prefixB?.capacity ?? 0);
  }

  toRecord(): FlowRecord {
    const a = this.initiatorIsA;
    const srcAddr = a ? this.addrA : this.addrB;
    const srcPort = a ? this.portA : this.portB;
    const dstAddr = a ? this.addrB : this.addrA;
    const dstPort = a ? this.portB : this.portA;
    const startMs = Math.floor(this.firstMs);
    const packets: PacketSample[] = [];
    const s = this.samples;
    let previous = s[3] ?? 0;
    for (let i = 0; i + 3 < s.length; i += 4) {
      const at = s[i + 3]!;
      packets.push({
        size: s[i]!,
        payloadSize: s[i + 1]!,
        direction: (s[i + 2] === 1) === a ? 'fwd' : 'rev',
        gapMs: Math.max(0, at - previous),
      });
      previous = at;
    }
    const fwdPrefix = a ? this.prefixA : this.prefixB;
    const revPrefix = a ? this.prefixB : this.prefixA;
    return {
      flowId: flowIdOf(
        'pcap',
        null,
        null,
        { srcAddr, srcPort, dstAddr, dstPort, protocol: this.protocol },
        startMs,
      ),
      source: 'pcap',
      exporter: null,
      observationDomain: null,
      samplingRate: 1,
      startMs,
      endMs: Math.floor(this.lastMs),
      ipVersion: this.ipVersion,
      srcAddr,
      srcPort,
      dstAddr,
      dstPort,
      transport: transportOf(this.protocol),
      protocol: this.protocol,
      initiatorKnown: this.initiatorKnown,
      packetsFwd: a ? this.packetsA : this.packetsB,
      bytesFwd: a ? this.bytesA : this.bytesB,
      packetsRev: a ? this.packetsB : this.packetsA,
      bytesRev: a ? this.bytesB : this.bytesA,
      tcpFlagsFwd: a ? this.flagsA : this.flagsB,
      tcpFlagsRev: a ? this.flagsB : this.flagsA,
      initiatorPayload: fwdPrefix?.bytes() ?? null,
      responderPayload: revPrefix?.bytes() ?? null,
      packets,
      exporterEvidence: null,
    };
  }
}
