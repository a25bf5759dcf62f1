import { accumulateTier, baselineFrom, bucketIndexOf, summaryOf } from './baseline.js';
import type { PortBaseline, WindowAcc } from './baseline.js';
import type { ScorerConfig } from './config.js';
import { EMPTY_BITS, setBit, setBitHex } from './distinct.js';
import { addEvidence, type Evidence } from './host.js';
import type { PreparedItem } from './prepare.js';
import {
  mergeSamples,
  type BucketCounters,
  type PortState,
  type ReadResult,
} from './store-types.js';

/**
 * The batch's local copy of the state it read once: items are applied to it one by one in
 * event-time order, so each flow is judged against exactly the flows before it, whatever
 * the batch boundaries. The store sees the same effects as one apply at the end.
 */
export class WorkingState {
  private readonly ports = new Map<string, WorkingPort>();
  private readonly aggregates = new Map<string, WorkingAggregate>();
  private readonly hosts = new Map<string, WorkingHost>();

  constructor(
    private readonly read: ReadResult,
    private readonly config: ScorerConfig,
  ) {}

  port(key: string): WorkingPort {
    let w = this.ports.get(key);
    if (w === undefined) {
      w = new WorkingPort(this.read.ports.get(key), this.config);
      this.ports.set(key, w);
    }
    return w;
  }

  aggregate(id: string): WorkingAggregate {
    let w = this.aggregates.get(id);
    if (w === undefined) {
      const stored = this.read.aggregates.get(id) ?? null;
      w = {
        watermarks: stored?.watermarks ?? {},
        present: stored !== null,
        firstSeenMs: stored?.firstSeenMs ?? Infinity,
        lastSeenMs: stored?.lastSeenMs ?? -Infinity,
        flowCount: stored?.flowCount ?? 0,
        bytes: stored?.bytes ?? 0,
        sampleFlowIds: [...(stored?.sampleFlowIds ?? [])],
      };
      this.aggregates.set(id, w);
    }
    return w;
  }

  host(addr: string): WorkingHost {
    let w = this.hosts.get(addr);
    if (w === undefined) {
      const stored = this.read.hosts.get(addr) ?? null;
      w = {
        watermarks: stored?.watermarks ?? {},
        evidence: stored === null ? null : { evidence: stored.evidence, refMs: stored.refMs },
      };
      this.hosts.set(addr, w);
    }
    return w;
  }

  addToAggregate(w: WorkingAggregate, p: PreparedItem): void {
    w.present = true;
    w.firstSeenMs = Math.min(w.firstSeenMs, p.features.flow.startMs);
    w.lastSeenMs = Math.max(w.lastSeenMs, p.eventMs);
    w.flowCount += 1;
    w.bytes += p.bytes;
    w.sampleFlowIds = mergeSamples(
      w.sampleFlowIds,
      [p.features.flow.flowId],
      this.config.aggregation.maxSampleFlowIds,
    );
  }

  addToHost(w: WorkingHost, add: Evidence): void {
    w.evidence = addEvidence(w.evidence, add, this.config.host.halfLifeMs);
  }
}

export interface WorkingAggregate {
  /** Offsets the stored aggregate had absorbed when the batch read it. */
  readonly watermarks: Readonly<Record<string, string>>;
  /** Whether a flow was counted in it before (stored, or earlier in this batch). */
  present: boolean;
  firstSeenMs: number;
  lastSeenMs: number;
  flowCount: number;
  bytes: number;
  sampleFlowIds: string[];
}

export interface WorkingHost {
  readonly watermarks: Readonly<Record<string, string>>;
  evidence: Evidence | null;
}

/**
 * One port baseline's buckets. Counted flows wait in a list until a baseline is asked for
 * (most ports, 443 among them, carry no opaque flow to judge): the buckets are copied on
 * the first write, and the open windows of the current horizon take each flow as it is
 * counted, so a port judged many times in a batch is summed from its buckets once per bucket
 * step of its horizon.
 */
export class WorkingPort {
  readonly watermarks: Readonly<Record<string, string>>;
  firstSeenMs: number | null;
  maxEventMs: number | null;
  private tiers: readonly ReadonlyMap<number, BucketCounters>[];
  private owned = false;
  private pending: PreparedItem[] = [];
  /** The open windows of the tiers a baseline reads (the shortest, the longest), by horizon. */
  private cache: { key: string; windows: [WindowAcc, WindowAcc] } | null = null;

  constructor(
    stored: PortState | undefined,
    private readonly config: ScorerConfig,
  ) {
    this.watermarks = stored?.watermarks ?? {};
    this.firstSeenMs = stored?.firstSeenMs ?? null;
    this.maxEventMs = stored?.maxEventMs ?? null;
    this.tiers = stored?.tiers ?? [];
  }

  /** The baseline as of horizonMs, from the flows counted so far. */
  baseline(p: PreparedItem, horizonMs: number): PortBaseline {
    if (this.pending.length > 0) this.flush();
    const { tiers } = this.config;
    const last = tiers.length - 1;
    const key = `${bucketIndexOf(horizonMs, tiers[0]!)}:${bucketIndexOf(horizonMs, tiers[last]!)}`;
    if (this.cache?.key !== key)
      this.cache = {
        key,
        windows: [
          accumulateTier(this.tiers[0], tiers[0]!, horizonMs),
          accumulateTier(this.tiers[last], tiers[last]!, horizonMs),
        ],
      };
    return baselineFrom(
      summaryOf(this.cache.windows[1], tiers[last]!),
      summaryOf(this.cache.windows[0], tiers[0]!),
      this.firstSeenMs,
      p.port,
      p.transport,
      horizonMs,
      this.config,
    );
  }

  /** Counts one flow (in its bucket of every tier once a baseline needs it). */
  add(p: PreparedItem): void {
    this.firstSeenMs =
      this.firstSeenMs === null ? p.eventMs : Math.min(this.firstSeenMs, p.eventMs);
    this.maxEventMs = this.maxEventMs === null ? p.eventMs : Math.max(this.maxEventMs, p.eventMs);
    this.pending.push(p);
  }

  private flush(): void {
    if (!this.owned) {
      this.tiers = this.config.tiers.map((_, i) => {
        const copy = new Map<number, BucketCounters>();
        for (const [idx, c] of this.tiers[i] ?? []) copy.set(idx, { ...c });
        return copy;
      });
      this.owned = true;
    }
    const last = this.config.tiers.length - 1;
    for (const p of this.pending)
      this.config.tiers.forEach((tier, i) => {
        const buckets = this.tiers[i] as Map<number, BucketCounters>;
        const idx = bucketIndexOf(p.eventMs, tier);
        let b = buckets.get(idx);
        if (b === undefined) {
          b = {
            flows: 0,
            opaque: 0,
            bytes: 0,
            entropyMilliSum: 0,
            entropyMilliSqSum: 0,
            entropyCount: 0,
            srcBits: EMPTY_BITS,
            dstBits: EMPTY_BITS,
          };
          buckets.set(idx, b);
        }
        b.flows += 1;
        if (p.opaque) b.opaque += 1;
        b.bytes += p.bytes;
        if (p.entropyMilli !== null) {
          b.entropyMilliSum += p.entropyMilli;
          b.entropyMilliSqSum += p.entropyMilli * p.entropyMilli;
          b.entropyCount += 1;
        }
        b.srcBits = setBitHex(b.srcBits, p.srcBit);
        b.dstBits = setBitHex(b.dstBits, p.dstBit);
        // The open windows take the flow too, when its bucket is inside them.
        if (this.cache !== null) {
          if (i === 0) countInto(this.cache.windows[0], idx, p);
          if (i === last) countInto(this.cache.windows[1], idx, p);
        }
      });
    this.pending = [];
  }
}

function countInto(w: WindowAcc, idx: number, p: PreparedItem): void {
  if (idx < w.first || idx > w.last) return;
  w.flows += 1;
  if (p.opaque) w.opaque += 1;
  w.bytes += p.bytes;
  if (p.entropyMilli !== null) {
    w.milliSum += p.entropyMilli;
    w.milliSqSum += p.entropyMilli * p.entropyMilli;
    w.entropyCount += 1;
  }
  setBit(w.src, p.srcBit);
  setBit(w.dst, p.dstBit);
}
