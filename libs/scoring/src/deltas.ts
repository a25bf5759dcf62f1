import { bucketIndexOf, cutoffIndexOf } from './baseline.js';
import type { ScorerConfig } from './config.js';
import { EMPTY_BITS, hexOf, setBit, wordsOf } from './distinct.js';
import { addEvidence, type Evidence } from './host.js';
import type { PreparedItem } from './prepare.js';
import type { Scored } from './scorer.js';
import type {
  AggregateDelta,
  ApplyRequest,
  BucketCounters,
  HostDelta,
  PortDelta,
  ReadResult,
} from './store-types.js';

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

export interface Deltas {
  readonly request: ApplyRequest;
  /** New host evidence of this batch per host, for the detections' host scores. */
  readonly hostAdds: ReadonlyMap<string, Evidence[]>;
}

/**
 * Pre-aggregates the batch into one delta per (key, source partition), leaving out every
 * item a key has already absorbed, so the store does one atomic add per key.
 */
export function buildDeltas(
  prepared: readonly PreparedItem[],
  scored: readonly Scored[],
  state: ReadResult,
  config: ScorerConfig,
): Deltas {
  const longest = config.tiers[config.tiers.length - 1]!.windowMs;
  const ports = new Map<string, PortAcc>();
  const horizons = new Map<string, number>();
  for (const p of prepared) {
    const port = state.ports.get(p.portKey);
    horizons.set(
      p.portKey,
      Math.max(horizons.get(p.portKey) ?? port?.maxEventMs ?? -Infinity, p.eventMs),
    );
    if (p.tooLate || !isNew(port?.watermarks, p)) continue;
    const k = `${p.portKey}\u0000${p.pid}`;
    let acc = ports.get(k);
    if (acc === undefined) {
      acc = {
        key: p.portKey,
        pid: p.pid,
        minOffset: p.offset,
        maxOffset: p.offset,
        eventMinMs: p.eventMs,
        eventMaxMs: p.eventMs,
        tiers: config.tiers.map(() => new Map<number, BucketAcc>()),
      };
      ports.set(k, acc);
    }
    widen(acc, p.offset);
    acc.eventMinMs = Math.min(acc.eventMinMs, p.eventMs);
    acc.eventMaxMs = Math.max(acc.eventMaxMs, p.eventMs);
    config.tiers.forEach((tier, i) => {
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
  const portTtl = longest + config.allowedLatenessMs + config.ttlSlackMs;
  const portDeltas: PortDelta[] = [...ports.values()].map((acc) => ({
    key: acc.key,
    pid: acc.pid,
    minOffset: acc.minOffset,
    maxOffset: acc.maxOffset,
    ttlMs: portTtl,
    eventMinMs: acc.eventMinMs,
    eventMaxMs: acc.eventMaxMs,
    tiers: config.tiers.map((tier, i) => {
      const cutoffIndex = cutoffIndexOf(horizons.get(acc.key)!, tier, config.allowedLatenessMs);
      return {
        cutoffIndex,
        // Buckets already outside every window would be dropped by the store anyway.
        buckets: [...acc.tiers[i]!]
          .filter(([idx]) => idx >= cutoffIndex)
          .map(
            ([idx, b]) => [idx, { ...b.c, srcBits: hexOf(b.src), dstBits: hexOf(b.dst) }] as const,
          ),
      };
    }),
  }));

  const aggregates = new Map<string, AggregateDelta & Range>();
  const hosts = new Map<string, { addr: string; pid: string; range: Range; e: Evidence | null }>();
  const hostAdds = new Map<string, Evidence[]>();
  const seenChannel = new Set<string>();
  const { halfLifeMs } = config.host;
  for (const s of scored) {
    const p = s.item;
    const stored = state.aggregates.get(p.detectionId) ?? null;
    const newChannel = stored === null && !seenChannel.has(p.detectionId);
    seenChannel.add(p.detectionId);
    if (isNew(stored?.watermarks, p)) {
      const k = `${p.detectionId}\u0000${p.pid}`;
      const a = aggregates.get(k);
      if (a === undefined) {
        aggregates.set(k, {
          id: p.detectionId,
          pid: p.pid,
          minOffset: p.offset,
          maxOffset: p.offset,
          ttlMs: config.aggregation.windowMs + config.allowedLatenessMs + config.ttlSlackMs,
          firstSeenMs: p.features.flow.startMs,
          lastSeenMs: p.eventMs,
          flowCount: 1,
          bytes: p.bytes,
          sampleFlowIds: config.aggregation.maxSampleFlowIds > 0 ? [p.features.flow.flowId] : [],
          maxSampleFlowIds: config.aggregation.maxSampleFlowIds,
        });
      } else {
        const m = a as { -readonly [K in keyof typeof a]: (typeof a)[K] };
        widen(m, p.offset);
        m.firstSeenMs = Math.min(m.firstSeenMs, p.features.flow.startMs);
        m.lastSeenMs = Math.max(m.lastSeenMs, p.eventMs);
        m.flowCount += 1;
        m.bytes += p.bytes;
        if (m.sampleFlowIds.length < m.maxSampleFlowIds)
          m.sampleFlowIds = [...m.sampleFlowIds, p.features.flow.flowId];
      }
    }
    // Approved services add no suspicion to their hosts.
    if (s.exception !== null) continue;
    if (!isNew(state.hosts.get(p.host)?.watermarks, p)) continue;
    const add: Evidence = {
      evidence: s.score.strength * (newChannel ? 1 : config.host.repeatWeight),
      refMs: p.eventMs,
    };
    if (add.evidence <= 0) continue;
    const k = `${p.host}\u0000${p.pid}`;
    const h = hosts.get(k) ?? {
      addr: p.host,
      pid: p.pid,
      range: undefined as unknown as Range,
      e: null,
    };
    h.range = widen(h.range, p.offset);
    h.e = addEvidence(h.e, add, halfLifeMs);
    hosts.set(k, h);
    const list = hostAdds.get(p.host);
    if (list === undefined) hostAdds.set(p.host, [add]);
    else list.push(add);
  }
  const hostTtl = halfLifeMs * 10 + config.ttlSlackMs;
  const hostDeltas: HostDelta[] = [...hosts.values()].map((h) => ({
    addr: h.addr,
    pid: h.pid,
    minOffset: h.range.minOffset,
    maxOffset: h.range.maxOffset,
    ttlMs: hostTtl,
    evidence: h.e!.evidence,
    refMs: h.e!.refMs,
    halfLifeMs,
  }));
  return {
    request: { ports: portDeltas, aggregates: [...aggregates.values()], hosts: hostDeltas },
    hostAdds,
  };
}
