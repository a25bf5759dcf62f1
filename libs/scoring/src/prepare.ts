import type { DirectionRandomness, FlowFeatures, Transport } from '@opaqueflow/flow-model';
import { detectionIdOf } from '@opaqueflow/flow-model';
import type { ScorerConfig } from './config.js';
import { bitOf } from './distinct.js';
import { parseAddress, scopeOf, zoneOf, type Zone } from './network.js';
import { padOffset, partitionIdOf, portKeyOf } from './store-types.js';

/** Where a batch item came from: a Kafka partition and offset (int64 as a decimal string). */
export interface ItemSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface BatchItem {
  readonly features: FlowFeatures;
  readonly source: ItemSource;
}

/** One batch item, checked and with everything the scorer derives from it. */
export interface PreparedItem {
  readonly features: FlowFeatures;
  readonly source: ItemSource;
  readonly pid: string;
  readonly offset: string;
  /** Event time: when the flow was last seen (its end). */
  readonly eventMs: number;
  readonly port: number;
  readonly transport: Transport;
  readonly portKey: string;
  readonly srcZone: Zone;
  readonly dstZone: Zone;
  /** Normalised source address: the host evidence key. */
  readonly host: string;
  /** Normalised destination address. */
  readonly dst: string;
  readonly opaque: boolean;
  /**
   * Each direction's randomness as checked here, absent as null: a field left undefined (a
   * JSON producer that omits it) is absent too, so nothing downstream meets undefined.
   */
  readonly initiator: DirectionRandomness | null;
  readonly responder: DirectionRandomness | null;
  /** The exporter's initiator entropy, when it sent one. */
  readonly exporterEntropy: number | null;
  readonly bytes: number;
  /** Initiator entropy in milli-bits/byte (integer), for the baseline's entropy summary. */
  readonly entropyMilli: number | null;
  readonly srcBit: number;
  readonly dstBit: number;
  readonly windowStartMs: number;
  /** Aggregate id (see detectionIdOf); empty for flows that are not opaque. */
  readonly detectionId: string;
  tooLate: boolean;
}

const TRANSPORTS = new Set(['tcp', 'udp', 'other']);

/**
 * 2100-01-01T00:00:00Z. A flow's event time moves its partition's lateness watermark and its
 * port's horizon, which prunes buckets: one record dated centuries ahead would make every
 * later flow "too late" and empty the port's baseline for good. Nothing real is that late.
 */
const MAX_EVENT_MS = 4_102_444_800_000;

/** Kafka's topic name rule: the name is part of every watermark field and lateness key. */
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * Flow ids are stored comma-joined as samples and kept in byte order (Redis): printable
 * ASCII without commas, none empty, bounded.
 */
const FLOW_ID = /^[\x21-\x2b\x2d-\x7e]{1,128}$/;

function finiteNonNegative(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

function finite(n: unknown): boolean {
  return typeof n === 'number' && Number.isFinite(n);
}

/** The figures the score reads from a direction's randomness, when there is one. */
function validRandomness(r: unknown): boolean {
  if (r === null || r === undefined) return true;
  if (typeof r !== 'object') return false;
  const d = r as Record<string, unknown>;
  return (
    finite(d.entropy) &&
    finite(d.length) &&
    finite(d.expectedRandomEntropy) &&
    typeof d.looksRandom === 'boolean'
  );
}

/** Checks one item; returns the reason it cannot be scored instead of throwing. */
export function prepareItem(item: BatchItem, config: ScorerConfig): PreparedItem | string {
  try {
    const source = item.source;
    if (typeof source?.topic !== 'string' || !TOPIC.test(source.topic))
      return 'invalid-source-topic';
    if (!Number.isInteger(source.partition) || source.partition < 0)
      return 'invalid-source-partition';
    const offset = typeof source.offset === 'string' ? padOffset(source.offset) : null;
    if (offset === null) return 'invalid-source-offset';
    const f = item.features;
    const flow = f?.flow;
    if (typeof flow !== 'object' || flow === null) return 'missing-flow';
    const src = typeof flow.srcAddr === 'string' ? parseAddress(flow.srcAddr) : null;
    if (src === null) return 'invalid-src-addr';
    const dst = typeof flow.dstAddr === 'string' ? parseAddress(flow.dstAddr) : null;
    if (dst === null) return 'invalid-dst-addr';
    if (!Number.isInteger(flow.dstPort) || flow.dstPort < 0 || flow.dstPort > 65535)
      return 'invalid-dst-port';
    if (!TRANSPORTS.has(flow.transport)) return 'invalid-transport';
    if (!finiteNonNegative(flow.startMs) || !finiteNonNegative(flow.endMs)) return 'invalid-time';
    if (flow.startMs > MAX_EVENT_MS || flow.endMs > MAX_EVENT_MS) return 'invalid-time';
    if (!finiteNonNegative(flow.bytesFwd) || !finiteNonNegative(flow.bytesRev))
      return 'invalid-bytes';
    if (typeof flow.flowId !== 'string' || !FLOW_ID.test(flow.flowId)) return 'invalid-flow-id';
    if (typeof f.verdict !== 'string') return 'invalid-verdict';
    const hs = f.handshake as Partial<FlowFeatures['handshake']> | null;
    if (typeof hs !== 'object' || hs === null) return 'invalid-handshake';
    if (typeof hs.keyExchange !== 'boolean' || typeof hs.protocol !== 'string')
      return 'invalid-handshake';
    const pc = f.port as Partial<FlowFeatures['port']> | null;
    if (typeof pc !== 'object' || pc === null || typeof pc.encryptedExpected !== 'boolean')
      return 'invalid-port-class';
    if (!validRandomness(f.initiator) || !validRandomness(f.responder)) return 'invalid-randomness';
    const ev = f.exporterEvidence as { initiatorEntropy?: unknown } | null | undefined;
    if (ev !== null && ev !== undefined && typeof ev !== 'object')
      return 'invalid-exporter-evidence';
    const evEntropy = ev?.initiatorEntropy ?? null;
    if (evEntropy !== null && !finite(evEntropy)) return 'invalid-exporter-evidence';
    const initiator = f.initiator ?? null;
    const responder = f.responder ?? null;
    const entropy = initiator?.entropy ?? (evEntropy as number | null);
    if (entropy !== null && !(typeof entropy === 'number' && Number.isFinite(entropy)))
      return 'invalid-entropy';
    const eventMs = Math.max(flow.startMs, flow.endMs);
    const scope = scopeOf(src, dst, config);
    const windowStartMs =
      Math.floor(eventMs / config.aggregation.windowMs) * config.aggregation.windowMs;
    const host = src.toString();
    const dstText = dst.toString();
    return {
      features: f,
      source,
      pid: partitionIdOf(source.topic, source.partition),
      offset,
      eventMs,
      port: flow.dstPort,
      transport: flow.transport,
      portKey: portKeyOf(flow.dstPort, flow.transport, scope),
      srcZone: zoneOf(src, config),
      dstZone: zoneOf(dst, config),
      host,
      dst: dstText,
      opaque: f.verdict === 'opaque',
      initiator,
      responder,
      exporterEntropy: evEntropy as number | null,
      bytes: flow.bytesFwd + flow.bytesRev,
      entropyMilli: entropy === null ? null : Math.round(Math.min(8, Math.max(0, entropy)) * 1000),
      srcBit: bitOf(host),
      dstBit: bitOf(dstText),
      windowStartMs,
      // Only opaque flows make detections; hashing an id for every TLS flow would be waste.
      detectionId:
        f.verdict === 'opaque'
          ? detectionIdOf(host, dstText, flow.dstPort, flow.transport, windowStartMs)
          : '',
      tooLate: false,
    };
  } catch {
    // A hostile object (throwing getters, proxies) is bad input, not a crash.
    return 'unreadable-item';
  }
}
