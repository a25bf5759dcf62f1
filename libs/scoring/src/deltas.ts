import { bucketIndexOf, cutoffIndexOf } from './baseline.js';
import type { ScorerConfig } from './config.js';
import { EMPTY_BITS, hexOf, setBit, wordsOf } from './distinct.js';
import { addEvidence, type Evidence } from './host.js';
import type { PreparedItem } from './prepare.js';
import type {
  AggregateDelta,
  ApplyRequest,
  BucketCounters,
  HostDelta,
  PortDelta,
} from './store-types.js';
import { mergeSamples } from './store-types.js';

/** Whether an item's effect on a key is still to be applied (its offset is above the key's watermark). */
export function isNew(
  watermarks: Readonly<Record<string, string>> | undefined,
  item: Pick<PreparedItem, 'pid' | 'offset'>,
): boolean {
  const wm = watermarks?.[item.pid];
  return wm === undefined || item.offset > wm;
}

interface Range {
  minOffset: string;
  maxOffset: string;
}

function widen(r: Range | undefined, offset: string): Range {
  if (r === undefined) return { minOffset: offset, maxOffset: offset };
  if (offset < r.minOffset) r.minOffset = offset;
  if (offset > r.maxOffset) r.maxOffset = offset;
  return r;
}

interface BucketAcc {
  c: BucketCounters;
  src: number[];
  dst: number[];
}

interface PortAcc extends Range {
  key: string;
  pid: string;
  eventMinMs: number;
  eventMaxMs: number;
  tiers: Map<number, BucketAcc>[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Pre-aggregates what a batch adds into one delta per (key, source partition), so the store
 * does one atomic add per key. The scorer tells it each effect as it applies the item to its
 * working copy; items a key has already absorbed (replays) are never added.
 */
export class DeltaBuilder {
  private readonly ports = new Map<string, PortAcc>();
  private readonly horizons = new Map<string, number>();
  private readonly aggregates = new Map<string, Mutable<AggregateDelta>>();
  private readonly hosts = new Map<
    string,
    { addr: string; pid: string; range: Range; e: Evidence }
  >();

  constructor(private readonly config: ScorerConfig) {}

  /** Every flow moves its port's horizon, the event time below which buckets may be dropped. */
  seePort(portKey: string, horizonMs: number): void {
    this.horizons.set(portKey, Math.max(this.horizons.get(portKey) ?? -Infinity, horizonMs));
  }

  addPort(p: PreparedItem): void {
    const k = `${p.portKey}\u0000${p.pid}`;
    let acc = this.ports.get(k);
    if (acc === undefined) {
      acc = {
        key: p.portKey,
        pid: p.pid,
        minOffset: p.offset,
        maxOffset: p.offset,
        eventMinMs: p.eventMs,
        eventMaxMs: p.eventMs,
        tiers: this.config.tiers.map(() => new Map<number, BucketAcc>()),
      };
      this.ports.set(k, acc);
    }
    widen(acc, p.offset);
    acc.eventMinMs = Math.min(acc.eventMinMs, p.eventMs);
    acc.eventMaxMs = Math.max(acc.eventMaxMs, p.eventMs);
    this.config.tiers.forEach((tier, i) => {
      const idx = bucketIndexOf(p.eventMs, tier);
      const buckets = acc.tiers[i]!;
      let b = buckets.get(idx);
      if (b === undefined) {
        b = {
          c: {
            flows: 0,
            opaque: 0,
            bytes: 0,
            entropyMilliSum: 0,
            entropyMilliSqSum: 0,
            entropyCount: 0,
            srcBits: EMPTY_BITS,
            dstBits: EMPTY_BITS,
          },
          src: wordsOf(EMPTY_BITS),
          dst: wordsOf(EMPTY_BITS),
        };
        buckets.set(idx, b);
      }
      b.c.flows += 1;
      if (p.opaque) b.c.opaque += 1;
      b.c.bytes += p.bytes;
      if (p.entropyMilli !== null) {
        b.c.entropyMilliSum += p.entropyMilli;
        b.c.entropyMilliSqSum += p.entropyMilli * p.entropyMilli;
        b.c.entropyCount += 1;
      }
      setBit(b.src, p.srcBit);
      setBit(b.dst, p.dstBit);
    });
  }

  addAggregate(p: PreparedItem): void {
    const { aggregation, allowedLatenessMs, ttlSlackMs } = this.config;
    const k = `${p.detectionId}\u0000${p.pid}`;
    const a = this.aggregates.get(k);
    if (a === undefined) {
      this.aggregates.set(k, {
        id: p.detectionId,
        pid: p.pid,
        minOffset: p.offset,
        maxOffset: p.offset,
        ttlMs: aggregation.windowMs + allowedLatenessMs + ttlSlackMs,
        firstSeenMs: p.features.flow.startMs,
        lastSeenMs: p.eventMs,
        flowCount: 1,
        bytes: p.bytes,
        sampleFlowIds: mergeSamples([], [p.features.flow.flowId], aggregation.maxSampleFlowIds),
        maxSampleFlowIds: aggregation.maxSampleFlowIds,
      });
      return;
    }
    widen(a, p.offset);
    a.firstSeenMs = Math.min(a.firstSeenMs, p.features.flow.startMs);
    a.lastSeenMs = Math.max(a.lastSeenMs, p.eventMs);
    a.flowCount += 1;
    a.bytes += p.bytes;
    a.sampleFlowIds = mergeSamples(a.sampleFlowIds, [p.features.flow.flowId], a.maxSampleFlowIds);
  }

  addHost(p: PreparedItem, add: Evidence): void {
    const k = `${p.host}\u0000${p.pid}`;
    const h = this.hosts.get(k);
    if (h === undefined)
      this.hosts.set(k, { addr: p.host, pid: p.pid, range: widen(undefined, p.offset), e: add });
    else {
      widen(h.range, p.offset);
      h.e = addEvidence(h.e, add, this.config.host.halfLifeMs);
    }
  }

  build(): ApplyRequest {
    const config = this.config;
    const portTtl =
      config.tiers[config.tiers.length - 1]!.windowMs +
      config.allowedLatenessMs +
      config.ttlSlackMs;
    const ports: PortDelta[] = [...this.ports.values()].map((acc) => ({
      key: acc.key,
      pid: acc.pid,
      minOffset: acc.minOffset,
      maxOffset: acc.maxOffset,
      ttlMs: portTtl,
      eventMinMs: acc.eventMinMs,
      eventMaxMs: acc.eventMaxMs,
      tiers: config.tiers.map((tier, i) => {
        const cutoffIndex = cutoffIndexOf(
          this.horizons.get(acc.key) ?? acc.eventMaxMs,
          tier,
          config.allowedLatenessMs,
        );
        return {
          cutoffIndex,
          // Buckets already outside every window would be dropped by the store anyway.
          buckets: [...acc.tiers[i]!]
            .filter(([idx]) => idx >= cutoffIndex)
            .map(
              ([idx, b]) =>
                [idx, { ...b.c, srcBits: hexOf(b.src), dstBits: hexOf(b.dst) }] as const,
            ),
        };
      }),
    }));
    const { halfLifeMs } = config.host;
    const hostTtl = halfLifeMs * 10 + config.ttlSlackMs;
    const hosts: HostDelta[] = [...this.hosts.values()].map((h) => ({
      addr: h.addr,
      pid: h.pid,
      minOffset: h.range.minOffset,
      maxOffset: h.range.maxOffset,
      ttlMs: hostTtl,
      evidence: h.e.evidence,
      refMs: h.e.refMs,
      halfLifeMs,
    }));
    return { ports, aggregates: [...this.aggregates.values()], hosts };
  }
}
