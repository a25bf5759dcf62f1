import { mergeInto } from './baseline.js';
import type {
  AggregateState,
  AggregateTotals,
  ApplyRequest,
  ApplyResult,
  BucketCounters,
  DeltaGuard,
  HostState,
  LatenessState,
  PortState,
  ReadRequest,
  ReadResult,
  ScorerStore,
} from './store-types.js';
import { mergeSamples, raiseLateness } from './store-types.js';
import { addEvidence } from './host.js';

interface Expiring {
  expiresAtMs: number;
  watermarks: Map<string, string>;
}

interface PortEntry extends Expiring {
  firstSeenMs: number | null;
  maxEventMs: number | null;
  tiers: Map<number, BucketCounters>[];
  pruned: number[];
}

interface AggregateEntry extends Expiring {
  firstSeenMs: number;
  lastSeenMs: number;
  flowCount: number;
  bytes: number;
  sampleFlowIds: string[];
}

interface HostEntry extends Expiring {
  evidence: number;
  refMs: number;
}

type Outcome = 'applied' | 'replayed' | 'conflict';

function check(entry: Expiring | undefined, guard: DeltaGuard): Outcome {
  const wm = entry?.watermarks.get(guard.pid);
  if (wm === undefined) return 'applied';
  if (wm >= guard.maxOffset) return 'replayed';
  if (wm >= guard.minOffset) return 'conflict';
  return 'applied';
}

function pick(
  watermarks: Map<string, string> | undefined,
  pids: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pid of pids) {
    const wm = watermarks?.get(pid);
    if (wm !== undefined) out[pid] = wm;
  }
  return out;
}

/**
 * The embedded runner's store: the same semantics as the Redis store (watermarks, pruning,
 * TTLs against a wall clock) in process memory, so one behaviour suite covers both.
 */
export class MemoryScorerStore implements ScorerStore {
  private readonly ports = new Map<string, PortEntry>();
  private readonly aggregates = new Map<string, AggregateEntry>();
  private readonly hosts = new Map<string, HostEntry>();
  private readonly lateness = new Map<string, LatenessState & { expiresAtMs: number }>();
  /** Round trips a networked store would have made; the bench compares stores by it. */
  roundTrips = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  private live<T extends Expiring>(map: Map<string, T>, key: string): T | undefined {
    const entry = map.get(key);
    if (entry !== undefined && entry.expiresAtMs <= this.clock()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  read(request: ReadRequest): Promise<ReadResult> {
    this.roundTrips += 1;
    const ports = new Map<string, PortState>();
    for (const { key, pids } of request.ports) {
      const e = this.live(this.ports, key);
      const tiers: Map<number, BucketCounters>[] = [];
      for (let i = 0; i < request.tierCount; i++) {
        const copy = new Map<number, BucketCounters>();
        for (const [idx, c] of e?.tiers[i] ?? []) copy.set(idx, { ...c });
        tiers.push(copy);
      }
      ports.set(key, {
        firstSeenMs: e?.firstSeenMs ?? null,
        maxEventMs: e?.maxEventMs ?? null,
        tiers,
        watermarks: pick(e?.watermarks, pids),
      });
    }
    const aggregates = new Map<string, AggregateState | null>();
    for (const { id, pids } of request.aggregates) {
      const e = this.live(this.aggregates, id);
      aggregates.set(
        id,
        e === undefined
          ? null
          : {
              firstSeenMs: e.firstSeenMs,
              lastSeenMs: e.lastSeenMs,
              flowCount: e.flowCount,
              bytes: e.bytes,
              sampleFlowIds: [...e.sampleFlowIds],
              watermarks: pick(e.watermarks, pids),
            },
      );
    }
    const hosts = new Map<string, HostState | null>();
    for (const { addr, pids } of request.hosts) {
      const e = this.live(this.hosts, addr);
      hosts.set(
        addr,
        e === undefined
          ? null
          : { evidence: e.evidence, refMs: e.refMs, watermarks: pick(e.watermarks, pids) },
      );
    }
    const lateness = new Map<string, LatenessState>();
    for (const pid of request.partitions ?? []) {
      const e = this.lateness.get(pid);
      if (e === undefined || e.expiresAtMs <= this.clock()) continue;
      lateness.set(pid, {
        offset: e.offset,
        maxEventMs: e.maxEventMs,
        previousOffset: e.previousOffset,
        previousMaxEventMs: e.previousMaxEventMs,
      });
    }
    return Promise.resolve({ ports, aggregates, hosts, lateness });
  }

  apply(request: ApplyRequest): Promise<ApplyResult> {
    this.roundTrips += 1;
    const now = this.clock();
    const tally = { applied: 0, replayed: 0, conflicts: 0 };
    const totals = new Map<string, AggregateTotals>();
    const observe = (id: string): void => {
      const e = this.live(this.aggregates, id);
      if (e === undefined) totals.delete(id);
      else
        totals.set(id, {
          firstSeenMs: e.firstSeenMs,
          lastSeenMs: e.lastSeenMs,
          flowCount: e.flowCount,
          bytes: e.bytes,
          sampleFlowIds: [...e.sampleFlowIds],
        });
    };
    const count = (o: Outcome): boolean => {
      if (o === 'applied') tally.applied += 1;
      else if (o === 'replayed') tally.replayed += 1;
      else tally.conflicts += 1;
      return o === 'applied';
    };
    for (const d of request.ports) {
      let e = this.live(this.ports, d.key);
      if (!count(check(e, d))) continue;
      if (e === undefined) {
        e = {
          expiresAtMs: 0,
          watermarks: new Map(),
          firstSeenMs: null,
          maxEventMs: null,
          tiers: [],
          pruned: [],
        };
        this.ports.set(d.key, e);
      }
      e.firstSeenMs = e.firstSeenMs === null ? d.eventMinMs : Math.min(e.firstSeenMs, d.eventMinMs);
      e.maxEventMs = e.maxEventMs === null ? d.eventMaxMs : Math.max(e.maxEventMs, d.eventMaxMs);
      d.tiers.forEach((t, i) => {
        const buckets = (e.tiers[i] ??= new Map());
        const pruned = e.pruned[i] ?? -Infinity;
        if (t.cutoffIndex > pruned) {
          for (const idx of buckets.keys()) if (idx < t.cutoffIndex) buckets.delete(idx);
          e.pruned[i] = t.cutoffIndex;
        }
        for (const [idx, c] of t.buckets) {
          if (idx < (e.pruned[i] ?? -Infinity)) continue;
          const existing = buckets.get(idx);
          if (existing === undefined) buckets.set(idx, { ...c });
          else mergeInto(existing, c);
        }
      });
      e.watermarks.set(d.pid, d.maxOffset);
      e.expiresAtMs = now + d.ttlMs;
    }
    for (const d of request.aggregates) {
      let e = this.live(this.aggregates, d.id);
      if (!count(check(e, d))) {
        observe(d.id);
        continue;
      }
      if (e === undefined) {
        e = {
          expiresAtMs: 0,
          watermarks: new Map(),
          firstSeenMs: d.firstSeenMs,
          lastSeenMs: d.lastSeenMs,
          flowCount: 0,
          bytes: 0,
          sampleFlowIds: [],
        };
        this.aggregates.set(d.id, e);
      }
      e.firstSeenMs = Math.min(e.firstSeenMs, d.firstSeenMs);
      e.lastSeenMs = Math.max(e.lastSeenMs, d.lastSeenMs);
      e.flowCount += d.flowCount;
      e.bytes += d.bytes;
      e.sampleFlowIds = mergeSamples(e.sampleFlowIds, d.sampleFlowIds, d.maxSampleFlowIds);
      e.watermarks.set(d.pid, d.maxOffset);
      e.expiresAtMs = now + d.ttlMs;
      observe(d.id);
    }
    for (const id of request.observeAggregates ?? []) observe(id);
    for (const d of request.lateness ?? []) {
      const e = this.lateness.get(d.pid);
      const live = e === undefined || e.expiresAtMs <= now ? undefined : e;
      this.lateness.set(d.pid, { ...raiseLateness(live, d), expiresAtMs: now + d.ttlMs });
    }
    for (const d of request.hosts) {
      const e = this.live(this.hosts, d.addr);
      if (!count(check(e, d))) continue;
      const next = addEvidence(e ?? null, { evidence: d.evidence, refMs: d.refMs }, d.halfLifeMs);
      const watermarks = e?.watermarks ?? new Map<string, string>();
      watermarks.set(d.pid, d.maxOffset);
      this.hosts.set(d.addr, { ...next, watermarks, expiresAtMs: now + d.ttlMs });
    }
    return Promise.resolve({ ...tally, aggregates: totals });
  }

  /** Port baseline keys held now (see portKeyOf): what the query service lists as /v1/ports. */
  portKeys(): string[] {
    const now = this.clock();
    return [...this.ports].filter(([, e]) => e.expiresAtMs > now).map(([k]) => k);
  }

  /** Entries currently held (expired ones are dropped first). */
  size(): { ports: number; aggregates: number; hosts: number } {
    const now = this.clock();
    for (const map of [this.ports, this.aggregates, this.hosts] as Map<string, Expiring>[])
      for (const [k, v] of map) if (v.expiresAtMs <= now) map.delete(k);
    return { ports: this.ports.size, aggregates: this.aggregates.size, hosts: this.hosts.size };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
